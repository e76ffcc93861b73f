// `npm run bench`: capwatch serve against a bare Node receiver, side by side, with syslog-ng's loggen as the sender;
// then `capwatch replay` throughput. Loopback only; every child is bounded in time and stopped by PID.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { peakRssMb, stopChild } from './children.js';
import { writeMix } from './mix.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const REPLAY_LINES = Number(process.env.BENCH_REPLAY_LINES ?? 2_000_000);

type Transport = 'udp' | 'tcp';
/** loggen over one connection cannot send TCP faster than ~240k msg/s here; two reach ~390k. */
interface Load {
  name: string;
  transport: Transport;
  connections: number;
}
const ALL_LOADS: Load[] = [
  { name: 'udp', transport: 'udp', connections: 1 },
  { name: 'tcp', transport: 'tcp', connections: 1 },
  { name: 'tcp ×2', transport: 'tcp', connections: 2 },
];
/** BENCH_LOADS=udp,tcp picks some (by name, `tcp` also picks `tcp ×2`); BENCH_REPLAY_LINES=0 skips replay. */
const LOADS = ALL_LOADS.filter((l) => (process.env.BENCH_LOADS ?? 'udp,tcp').split(',').some((n) => l.name.startsWith(n)));
interface Receiver {
  name: string;
  pid: number;
  port: Record<Transport, number>;
  count(t: Transport): Promise<number>;
  stop(): Promise<void>;
}
interface Trial {
  load: string;
  receiver: string;
  sent: number;
  received: number;
  seconds: number;
  peakRssMb: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}



