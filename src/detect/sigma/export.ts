// capwatch's rules as Sigma rules for other tools (pySigma's `sigma check` and `sigma convert`, the SIEM back-ends it
// feeds): same id, title, fields, logic and `capwatch:` section (a custom attribute others ignore and capwatch reads
// back). Only what those tools read differently from capwatch is rewritten, each for a reason given below.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseCondition, type CondNode } from './condition.js';
import { toSigmaRegex } from './regex-names.js';
import type { Rule } from './types.js';

type Doc = Record<string, unknown>;

const isMap = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * pySigma parses a condition with `not` as a prefix operator even when it only begins a selection name
 * (`notification` reads as `not ification`), so such selections get another name.
 */
const OPERATOR_START = /^not/i;

/** ATT&CK tactic tags are written with hyphens in Sigma's tag convention (`attack.credential-access`). */
function sigmaTag(tag: string): string {
  return /^attack\.[a-z]+(?:_[a-z]+)+$/i.test(tag) ? tag.replace(/_/g, '-') : tag;
}

function sigmaValue(mods: readonly string[], value: unknown): unknown {
  if (!mods.includes('re')) return value;
  const one = (v: unknown): unknown => (typeof v === 'string' ? toSigmaRegex(v) : v);
  return Array.isArray(value) ? value.map(one) : one(value);
}

class DetectionWriter {
  readonly out: Doc = {};
  private readonly taken: Set<string>;
  changed = false;

  constructor(names: readonly string[]) {
    this.taken = new Set(names);
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}${i}`;
    this.taken.add(name);
    this.changed = true;
    return name;
  }

  /** Writes selection `name` (under a safe name, split if need be) and returns the condition text that stands for it. */
  selection(name: string, body: unknown): string {
    const safe = OPERATOR_START.test(name) ? this.fresh(`sel_${name}`) : name;
    if (Array.isArray(body) && body.some(isMap)) {
      const maps = body as Doc[];
      if (!maps.some((m) => this.needsSplit(m))) {
        this.out[safe] = maps.map((m) => this.plainMap(m));
        return safe;
      }
      this.changed = true;
      return `(${maps.map((m, i) => this.map(this.fresh(`${safe}_alt${i + 1}`), m)).join(' or ')})`;
    }
    if (isMap(body)) return this.map(safe, body);
    this.out[safe] = body; // keywords
    return safe;
  }

  /**
   * pySigma's check reports `|all` without `|contains` as matching nothing (true of plain values, which cannot equal
   * two strings at once; for regexes it means "every one matches"). The same logic without it: one selection per
   * value, ANDed in the condition.
   */
  private needsSplit(map: Doc): boolean {
    return Object.entries(map).some(([k, v]) => {
      const mods = k.split('|').slice(1);
      return mods.includes('all') && !mods.includes('contains') && Array.isArray(v);
    });
  }

  private plainMap(map: Doc): Doc {
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, sigmaValue(k.split('|').slice(1), v)]));
  }

  private map(name: string, map: Doc): string {
    const base: Doc = {};
    const extra: Doc[] = [];
    for (const [key, raw] of Object.entries(map)) {
      const [field, ...mods] = key.split('|');
      const value = sigmaValue(mods, raw);
      if (mods.includes('all') && !mods.includes('contains') && Array.isArray(value)) {
        const single = [field, ...mods.filter((m) => m !== 'all')].join('|');
        base[single] = value[0];
        for (const v of value.slice(1)) extra.push({ [single]: v });
      } else base[key] = value;
    }
    this.out[name] = base;
    if (extra.length === 0) return name;
    const parts = [name, ...extra.map((e) => {
      const n = this.fresh(`${name}_and`);
      this.out[n] = e;
      return n;
    })];
    return `(${parts.join(' and ')})`;
  }
}

function conditionText(node: CondNode, exprOf: ReadonlyMap<string, string>): string {
  const inner = (n: CondNode): string => (n.op === 'and' || n.op === 'or' ? `(${conditionText(n, exprOf)})` : conditionText(n, exprOf));
  switch (node.op) {
    case 'sel':
      return exprOf.get(node.name)!;
    case 'not':
      return `not ${inner(node.arg)}`;
    case 'and':
    case 'or':
      return node.args.map(inner).join(` ${node.op} `);
    case 'of': {
      const parts = node.names.map((n) => exprOf.get(n)!);
      return parts.length === 1 ? parts[0]! : `(${parts.join(node.all ? ' and ' : ' or ')})`;
    }
  }
}

function exportDetection(block: Doc): Doc {
  const condition = block.condition as string;
  const names = Object.keys(block).filter((k) => k !== 'condition');
  const writer = new DetectionWriter(names);
  const exprOf = new Map(names.map((n) => [n, writer.selection(n, block[n])]));
  // An unchanged detection keeps its own condition text (`1 of sel_*` reads better than its expansion).
  const changed = writer.changed || names.some((n) => exprOf.get(n) !== n);
  return { ...writer.out, condition: changed ? conditionText(parseCondition(condition, names), exprOf) : condition };
}

/** A loaded capwatch rule, read again from its file, as a Sigma rule document. */
export function exportRule(rule: Rule): Doc {
  const doc = parse(readFileSync(rule.file, 'utf8')) as Doc;
  const tags = Array.isArray(doc.tags) ? { tags: doc.tags.map((t) => (typeof t === 'string' ? sigmaTag(t) : t)) } : {};
  return { ...doc, ...tags, detection: exportDetection(doc.detection as Doc) };
}
