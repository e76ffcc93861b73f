// `npm run bench:tacacs`: TACACS+ accounting records per second and reply latency, capwatch serve (every SUCCESS
// after a durable SQLite commit, then detection) side by side with a bare responder using the same codec
// (bench/tacacs-baseline.ts). Two loads: 200 concurrent single-connect clients, each waiting for its reply before
// sending the next record; and 2,000 short-lived connections, one record each, 200 at a time. Loopback only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { firstLine, stopChild } from './children.js';
import { TacacsFramer } from '../parsers/tacacs/framer.js';
import { ACCT_STATUS, HEADER_BYTES, obfuscate } from '../parsers/tacacs/packet.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200);
const SHORT_CONNECTIONS = Number(process.env.BENCH_SHORT_CONNECTIONS ?? 2000);
const KEY = 'bench-key-of-more-than-thirty-two-characters';
const key = Buffer.from(KEY);

/** A realistic IOS stop record (user, tty, client address, task id, time, priv-lvl, cmd with <cr>). */
function request(sessionId: number, headerFlags: number): Buffer {
  const args = ['task_id=4711', 'timezone=UTC', 'service=shell', 'priv-lvl=15', `stop_time=${Math.floor(Date.now() / 1000)}`, `cmd=show interfaces GigabitEthernet0/${sessionId % 48} <cr>`].map((a) => Buffer.from(a));
  const fields = [Buffer.from('netops'), Buffer.from('vty0'), Buffer.from('198.51.100.23')];
  const head = Buffer.from([0x04, 0x06, 15, 1, 1, fields[0]!.length, fields[1]!.length, fields[2]!.length, args.length, ...args.map((a) => a.length)]);
  const body = Buffer.concat([head, ...fields, ...args]);
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = 0xc0;
  header[1] = 3;
  header[2] = 1;
  header[3] = headerFlags;
  header.writeUInt32BE(sessionId, 4);
  header.writeUInt32BE(body.length, 8);
  return Buffer.concat([header, obfuscate(body, key, header)]);
}

interface Server {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  stored?: () => number;
}


