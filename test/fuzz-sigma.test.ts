// Property tests of the Sigma side: conditions built as boolean expressions parse and evaluate as a tiny reference
// evaluator says; CIDR containment agrees with arithmetic on generated addresses; rule documents of any shape fail
// with a plain reason; the built-in rules match 64 KB commands in bounded time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCommand } from '../parsers/command/normalize.js';
import { Detector } from '../src/detect/detector.js';
import { cidrContains, parseCidr, parseIp } from '../src/detect/sigma/cidr.js';
import { compileDetection, compileRule } from '../src/detect/sigma/compile.js';
import { parseCondition } from '../src/detect/sigma/condition.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { EventView } from '../src/detect/sigma/view.js';
import { builtinRulesDir } from '../src/paths.js';
import { commandEvent } from './helpers/command-event.js';
import { adversarial, anyText, BIG_INPUT_MS, COMMON_PIECES, cpuMs, PROPERTY_TIMEOUT, runs } from './helpers/fuzz.js';

// ---- conditions against a reference evaluator --------------------------------------------------------------------

/** Selection names and the letter whose presence in the command makes each one match. */
const SELECTIONS: Record<string, string> = { sel_a: 'A', sel_b: 'B', sel_c: 'C', filter_d: 'D', _e: 'E' };
const NAMES = Object.keys(SELECTIONS);

type Expr =
  | { op: 'sel'; name: string }
  | { op: 'not'; arg: Expr }
  | { op: 'and' | 'or'; args: Expr[] }
  | { op: 'of'; all: boolean; pattern: 'them' | 'sel_*' | '*_d' | 'f*' };

const PATTERN_NAMES: Record<string, string[]> = {
  them: NAMES.filter((n) => !n.startsWith('_')),
  'sel_*': ['sel_a', 'sel_b', 'sel_c'],
  '*_d': ['filter_d'],
  'f*': ['filter_d'],
};

const expr: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...NAMES).map((name): Expr => ({ op: 'sel', name })),
    fc.record({ all: fc.boolean(), pattern: fc.constantFrom('them', 'sel_*', '*_d', 'f*') }).map((o): Expr => ({ op: 'of', ...o }) as Expr),
    tie('e').map((arg): Expr => ({ op: 'not', arg })),
    fc.tuple(fc.constantFrom('and', 'or') as fc.Arbitrary<'and' | 'or'>, fc.array(tie('e'), { minLength: 2, maxLength: 4 })).map(([op, args]): Expr => ({ op, args })),
  ),
})).e;

/** The reference: what the expression means for the set of selections that match. */
function evaluate(e: Expr, on: ReadonlySet<string>): boolean {
  switch (e.op) {
    case 'sel':
      return on.has(e.name);
    case 'not':
      return !evaluate(e.arg, on);
    case 'and':
      return e.args.every((a) => evaluate(a, on));
    case 'or':
      return e.args.some((a) => evaluate(a, on));
    case 'of': {
      const names = PATTERN_NAMES[e.pattern]!;
      return e.all ? names.every((n) => on.has(n)) : names.some((n) => on.has(n));
    }
  }
}

const PREC = { or: 1, and: 2, not: 3, sel: 4, of: 4 } as const;

/** Sigma text for `e`, parenthesised where precedence needs it (or where `extra` says to), keywords in any case. */
function render(e: Expr, parentPrec: number, style: { extra: boolean; upper: boolean; space: string }): string {
  const kw = (k: string) => (style.upper ? k.toUpperCase() : k);
  let text: string;
  switch (e.op) {
    case 'sel':
      text = e.name;
      break;
    case 'of':
      text = `${e.all ? kw('all') : '1'} ${kw('of')} ${e.pattern}`;
      break;
    case 'not':
      text = `${kw('not')} ${render(e.arg, PREC.not, style)}`;
      break;
    default:
      text = e.args.map((a) => render(a, PREC[e.op] + 1, style)).join(`${style.space}${kw(e.op)}${style.space}`);
  }
  return PREC[e.op] < parentPrec || style.extra ? `(${style.space}${text}${style.space})` : text;
}

const BLOCK = Object.fromEntries(NAMES.map((n) => [n, { 'command|contains': SELECTIONS[n] }]));

