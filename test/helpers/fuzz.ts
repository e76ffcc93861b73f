// Shared pieces of the property tests (test/fuzz-*.test.ts): run settings, a CPU-time bound, and arbitraries built
// from real device text. `npm test` runs each property a few hundred times with a fixed seed, so CI is deterministic;
// `npm run fuzz` sets FUZZ_RUNS (and a time cap per property) for a long hunt with a fresh seed each time.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { logFixtureNames, logLines } from './fixture-lines.js';

const fuzzing = process.env.FUZZ_RUNS !== undefined;
/** The seed CI uses: any fixed number makes a red run replayable; FUZZ_SEED replays a fuzz run's failure. */
const CI_SEED = 20260303;

/**
 * fast-check settings for one property. `weight` scales the number of runs for properties whose inputs are costly
 * (64 KB strings), so the default run stays within a few seconds per file.
 */
export function runs(weight = 1): fc.Parameters<unknown> {
  const base = fuzzing ? Number(process.env.FUZZ_RUNS) : 200;
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : fuzzing ? Date.now() ^ (process.pid << 8) : CI_SEED;
  const p: fc.Parameters<unknown> = { numRuns: Math.max(1, Math.round(base * weight)), seed };
  if (fuzzing) {
    // A long run is bounded by time, not by count: each property gets FUZZ_SECONDS (default 60) and stops there.
    p.interruptAfterTimeLimit = Number(process.env.FUZZ_SECONDS ?? 60) * 1000;
    p.markInterruptAsFailure = false;
  }
  return p;
}

/** vitest timeout for one property: generous under `npm run fuzz`, whose properties run for FUZZ_SECONDS each. */
export const PROPERTY_TIMEOUT = fuzzing ? (Number(process.env.FUZZ_SECONDS ?? 60) + 120) * 1000 : 30_000;

/**
 * CPU time (user + system, this process) that `fn` takes, in ms. CPU rather than wall time: other test workers on a
 * shared 2-core machine slow the wall clock, not the work a parser does, so the bound stays meaningful under load.
 */
export function cpuMs<T>(fn: () => T): { value: T; ms: number } {
  const before = process.cpuUsage();
  const value = fn();
  const d = process.cpuUsage(before);
  return { value, ms: (d.user + d.system) / 1000 };
}

/**
 * Bound for one parse of a 64 KB input. A linear parser takes a few ms; quadratic backtracking on 64 KB takes
 * seconds. Generous, so a slow CI machine never fails it, yet far below what a hang costs.
 */
export const BIG_INPUT_MS = 300;
export const BIG = 64 * 1024;

// ---- text --------------------------------------------------------------------------------------------------------

/** Characters that parsers treat specially or that hostile text uses: controls, bidi, separators, markup. */
export const NASTY_CHARS = [
  '\u0000', '\u0007', '\u001b', '\b', '\t', '\n', '\r', '\u000b', '\f', '\u007f', '\u0085', '\u00a0', '\u2028',
  '\u2029', '\u202a', '\u202e', '\u2066', '\u2069', '\u200b', '\ufeff', '\ud800', '\udfff', '\u{1f600}', 'İ', 'ß',
  '\u212a', ' ', '  ', '%', '<', '>', ':', ';', ',', '=', '"', "'", '\\', '|', '[', ']', '(', ')', '{', '}', '*',
  '?', '-', '/', '@', '#', '$', '0', '1', '9', 'a', 'Z',
];

const nastyChar = fc.constantFrom(...NASTY_CHARS);

/** Any string: printable, full unicode (lone surrogates included), binary, or built of the nasty characters. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: nastyChar, maxLength: 100 }),
);

/** Bytes of any kind: random, or the UTF-8 of a string from `anyText`. */
export const anyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  anyText.map((s) => Buffer.from(s, 'utf8')),
);

// ---- mutations of real text --------------------------------------------------------------------------------------

type Mutation = (s: string, other: string) => string;

