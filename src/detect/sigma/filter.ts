// Sigma filters (the specification's meta-filters): a document naming the rules it applies to and a condition that a
// matching event must meet, e.g. `condition: not selection` to set a lab's switches apart. pySigma adds the filter's
// condition to each rule's (`rule and filter`); capwatch never drops the detection, it marks it expected when the
// filter's condition is false for the event. A filter only ever looks at a rule's hits: it cannot widen a rule.
import { compileDetection, map, str } from './compile.js';
import type { Rule } from './types.js';
import type { EventView } from './view.js';

export interface Filter {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly file: string;
  /** The rules (by id) it applies to; null when the document names none (Sigma: every rule). */
  readonly rules: ReadonlySet<string> | null;
  /** May set a critical hit of a rule it names apart (`capwatch.allowCritical: true`). */
  readonly allowCritical: boolean;
  /** The filter's condition: false means the event is what the filter sets apart (expected). */
  test(view: EventView): boolean;
}

/** One parsed YAML document → a Filter. `rules` resolves the names it lists (rule ids or titles). */
export function compileFilter(docIn: unknown, file: string, rules: readonly Rule[]): Filter {
  if (typeof docIn !== 'object' || docIn === null || Array.isArray(docIn)) throw new Error('the file is not a YAML map');
  const doc = docIn as Record<string, unknown>;
  const title = str(doc, 'title', true)!;
  const id = str(doc, 'id', false) ?? title;
  if (doc.detection !== undefined) throw new Error("a filter has 'filter:', not 'detection:' (is this a rule in the filters directory?)");
  const block = map(doc.filter, 'filter');
  const named = block.rules;
  let ids: Set<string> | null = null;
  if (named !== undefined && named !== null && named !== 'any') {
    const list = typeof named === 'string' ? [named] : named;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new Error("field 'filter.rules' must be a rule id or title, or a list of them");
    ids = new Set();
    for (const name of list as string[]) {
      const rule = rules.find((r) => r.id === name || r.title.toLowerCase() === name.toLowerCase());
      if (!rule) throw new Error(`filter.rules: no loaded rule has the id or title "${name}"`);
      ids.add(rule.id);
    }
    if (ids.size === 0) ids = null;
  }
  const { test } = compileDetection(block, 'filter', ['rules']);
  const cw = doc.capwatch === undefined ? {} : map(doc.capwatch, 'capwatch');
  const allowCritical = cw.allowCritical ?? false;
  if (typeof allowCritical !== 'boolean') throw new Error("field 'capwatch.allowCritical' must be true or false");
  if (allowCritical && ids === null) throw new Error("capwatch.allowCritical needs filter.rules to name the rules it may set apart");
  return { id, title, description: str(doc, 'description', false) ?? title, file, rules: ids, allowCritical, test };
}
