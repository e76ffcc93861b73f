// The Node receivers the benchmarks start as child processes: `capwatch serve` (counted from /metrics, scraped with a
// metrics-only token as Prometheus would) and the bare node:dgram/node:net counter. `pin` prefixes the command
// (e.g. ['taskset', '-c', '1']): taskset execs the program, so the PID is the receiver's own.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './children.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/src/cli.js');
export type Transport = 'udp' | 'tcp';

export interface Receiver {
  name: string;
  pid: number;
  port: Record<Transport, number>;
  /** Messages received so far on that transport. */
  count(t: Transport): Promise<number>;
  stop(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

function spawnPinned(pin: string[], args: string[]) {
  const [cmd, ...rest] = [...pin, process.execPath, ...args];
  return spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
}

export async function startBare(pin: string[] = []): Promise<Receiver> {
  const port = { udp: await freePort(), tcp: await freePort() };
  const p = spawnPinned(pin, [join(ROOT, 'dist/bench/bare-receiver.js'), String(port.udp), String(port.tcp)]);
  let last = { udp: 0, tcp: 0 };
  createInterface({ input: p.stdout! }).on('line', (l) => (last = JSON.parse(l)));
  await sleep(500);
  return { name: 'bare node', pid: p.pid!, port, count: async (t) => last[t], stop: () => stopChild(p) };
}

const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';

/** `workers`: syslog.workers (reader threads; 0, the main thread with node:dgram). */
export async function startCapwatch(dir: string, pin: string[] = [], opts: { name?: string; workers?: 'auto' | number } = {}): Promise<Receiver> {
  const cfg = join(dir, 'bench.yaml');
  writeFileSync(cfg, JSON.stringify({
    syslog: { host: '127.0.0.1', workers: opts.workers ?? 'auto', udp: { port: 0 }, tcp: { port: 0 } },
    // /metrics needs a credential: the bench scrapes with a metrics-only token, as Prometheus would.
    http: { host: '127.0.0.1', port: 0, metrics: { token: METRICS_TOKEN } },
    storage: { path: join(dir, `bench-${Date.now()}.db`) },
    log: { level: 'info' },
  }));
  const p = spawnPinned(pin, [CLI, 'serve', '--config', cfg]);
  const lines = createInterface({ input: p.stdout! });
  const listening = await new Promise<any>((res, rej) => {
    const t = setTimeout(() => rej(new Error('capwatch did not start')), 15_000);
    lines.on('line', (l) => {
      if (l.includes('"capwatch listening"')) {
        clearTimeout(t);
        res(JSON.parse(l));
      }
    });
  }).catch(async (err) => {
    await stopChild(p);
    throw err;
  });
  const http = listening.http.port as number;
  return {
    name: opts.name ?? 'capwatch',
    pid: p.pid!,
    port: { udp: listening.udp.port, tcp: listening.tcp.port },
    async count(t) {
      const r = await fetch(`http://127.0.0.1:${http}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      if (!r.ok) throw new Error(`/metrics answered ${r.status}`);
      const text = await r.text();
      const m = new RegExp(`capwatch_messages_received_total\\{[^}]*transport="${t}"[^}]*\\} (\\d+)`).exec(text);
      return m ? Number(m[1]) : 0;
    },
    stop: () => stopChild(p),
  };
}
