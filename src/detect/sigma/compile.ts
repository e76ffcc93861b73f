// One parsed YAML document → one compiled Rule. Throws plain Errors whose message is the reason.
import { SEVERITIES, type DetectionKind, type Severity } from '../../types.js';
import { parseCondition, positiveSelections, type CondNode } from './condition.js';
import { compileSelection, matchSelection, NATIVE_FIELDS, selectionPrefixes, type FieldDialect, type Selection } from './selection.js';
import { ACTIONS, KINDS, REQUIREMENTS, type CommandPrefix, type ForeignMapping, type Rule, type RuleAction, type RuleRequirement } from './types.js';
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
export function compileDetection(
  block: Record<string, unknown>,
  where: string,
  reserved: readonly string[] = [],
  dialect: FieldDialect = NATIVE_FIELDS,
): { root: CondNode; sels: Map<string, Selection>; test: Pred } {
  const condition = block.condition;
  if (condition === undefined) throw new Error(`missing field '${where}.condition'`);
  if (typeof condition !== 'string') throw new Error(`field '${where}.condition' must be a string`);
  const sels = new Map<string, Selection>();
  for (const [name, body] of Object.entries(block)) {
    if (name !== 'condition' && !reserved.includes(name)) sels.set(name, compileSelection(name, body, dialect));
  }
  if (sels.size === 0) throw new Error(`${where} has no selections`);
  const root = parseCondition(condition, [...sels.keys()]);
  return { root, sels, test: compileNode(root, sels) };
}

/** The descriptive fields every rule has, checked. */
export type RuleHeader = Pick<Rule, 'id' | 'title' | 'description' | 'author' | 'status' | 'level' | 'tags' | 'techniques' | 'references' | 'falsepositives' | 'logsource'>;

const TECHNIQUE_TAG = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;

export function ruleHeader(doc: Record<string, unknown>): RuleHeader {
  const title = str(doc, 'title', true)!;
  const id = str(doc, 'id', true)!;
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
  return {
    id,
    title,
    description: str(doc, 'description', false) ?? title,
    author: str(doc, 'author', false),
    status,
    level: level as Severity,
    tags,
    techniques: tags.flatMap((t) => TECHNIQUE_TAG.exec(t)?.[1]?.toUpperCase() ?? []),
    references: strList(doc, 'references'),
    falsepositives: strList(doc, 'falsepositives'),
    logsource,
  };
}

export interface RuleBody {
  readonly kind: DetectionKind;
  readonly action: RuleAction;
  readonly detection: ReturnType<typeof compileDetection>;
  /** A condition on the event besides the detection (a mapped log source's platforms), checked first. */
  readonly gate?: Pred;
  readonly foreign?: ForeignMapping;
  /** `capwatch.candidate`: the rule edits a candidate configuration (IOS XR, Junos). */
  readonly candidate?: boolean;
  /** `capwatch.requires`: what the device's state must know for the rule to fire. */
  readonly requires?: RuleRequirement;
}

/** A header and a compiled detection → the Rule the detector runs. */
export function assembleRule(header: RuleHeader, body: RuleBody, file: string): Rule {
  const { root, sels, test: matches } = body.detection;
  const factSelections = [...positiveSelections(root)].map((n) => sels.get(n)!);
  const gate = body.gate;
  return {
    ...header,
    kind: body.kind,
    action: body.action,
    candidate: body.candidate ?? false,
    ...(body.requires !== undefined && { requires: body.requires }),
    file,
    ...(body.foreign && { foreign: body.foreign }),
    commandPrefixes: dedupe(conditionPrefixes(root, sels)),
    test: gate ? (v) => gate(v) && matches(v) : matches,
    extract(view) {
      const facts: Record<string, string> = {};
      for (const s of factSelections) matchSelection(s, view, facts);
      return facts;
    },
  };
}

/** A capwatch rule: one with a `capwatch:` section naming its kind and lifecycle action, tagged attack.t1040. */
export function compileRule(docIn: unknown, file: string): Rule {
  if (typeof docIn !== 'object' || docIn === null || Array.isArray(docIn)) throw new Error('the file is not a YAML map');
  const doc = docIn as Record<string, unknown>;
  const header = ruleHeader(doc);
  if (!header.tags.some((t) => t.toLowerCase() === 'attack.t1040')) throw new Error("field 'tags' must include attack.t1040");
  const cw = map(doc.capwatch, 'capwatch');
  const kind = cw.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    throw new Error(cw.kind === undefined ? "missing field 'capwatch.kind'" : `field 'capwatch.kind' must be one of ${KINDS.join(', ')}`);
  }
  const action = cw.action;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new Error(cw.action === undefined ? "missing field 'capwatch.action'" : `field 'capwatch.action' must be one of ${ACTIONS.join(', ')}`);
  }
  const requires = cw.requires;
  if (requires !== undefined && (typeof requires !== 'string' || !(REQUIREMENTS as readonly string[]).includes(requires))) {
    throw new Error(`field 'capwatch.requires' must be one of ${REQUIREMENTS.join(', ')}`);
  }
  const candidate = cw.candidate ?? false;
  if (typeof candidate !== 'boolean') throw new Error("field 'capwatch.candidate' must be true or false");
  const detection = compileDetection(map(doc.detection, 'detection'), 'detection');
  return assembleRule(header, { kind: kind as DetectionKind, action: action as RuleAction, detection, candidate, ...(requires !== undefined && { requires: requires as RuleRequirement }) }, file);
}