describe('Sigma conditions', () => {
  it('a generated boolean expression parses, compiles and matches as the reference evaluator says', { timeout: PROPERTY_TIMEOUT }, () => {
    const style = fc.record({ extra: fc.boolean(), upper: fc.boolean(), space: fc.constantFrom(' ', '  ', '\t', ' \n ') });
    fc.assert(
      fc.property(expr, style, fc.subarray(NAMES), (e, st, on) => {
        const text = render(e, 0, st);
        const { test } = compileDetection({ ...BLOCK, condition: text }, 'detection');
        const command = on.map((n) => SELECTIONS[n]).join(' ') || '-';
        expect(test(new EventView().reset(commandEvent(command))), text).toBe(evaluate(e, new Set(on)));
      }),
      runs(2),
    );
  });

  it('any token sequence either parses or fails with a plain Error naming the problem', { timeout: PROPERTY_TIMEOUT }, () => {
    const token = fc.constantFrom(...NAMES, 'and', 'or', 'not', 'AND', '(', ')', '1', 'all', 'of', 'them', 'sel_*', 'x*', '|', 'count()', '*', '');
    fc.assert(
      fc.property(fc.oneof(fc.array(token, { maxLength: 20 }).map((t) => t.join(' ')), anyText), (text) => {
        try {
          parseCondition(text, NAMES);
        } catch (err) {
          expect(err).toBeInstanceOf(Error);
          expect((err as Error).constructor).toBe(Error);
          expect((err as Error).message).toMatch(/condition/);
        }
      }),
      runs(2),
    );
  });

  it('deeply nested and very long conditions fail or parse in bounded time, without exhausting the stack', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('(', 'not ', 'not (', '( not '), fc.constantFrom('sel_a', '1 of sel_*', 'sel_a and sel_b'), (depth, open, inner) => {
        const close = open.includes('(') ? ')' : '';
        const text = open.repeat(depth) + inner + close.repeat(depth);
        const { ms } = cpuMs(() => {
          try {
            parseCondition(text, NAMES);
          } catch (err) {
            expect((err as Error).constructor, (err as Error).message).toBe(Error);
          }
        });
        expect(ms).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });

  it('`1 of PATTERN` with many wildcards against long selection names takes bounded time', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 200 }), (stars, length) => {
        const names = ['a'.repeat(length), `${'a'.repeat(length)}b`, 'sel'];
        const { ms } = cpuMs(() => {
          try {
            parseCondition(`1 of ${'a*'.repeat(stars)}c`, names);
          } catch (err) {
            expect((err as Error).constructor).toBe(Error);
          }
        });
        expect(ms).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });
});

// ---- CIDR ----------------------------------------------------------------------------------------------------------

/** An address as a 32- or 128-bit number, and its text in the usual spellings. */
const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((b) => ({
  value: b.reduce((n, x) => (n << 8n) | BigInt(x), 0n),
  text: b.join('.'),
  bits: 32,
}));

function v6Text(words: number[], compress: boolean, upper: boolean): string {
  let hex = words.map((w) => w.toString(16));
  if (upper) hex = hex.map((h) => h.toUpperCase());
  if (!compress) return hex.join(':');
  // Compress the longest run of zero words (two or more), as RFC 5952 does.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const v6 = fc
  .tuple(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), fc.boolean(), fc.boolean())
  .filter(([w]) => !(w.slice(0, 5).every((x) => x === 0) && w[5] === 0xffff)) // IPv4-mapped addresses count as IPv4
  .map(([w, compress, upper]) => ({ value: w.reduce((n, x) => (n << 16n) | BigInt(x), 0n), text: v6Text(w, compress, upper), bits: 128 }));

function inside(net: bigint, prefix: number, addr: bigint, bits: number): boolean {
  const shift = BigInt(bits - prefix);
  return net >> shift === addr >> shift;
}

