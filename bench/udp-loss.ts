// UDP loss under a loggen flood, side by side in one run:
//   syslog-server   the package the product brief names (socket created without options: kernel-default buffer)
//   dgram-default   capwatch's node:dgram listener given the same kernel-default buffer (isolates the buffer's effect)
//   capwatch        capwatch's node:dgram listener as shipped (4 MiB requested)
// Each receiver runs alone in a child process doing the listener's real per-message work (decode, count, hand to a
// sink); loss = sent (loggen's count) − received, checked against the kernel's drop counter in /proc/net/udp.
// Loads: loggen's unlimited flood (the receivers are CPU-bound there: no buffer helps) and paced rates, which loggen
// sends as bursts at full speed (a token bucket primed with one second of messages and refilled every 0.1 s,
// research/perf-baseline.md §2): an average the receivers keep up with, peaks they must buffer. Real devices are
// bursty too (reload, link flap, `debug`). A 200-byte datagram costs 1280 bytes of buffer on loopback (measured
// here), so the kernel default (212992) holds only ~166 of them.
// Usage: npm run build && node dist/bench/udp-loss.js
// Env: UDP_BENCH_RATES=10000,30000,10000000 UDP_BENCH_SECONDS=5 UDP_BENCH_REPEATS=3 UDP_BENCH_SIZE=200
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import SyslogServer from 'syslog-server';
import { createLogger, RateLimitedLog } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { deliverTo, senderAddress } from '../src/sources/deliver.js';
import { readUdpDrops } from '../src/sources/udp-drops.js';
import { startUdp } from '../src/sources/udp.js';
import { quiet } from './machine.js';

const SECONDS = Number(process.env.UDP_BENCH_SECONDS ?? 5);
const REPEATS = Number(process.env.UDP_BENCH_REPEATS ?? 3);
const SIZE = Number(process.env.UDP_BENCH_SIZE ?? 200);
const RATES = (process.env.UDP_BENCH_RATES ?? '10000,30000,10000000').split(',').map(Number);
const HOST = '127.0.0.1';
const RECEIVERS = ['syslog-server', 'dgram-default', 'capwatch'] as const;
type ReceiverName = (typeof RECEIVERS)[number];
/** LF, CR, NUL: stripped from the end of a datagram, as src/sources/udp.ts does. */
const TRAILER = [0x0a, 0x0d, 0x00];

const rmemDefault = Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- child: one receiver ------------------------------------------------------------------------------------------

async function receive(name: ReceiverName, port: number): Promise<void> {
  const deps = { metrics: new Metrics(), log: createLogger({ level: 'warn', destination: process.stderr }) };
  let received = 0;
  const sink = { message: () => void received++ };
  let rcvbuf = rmemDefault;
  if (name === 'syslog-server') {
    // What a syslog-server based listener does per message: its own object + Date + utf8 string, then ours.
    const deliver = deliverTo(sink, 'udp', deps.metrics, new RateLimitedLog(deps.log));
    const server = new SyslogServer();
    server.on('message', (m) => {
      let end = m.message.length;
      while (end > 0 && TRAILER.includes(m.message.charCodeAt(end - 1))) end--;
      if (end > 0) deliver(m.message.slice(0, end), senderAddress(m.host));
    });
    await server.start({ port, address: HOST, exclusive: true });
  } else {
    // Linux stores double the requested SO_RCVBUF: ask for half of rmem_default to get exactly the default.
    const l = await startUdp({ host: HOST, port, ...(name === 'dgram-default' && { recvBufferBytes: rmemDefault / 2 }) }, sink, deps);
    rcvbuf = l.recvBufferBytes;
  }
  // Warm up (JIT) at a pace no buffer overflows, so the first burst measures the listener, not a cold start.
  const warm = createSocket('udp4');
  const line = Buffer.alloc(SIZE, 0x41);
  for (let sent = 100; sent <= 30_000; sent += 100) {
    for (let i = 0; i < 100; i++) warm.send(line, port, HOST); // 100 fit even the default buffer
    for (let t = 0; received < sent && t < 20; t++) await sleep(1);
  }
  await sleep(100);
  warm.close();
  received = 0;
  process.stdout.write(`${JSON.stringify({ ready: true, rcvbuf })}\n`);
  setInterval(() => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${JSON.stringify({ received, cpuUs: user + system })}\n`);
  }, 100);
}

// ---- parent: the runs ---------------------------------------------------------------------------------------------

interface Trial {
  rate: number;
  receiver: ReceiverName;
  rcvbuf: number;
  sent: number;
  seconds: number;
  received: number;
  /** Receiver CPU per received message: comparable even when the machine is busy. */
  cpuUsPerMsg: number;
  kernelDrops: number | undefined;
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function trial(rate: number, receiver: ReceiverName): Promise<Trial> {
  const port = await freeUdpPort();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--receiver', receiver, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let rcvbuf = 0;
  let received = 0;
  let cpuUs = 0;
  const ready = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${receiver} did not start`)), 10_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as { ready?: boolean; rcvbuf?: number; received?: number; cpuUs?: number };
      if (m.ready) {
        rcvbuf = m.rcvbuf ?? 0;
        clearTimeout(t);
        resolve();
      }
      if (m.received !== undefined) received = m.received;
      if (m.cpuUs !== undefined) cpuUs = m.cpuUs;
    });
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await ready;
    await quiet();
    await sleep(150);
    const cpuBefore = cpuUs;
    const dropsBefore = readUdpDrops({ address: HOST, family: 'IPv4', port }) ?? 0;
    const gen = spawnSync('loggen', ['-i', '-D', '-r', String(rate), '-s', String(SIZE), '-I', String(SECONDS), HOST, String(port)], {
      encoding: 'utf8',
      timeout: (SECONDS + 20) * 1000,
    });
    const out = `${gen.stdout}${gen.stderr}`;
    const m = /count=(\d+), time=([\d.]+)/.exec(out);
    if (!m) throw new Error(`no count in loggen output:\n${out}`);
    // Wait for the receiver to drain its buffer: the count stops moving.
    let last = -1;
    for (let i = 0; i < 50 && received !== last; i++) {
      last = received;
      await sleep(200);
    }
    const drops = readUdpDrops({ address: HOST, family: 'IPv4', port });
    const kernelDrops = drops === undefined ? undefined : drops - dropsBefore;
    const cpuUsPerMsg = (cpuUs - cpuBefore) / Math.max(received, 1);
    return { rate, receiver, rcvbuf, sent: Number(m[1]), seconds: Number(m[2]), received, cpuUsPerMsg, kernelDrops };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const k = (n: number) => `${Math.round(n / 1000)}k`;
