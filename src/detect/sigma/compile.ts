// One parsed YAML document → one compiled Rule. Throws plain Errors whose message is the reason.
import { SEVERITIES, type DetectionKind, type Severity } from '../../types.js';
import { parseCondition, positiveSelections, type CondNode } from './condition.js';
import { compileSelection, matchSelection, selectionPrefixes, type Selection } from './selection.js';
import { ACTIONS, KINDS, type CommandPrefix, type Rule, type RuleAction } from './types.js';
import type { EventView } from './view.js';

const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];

type Pred = (v: EventView) => boolean;

function compileNode(node: CondNode, sels: ReadonlyMap<string, Selection>): Pred {
  switch (node.op) {
    case 'sel': {
      const s = sels.get(node.name)!;
      return (v) => matchSelection(s, v);
    }
    case 'not': {
      const p = compileNode(node.arg, sels);
      return (v) => !p(v);
    }
    case 'and':
    case 'or': {
      const ps = node.args.map((a) => compileNode(a, sels));
      const want = node.op === 'or';
      return (v) => {
        for (let i = 0; i < ps.length; i++) if (ps[i]!(v) === want) return want;
        return !want;
      };
    }
    case 'of': {
      const ss = node.names.map((n) => sels.get(n)!);
      const want = !node.all;
      return (v) => {
        for (let i = 0; i < ss.length; i++) if (matchSelection(ss[i]!, v) === want) return want;
        return !want;
      };
    }
  }
}

type Prefixes = CommandPrefix[] | null;

function anyOf(sets: Prefixes[]): Prefixes {
  return sets.some((s) => s === null) ? null : sets.flatMap((s) => s!);
}

function allOf(sets: Prefixes[]): Prefixes {
  let best: Prefixes = null;
  for (const s of sets) if (s && (!best || s.length < best.length)) best = s;
  return best;
}

/** Literals one of which a matching command starts with (see Rule.commandPrefixes). */
function conditionPrefixes(node: CondNode, sels: ReadonlyMap<string, Selection>): Prefixes {
  switch (node.op) {
    case 'sel':
      return selectionPrefixes(sels.get(node.name)!);
    case 'not':
      return null;
    case 'and':
      return allOf(node.args.map((a) => conditionPrefixes(a, sels)));
    case 'or':
      return anyOf(node.args.map((a) => conditionPrefixes(a, sels)));
    case 'of': {
      const ps = node.names.map((n) => selectionPrefixes(sels.get(n)!));
      return node.all ? allOf(ps) : anyOf(ps);
    }
  }
}

function dedupe(ps: Prefixes): Prefixes {
  if (!ps) return null;
  const seen = new Map(ps.map((p) => [`${p.exact ? '=' : '^'}${p.text}`, p]));
  return [...seen.values()];
}

export function str(doc: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = doc[key];
  if (v === undefined || v === null) {
    if (required) throw new Error(`missing field '${key}'`);
    return undefined;
  }
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`field '${key}' must be a non-empty string`);
  return v;
}

export function strList(doc: Record<string, unknown>, key: string): string[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`field '${key}' must be a list of strings`);
  return v as string[];
}

export function map(v: unknown, key: string): Record<string, unknown> {
  if (v === undefined || v === null) throw new Error(`missing field '${key}'`);
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`field '${key}' must be a map`);
  return v as Record<string, unknown>;
}

/** A detection block (selections + `condition`) compiled to a predicate; `where` names it in errors. */
export function compileDetection(block: Record<string, unknown>, where: string, reserved: readonly string[] = []): { root: CondNode; sels: Map<string, Selection>; test: Pred } {
  const condition = block.condition;
  if (condition === undefined) throw new Error(`missing field '${where}.condition'`);
  if (typeof condition !== 'string') throw new Error(`field '${where}.condition' must be a string`);
  const sels = new Map<string, Selection>();
  for (const [name, body] of Object.entries(block)) {
    if (name !== 'condition' && !reserved.includes(name)) sels.set(name, compileSelection(name, body));
  }
  if (sels.size === 0) throw new Error(`${where} has no selections`);
  const root = parseCondition(condition, [...sels.keys()]);
  return { root, sels, test: compileNode(root, sels) };
}

const TECHNIQUE_TAG = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;

/**
 * Capture and mirroring are T1040 (Network Sniffing); an evasion rule names the technique it detects instead (ATT&CK
 * v19: T1690 Prevent Command History Logging, T1685 Disable or Modify Tools, T1070.003 / .004 Indicator Removal).
 */
function techniqueOf(tags: readonly string[], kind: DetectionKind): string {
  const ids = tags.map((t) => TECHNIQUE_TAG.exec(t)?.[1]?.toUpperCase()).filter((t): t is string => t !== undefined);
  if (kind !== 'evasion') {
    if (!ids.includes('T1040')) throw new Error("field 'tags' must include attack.t1040");
    return 'T1040';
  }
  const own = ids.find((t) => t !== 'T1040');
  if (own === undefined) throw new Error("field 'tags' must include the ATT&CK technique the evasion is (e.g. attack.t1690), not attack.t1040");
  return own;
}

export function compileRule(docIn: unknown, file: string): Rule {
  if (typeof docIn !== 'object' || docIn === null || Array.isArray(docIn)) throw new Error('the file is not a YAML map');
  const doc = docIn as Record<string, unknown>;
  const title = str(doc, 'title', true)!;
  const id = str(doc, 'id', true)!;
  const description = str(doc, 'description', false) ?? title;
  const status = str(doc, 'status', false);
  if (status !== undefined && !STATUSES.includes(status)) throw new Error(`field 'status' must be one of ${STATUSES.join(', ')}`);
  const level = str(doc, 'level', true)!;
  if (!(SEVERITIES as readonly string[]).includes(level)) throw new Error(`field 'level' must be one of ${SEVERITIES.join(', ')}`);
  const tags = strList(doc, 'tags');
  const logsourceIn = map(doc.logsource, 'logsource');
  const logsource: Record<string, string> = {};
  for (const [k, v] of Object.entries(logsourceIn)) {
    if (typeof v !== 'string') throw new Error(`field 'logsource.${k}' must be a string`);
    logsource[k] = v;
  }
  const cw = map(doc.capwatch, 'capwatch');
  const kind = cw.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw new Error(cw.kind === undefined ? "missing field 'capwatch.kind'" : `field 'capwatch.kind' must be one of ${KINDS.join(', ')}`);
  }
  const technique = techniqueOf(tags, kind as DetectionKind);
  const action = cw.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new Error(cw.action === undefined ? "missing field 'capwatch.action'" : `field 'capwatch.action' must be one of ${ACTIONS.join(', ')}`);
  }

  const { root, sels, test } = compileDetection(map(doc.detection, 'detection'), 'detection');
  const factSelections = [...positiveSelections(root)].map((n) => sels.get(n)!);

  return {
    id,
    title,
    description,
    status,
    level: level as Severity,
    kind: kind as DetectionKind,
    technique,
    action: action as RuleAction,
    file,
    tags,
    references: strList(doc, 'references'),
    falsepositives: strList(doc, 'falsepositives'),
    logsource,
    commandPrefixes: dedupe(conditionPrefixes(root, sels)),
    test,
    extract(view) {
      const facts: Record<string, string> = {};
      for (const s of factSelections) matchSelection(s, view, facts);
      return facts;
    },
  };
}
