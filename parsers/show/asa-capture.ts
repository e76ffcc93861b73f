// ASA `show capture`: one line per capture,
// `capture NAME type raw-data [trace] interface IF [circular-buffer] [include-decrypted] [State - N bytes]`,
// then indented `match …` lines; `cluster exec` prefixes each unit's part with `unit(LOCAL):*****`.
// `show capture NAME` prints the packets of one capture: proof it exists, silent on whether it runs.
import type { CaptureNote } from './capture-note.js';

const LINE = /^capture\s+(\S+)\s+(.*)$/;
// Cisco's documentation prints an EN DASH where devices print '-'. The state is words joined by spaces, so the
// blanks after it belong to `\s*` alone: a lazy `[A-Za-z ]*?` shared them with it and backtracked quadratically.
const STATE = /\[\s*([A-Za-z]+(?: +[A-Za-z]+)*)\s*[-\u2013]\s*\d+\s*bytes\s*\]/;

export function parseAsaCaptures(command: string, lines: readonly string[]): CaptureNote[] {
  const notes: CaptureNote[] = [];
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) continue;
    const rest = m[2]!;
    const words = rest.split(/\s+/);
    const interfaces: string[] = [];
    for (let i = 0; i < words.length - 1; i++) if (words[i] === 'interface') interfaces.push(words[i + 1]!);
    const state = STATE.exec(rest);
    notes.push({
      name: m[1]!,
      // `Capturing` records; `Buffer Full` and `Stopped` keep the packets but record nothing more.
      active: state !== null && /^capturing$/i.test(state[1]!),
      interfaces,
      direction: null,
      file: null,
    });
  }
  const named = /^(?:cluster exec\s+)?sh\S*\s+cap\S*\s+(\S+)/i.exec(command);
  if (notes.length === 0 && named && lines.some((l) => /^\s*\d+ packets? (?:captured|shown)\b/.test(l)))
    notes.push({ name: named[1]! });
  return notes;
}
