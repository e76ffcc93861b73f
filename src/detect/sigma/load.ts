// Loads rule files (`*.yml`, `*.yaml`) from directories and their subdirectories. A capwatch rule (one with a
// `capwatch:` section) that does not load stops start-up, so the error names the file and the reason; a Sigma rule
// written without one (SigmaHQ's) that cannot run on what capwatch receives is skipped, with the reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileRule } from './compile.js';
import { compileFilter, type Filter } from './filter.js';
import { compileForeignRule } from './foreign.js';
import type { Rule } from './types.js';

export class RuleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'RuleLoadError';
  }
}

/** A rule file that was read but not loaded, and why. */
export interface SkippedRule {
  readonly file: string;
  readonly title?: string;
  readonly reason: string;
}

export interface RuleSet {
  readonly rules: Rule[];
  readonly skipped: SkippedRule[];
}

/** The rule files under `dir`, depth first in name order (a SigmaHQ checkout nests them: network/cisco/aaa/…). */
function ruleFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    throw new RuleLoadError(dir, `cannot read rule directory: ${(err as Error).message}`);
  }
  // Symbolic links are not followed (a link to a parent would loop).
  return entries.flatMap((d) => (d.isDirectory() ? ruleFiles(join(dir, d.name)) : d.isFile() && /\.ya?ml$/i.test(d.name) ? [join(dir, d.name)] : []));
}

/** A map without a `capwatch:` key is a rule written for Sigma in general, not for capwatch. */
function isForeign(doc: unknown): doc is Record<string, unknown> {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && !('capwatch' in doc);
}

function loadDocument<T>(file: string, compile: (doc: unknown) => T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RuleLoadError(file, `cannot read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new RuleLoadError(file, `bad YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return compile(doc);
  } catch (err) {
    throw new RuleLoadError(file, (err as Error).message);
  }
}

/**
 * Every rule in `dirs`, in directory order then path order, and the Sigma rules skipped. Rule ids must be unique
 * across all loaded rules.
 */
export function loadRuleSet(dirs: readonly string[]): RuleSet {
  const rules: Rule[] = [];
  const skipped: SkippedRule[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of ruleFiles(dir)) {
      const rule = loadDocument(file, (doc) => {
        if (!isForeign(doc)) return compileRule(doc, file);
        const result = compileForeignRule(doc, file);
        if ('rule' in result) return result.rule;
        skipped.push({ file, ...(typeof doc.title === 'string' && { title: doc.title }), reason: result.skipped });
        return undefined;
      });
      if (rule === undefined) continue;
      const other = seen.get(rule.id);
      if (other !== undefined) throw new RuleLoadError(file, `duplicate id ${rule.id} (also in ${other})`);
      seen.set(rule.id, file);
      rules.push(rule);
    }
  }
  return { rules, skipped };
}

/** The rules `loadRuleSet` loads. */
export function loadRules(dirs: readonly string[]): Rule[] {
  return loadRuleSet(dirs).rules;
}

/** Every filter in `dirs` (same files, same errors as rules), each naming rules among `rules`. */
export function loadFilters(dirs: readonly string[], rules: readonly Rule[]): Filter[] {
  const filters: Filter[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of ruleFiles(dir)) {
      const filter = loadDocument(file, (doc) => compileFilter(doc, file, rules));
      const other = seen.get(filter.id);
      if (other !== undefined) throw new RuleLoadError(file, `duplicate id ${filter.id} (also in ${other})`);
      seen.set(filter.id, file);
      filters.push(filter);
    }
  }
  return filters;
}
