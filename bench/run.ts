// `npm run bench`: capwatch serve against a bare Node receiver, side by side, with syslog-ng's loggen as the sender;
// then `capwatch replay` throughput. Loopback only; every child is bounded in time and stopped by PID.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakRssMb } from './children.js';
import { writeMix } from './mix.js';
import { CLI, ROOT, type Receiver, sleep, startBare, startCapwatch, type Transport } from './receivers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const REPLAY_LINES = Number(process.env.BENCH_REPLAY_LINES ?? 2_000_000);

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
interface Trial {
  load: string;
  receiver: string;
  sent: number;
  received: number;
  seconds: number;
  peakRssMb: number;
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
