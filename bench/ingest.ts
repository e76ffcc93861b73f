// `npm run bench:ingest`: how fast each receiver takes syslog in, side by side in one run, each receiver alone:
//   rsyslog     rsyslogd 8.x in the foreground (imudp, imtcp → omfile), counted by its output files' lines
//   capwatch    `capwatch serve`, counted from /metrics capwatch_messages_received_total
//   bare node   bench/bare-receiver.ts: node:dgram / node:net that only frame and count
// fed by bench/sender.c (compiled here with `cc -O2`) with the realistic mix preloaded in memory: UDP paced at each
// rate of a ladder (token bucket, sendmmsg batches), TCP flat out over 1 and 10 connections. The sender is pinned to
// core 0 and the receiver to the other cores with taskset. Loss = sent − received, beside the kernel's drop counter
// for the port (/proc/net/udp); TCP lines/s = lines received / time until the last one arrived.
// Env: BENCH_SECONDS=5 BENCH_RATES=100000,150000,200000,250000,300000,0 (0: flat out) BENCH_TCP_CONNECTIONS=1,10
//      BENCH_REPEATS=1 BENCH_RECEIVER_CORES=N (receivers on cores 1..N; default all but the sender's)
//      CAPWATCH_RSYSLOG_ROOT=/opt/rsyslog-relp (where Debian's rsyslog is unpacked; else rsyslogd from PATH)
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { readUdpDrops } from '../src/sources/udp-drops.js';
import { peakRssMb, stopChild } from './children.js';
import { quiet } from './machine.js';
import { writeMix } from './mix.js';
import { freePort, type Receiver, ROOT, sleep, startBare, startCapwatch, type Transport } from './receivers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 1);
/** The UDP ladder; 0 is flat out (as fast as the sender's core goes). */
const RATES = (process.env.BENCH_RATES ?? '100000,150000,200000,250000,300000,0').split(',').map(Number);
/** The ladder's top step, where a receiver is busiest. */
const TOP_RATE = RATES.includes(0) ? 0 : Math.max(...RATES);
const CONNECTIONS = (process.env.BENCH_TCP_CONNECTIONS ?? '1,10').split(',').map(Number);
const MIX_LINES = 200_000;
const HOST = '127.0.0.1';
const RSYSLOG_ROOT = process.env.CAPWATCH_RSYSLOG_ROOT ?? '/opt/rsyslog-relp';

// ---- the sender --------------------------------------------------------------------------------------------------

function compileSender(dir: string): string {
  const out = join(dir, 'sender');
  const r = spawnSync('cc', ['-O2', '-pthread', '-o', out, join(ROOT, 'bench/sender.c')], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) {
    console.error('cc not found: the benchmark compiles its sender (bench/sender.c) with a C compiler (apt-get install gcc)');
    process.exit(2);
  }
  if (r.status !== 0) throw new Error(`cc failed:\n${r.stderr}`);
  return out;
}

/** Runs the sender pinned to core 0, bounded to SECONDS + 15 s (then killed by PID). */
function send(sender: string, pin: string[], args: string[]): Promise<{ sent: number; seconds: number }> {
  const [cmd, ...rest] = [...pin, sender, ...args];
  const p = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const killer = setTimeout(() => p.kill('SIGKILL'), (Number(args[3]) + 15) * 1000);
  return new Promise((res, rej) => {
    p.once('exit', () => {
      clearTimeout(killer);
      const m = /sent=(\d+) seconds=([\d.]+)/.exec(out);
      if (m) res({ sent: Number(m[1]), seconds: Number(m[2]) });
      else rej(new Error(`sender printed no count: ${out}`));
    });
  });
}

// ---- rsyslog -----------------------------------------------------------------------------------------------------

function findRsyslogd(): { bin: string; modules: string } | undefined {
  for (const dir of [join(RSYSLOG_ROOT, 'usr/sbin'), ...(process.env.PATH ?? '').split(delimiter)]) {
    const bin = join(dir, 'rsyslogd');
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      continue;
    }
    const lib = join(dirname(dirname(bin)), 'lib');
    const modules = existsSync(lib)
      ? readdirSync(lib).map((arch) => join(lib, arch, 'rsyslog')).find((d) => existsSync(join(d, 'imudp.so')))
      : undefined;
    if (modules) return { bin, modules };
  }
  return undefined;
}

