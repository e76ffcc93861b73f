// Child processes the benchmarks start (capwatch serve, baselines, simulators): waiting for them and stopping them.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** The first stdout line that `match` accepts (a "listening" line), or an error after 20 s. */
export function firstLine(p: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((res, rej) => {
    const rl = createInterface({ input: p.stdout! });
    const t = setTimeout(() => rej(new Error('server did not start')), 20_000);
    rl.on('line', (l) => {
      if (match(l)) {
        clearTimeout(t);
        res(l);
      }
    });
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
export function stopChild(p: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (p.exitCode !== null) return res();
    p.once('exit', () => res());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}

/** Peak resident set of a live process (Linux VmHWM), in MB. */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