/** One edit at a position chosen by `at` (0..1): insert, delete, duplicate, replace, splice in part of another line. */
function mutation(): fc.Arbitrary<Mutation> {
  const pos = fc.double({ min: 0, max: 1, noNaN: true });
  const at = (s: string, f: number) => Math.min(s.length, Math.floor(f * (s.length + 1)));
  return fc.oneof(
    fc.tuple(pos, fc.oneof(nastyChar, anyText)).map(([p, ins]): Mutation => (s) => s.slice(0, at(s, p)) + ins + s.slice(at(s, p))),
    fc.tuple(pos, fc.integer({ min: 1, max: 16 })).map(([p, n]): Mutation => (s) => s.slice(0, at(s, p)) + s.slice(at(s, p) + n)),
    fc.tuple(pos, fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 4 })).map(([p, n, k]): Mutation => (s) => {
      const i = at(s, p);
      return s.slice(0, i) + s.slice(i, i + n).repeat(k + 1) + s.slice(i + n);
    }),
    fc.tuple(pos, nastyChar).map(([p, c]): Mutation => (s) => s.slice(0, at(s, p)) + c + s.slice(at(s, p) + 1)),
    fc.tuple(pos, pos, pos).map(([p, q, r]): Mutation => (s, other) => {
      const a = at(other, Math.min(q, r));
      const b = at(other, Math.max(q, r));
      return s.slice(0, at(s, p)) + other.slice(a, b) + s.slice(at(s, p));
    }),
  );
}

/** A real line with up to `max` edits, some splicing in pieces of other real lines. */
export function mutated(lines: readonly string[], max = 4): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...lines), fc.constantFrom(...lines), fc.array(mutation(), { maxLength: max }))
    .map(([line, other, ms]) => ms.reduce((s, m) => m(s, other), line));
}

/**
 * Inputs aimed at backtracking: a real line's start, then one piece repeated up to ~64 KB, then a tail that makes
 * the match fail at the very end (the worst case for a greedy or lazy quantifier that has to give everything back).
 */
export function adversarial(heads: readonly string[], pieces: readonly string[], size = BIG): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(fc.constant(''), fc.constantFrom(...heads)),
      fc.constantFrom(...pieces),
      // A run of one piece is the classic worst case (64 KB of CRs, of blanks): as likely as all joiners together.
      fc.oneof(fc.constant(''), fc.constantFrom(...pieces)),
      fc.constantFrom('', 'x', '\u0000', ':', '!', '\n', ' ', '%', '<'),
    )
    .map(([head, piece, joiner, tail]) => {
      const unit = piece + joiner;
      return head + unit.repeat(Math.max(1, Math.floor((size - head.length) / Math.max(1, unit.length)))) + tail;
    });
}

/** Pieces every regex-driven parser meets: runs of blanks, digits, separators, and the parsers' own keywords. */
export const COMMON_PIECES = [
  ' ', '  ', '\t', ' \t', 'a', 'a ', 'a:', 'a: ', '1', '1 ', '1:', '1.', '%', '%A', '%A-1-B', '%A-', '<', '<1>', '[', '[a',
  '[a ', ']', '"', "'", ',', ', ', ' ;', ' ; ', '=', 'a=', '--', '-', ':', '::', '\r', '\r\n', '\\', '(', ')', '.',
  'Jan 1 ', 'Jan  1 00:00:00 ', '2023 ', '2023-01-01T', '00:00:00', '*', '|!|', '\u0000', '\u001b[', 'x ', 'A ',
];

// ---- fixtures ----------------------------------------------------------------------------------------------------

/** Every line of every log fixture. */
export function allLogLines(): string[] {
  return logFixtureNames().flatMap((n) => logLines(n));
}

const SHOW = new URL('../../fixtures/show/', import.meta.url);

/** Every show-output fixture as the device printed it (first line, the source note, removed), with its platform. */
export function showSamples(): Array<{ file: string; platform: string; text: string }> {
  return readdirSync(SHOW)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, SHOW), 'utf8');
      return { file, platform: file.split('__')[0]!, text: text.slice(text.indexOf('\n') + 1) };
    });
}