async function startBare(): Promise<Receiver> {
  const port = { udp: await freePort(), tcp: await freePort() };
  const p = spawn(process.execPath, [join(ROOT, 'dist/bench/bare-receiver.js'), String(port.udp), String(port.tcp)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = { udp: 0, tcp: 0 };
  createInterface({ input: p.stdout! }).on('line', (l) => (last = JSON.parse(l)));
  await sleep(500);
  return { name: 'bare node', pid: p.pid!, port, count: async (t) => last[t], stop: () => stopChild(p) };
}

const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';

async function startCapwatch(dir: string): Promise<Receiver> {
  const cfg = join(dir, 'bench.yaml');
  writeFileSync(cfg, JSON.stringify({
    syslog: { host: '127.0.0.1', udp: { port: 0 }, tcp: { port: 0 } },
    // /metrics needs a credential: the bench scrapes with a metrics-only token, as Prometheus would.
    http: { host: '127.0.0.1', port: 0, metrics: { token: METRICS_TOKEN } },
    storage: { path: join(dir, `bench-${Date.now()}.db`) },
    log: { level: 'info' },
  }));
  const p = spawn(process.execPath, [CLI, 'serve', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
  const lines = createInterface({ input: p.stdout! });
  const listening = await new Promise<any>((res, rej) => {
    const t = setTimeout(() => rej(new Error('capwatch did not start')), 15_000);
    lines.on('line', (l) => {
      if (l.includes('"capwatch listening"')) {
        clearTimeout(t);
        res(JSON.parse(l));
      }
    });
  });
  const http = listening.http.port as number;
  return {
    name: 'capwatch',
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

/** loggen at its full rate (-r far above what it can do), replaying the mix in a loop for SECONDS. */
function loggen(load: Load, port: number, file: string): number {
  const args = ['-i', load.transport === 'udp' ? '-D' : '-S', '-R', file, '-d', '-l', '-r', '10000000', '-I', String(SECONDS)];
  args.push('--active-connections', String(load.connections), '-Q', '127.0.0.1', String(port));
  const r = spawnSync('loggen', args, { encoding: 'utf8', timeout: (SECONDS + 30) * 1000 });
  const m = /count=(\d+)/.exec(`${r.stdout}\n${r.stderr}`);
  if (!m) throw new Error(`loggen printed no count: ${r.stderr}`);
  return Number(m[1]);
}

/** Waits until the receiver's count stops moving (queues drained), at most 10 s. */
async function settle(r: Receiver, t: Transport): Promise<number> {
  let prev = -1;
  for (let i = 0; i < 20; i++) {
    const n = await r.count(t);
    if (n === prev) return n;
    prev = n;
    await sleep(500);
  }
  return prev;
}

async function trial(make: () => Promise<Receiver>, load: Load, file: string): Promise<Trial> {
  const r = await make();
  try {
    const started = Date.now();
    const sent = loggen(load, r.port[load.transport], file);
    const seconds = (Date.now() - started) / 1000;
    const received = await settle(r, load.transport);
    return { load: load.name, receiver: r.name, sent, received, seconds, peakRssMb: peakRssMb(r.pid) };
  } finally {
    await r.stop();
  }
}

function replayRate(file: string): { lines: number; seconds: number; peakRssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, CLI, 'replay', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const m = /replay: (\d+) lines read in ([\d.]+) s/.exec(r.stderr);
  const rss = /maxrss=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`replay printed no summary: ${r.stderr.slice(-500)}`);
  return { lines: Number(m[1]), seconds: Number(m[2]), peakRssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const k = (n: number) => `${(n / 1000).toFixed(0)}k`;

async function main(): Promise<void> {
  if (spawnSync('loggen', ['--help']).error) throw new Error('loggen not found: apt-get install syslog-ng-core');
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-bench-'));
  try {
    await measure(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The trials and the replay runs, with their mix files in `dir`. */
async function measure(dir: string): Promise<void> {
  const mix = join(dir, 'mix.log');
  await writeMix(mix, 100_000);
  const trials: Trial[] = [];
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const t of LOADS) {
      // Alternate the order so neither receiver always runs on a warmer machine.
      const order = rep % 2 ? [() => startCapwatch(dir), startBare] : [startBare, () => startCapwatch(dir)];
      for (const make of order) {
        const tr = await trial(make, t, mix);
        trials.push(tr);
        console.error(`  ${t.name} ${tr.receiver}: sent ${tr.sent}, received ${tr.received}, loss ${(((tr.sent - tr.received) / tr.sent) * 100).toFixed(3)} %`);
      }
    }
  }
  const replayFile = join(dir, 'replay.log');
  if (REPLAY_LINES > 0) await writeMix(replayFile, REPLAY_LINES);
  const replays = REPLAY_LINES > 0 ? Array.from({ length: REPEATS }, () => replayRate(replayFile)) : [];

  const rows: string[] = ['| load | receiver | offered msg/s | received msg/s | loss | peak RSS | capwatch / bare (received) |', '|---|---|---|---|---|---|---|'];
  const summary: Record<string, unknown> = {};
  for (const { name: t } of LOADS) {
    const by = (name: string) => trials.filter((x) => x.load === t && x.receiver === name);
    const rate = (xs: Trial[], f: (x: Trial) => number) => median(xs.map((x) => f(x) / x.seconds));
    const ratios = by('capwatch').map((c, i) => c.received / by('bare node')[i]!.received);
    for (const name of ['bare node', 'capwatch']) {
      const xs = by(name);
      const loss = median(xs.map((x) => (x.sent - x.received) / x.sent));
      rows.push(`| ${t} | ${name} | ${k(rate(xs, (x) => x.sent))} | ${k(rate(xs, (x) => x.received))} | ${(loss * 100).toFixed(3)} % [${xs.map((x) => (((x.sent - x.received) / x.sent) * 100).toFixed(3)).join(', ')}] | ${median(xs.map((x) => x.peakRssMb)).toFixed(0)} MB | ${name === 'capwatch' ? `${median(ratios).toFixed(2)} [${ratios.map((r) => r.toFixed(2)).join(', ')}]` : ''} |`);
      summary[`${t}:${name}`] = { offered: rate(xs, (x) => x.sent), received: rate(xs, (x) => x.received), loss, peakRssMb: median(xs.map((x) => x.peakRssMb)) };
    }
  }
  const replayRates = replays.map((r) => r.lines / r.seconds);
  if (replays.length) rows.push('', `replay: ${k(median(replayRates))} lines/s [${replayRates.map(k).join(', ')}] over ${REPLAY_LINES} lines, peak RSS ${median(replays.map((r) => r.peakRssMb)).toFixed(0)} MB`);
  console.log(`\ncapwatch benchmark, ${SECONDS} s per trial, ${REPEATS} repeats (medians), mix: 99.9 % chatter / 0.1 % commands\n`);
  console.log(rows.join('\n'));
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ trials, replays, summary }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