async function capwatch(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-bench-tacacs-'));
  const db = join(dir, 'capwatch.db');
  const cfg = join(dir, 'capwatch.yaml');
  writeFileSync(
    cfg,
    JSON.stringify({
      syslog: { host: '127.0.0.1', udp: { enabled: false }, tcp: { enabled: false } },
      http: { host: '127.0.0.1', port: 0 },
      storage: { path: db },
      log: { level: 'info' },
      tacacs: { host: '127.0.0.1', port: 0, maxConnectionsPerClient: CLIENTS + 100, clients: [{ network: '127.0.0.0/8', key: KEY }] },
    }),
  );
  const p = spawn(process.execPath, [CLI, 'serve', '--config', cfg], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
  const line = await firstLine(p, (l) => l.includes('"capwatch listening"'));
  const port = (JSON.parse(line) as { tacacs: { port: number } }).tacacs.port;
  return {
    name: 'capwatch serve',
    port,
    pid: p.pid!,
    stop: () => stopChild(p),
    stored: () => {
      const d = new Database(db, { readonly: true });
      try {
        return (d.prepare('SELECT count(*) AS n FROM tacacs_accounting').get() as { n: number }).n;
      } finally {
        d.close();
      }
    },
  };
}

async function baseline(): Promise<Server> {
  const p = spawn(process.execPath, [join(ROOT, 'dist/bench/tacacs-baseline.js'), '0', KEY], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await firstLine(p, (l) => l.startsWith('{'));
  return { name: 'bare codec responder', port: (JSON.parse(line) as { port: number }).port, pid: p.pid!, stop: () => stopChild(p) };
}

interface Result {
  records: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

function isSuccess(reply: Buffer): boolean {
  const plain = obfuscate(reply.subarray(HEADER_BYTES), key, reply.subarray(0, HEADER_BYTES));
  return plain[4] === ACCT_STATUS.success;
}

/** CLIENTS single-connect connections, each sending its next record once the previous one is answered. */
async function singleConnect(port: number): Promise<Result> {
  const packets = Array.from({ length: 1024 }, (_, i) => request(0x10000 + i, 0x04));
  const latenciesMs: number[] = [];
  let records = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from(
      { length: CLIENTS },
      (_, c) =>
        new Promise<void>((res) => {
          const sock = connect({ host: '127.0.0.1', port });
          const framer = new TacacsFramer();
          let i = c;
          let sentAt = 0;
          const send = () => {
            sentAt = performance.now();
            sock.write(packets[i++ % packets.length]!);
          };
          sock.on('connect', send);
          sock.on('data', (chunk) =>
            framer.push(chunk, (reply) => {
              const now = performance.now();
              if (isSuccess(reply)) records++;
              else errors++;
              latenciesMs.push(now - sentAt);
              if (now < end) send();
              else sock.end();
            }),
          );
          sock.on('error', () => errors++);
          sock.on('close', () => res());
        }),
    ),
  );
  return { records, errors, seconds: (performance.now() - start) / 1000, latenciesMs };
}

/** SHORT_CONNECTIONS connections of one record each (no single-connect), CLIENTS at a time. */
async function shortLived(port: number): Promise<Result> {
  const latenciesMs: number[] = [];
  let records = 0;
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const one = (): Promise<void> =>
    new Promise((res) => {
      const n = next++;
      const pkt = request(0x20000 + n, 0);
      const t0 = performance.now();
      const sock = connect({ host: '127.0.0.1', port }, () => sock.write(pkt));
      const framer = new TacacsFramer();
      sock.on('data', (chunk) =>
        framer.push(chunk, (reply) => {
          latenciesMs.push(performance.now() - t0);
          if (isSuccess(reply)) records++;
          else errors++;
        }),
      );
      sock.on('error', () => errors++);
      sock.on('close', () => res());
    });
  const worker = async () => {
    while (next < SHORT_CONNECTIONS) await one();
  };
  await Promise.all(Array.from({ length: Math.min(CLIENTS, SHORT_CONNECTIONS) }, worker));
  return { records, errors, seconds: (performance.now() - start) / 1000, latenciesMs };
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function main(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const make of [baseline, capwatch]) {
    for (const [load, run] of [
      [`${CLIENTS} single-connect clients, ${SECONDS} s`, singleConnect],
      [`${SHORT_CONNECTIONS} short-lived connections`, shortLived],
    ] as const) {
      const server = await make();
      const cpu0 = cpuSeconds(server.pid);
      const r = await run(server.port);
      const cpu = cpuSeconds(server.pid) - cpu0;
      const sorted = r.latenciesMs.sort((a, b) => a - b);
      const stored = server.stored?.();
      await server.stop();
      rows.push({
        server: server.name,
        load,
        'records/s': Math.round(r.records / r.seconds),
        'p50 ms': +pct(sorted, 50).toFixed(2),
        'p99 ms': +pct(sorted, 99).toFixed(2),
        'server CPU %': Math.round((cpu / r.seconds) * 100),
        errors: r.errors,
        ...(stored !== undefined && { 'stored = SUCCESS': stored === r.records ? 'yes' : `no (${stored} stored)` }),
      });
      console.error(JSON.stringify(rows[rows.length - 1]));
    }
  }
  console.table(rows);
  for (const load of new Set(rows.map((r) => r.load))) {
    const [b, c] = [rows.find((r) => r.load === load && r.server !== 'capwatch serve'), rows.find((r) => r.load === load && r.server === 'capwatch serve')];
    if (b && c) console.log(`${load}: capwatch ${c['records/s']} records/s = ${((c['records/s'] as number) / (b['records/s'] as number)).toFixed(2)} × the bare responder`);
  }
}

await main();
