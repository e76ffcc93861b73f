// Sigma detection selections: field maps (AND), lists of maps (OR), value lists (OR unless `|all`), keyword lists.
// Everything is compiled once: lowercase literals, precompiled regexes, parsed networks. Errors are thrown as plain
// Errors whose message is the reason; the loader adds the file name.
import { cidrContains, parseCidr, type Cidr } from './cidr.js';
import { toJsRegex } from './regex-names.js';
import { FIELDS, type CommandPrefix, type FieldName } from './types.js';
import type { EventView } from './view.js';

type Mode = 'eq' | 'contains' | 'startswith' | 'endswith' | 'wild' | 're' | 'cidr';

interface ValueTest {
  readonly mode: Mode;
  /** Lowercase literal for eq/contains/startswith/endswith. */
  readonly lower: string;
  readonly re?: RegExp;
  readonly cidr?: Cidr;
  /** The literal a command must start with for this value to match, when there is one. */
  readonly prefix: CommandPrefix | null;
}

interface FieldTest {
  readonly field: FieldName;
  readonly all: boolean;
  readonly needsLower: boolean;
  readonly tests: readonly ValueTest[];
}

export type Selection =
  | { readonly type: 'map'; readonly alternatives: readonly (readonly FieldTest[])[] }
  | { readonly type: 'keywords'; readonly tests: readonly ValueTest[]; readonly inRaw: boolean };

/** How a rule's field names and keywords meet the CommandEvent: capwatch's own names, or a mapped log source's. */
export interface FieldDialect {
  /** The event field a rule's field name stands for; undefined when the events have no such field. */
  resolve(name: string): FieldName | undefined;
  /** Why a field name is refused. */
  unknown(name: string): string;
  /** Keywords (values without a field) search the raw line as well as the command. */
  readonly keywordsInRaw: boolean;
}

export const NATIVE_FIELDS: FieldDialect = {
  resolve: (name) => ((FIELDS as readonly string[]).includes(name) ? (name as FieldName) : undefined),
  unknown: (name) => `unknown field '${name}' (fields: ${FIELDS.join(', ')})`,
  keywordsInRaw: true,
};

type Facts = Record<string, string>;

// ---- compiling ---------------------------------------------------------------------------------------------

const BASE_MODIFIERS = new Set(['contains', 'startswith', 'endswith', 're', 'cidr']);
const RE_FLAGS = new Set(['i', 'm', 's']);

function scalar(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) throw new Error(`${where}: null values are not supported`);
  throw new Error(`${where}: expected a string, number or list of them`);
}

function prefixOf(literal: string, exact: boolean): CommandPrefix | null {
  return literal === '' ? null : { text: literal.toLowerCase(), exact };
}

function hasTopLevelAlternation(src: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** The literal text an anchored regex requires at the start of the string (`^monitor capture (?<x>…)` → "monitor capture "). */
function regexLiteralPrefix(src: string): { text: string; exact: boolean } | null {
  if (!src.startsWith('^') || hasTopLevelAlternation(src)) return null;
  let text = '';
  for (let i = 1; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return { text, exact: false };
      text += n;
      i++;
    } else if (c === '$' && i === src.length - 1) return { text, exact: true };
    else if (c === '*' || c === '?' || c === '{') return { text: text.slice(0, -1), exact: false };
    else if ('()[].+|^$'.includes(c)) return { text, exact: false };
    else text += c;
  }
  return { text, exact: false };
}

/** Sigma wildcards: `*` any run, `?` one char, `\*` `\?` `\\` literal. Returns null when the value has none. */
function wildcardSource(value: string): { source: string; literalPrefix: string } | null {
  let source = '';
  let literal = '';
  let prefix: string | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const n = value[i + 1];
    if (c === '\\' && (n === '*' || n === '?' || n === '\\')) {
      source += '\\' + n;
      literal += n;
      i++;
    } else if (c === '*' || c === '?') {
      prefix ??= literal;
      source += c === '*' ? '.*' : '.';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\*]/g, '\\$&');
      literal += c;
    }
  }
  return prefix === undefined ? null : { source, literalPrefix: prefix };
}

