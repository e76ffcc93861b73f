// `capwatch rules`: load and list the detection rules, so a rule author sees a load error before deploying.
import { ruleDirs } from '../app.js';
import type { Config } from '../config.js';
import { loadRules } from '../detect/sigma/load.js';

export function listRules(config: Config, out: NodeJS.WritableStream = process.stdout): number {
  const rules = loadRules(ruleDirs(config));
  for (const r of rules) out.write(`${r.id}  ${r.level.padEnd(13)} ${r.kind.padEnd(14)} ${r.title}\n`);
  out.write(`${rules.length} rules loaded from ${ruleDirs(config).join(', ')}\n`);
  return 0;
}
