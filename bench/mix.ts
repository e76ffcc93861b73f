// A realistic syslog mix for benchmarks: 99.9 % ordinary device chatter, 0.1 % commands of interest
// (the line shapes live in src/detect/warmup.ts, which the service also warms its hot path on).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mixLine } from '../src/detect/warmup.js';

/** Writes `lines` lines; one in every `every` (1000 → 0.1 %) is a command or capture event. */
export async function writeMix(path: string, lines: number, every = 1000): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i++) if (!out.write(`${mixLine(i, every)}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}
