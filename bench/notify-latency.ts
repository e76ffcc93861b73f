// `npm run bench:notify`: time from a syslog line leaving a TCP client to the signed webhook request arriving at a
// healthy local target, through the real `capwatch serve` (parse, detect, incident + outbox row in one SQLite
// transaction, worker, HTTP). 1,000 incidents (distinct users and devices), one line every BENCH_GAP_MS; p50 / p99.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const CLI = join(resolve(import.meta.dirname, '../..'), 'dist/src/cli.js');
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 1000);
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 5);

const sentAt = new Map<string, number>();
const latencies: number[] = [];
let done: () => void = () => {};
const allArrived = new Promise<void>((r) => (done = r));

const target = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = performance.now();
    res.writeHead(204).end();
    const user = (JSON.parse(Buffer.concat(chunks).toString()) as { incident: { user: string } }).incident.user;
    const t = sentAt.get(user);
    if (t === undefined) return;
    sentAt.delete(user);
    latencies.push(at - t);
    if (latencies.length === INCIDENTS) done();
  });
});
await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
const targetPort = (target.address() as AddressInfo).port;

const dir = mkdtempSync(join(tmpdir(), 'capwatch-bench-notify-'));
const config = {
  syslog: { host: '127.0.0.1', udp: { enabled: false }, tcp: { port: 0 } },
  http: { host: '127.0.0.1', port: 0 },
  storage: { path: join(dir, 'capwatch.db') },
  // info: the "listening" line tells the port; the per-incident warnings are read and dropped
  log: { level: 'info' },
  notify: [{ name: 'bench', type: 'webhook', url: `http://127.0.0.1:${targetPort}/hook`, secret: 'bench-secret', ratePerSecond: 5000 }],
};
writeFileSync(join(dir, 'capwatch.yaml'), JSON.stringify(config));
const proc = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'capwatch.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
const tcpPort = await new Promise<number>((resolveP, reject) => {
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (line) => {
    if (line.includes('"capwatch listening"')) resolveP((JSON.parse(line) as { tcp: { port: number } }).tcp.port);
  });
  proc.once('exit', (code) => reject(new Error(`capwatch exited with ${code}`)));
});
// Let the service finish warming up before measuring.
await new Promise((r) => setTimeout(r, 1000));

const sock = connect(tcpPort, '127.0.0.1');
await new Promise<void>((r) => sock.once('connect', () => r()));
for (let i = 0; i < INCIDENTS; i++) {
  const user = `bench${i}`;
  const line = `<189>${i}: rtr${i % 100}: *Nov 22 10:01:00.812 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:monitor session 1 destination interface Gi1/0/${i % 48}\n`;
  sentAt.set(user, performance.now());
  sock.write(line);
  await new Promise((r) => setTimeout(r, GAP_MS));
}
const timeout = setTimeout(() => done(), 30_000);
await allArrived;
clearTimeout(timeout);
sock.end();
proc.kill('SIGTERM');
target.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
console.log(`notify latency, syslog line (TCP) → webhook request received, ${latencies.length}/${INCIDENTS} incidents, one line every ${GAP_MS} ms`);
console.log(`  p50 ${pct(50).toFixed(1)} ms   p90 ${pct(90).toFixed(1)} ms   p99 ${pct(99).toFixed(1)} ms   max ${(latencies[latencies.length - 1] ?? NaN).toFixed(1)} ms   (target p99 < 250 ms)`);
if (latencies.length < INCIDENTS) process.exitCode = 1;