/** Counts the LFs a growing file gained since the last call. */
function lineCounter(path: string): () => number {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  return () => {
    if (!existsSync(path)) return lines;
    const fd = openSync(path, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) {
        for (let i = buf.indexOf(0x0a); i >= 0 && i < n; i = buf.indexOf(0x0a, i + 1)) lines++;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

async function tcpListening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = connect(port, HOST, () => {
      c.destroy();
      res(true);
    }).once('error', () => res(false));
  });
}

async function startRsyslog(rsyslog: { bin: string; modules: string }, dir: string, pin: string[]): Promise<Receiver> {
  const port = { udp: await freePort(), tcp: await freePort() };
  const work = mkdtempSync(join(dir, 'rsyslog-'));
  const file = { udp: join(work, 'udp.log'), tcp: join(work, 'tcp.log') };
  const conf = join(work, 'rsyslog.conf');
  // Its own buffer as large as capwatch's (4 MiB asked); every message written to a file, one line each.
  writeFileSync(
    conf,
    `global(workDirectory="${work}")
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="${HOST}" port="${port.udp}" rcvbufSize="4m")
input(type="imtcp" address="${HOST}" port="${port.tcp}")
if $inputname == "imudp" then { action(type="omfile" file="${file.udp}" template="RSYSLOG_TraditionalFileFormat") stop }
if $inputname == "imtcp" then { action(type="omfile" file="${file.tcp}" template="RSYSLOG_TraditionalFileFormat") stop }
`,
  );
  const env = { ...process.env, LD_LIBRARY_PATH: [dirname(rsyslog.modules), process.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter) };
  const [cmd, ...rest] = [...pin, rsyslog.bin, '-n', '-f', conf, '-i', join(work, 'rsyslogd.pid'), '-M', rsyslog.modules];
  const p = spawn(cmd!, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  p.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const stop = async () => {
    await stopChild(p);
    rmSync(work, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (readUdpDrops({ address: HOST, family: 'IPv4', port: port.udp }) === undefined || !(await tcpListening(port.tcp))) {
    if (p.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`rsyslogd did not start:\n${out}`);
    }
    await sleep(50);
  }
  const counters = { udp: lineCounter(file.udp), tcp: lineCounter(file.tcp) };
  return { name: 'rsyslog', pid: p.pid!, port, count: async (t) => counters[t](), stop };
}

// ---- trials ------------------------------------------------------------------------------------------------------

/** Waits until the count has not moved for 0.6 s (queues drained), at most 15 s; returns it. */
async function settle(r: Receiver, t: Transport, target = Infinity): Promise<number> {
  let prev = -1;
  let still = 0;
  for (const end = Date.now() + 15_000; Date.now() < end; ) {
    const n = await r.count(t);
    if (n >= target) return n;
    still = n === prev ? still + 1 : 0;
    if (still >= 3) return n;
    prev = n;
    await sleep(200);
  }
  return prev;
}

/** User + system CPU seconds of a live process. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
}

interface UdpTrial {
  receiver: string;
  rate: number;
  sent: number;
  seconds: number;
  received: number;
  kernelDrops: number | undefined;
  cpuSecondsPerM: number;
}
interface TcpTrial {
  receiver: string;
  connections: number;
  sent: number;
  received: number;
  linesPerSecond: number;
  cpuSecondsPerM: number;
}
interface Series {
  udp: UdpTrial[];
  tcp: TcpTrial[];
  peakRssMb: number;
}

async function udpTrial(r: Receiver, sender: () => Promise<{ sent: number; seconds: number }>, rate: number): Promise<UdpTrial> {
  const bound = { address: HOST, family: 'IPv4' as const, port: r.port.udp };
  const before = await r.count('udp');
  const dropsBefore = readUdpDrops(bound);
  const cpuBefore = cpuSeconds(r.pid);
  const { sent, seconds } = await sender();
  const received = (await settle(r, 'udp', before + sent)) - before;
  const dropsAfter = readUdpDrops(bound);
  const kernelDrops = dropsBefore === undefined || dropsAfter === undefined ? undefined : dropsAfter - dropsBefore;
  const cpuSecondsPerM = ((cpuSeconds(r.pid) - cpuBefore) * 1e6) / Math.max(received, 1);
  return { receiver: r.name, rate, sent, seconds, received, kernelDrops, cpuSecondsPerM };
}

async function tcpTrial(r: Receiver, sender: () => Promise<{ sent: number; seconds: number }>, connections: number): Promise<TcpTrial> {
  const before = await r.count('tcp');
  const cpuBefore = cpuSeconds(r.pid);
  const started = Date.now();
  const { sent } = await sender();
  // The time until the last line arrived: poll finely until all are in (or the count stops moving).
  let received = 0;
  let lastChange = Date.now();
  for (let prev = -1; Date.now() - lastChange < 1000 && Date.now() - started < (SECONDS + 30) * 1000; await sleep(20)) {
    received = (await r.count('tcp')) - before;
    if (received !== prev) {
      prev = received;
      lastChange = Date.now();
    }
    if (received >= sent) break;
  }
  const seconds = (lastChange - started) / 1000;
  const cpuSecondsPerM = ((cpuSeconds(r.pid) - cpuBefore) * 1e6) / Math.max(received, 1);
  return { receiver: r.name, connections, sent, received, linesPerSecond: received / seconds, cpuSecondsPerM };
}

async function series(r: Receiver, sender: string, pin: string[], mix: string): Promise<Series> {
  const run = (args: (string | number)[]) => () => send(sender, pin, args.map(String));
  // Warm up (JIT, buffers, files) at a pace every receiver holds; not counted.
  await run(['udp', r.port.udp, mix, 20_000, 1])();
  await run(['tcp', r.port.tcp, mix, 1, 1])();
  await settle(r, 'udp');
  await settle(r, 'tcp');
  await quiet();
  const udp: UdpTrial[] = [];
  for (const rate of RATES) {
    const t = await udpTrial(r, run(['udp', r.port.udp, mix, rate, SECONDS]), rate);
    console.error(`  ${r.name} udp ${rateName(rate)}: sent ${t.sent}, received ${t.received}, kernel drops ${t.kernelDrops ?? 'n/a'}`);
    udp.push(t);
  }
  const tcp: TcpTrial[] = [];
  for (const n of CONNECTIONS) {
    const t = await tcpTrial(r, run(['tcp', r.port.tcp, mix, n, SECONDS]), n);
    console.error(`  ${r.name} tcp ×${n}: sent ${t.sent}, received ${t.received}, ${k(t.linesPerSecond)} lines/s`);
    tcp.push(t);
  }
  return { udp, tcp, peakRssMb: peakRssMb(r.pid) };
}

// ---- report ------------------------------------------------------------------------------------------------------

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const k = (n: number) => `${Math.round(n / 1000)}k`;
const rateName = (rate: number) => (rate === 0 ? 'flat out' : `${k(rate)}/s`);
const lossPct = (t: UdpTrial) => (100 * Math.max(t.sent - t.received, 0)) / t.sent;

/**
 * The highest rate, as sent (the sender can fall short of the offered rate on a busy machine), of the ladder's steps
 * that every repeat took without losing one message; 0 when none.
 */
function losslessUpTo(ts: UdpTrial[]): number {
  const steps = RATES.map((rate) => ts.filter((t) => t.rate === rate)).filter((xs) => xs.every((t) => t.received >= t.sent));
  return Math.max(0, ...steps.map((xs) => median(xs.map((t) => t.sent / t.seconds))));
}

function report(all: Map<string, Series[]>): void {
  const names = [...all.keys()];
  const head = ['receiver', ...RATES.map((r) => `UDP ${rateName(r)}: loss (kernel drops)`), 'UDP highest lossless step (as sent)', ...CONNECTIONS.map((n) => `TCP ×${n} lines/s`), 'CPU s / M msgs (UDP top step, TCP)', 'peak RSS'];
  const rows = [head, head.map(() => '---')];
  const stats = new Map<string, { lossless: number; tcp: number[]; rss: number; udpCpu: number }>();
  for (const name of names) {
    const ss = all.get(name)!;
    const udp = ss.flatMap((s) => s.udp);
    const tcp = ss.flatMap((s) => s.tcp);
    const cells = RATES.map((rate) => {
      const ts = udp.filter((t) => t.rate === rate);
      const sentRate = median(ts.map((t) => t.sent / t.seconds));
      const drops = ts.map((t) => t.kernelDrops ?? 'n/a').join(' / ');
      return `${ts.map((t) => lossPct(t).toFixed(2)).join(' / ')} % (${drops})${rate === 0 || sentRate < rate * 0.97 ? ` [sent ${k(sentRate)}/s]` : ''}`;
    });
    const tcpRates = CONNECTIONS.map((n) => median(tcp.filter((t) => t.connections === n).map((t) => t.linesPerSecond)));
    const lossless = losslessUpTo(udp);
    const rss = median(ss.map((s) => s.peakRssMb));
    // At the ladder's top the receiver is busiest: its CPU per message there bounds what one core of it can take.
    const udpCpu = median(udp.filter((t) => t.rate === TOP_RATE).map((t) => t.cpuSecondsPerM));
    stats.set(name, { lossless, tcp: tcpRates, rss, udpCpu });
    const cpu = `${udpCpu.toFixed(1)}, ${median(tcp.map((t) => t.cpuSecondsPerM)).toFixed(1)}`;
    rows.push([name, ...cells, lossless ? `${k(lossless)}/s` : `< ${k(RATES[0]!)}/s`, ...tcpRates.map((r) => `${k(r)}`), cpu, `${rss.toFixed(0)} MB`]);
  }
  console.log(rows.map((r) => `| ${r.join(' | ')} |`).join('\n'));
  const rs = stats.get('rsyslog');
  if (!rs) return;
  const x = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)} ×` : 'n/a');
  const losslessAtTop = (name: string) => all.get(name)!.flatMap((s) => s.udp).filter((t) => t.rate === TOP_RATE).every((t) => t.received >= t.sent);
  for (const name of names.filter((n) => n.startsWith('capwatch'))) {
    const c = stats.get(name)!;
    // The ladder bounds what is known: a receiver lossless at its top may hold more, one lossy at its bottom less.
    // When both lose nothing even flat out, the sender's core is the limit and the ratio of rates says nothing.
    const udp =
      losslessAtTop(name) && losslessAtTop('rsyslog')
        ? `UDP both lossless at every step, up to what the sender reached (${k(c.lossless)}/s and ${k(rs.lossless)}/s): CPU per message at the top ${x(c.udpCpu, rs.udpCpu)}`
        : `UDP lossless rate ${x(c.lossless, rs.lossless)}${losslessAtTop('rsyslog') ? ' or less (rsyslog lost nothing up to the top of the ladder)' : ''}`;
    console.log(`\n${name} / rsyslog: ${udp}, ${CONNECTIONS.map((n, i) => `TCP ×${n} ${x(c.tcp[i]!, rs.tcp[i]!)}`).join(', ')}, peak RSS ${x(c.rss, rs.rss)}`);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-ingest-'));
  try {
    const sender = compileSender(dir);
    const cores = cpus().length;
    const hasTaskset = !spawnSync('taskset', ['-V']).error;
    if (!hasTaskset) console.log('taskset not found (util-linux): sender and receivers run unpinned');
    else if (cores < 2) console.log('one core only: sender and receiver share it');
    const senderPin = hasTaskset ? ['taskset', '-c', '0'] : [];
    const receiverCores = Math.min(Number(process.env.BENCH_RECEIVER_CORES ?? cores - 1), cores - 1);
    const receiverPin = hasTaskset ? ['taskset', '-c', cores > 1 ? `1-${Math.max(1, receiverCores)}` : '0'] : [];
    const rsyslog = findRsyslogd();
    if (!rsyslog) console.log(`rsyslogd with imudp not found (in ${RSYSLOG_ROOT} or PATH): rsyslog left out`);
    const mix = join(dir, 'mix.log');
    await writeMix(mix, MIX_LINES);
    const starters: [string, () => Promise<Receiver>][] = [
      ...(rsyslog ? [['rsyslog', () => startRsyslog(rsyslog, dir, receiverPin)] as [string, () => Promise<Receiver>]] : []),
      ['capwatch', () => startCapwatch(dir, receiverPin)],
      // The same build reading UDP the way it did before reader threads: node:dgram on the main thread.
      ['capwatch dgram', () => startCapwatch(dir, receiverPin, { name: 'capwatch dgram', workers: 0 })],
      ['bare node', () => startBare(receiverPin)],
    ];
    console.log(`ingest: ${SECONDS} s per load, ${REPEATS} repeat(s), ${cores} cores (sender on core 0${hasTaskset && cores > 1 ? `, receivers on 1-${Math.max(1, receiverCores)}` : ''}), mix of ${MIX_LINES} lines: 99.9 % chatter / 0.1 % commands`);
    const all = new Map<string, Series[]>(starters.map(([n]) => [n, []]));
    for (let rep = 0; rep < REPEATS; rep++) {
      // Rotate the order so that no receiver always runs first on a cooler machine.
      for (let i = 0; i < starters.length; i++) {
        const [name, start] = starters[(i + rep) % starters.length]!;
        const r = await start();
        try {
          all.get(name)!.push(await series(r, sender, senderPin, mix));
        } finally {
          await r.stop();
        }
      }
    }
    console.log('');
    report(all);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
