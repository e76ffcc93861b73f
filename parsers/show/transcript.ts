// Saved sessions (RANCID, Oxidized, terminal logs) to per-command outputs: prompts found by shape, echoed commands
// taken from the prompt line, and a bare output with no prompt taken as one output whose command is guessed.
import { isNoise, MAX_LINE, splitLines } from './lines.js';

export interface ShowOutput {
  command: string;
  output: string;
}

// host#, host(config-if)#, host# cmd, `Router  # cmd`, ciscoasa (config)#, asa-1/pri/ctx/act#, user@host>, `# run cmd`.
const PROMPT = /^([A-Za-z0-9][\w.\-/@:]*)?( ?\([\w\-]+\))?\s*([#>])\s?(.*)$/;
/** Prompts are short; a long line is output (and the regex then never meets a hostile megabyte). */
const MAX_PROMPT_LINE = 512;

function promptCommand(line: string): string | undefined {
  if (line.length > MAX_PROMPT_LINE) return undefined;
  const m = PROMPT.exec(line);
  if (!m) return undefined;
  const [, host, mode, mark, rest] = m;
  const command = rest!.trim();
  // A command starts with a word (or `!` comment, `$` for an echo IOS shortened); `a > b` in output is not a prompt.
  if (command !== '' && !/^[A-Za-z!$]/.test(command)) return undefined;
  // Junos configuration mode loses the host in some copies (`# run show …`); accept that only before a command.
  if (host === undefined && (mode !== undefined || mark !== '#' || !/^(?:run|show|sh)\s/.test(command))) return undefined;
  return command;
}

const MARKERS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^\s*Status Information for Capture Point /, () => 'show monitor capture point all'],
  [/^\s*Capture buffer \S+/i, () => 'show monitor capture buffer all parameters'],
  [/^\s*Status Information for Capture /, () => 'show monitor capture'],
  [/^\s*monitor capture (\S+) /, (m) => `show monitor capture ${m[1]} parameter`],
  [/^\s*[Ss]ession \d+\s*$/, () => 'show monitor session all'],
  [/^\s*Span Session (\d+) \(FED/, (m) => `show platform software monitor session ${m[1]}`],
  [/^capture \S+ (?:type|interface) /, () => 'show capture'],
  [/^\s*Analyzer name\s*:/, () => 'show forwarding-options analyzer'],
  [/^\s*Instance Name:/, () => 'show forwarding-options port-mirroring'],
];

/** The show command that most likely printed this text, or '' when nothing in it is recognisable. */
export function guessCommand(text: string): string {
  for (const line of splitLines(text)) {
    for (const [re, name] of MARKERS) {
      const m = re.exec(line);
      if (m) return name(m);
    }
  }
  return '';
}

/**
 * The text's lines: split at LF, without the CRs before each LF or at a line's start (terminal noise). A loop, not
 * `split(/\r*\n/)`: that regex rescans a run of CRs from each of them (64 KB of CRs took 4 s).
 */
function transcriptLines(text: string): string[] {
  const pieces = text.split('\n');
  return pieces.map((piece, i) => {
    let end = piece.length;
    if (i < pieces.length - 1) while (end > 0 && piece.charCodeAt(end - 1) === 13) end--;
    let start = 0;
    while (start < end && piece.charCodeAt(start) === 13) start++;
    return piece.slice(start, end);
  });
}

/** Splits a saved transcript (RANCID, Oxidized, terminal log: prompts and echoed commands included) into outputs. */
export function splitTranscript(text: string): ShowOutput[] {
  const segments: Array<{ command: string | undefined; lines: string[] }> = [{ command: undefined, lines: [] }];
  for (const line of transcriptLines(text)) {
    const command = promptCommand(line);
    if (command === undefined) segments[segments.length - 1]!.lines.push(line);
    else segments.push({ command, lines: [] });
  }
  const outputs: ShowOutput[] = [];
  for (const [i, s] of segments.entries()) {
    let command = s.command;
    let lines = s.lines;
    if (command === undefined || command === '') {
      // Before the first prompt, or after a bare prompt: the command may be echoed without a prompt (pyATS logs).
      const first = lines.findIndex((l) => l.trim() !== '' && !isNoise(l));
      if (first >= 0 && lines[first]!.length <= MAX_LINE && /^\s*(?:show|sh)\s+\S/.test(lines[first]!)) {
        command = lines[first]!.trim();
        lines = lines.slice(first + 1);
      }
    }
    const output = lines.join('\n');
    if (command === undefined || command === '') {
      if (output.trim() === '') {
        // A file that is empty (or holds only blank lines) is one empty output: "nothing configured".
        if (i === 0 && segments.length === 1) outputs.push({ command: '', output });
        continue;
      }
      command = guessCommand(output);
      // Text before the first prompt that says nothing recognisable is a banner or a header (RANCID, a note), not
      // an answer; only a file with no prompt at all is a bare output of an unknown command.
      if (command === '' && segments.length > 1) continue;
    }
    outputs.push({ command, output });
  }
  return outputs;
}
