// End to end against rsyslog's own RELP sender: util-linux logger → rsyslogd (imtcp → omrelp) → `capwatch serve`.
// Then the point of RELP: capwatch killed with SIGKILL while rsyslog relays a stream, restarted on the same database,
// and nothing rsyslog was told was stored is missing.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { RelpFramer } from '../parsers/relp/framing.js';
import { RelpJournal, type RelpStore } from '../src/sources/relp-journal.js';
import { startRelp } from '../src/sources/relp.js';
import { requireRsyslog, startRsyslog } from './helpers/rsyslog.js';
import { eventually, startService, type Service } from './helpers/service.js';
import { CollectingSink, testDeps, waitFor } from './helpers/sources.js';
import { tempDir } from './helpers/tmp.js';
import { requireTool } from './helpers/tools.js';

const ready = requireRsyslog() && requireTool('logger');
const running: Array<{ stop(): Promise<unknown> }> = [];
afterAll(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

/** rsyslog's omrelp toward `port`; a failed send is retried every second, for ever (nothing is discarded). */
const omrelp = (port: number) => `  action(type="omrelp" target="127.0.0.1" port="${port}" action.resumeInterval="1" action.resumeRetryCount="-1")`;

async function relpService(dir?: string): Promise<Service> {
  const svc = await startService({ config: { syslog: { relp: { enabled: true, port: 0 } } }, ...(dir && { dir }) });
  running.push(svc);
  return svc;
}

describe.runIf(ready)('RELP from rsyslog omrelp', () => {
  it('relays IOS archive-logging lines that logger sent to rsyslog; the ERSPAN export opens an incident', async () => {
    const svc = await relpService();
    expect(svc.relp).toBeGreaterThan(0);
    const rsyslog = await startRsyslog(tempDir('capwatch-rsyslog-'), omrelp(svc.relp!));
    running.push(rsyslog);
    for (const c of ['monitor session 1 type erspan-source', 'source interface Gi0/1 both', 'destination', 'ip address 198.51.100.7']) {
      execFileSync('logger', ['--tcp', '--server', '127.0.0.1', '--port', String(rsyslog.tcpPort), '-t', 'R1', `%PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:${c}`]);
    }
    const incident = await eventually(async () => (await svc.api<{ incidents: any[] }>('/api/incidents')).incidents.find((i) => i.user === 'eve'), 15_000);
    expect(incident.deviceAddress).toBe('127.0.0.1'); // the relay's address: rsyslog sends from loopback
    expect(incident.detections).toEqual(expect.arrayContaining([expect.objectContaining({ command: 'ip address 198.51.100.7', source: 'syslog' })]));
    expect(await svc.api<string>('/metrics')).toMatch(/capwatch_messages_received_total\{source="syslog",transport="relp"\} 4\b/);
    await rsyslog.stop();
  });

  it('gets a message back after a failed write: capwatch closes unanswered and rsyslog resends it (a 500 it would drop)', async () => {
    // The listener in this process, over a journal whose first commit fails (a full disk), then works.
    const path = join(tempDir('capwatch-relp-'), 'capwatch.db');
    const real = new RelpJournal(path);
    running.push({ stop: async () => real.close() });
    let failures = 1;
    const flaky: RelpStore = {
      append: (entry, done) => (failures-- > 0 ? setImmediate(() => done(new Error('SQLITE_FULL: database or disk is full'), 0)) : real.append(entry, done)),
      processed: (id) => real.processed(id),
    };
    const sink = new CollectingSink();
    const deps = testDeps();
    const relp = await startRelp({ host: '127.0.0.1', port: 0 }, sink, { ...deps, journal: flaky });
    running.push({ stop: () => relp.close() });
    const rsyslog = await startRsyslog(tempDir('capwatch-rsyslog-'), omrelp(relp.address.port));
    running.push(rsyslog);
    const send = (n: number) => execFileSync('logger', ['--tcp', '--server', '127.0.0.1', '--port', String(rsyslog.tcpPort), '-t', 'R1', `retried message ${n}`]);
    send(1);
    await waitFor(async () => (await deps.dropped('relp-store-failed')) === 1, 10_000, 'the failed write');
    // librelp reads the closed connection only when it next sends (a quiet relay learns of it then): then it
    // reconnects and resends what was not acknowledged.
    send(2);
    send(3);
    await waitFor(() => sink.messages.length >= 3, 15_000, 'three messages');
    expect(sink.texts().map((t) => /retried message \d/.exec(t)?.[0]).sort()).toEqual(['retried message 1', 'retried message 2', 'retried message 3']);
    expect(await deps.dropped('relp-store-failed')).toBe(1);
    expect(rsyslog.logs()).toMatch(/librelp error \d+.* forwarding to server 127.0.0.1:\d+ - suspending/);
    await rsyslog.stop();
  });

  it('speaks RELP over TLS with omrelp tls="on", both sides showing certificates', async (ctx) => {
    if (!requireTool('openssl')) return ctx.skip();
    const dir = tempDir('capwatch-relp-tls-');
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const sink = new CollectingSink();
    const deps = testDeps();
    const journal = new RelpJournal(join(dir, 'capwatch.db'));
    running.push({ stop: async () => journal.close() });
    const pem = { cert: readFileSync(cert), key: readFileSync(key) };
    // The relay shows the same self-signed certificate, which is then also the CA capwatch trusts for clients.
    const relp = await startRelp({ host: '127.0.0.1', port: 0, tls: { ...pem, ca: pem.cert, requestCert: true } }, sink, { ...deps, journal });
    running.push({ stop: () => relp.close() });
    // librelp's x509 modes need a certificate of its own; without one it offers only anonymous ciphers, which OpenSSL lacks.
    const tls = `tls="on" tls.caCert="${cert}" tls.myCert="${cert}" tls.myPrivKey="${key}" tls.authMode="name" tls.permittedPeer=["localhost"]`;
    const rsyslog = await startRsyslog(tempDir('capwatch-rsyslog-'), omrelp(relp.address.port).replace('action(', `action(${tls} `));
    running.push(rsyslog);
    execFileSync('logger', ['--tcp', '--server', '127.0.0.1', '--port', String(rsyslog.tcpPort), '-t', 'R1', 'over TLS']);
    await waitFor(() => sink.messages.length === 1, 15_000, 'the message over TLS');
    expect(sink.messages[0]).toMatchObject({ transport: 'relp-tls', text: expect.stringMatching(/ R1 over TLS$/) });
    expect(await deps.dropped('relp-tls-handshake')).toBe(0);
    await rsyslog.stop();
  });

  it('loses nothing it acknowledged when killed with SIGKILL mid-stream: rsyslog resends the rest after the restart', async () => {
    const LINES = 1500;
    const PER_SECOND = 300;
    const KILL_AFTER_ACKS = 400;
    let svc = await relpService();
    const dir = svc.dir;
    // Between rsyslog and capwatch, a pass-through that reads both directions: which numbered line each 200 OK
    // answered is what capwatch promised to keep. It stays on one port while capwatch restarts on another.
    const proxy = new RelpWatch(svc.relp!);
    running.push(proxy);
    await proxy.listen();
    const rsyslog = await startRsyslog(tempDir('capwatch-rsyslog-'), omrelp(proxy.port));
    running.push(rsyslog);

    // util-linux logger reads the numbered lines from its stdin and sends each to rsyslog over TCP, paced.
    const logger = spawn('logger', ['--tcp', '--server', '127.0.0.1', '--port', String(rsyslog.tcpPort), '-t', 'relp-stream'], { stdio: ['pipe', 'ignore', 'inherit'] });
    running.push({ stop: async () => void logger.kill() });
    const sent = (async () => {
      for (let n = 1; n <= LINES; n += PER_SECOND / 50) {
        const batch = Array.from({ length: Math.min(PER_SECOND / 50, LINES - n + 1) }, (_, i) => `stream line ${String(n + i).padStart(6, '0')}\n`);
        logger.stdin.write(batch.join(''));
        await new Promise((r) => setTimeout(r, 20));
      }
      logger.stdin.end();
      await new Promise((r) => logger.once('exit', r));
    })();

    await eventually(() => proxy.acked.size >= KILL_AFTER_ACKS, 20_000);
    svc.proc.kill('SIGKILL');
    await new Promise((r) => svc.proc.once('exit', r));
    const ackedAtKill = new Set(proxy.acked);
    const atKill = journal(svc.dbPath);
    // Every line capwatch answered 200 OK is on disk, though the process died without a chance to flush anything.
    expect([...ackedAtKill].filter((n) => !atKill.lines.has(n))).toEqual([]);

    svc = await relpService(dir);
    proxy.target = svc.relp!;
    await sent;
    const after = await eventually(() => {
      const j = journal(svc.dbPath);
      return j.lines.size === LINES && j;
    }, 30_000);
    const duplicates = after.rows - LINES;
    console.info(
      `RELP crash test: ${LINES} lines sent at ${PER_SECOND}/s; ${ackedAtKill.size} acknowledged before SIGKILL, ${atKill.lines.size} stored then ` +
        `(${atKill.unseen} not yet through detection); after the restart ${after.lines.size}/${LINES} stored, ${after.rows} rows, ${duplicates} duplicates`,
    );
    expect([...Array(LINES).keys()].filter((i) => !after.lines.has(i + 1))).toEqual([]);
    // What the killed process committed but had not run through detection, the new one detected first.
    if (atKill.unseen > 0) expect(svc.logs()).toContain(`"messages":${atKill.unseen},"msg":"RELP messages journaled but not yet run through detection`);
    expect(await svc.api<string>('/metrics')).toMatch(/capwatch_messages_received_total\{source="syslog",transport="relp"\} \d+/);
  }, 90_000);
});

/** The numbered lines in the RELP journal, how many rows hold them, and how many rows detection had not seen. */
function journal(path: string): { lines: Set<number>; rows: number; unseen: number } {
  const db = new Database(path, { readonly: true });
  try {
    const messages = db.prepare(`SELECT message FROM relp_journal WHERE message LIKE '%stream line %'`).pluck().all() as string[];
    const unseen = db.prepare('SELECT COUNT(*) FROM relp_journal WHERE id > (SELECT through FROM relp_journal_processed)').pluck().get() as number;
    return { lines: new Set(messages.map((m) => Number(/stream line (\d+)/.exec(m)![1]))), rows: messages.length, unseen };
  } finally {
    db.close();
  }
}

/** A TCP pass-through for RELP that notes which numbered lines got a `200 OK` on their way back to the client. */
class RelpWatch {
  readonly acked = new Set<number>();
  port = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(public target: number) {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        // Either side gone (capwatch killed, or not up yet): the other goes too, as a real network path would.
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      const lineOf = new Map<number, number>();
      const fromClient = new RelpFramer({ maxDataBytes: 1 << 20 });
      const fromServer = new RelpFramer({ maxDataBytes: 1 << 20 });
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        fromClient.push(chunk, (f) => {
          const n = f.kind === 'frame' && f.command === 'syslog' ? /stream line (\d+)/.exec(f.data.toString()) : null;
          if (n) lineOf.set(f.txnr, Number(n[1]));
        });
      });
      upstream.on('data', (chunk: Buffer) => {
        client.write(chunk);
        fromServer.push(chunk, (f) => {
          const line = lineOf.get(f.txnr);
          if (f.kind === 'frame' && f.command === 'rsp' && line !== undefined && f.data.toString().startsWith('200 ')) this.acked.add(line);
        });
      });
    });
  }

  listen(): Promise<void> {
    return new Promise((r) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        r();
      }),
    );
  }

  stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}