function unescapeSigma(value: string): string {
  return value.replace(/\\([*?\\])/g, '$1');
}

function compileRegex(value: string, flagMods: string, where: string): RegExp {
  let src = toJsRegex(value);
  let flags = flagMods;
  const inline = /^\(\?([ims]+)\)/.exec(src);
  if (inline) {
    flags += inline[1];
    src = src.slice(inline[0].length);
  }
  try {
    return new RegExp(src, [...new Set(flags)].join(''));
  } catch (err) {
    throw new Error(`${where}: bad regex '${value}': ${(err as Error).message}`);
  }
}

function compileValue(raw: string, mode: Exclude<Mode, 'wild'>, reFlags: string, where: string): ValueTest {
  if (mode === 're') {
    const re = compileRegex(raw, reFlags, where);
    // With the m flag, ^ also matches after a newline: no prefix is certain.
    const lit = re.multiline ? null : regexLiteralPrefix(re.source);
    return { mode, lower: '', re, prefix: lit ? prefixOf(lit.text, lit.exact) : null };
  }
  if (mode === 'cidr') {
    const cidr = parseCidr(raw);
    if (!cidr) throw new Error(`${where}: bad CIDR '${raw}'`);
    return { mode, lower: '', cidr, prefix: null };
  }
  const wild = wildcardSource(raw);
  if (wild) {
    const src = wild.source;
    const anchored = mode === 'eq' ? `^${src}$` : mode === 'startswith' ? `^${src}` : mode === 'endswith' ? `${src}$` : src;
    const starts = mode === 'eq' || mode === 'startswith';
    return { mode: 'wild', lower: '', re: new RegExp(anchored, 'is'), prefix: starts ? prefixOf(wild.literalPrefix, false) : null };
  }
  const literal = unescapeSigma(raw);
  const prefix = mode === 'eq' ? prefixOf(literal, true) : mode === 'startswith' ? prefixOf(literal, false) : null;
  return { mode, lower: literal.toLowerCase(), prefix };
}

