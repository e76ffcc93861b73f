// Small helpers every record extractor shares. Every string here came off the wire.

// C0/C1 controls (TAB kept), Unicode line separators and bidi overrides: they could forge log lines or make a
// command display differently from what the device ran.
const UNSAFE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
// A run is replaced as a whole: a flood of control bytes costs one replacement, not one per byte.
const UNSAFE_RUNS = new RegExp(`${UNSAFE.source}+`, 'g');
// Whitespace, and the line breaks among the unsafe characters (NEL, LS, PS, LF…): these separate words.
const SPACE = /[\s\u0085]/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * Replaces each run of control and display-spoofing characters: with U+FFFD inside a word, with one space elsewhere.
 * A device CLI splits words on blanks only, so `CA<NUL>P` is one capture name there; a space would split it into two
 * words that no rule reads as a name (a capture started unseen), and dropping the run would make it look like `CAP`.
 * A run holding a line break (`monitor<NEL>session`) still separates words.
 */
export function clean(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_RUNS, (run: string, at: number) => (inWord(s, run, at) ? '\uFFFD' : ' ')) : s;
}

/** True when `run` (at `at` in `s`) breaks no word: text on both sides, and no line break inside it. */
function inWord(s: string, run: string, at: number): boolean {
  const before = s[at - 1];
  const after = s[at + run.length];
  return before !== undefined && after !== undefined && !SPACE.test(before) && !SPACE.test(after) && !SPACE.test(run);
}

/** A user or line field: cleaned and trimmed; empty and the `unknown` placeholder become undefined. */
export function field(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const v = clean(s).trim();
  return v === '' || v === 'unknown' ? undefined : v;
}

/** A command as logged, without trailing spaces and the TACACS+ ` <cr>` end marker. */
export function commandText(s: string): string {
  let v = clean(s).trimEnd();
  if (v.endsWith('<cr>')) v = v.slice(0, -4).trimEnd();
  return v;
}

function isIpAddress(s: string): boolean {
  return IPV4.test(s) || (s.includes(':') && IPV6.test(s));
}

/** The address when it is an IP (not `async`, a caller id or `0.0.0.0`). */
export function remoteAddress(s: string | undefined): string | undefined {
  const v = field(s);
  return v !== undefined && v !== '0.0.0.0' && isIpAddress(v) ? v : undefined;
}

/** `{ address }` for an IP, else `{ hostname }`; undefined when empty. */
export function deviceRef(s: string | undefined): { address?: string; hostname?: string } | undefined {
  const v = field(s);
  if (v === undefined) return undefined;
  return isIpAddress(v) ? { address: v } : { hostname: v };
}