const pct = (lost: number, sent: number) => `${((100 * lost) / sent).toFixed(2)} %`;

async function main(): Promise<void> {
  if (spawnSync('loggen', ['--help']).error) {
    console.error('loggen not found: install the Debian package syslog-ng-core (it provides /usr/bin/loggen)');
    process.exit(2);
  }
  console.log(`UDP: loggen -i -D -r RATE -s ${SIZE} -I ${SECONDS}, ${REPEATS} repeat(s), receivers one at a time`);
  console.log(`net.core.rmem_default=${rmemDefault} rmem_max=${rmemMax}; load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const trials: Trial[] = [];
  const row = (cells: (string | number)[]) => console.log(cells.map((c, i) => String(c).padEnd(i === 1 ? 15 : 13)).join(''));
  const rateName = (r: number) => (r >= 10_000_000 ? 'unlimited' : k(r));
  row(['-r', 'receiver', 'rcvbuf', 'sent', 'sent/s', 'received', 'lost', 'loss', 'kernel drops', 'µs CPU/msg']);
  for (let r = 0; r < REPEATS; r++) {
    for (const rate of RATES) {
      for (const name of RECEIVERS) {
        const t = await trial(rate, name);
        trials.push(t);
        const lost = t.sent - t.received;
        row([rateName(rate), name, `${Math.round(t.rcvbuf / 1024)} KiB`, t.sent, k(t.sent / t.seconds), t.received, lost, pct(lost, t.sent), t.kernelDrops ?? 'n/a', t.cpuUsPerMsg.toFixed(2)]);
      }
    }
  }
  console.log('\nmedian over repeats:');
  row(['-r', 'receiver', 'rcvbuf', 'sent/s', 'received/s', 'loss', 'µs CPU/msg', 'loss per repeat (%)']);
  for (const rate of RATES) {
    for (const name of RECEIVERS) {
      const ts = trials.filter((t) => t.receiver === name && t.rate === rate);
      const losses = ts.map((t) => (100 * (t.sent - t.received)) / t.sent);
      row([
        rateName(rate),
        name,
        `${Math.round((ts[0]?.rcvbuf ?? 0) / 1024)} KiB`,
        k(median(ts.map((t) => t.sent / t.seconds))),
        k(median(ts.map((t) => t.received / t.seconds))),
        `${median(losses).toFixed(2)} %`,
        median(ts.map((t) => t.cpuUsPerMsg)).toFixed(2),
        losses.map((l) => l.toFixed(2)).join(' / '),
      ]);
    }
  }
}

const [, , flag, name, port] = process.argv;
if (flag === '--receiver') await receive(name as ReceiverName, Number(port));
else await main();
