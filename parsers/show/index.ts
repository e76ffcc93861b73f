// Show-output parsers: what a device says about its packet captures and mirror sessions.
// Pure: no I/O, no clock. Each output is read by the parsers of the device's platform, whatever command printed it
// (the content says what it is); the command only names captures whose output does not, and marks which outputs
// were meant to reveal captures or sessions at all.
import type { Platform } from '../types.js';
import type { DeviceFindings, SessionFinding } from '../../src/types.js';
import { parseAsaCaptures } from './asa-capture.js';
import { mergeCaptures, type CaptureNote } from './capture-note.js';
import { parseIosCaptures } from './ios-capture.js';
import { parseIosSessions } from './ios-span.js';
import { parseJunosSessions } from './junos-mirror.js';
import { isNoise, splitLines } from './lines.js';
import { parseNxosSessions } from './nxos-span.js';
import type { ShowOutput } from './transcript.js';

export { guessCommand, splitTranscript, type ShowOutput } from './transcript.js';

interface OutputText {
  command: string;
  /** Without exec timestamps, console syslog and the like. */
  lines: string[];
  /** Every line, console messages included. */
  all: string[];
}

interface Parsed {
  captures?: CaptureNote[];
  sessions?: SessionFinding[];
}

type OutputParser = (t: OutputText) => Parsed;

const iosSessions: OutputParser = (t) => ({ sessions: parseIosSessions(t.lines) });
const iosCaptures: OutputParser = (t) => ({ captures: parseIosCaptures(t.command, t.lines, t.all) });

/** Parsers per platform. EOS has none yet: no real EOS output has been seen, so its answers count as unsupported. */
const PARSERS: Record<Platform, readonly OutputParser[]> = {
  ios: [iosSessions, iosCaptures],
  iosxe: [iosSessions, iosCaptures],
  nxos: [(t) => ({ sessions: parseNxosSessions(t.lines) })],
  asa: [(t) => ({ captures: parseAsaCaptures(t.command, t.lines) })],
  junos: [(t) => ({ sessions: parseJunosSessions(t.lines) })],
  eos: [],
  iosxr: [],
  // No real FortiOS (`show system switch-interface`) or PAN-OS (`debug dataplane packet-diag show setting`) output has
  // been seen: their answers count as unsupported, as EOS's do.
  fortios: [],
  panos: [],
  // Cloud accounts have no show commands: their mirrors are listed through the providers' APIs.
  aws: [],
  gcp: [],
  azure: [],
};

/** Commands meant to reveal captures or mirrors (or exec commands acting on them); '' = unknown, read it anyway. */
export function isFindingCommand(command: string): boolean {
  return command === '' || /\b(?:monitor|cap\S*|analyzer|port-mirroring)\b/i.test(command);
}

/** Parses the outputs of the show commands run on one device into findings. Pure. */
export function parseShowOutputs(platform: Platform, outputs: ShowOutput[]): DeviceFindings {
  const parsers = PARSERS[platform] ?? [];
  const relevant = outputs.filter((o) => isFindingCommand(o.command));
  const notes: CaptureNote[] = [];
  let sessions: SessionFinding[] = [];
  let supported = false;
  let truncated = false;
  for (const o of relevant) {
    if (isTruncated(o.output)) truncated = true;
    if (isRejected(o.output)) continue;
    supported = parsers.length > 0;
    const all = splitLines(o.output);
    const text: OutputText = { command: o.command.trim(), all, lines: all.filter((l) => !isNoise(l)) };
    for (const parse of parsers) {
      const r = parse(text);
      if (r.captures) notes.push(...r.captures);
      if (r.sessions?.length) {
        // A later output about the same session (e.g. `show monitor` then `show monitor session all`) replaces it;
        // two blocks with one number in one output are both kept.
        const key = (s: SessionFinding) => `${s.id}\u0000${s.type}`;
        const fresh = new Set(r.sessions.map(key));
        sessions = [...sessions.filter((s) => !fresh.has(key(s))), ...r.sessions];
      }
    }
  }
  const findings: DeviceFindings = { supported, captures: mergeCaptures(notes), sessions };
  if (truncated) findings.truncated = true;
  return findings;
}

const REJECTED = [
  /^\s*% ?(?:Invalid (?:input|command)|Incomplete command|Ambiguous command|Unrecognized command|Unknown command|Bad command|Authorization failed|Permission denied)/i,
  /^\s*ERROR:/,
  /^\s*Syntax error\b/i,
  /^\s*unknown command\.?\s*$/i, // Junos
];

/** True when the output is the device rejecting the command (`% Invalid input`, `ERROR:`, `% Unrecognized`…): "unsupported", not "none". */
export function isRejected(output: string): boolean {
  return splitLines(output).some((l) => REJECTED.some((re) => re.test(l)));
}

/** True when the output ends in or contains a pager prompt (`--More--`, ` --More-- `, `<--- More --->`): truncated, not complete. */
export function isTruncated(output: string): boolean {
  return /--More--|<--- More --->|---\(more(?: \d+%)?\)---/.test(output);
}
