// Turning raw device text into the lines a show-output parser reads: line endings, pager remnants, exec-prompt
// timestamps, console syslog and oversized lines are dealt with once, here, for every platform.

/** No real show-output line comes near this; longer lines are hostile or binary and are skipped (keeps regexes linear). */
export const MAX_LINE = 2048;

// The prompt and what follows it; the blanks before it are trimmed by `removePager`: a leading `\s*` here would be
// tried at every blank of a line of blanks, quadratic in the line (2,048 blanks × 32 lines took 400 ms).
const PAGER = /(?:--More--|<--- More --->|---\(more(?: \d+%)?\)---)[\s\b]*/g;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** The output's lines: any of \r\n, \r\r\n, \n\r, bare \r as separators; pager prompts, ANSI and control bytes removed. */
export function splitLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r*\n\r*|\r+/)) {
    if (raw.length > MAX_LINE) continue;
    // trimEnd, not `/\s+$/`: that regex, too, is quadratic on a line of blanks.
    out.push(removePager(raw.replace(ANSI, '')).replace(CONTROL, '').trimEnd());
  }
  return out;
}

/** Each pager prompt, with the blanks around it, becomes one space. */
function removePager(line: string): string {
  if (!line.includes('--')) return line;
  let out = '';
  let from = 0;
  for (const m of line.matchAll(PAGER)) {
    out += `${line.slice(from, m.index).trimEnd()} `;
    from = m.index + m[0].length;
  }
  return from === 0 ? line : out + line.slice(from);
}

const NOISE = [
  /^Load for five secs:/, // exec prompt timestamp
  /^Time source is /,
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+: %UNICON/, // pyATS / unicon log
  /^(?:\d+: )?[*.]?[A-Z][a-z]{2} +\d+ [\d:.]+(?: [A-Z]{2,5})?: %[A-Z][A-Z0-9_]*-(?:[A-Z0-9_]+-)?\d-[A-Z0-9_]+/, // console syslog
];

/** True for lines the device mixes into any output that say nothing about captures or sessions. */
export function isNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

/** `Key   : value` with any padding (none, one space, column-aligned). The key must start with a letter. */
export function keyValue(line: string): [key: string, value: string] | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const key = line.slice(0, colon).trim();
  if (!/^[A-Za-z][\w .\/()-]*$/.test(key)) return undefined;
  return [key.toLowerCase().replace(/\s+/g, ' '), line.slice(colon + 1).trim()];
}

/** A device list value (`Fa0/1,Fa0/2`, `Po2 Po3`); `None`, `-`, `(null)`, `0.0.0.0` and empty mean no items. */
export function listValue(value: string): string[] {
  const v = value.trim();
  if (v === '' || v === '-' || v === '0.0.0.0' || /^(?:none|\(null\))$/i.test(v)) return [];
  return v.split(/[,\s]+/).filter((s) => s.length > 0);
}

/** Cisco direction words to the capture vocabulary. */
export function captureDirection(word: string | undefined): 'in' | 'out' | 'both' | null {
  switch (word?.toLowerCase()) {
    case 'in':
    case 'input':
    case 'ingress':
    case 'rx':
      return 'in';
    case 'out':
    case 'output':
    case 'egress':
    case 'tx':
      return 'out';
    case 'both':
      return 'both';
    default:
      return null;
  }
}