describe('CIDR', () => {
  it('containment of generated addresses agrees with arithmetic on the numbers, in every spelling', { timeout: PROPERTY_TIMEOUT }, () => {
    const family = fc.oneof(fc.tuple(v4, v4), fc.tuple(v6, v6));
    fc.assert(
      fc.property(family, fc.nat(), fc.boolean(), ([net, addr], p, near) => {
        const prefix = p % (net.bits + 1);
        // Half the time the address shares the network's prefix, or the test would almost never see one inside.
        const a = near ? { ...addr, text: net.text } : addr;
        const c = parseCidr(`${net.text}/${prefix}`);
        expect(c, `${net.text}/${prefix}`).not.toBeNull();
        const want = near || inside(net.value, prefix, addr.value, net.bits);
        expect(cidrContains(c!, a.text), `${a.text} in ${net.text}/${prefix}`).toBe(want);
      }),
      runs(5),
    );
  });

  it('the other family is never inside, and an IPv4-mapped IPv6 address is its IPv4 address', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(v4, v6, fc.nat(33), (a4, a6, p) => {
        const prefix = Math.min(p, 32);
        expect(cidrContains(parseCidr(`${a4.text}/${prefix}`)!, a6.text)).toBe(false);
        expect(cidrContains(parseCidr(`${a6.text}/${prefix}`)!, a4.text)).toBe(false);
        expect(cidrContains(parseCidr(`${a4.text}/${prefix}`)!, `::ffff:${a4.text}`)).toBe(true);
      }),
      runs(),
    );
  });

  it('arbitrary text never throws and is never an address unless it parses as one', { timeout: PROPERTY_TIMEOUT }, () => {
    const scratch = new Uint16Array(8);
    const ipish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:./%'), maxLength: 50 });
    fc.assert(
      fc.property(fc.oneof(anyText, ipish), (text) => {
        const fam = parseIp(text, scratch);
        expect([0, 4, 6]).toContain(fam);
        const c = parseCidr(text);
        if (c) {
          expect(c.prefix).toBeLessThanOrEqual(c.v6 ? 128 : 32);
          // A network contains its own address.
          expect(cidrContains(c, text.split('/')[0]!)).toBe(true);
        }
      }),
      runs(5),
    );
  });
});

// ---- rule documents and matching ---------------------------------------------------------------------------------

const RULES = loadRules([builtinRulesDir]);

describe('Sigma rules', () => {
  it('a rule document of any shape compiles or fails with a plain Error', { timeout: PROPERTY_TIMEOUT }, () => {
    const base = {
      title: 't',
      id: 'i',
      level: 'high',
      tags: ['attack.t1040'],
      logsource: { product: 'cisco' },
      capwatch: { kind: 'capture', action: 'start' },
      detection: { selection: { 'command|startswith': 'monitor capture' }, condition: 'selection' },
    };
    const value = fc.oneof(fc.jsonValue(), fc.constantFrom('command|re', '(?i)^a(', '(a+)+$', 'command|cidr', '10.0.0.0/8', 'x|y|z', null, [], {}));
    const patch = fc.dictionary(fc.constantFrom('title', 'id', 'level', 'tags', 'logsource', 'capwatch', 'detection', 'status', 'references'), value);
    const detection = fc.dictionary(fc.oneof(fc.constantFrom('selection', 'condition', 'sel_x'), fc.string()), fc.oneof(value, fc.dictionary(fc.constantFrom('command', 'command|re', 'command|contains|all', 'context|cidr', 'user|endswith', 'bogus', 'command|re|i'), value)));
    fc.assert(
      fc.property(patch, fc.option(detection, { nil: undefined }), (p, d) => {
        const doc = { ...base, ...p, ...(d && { detection: d }) };
        try {
          compileRule(doc, 'fuzz.yml');
        } catch (err) {
          expect((err as Error).constructor, String(err)).toBe(Error);
          expect((err as Error).message.length).toBeGreaterThan(0);
        }
      }),
      runs(2),
    );
  });

  it('the built-in rules judge a 64 KB command in bounded time', { timeout: PROPERTY_TIMEOUT }, () => {
    const detector = new Detector({ rules: RULES });
    const heads = ['monitor capture C ', 'monitor capture C start ', 'monitor session 1 ', 'no monitor session 1 source ', 'ethanalyzer local interface inband ', 'action 1.0 cli command "', 'run bash tcpdump ', 'show monitor ', 'monitor capture point ip cef P '];
    const pieces = [...COMMON_PIECES, 'interface ', 'capture-filter ', 'match ', 'access-list ', 'file ', 'location ', 'write ', ' , ', ' - ', 'vlan ', 'both ', 'buffer ', 'limit ', 'x ', '"', 'control-plane '];
    fc.assert(
      fc.property(adversarial(heads, pieces), fc.constantFrom<string[][]>([], ['monitor session 1 type erspan-source'], ['monitor session 1 type erspan-source', 'destination']), (command, context) => {
        // Rules see commands as the pipeline hands them over: normalised (one space between words).
        const { ms } = cpuMs(() => detector.detect(commandEvent(normalizeCommand(command).command, { context, device: { hostname: `fz${command.length}` } })));
        expect(ms, `${ms.toFixed(0)} ms for ${JSON.stringify(command.slice(0, 80))}…`).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });
});