function compileField(key: string, value: unknown, dialect: FieldDialect): FieldTest {
  const [fieldName, ...mods] = key.split('|');
  const field = dialect.resolve(fieldName!);
  if (field === undefined) throw new Error(dialect.unknown(fieldName!));
  let mode: Exclude<Mode, 'wild'> = 'eq';
  let all = false;
  let reFlags = '';
  for (const m of mods) {
    if (BASE_MODIFIERS.has(m)) {
      if (mode !== 'eq') throw new Error(`'${key}': modifiers '${mode}' and '${m}' conflict`);
      mode = m as Exclude<Mode, 'wild'>;
    } else if (m === 'all') all = true;
    else if (RE_FLAGS.has(m) && mode === 're') reFlags += m;
    else throw new Error(`'${key}': unknown modifier '${m}'`);
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Error(`'${key}': empty value list`);
  const tests = list.map((v) => compileValue(scalar(v, `'${key}'`), mode, reFlags, `'${key}'`));
  const needsLower = tests.some((t) => t.mode === 'eq' || t.mode === 'contains' || t.mode === 'startswith' || t.mode === 'endswith');
  return { field, all, needsLower, tests };
}

function compileMap(map: unknown, where: string, dialect: FieldDialect): FieldTest[] {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error(`${where}: expected a map of field: value`);
  const entries = Object.entries(map);
  if (entries.length === 0) throw new Error(`${where}: empty map`);
  return entries.map(([k, v]) => compileField(k, v, dialect));
}

export function compileSelection(name: string, body: unknown, dialect: FieldDialect = NATIVE_FIELDS): Selection {
  const where = `selection '${name}'`;
  const inRaw = dialect.keywordsInRaw;
  if (typeof body === 'string' || typeof body === 'number') return { type: 'keywords', tests: [compileValue(String(body), 'contains', '', where)], inRaw };
  if (Array.isArray(body)) {
    if (body.length === 0) throw new Error(`${where}: empty list`);
    if (body.every((b) => typeof b !== 'object' || b === null)) {
      return { type: 'keywords', tests: body.map((b) => compileValue(scalar(b, where), 'contains', '', where)), inRaw };
    }
    return { type: 'map', alternatives: body.map((m, i) => compileMap(m, `${where} item ${i + 1}`, dialect)) };
  }
  return { type: 'map', alternatives: [compileMap(body, where, dialect)] };
}

// ---- matching ----------------------------------------------------------------------------------------------

function testValue(t: ValueTest, orig: string, low: string, facts: Facts | undefined): boolean {
  switch (t.mode) {
    case 'eq':
      return low === t.lower;
    case 'contains':
      return low.includes(t.lower);
    case 'startswith':
      return low.startsWith(t.lower);
    case 'endswith':
      return low.endsWith(t.lower);
    case 'wild':
      return t.re!.test(orig);
    case 'cidr':
      return cidrContains(t.cidr!, orig);
    case 're': {
      if (!facts) return t.re!.test(orig);
      const m = t.re!.exec(orig);
      if (!m) return false;
      if (m.groups) for (const k in m.groups) if (m.groups[k] !== undefined) facts[k] = m.groups[k];
      return true;
    }
  }
}

function testAny(t: ValueTest, orig: readonly string[], low: readonly string[], facts: Facts | undefined): boolean {
  for (let i = 0; i < orig.length; i++) if (testValue(t, orig[i]!, low[i]!, facts)) return true;
  return false;
}

function testField(f: FieldTest, view: EventView, facts: Facts | undefined): boolean {
  if (f.field === 'context') {
    const orig = view.context();
    const low = f.needsLower ? view.contextLower() : orig;
    for (const t of f.tests) {
      const hit = testAny(t, orig, low, facts);
      if (hit !== f.all) return hit;
    }
    return f.all;
  }
  const orig = view.value(f.field);
  if (orig === undefined) return false;
  const low = f.needsLower ? view.lower(f.field)! : orig;
  for (const t of f.tests) {
    const hit = testValue(t, orig, low, facts);
    if (hit !== f.all) return hit;
  }
  return f.all;
}

/** Does the selection match? With `facts`, named regex groups of the matching alternative are added to it. */
export function matchSelection(sel: Selection, view: EventView, facts?: Facts): boolean {
  if (sel.type === 'keywords') {
    const cmd = view.lower('command') ?? '';
    const raw = sel.inRaw ? (view.lower('raw') ?? '') : '';
    for (const t of sel.tests) {
      if (testValue(t, view.event.command, cmd, undefined) || (sel.inRaw && testValue(t, view.event.raw, raw, undefined))) return true;
    }
    return false;
  }
  for (const alt of sel.alternatives) {
    const tmp: Facts | undefined = facts ? {} : undefined;
    let ok = true;
    for (const f of alt) {
      if (!testField(f, view, tmp)) {
        ok = false;
        break;
      }
    }
    if (ok) {
      if (facts && tmp) Object.assign(facts, tmp);
      return true;
    }
  }
  return false;
}

function fieldPrefixes(f: FieldTest): CommandPrefix[] | null {
  if (f.field !== 'command') return null;
  if (f.all) {
    // Every value must match, so the longest prefix alone is the strongest requirement.
    const ps = f.tests.flatMap((t) => (t.prefix ? [t.prefix] : []));
    return ps.length === 0 ? null : [ps.reduce((a, b) => (b.text.length > a.text.length ? b : a))];
  }
  if (f.tests.some((t) => t.prefix === null)) return null;
  return f.tests.map((t) => t.prefix!);
}

/** Literals one of which a matching command must start with, or null when the selection does not pin its start. */
export function selectionPrefixes(sel: Selection): CommandPrefix[] | null {
  if (sel.type === 'keywords') return null;
  const out: CommandPrefix[] = [];
  for (const alt of sel.alternatives) {
    let ps: CommandPrefix[] | null = null;
    for (const f of alt) {
      ps = fieldPrefixes(f);
      if (ps) break;
    }
    if (!ps) return null;
    out.push(...ps);
  }
  return out;
}
