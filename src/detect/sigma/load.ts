// Loads rule files (`*.yml`, `*.yaml`) from directories. A rule that does not load stops start-up, so the error
// names the file and the reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileRule } from './compile.js';
import { compileFilter, type Filter } from './filter.js';
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

function ruleFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile() && /\.ya?ml$/i.test(d.name))
      .map((d) => join(dir, d.name))
      .sort();
  } catch (err) {
    throw new RuleLoadError(dir, `cannot read rule directory: ${(err as Error).message}`);
  }
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

/** Every rule in `dirs`, in directory order then file-name order. Rule ids must be unique across all of them. */
export function loadRules(dirs: readonly string[]): Rule[] {
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    for (const file of ruleFiles(dir)) {
      const rule = loadDocument(file, (doc) => compileRule(doc, file));
      const other = seen.get(rule.id);
      if (other !== undefined) throw new RuleLoadError(file, `duplicate id ${rule.id} (also in ${other})`);
      seen.set(rule.id, file);
      rules.push(rule);
    }
  }
  return rules;
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
