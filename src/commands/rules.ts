// `capwatch rules`: load and list the detection rules, so a rule author sees a load error before deploying, and
// someone pointing capwatch at SigmaHQ's rules sees which of them run, how they were mapped, and which cannot.
import { ruleDirs } from '../app.js';
import type { Config } from '../config.js';
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
