// `capwatch rules`: load and list the detection rules, so a rule author sees a load error before deploying, and
// someone pointing capwatch at SigmaHQ's rules sees which of them run, how they were mapped, and which cannot; and
// `--export sigma` hands capwatch's rules to Sigma tooling.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { ruleDirs } from '../app.js';
import type { Config } from '../config.js';
import { exportRule } from '../detect/sigma/export.js';
import { loadRuleSet } from '../detect/sigma/load.js';
import type { Rule } from '../detect/sigma/types.js';
import { cell } from './table.js';

function ruleLine(r: Rule): string {
  return `${r.id}  ${r.level.padEnd(13)} ${r.kind.padEnd(14)} ${cell(r.title, 120)}\n`;
}

export function listRules(config: Config, out: NodeJS.WritableStream = process.stdout): number {
  const dirs = ruleDirs(config);
  const { rules, skipped } = loadRuleSet(dirs);
  const foreign = rules.filter((r) => r.foreign);
  for (const r of rules) if (!r.foreign) out.write(ruleLine(r));
  if (foreign.length > 0) {
    out.write(`\nSigma rules without a capwatch: section, mapped onto capwatch's events (action none: they change no capture or mirror state):\n`);
    for (const logsource of new Set(foreign.map((r) => r.foreign!.logsource))) {
      const group = foreign.filter((r) => r.foreign!.logsource === logsource);
      out.write(`logsource ${cell(logsource)}, received as ${group[0]!.foreign!.receivedAs}:\n`);
      for (const r of group) {
        const m = r.foreign!;
        out.write(ruleLine(r));
        out.write(`    ${m.fields.length > 0 ? m.fields.map((f) => cell(f)).join(', ') : 'no fields'}; kind ${r.kind}: ${m.kindFrom}; ATT&CK ${r.techniques.join(', ') || 'none'}\n`);
      }
    }
  }
  if (skipped.length > 0) {
    out.write(`\nSkipped (Sigma rules that cannot run on what capwatch receives):\n`);
    for (const s of skipped) {
      out.write(`${cell(s.file, 200)}${s.title !== undefined ? `  ${cell(s.title, 120)}` : ''}\n`);
      out.write(`    ${cell(s.reason, 300)}\n`);
    }
  }
  const mapped = foreign.length > 0 ? ` (${foreign.length} of them Sigma rules mapped)` : '';
  out.write(`${rules.length} rules loaded${mapped}, ${skipped.length} skipped, from ${dirs.join(', ')}\n`);
  return 0;
}

/**
 * `capwatch rules --export sigma`: capwatch's own rules (not the Sigma rules it maps) as Sigma rules, one YAML document
 * each on `out`, or one file each (named like its source) in `dir`.
 */
export function exportRules(config: Config, dir: string | undefined, out: NodeJS.WritableStream = process.stdout): number {
  const own = loadRuleSet(ruleDirs(config)).rules.filter((r) => !r.foreign);
  const docs = own.map((r) => ({ rule: r, text: stringify(exportRule(r), { lineWidth: 0 }) }));
  if (dir === undefined) {
    out.write(docs.map((d) => d.text).join('---\n'));
    return 0;
  }
  mkdirSync(dir, { recursive: true });
  const used = new Set<string>();
  for (const { rule, text } of docs) {
    // Two rule directories may hold files of the same name; the id keeps them apart.
    const name = used.has(basename(rule.file)) ? `${basename(rule.file).replace(/\.ya?ml$/i, '')}-${rule.id}.yml` : basename(rule.file);
    used.add(name);
    writeFileSync(join(dir, name), text);
  }
  out.write(`${docs.length} rules written as Sigma rules to ${dir}\n`);
  return 0;
}
