// The RELP listener with a raw client on loopback: answers, durability (no 200 OK before the commit), failed writes,
// hostile input, the journal's recovery after a crash, and TLS.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RelpFramer } from '../parsers/relp/framing.js';
import { buildConfig } from '../src/config.js';
import { RelpJournal, type RelpEntry, type RelpStore, type Stored } from '../src/sources/relp-journal.js';
import { startRelp, startRelpService, type RelpOptions } from '../src/sources/relp.js';
import type { Listener } from '../src/sources/types.js';
import { CollectingSink, fixtureLines, testDeps, waitFor } from './helpers/sources.js';
import { tempDir } from './helpers/tmp.js';
import { requireTool } from './helpers/tools.js';

const ios = fixtureLines(readFileSync(new URL('../fixtures/sources/ios-elastic-test-syslog.log', import.meta.url), 'utf8'));
const [a, b, c] = ios as [string, string, string];
const frame = (txnr: number, command: string, data = '') =>
  data === '' ? `${txnr} ${command} 0\n` : `${txnr} ${command} ${Buffer.byteLength(data)} ${data}\n`;
const OPEN = frame(1, 'open', 'relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog');

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A journal in a fresh SQLite file, closed after the test. */
function journal(): { journal: RelpJournal; path: string } {
  const path = join(tempDir('capwatch-relp-'), 'capwatch.db');
  const j = new RelpJournal(path);
  cleanup.push(() => j.close());
  return { journal: j, path };
}

async function listen(opts: Partial<RelpOptions> = {}, store?: RelpStore) {
  const sink = new CollectingSink();
  const deps = testDeps();
  const j = store ? { journal: store, path: '' } : journal();
  const relp = await startRelp({ host: '127.0.0.1', port: 0, ...opts }, sink, { ...deps, journal: j.journal });
  cleanup.push(() => relp.close());
  return { sink, deps, relp, path: j.path };
}

/** A raw RELP client: writes what it is given, reads the server's frames with the same framer. */
class Client {
  readonly answers: Array<{ txnr: number; command: string; text: string }> = [];
  readonly closed: Promise<void>;
  constructor(readonly sock: Socket) {
    const framer = new RelpFramer({ maxDataBytes: 1 << 20 });
    sock.on('data', (chunk: Buffer) => framer.push(chunk, (f) => this.answers.push({ txnr: f.txnr, command: f.command, text: f.kind === 'frame' ? f.data.toString() : '' })));
    sock.on('error', () => {}); // the server may cut us off: several tests check that
    this.closed = new Promise((r) => sock.once('close', () => r()));
    cleanup.push(() => void sock.destroy());
  }
  static async open(l: Listener): Promise<Client> {
    const s = netConnect(l.address.port, l.address.host);
    await new Promise((r) => s.once('connect', r));
    return new Client(s);
  }
  send(data: string | Buffer): Promise<void> {
    return new Promise((r) => this.sock.write(data, () => r()));
  }
  /** The answers as `TXNR text` lines (`rsp` frames), or `serverclose`. */
  lines(): string[] {
    return this.answers.map((f) => (f.command === 'rsp' ? `${f.txnr} ${f.text.split('\n')[0]}` : f.command));
  }
  async until(n: number): Promise<string[]> {
    await waitFor(() => this.answers.length >= n, 5000, `${n} answers (have ${JSON.stringify(this.lines())})`);
    return this.lines();
  }
}

/** A store whose commits happen when the test says, or fail. */
class HeldStore implements RelpStore {
  readonly held: Array<{ entry: RelpEntry; done: Stored }> = [];
  processedThrough = 0;
  append(entry: RelpEntry, done: Stored): void {
    this.held.push({ entry, done });
  }
  processed(id: number): void {
    this.processedThrough = id;
  }
  commit(err?: Error): void {
    for (const [i, h] of this.held.splice(0).entries()) h.done(err, i + 1);
  }
}

const rows = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT sender, message FROM relp_journal ORDER BY id').all() as Array<{ sender: string; message: string }>;
  } finally {
    db.close();
  }
};

describe('RELP listener', () => {
  it('opens, journals each message before its 200 OK, hands it on as transport relp, and answers close', async () => {
    const { sink, deps, relp, path } = await listen();
    const cl = await Client.open(relp);
    const before = Date.now();
    await cl.send(OPEN + frame(2, 'syslog', a) + frame(3, 'syslog', `${b}\n`));
    expect(await cl.until(3)).toEqual(['1 200 OK', '2 200 OK', '3 200 OK']);
    expect(cl.answers[0]!.text).toMatch(/^200 OK\nrelp_version=0\nrelp_software=capwatch,\d+\.\d+\.\d+\ncommands=syslog$/);
    // The trailing LF of the second is framing, not text (as the TCP listener strips it).
    expect(rows(path)).toEqual([
      { sender: '127.0.0.1', message: a },
      { sender: '127.0.0.1', message: b },
    ]);
    expect(sink.texts()).toEqual([a, b]);
    expect(sink.messages.every((m) => m.transport === 'relp' && m.sender === '127.0.0.1' && m.receivedAtMs! >= before)).toBe(true);
    expect(await deps.received('relp')).toBe(2);
    await cl.send(frame(4, 'close'));
    expect(await cl.until(4)).toEqual(['1 200 OK', '2 200 OK', '3 200 OK', '4 200 OK']);
    await cl.closed;
    expect(await deps.connections('relp')).toBe(0);
  });

  it('sends no 200 OK and hands nothing on before the commit; answers stay in command order', async () => {
    const store = new HeldStore();
    const { sink, relp } = await listen({}, store);
    const cl = await Client.open(relp);
    await cl.send(OPEN + frame(2, 'syslog', a) + frame(3, 'starttls') + frame(4, 'syslog', b));
    await cl.until(1);
    await waitFor(() => store.held.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    // starttls's answer is known, but may not overtake the message before it.
    expect(cl.lines()).toEqual(['1 200 OK']);
    expect(sink.messages).toEqual([]);
    store.commit();
    expect(await cl.until(4)).toEqual(['1 200 OK', '2 200 OK', '3 500 command not supported', '4 200 OK']);
    expect(sink.texts()).toEqual([a, b]);
    expect(store.processedThrough).toBe(2);
  });

  it('answers a failed write with nothing: a serverclose hint and the close, so the relay resends; counted, not detected', async () => {
    const store = new HeldStore();
    const { sink, deps, relp } = await listen({}, store);
    const cl = await Client.open(relp);
    await cl.send(OPEN + frame(2, 'syslog', a));
    await waitFor(() => store.held.length === 1);
    store.commit();
    await cl.until(2);
    await cl.send(frame(3, 'syslog', b) + frame(4, 'syslog', c));
    await waitFor(() => store.held.length === 2);
    store.commit(new Error('SQLITE_FULL: database or disk is full'));
    await cl.closed;
    expect(cl.lines()).toEqual(['1 200 OK', '2 200 OK', 'serverclose']);
    expect(sink.texts()).toEqual([a]);
    expect(await deps.dropped('relp-store-failed')).toBe(2);
    expect(deps.logs()).toContain('SQLITE_FULL');
  });

  it.each([
    ['garbage', 'this is not RELP\n'],
    ['plain syslog', `${a}\n`],
    ['a TXNR out of sequence', frame(5, 'syslog', a)],
  ])('closes on %s after open, with a serverclose hint, counted', async (_name, bad) => {
    const { sink, deps, relp } = await listen();
    const cl = await Client.open(relp);
    await cl.send(OPEN + frame(2, 'syslog', a) + bad);
    await cl.closed;
    expect(cl.lines()).toEqual(['1 200 OK', '2 200 OK', 'serverclose']);
    expect(sink.texts()).toEqual([a]);
    expect((await deps.dropped('relp-bad-frame')) + (await deps.dropped('relp-bad-txnr'))).toBe(1);
  });

  it('answers commands before open with 500 and closes; refuses an open without the syslog command', async () => {
    const { sink, deps, relp } = await listen();
    const early = await Client.open(relp);
    await early.send(frame(1, 'syslog', a));
    await early.closed;
    expect(early.lines()).toEqual(['1 500 session not open']);
    const noSyslog = await Client.open(relp);
    await noSyslog.send(frame(1, 'open', 'relp_version=0\ncommands=eventlog'));
    await noSyslog.closed;
    expect(noSyslog.lines()).toEqual(['1 500 required command not supported by client']);
    expect(sink.messages).toEqual([]);
    expect(await deps.dropped('relp-not-open')).toBe(1);
    expect(await deps.dropped('relp-bad-offer')).toBe(1);
  });

  it('answers an oversize message 500 without reading it into memory, and keeps serving the connection', async () => {
    const { sink, deps, relp } = await listen({ maxDataBytes: 1024 });
    const cl = await Client.open(relp);
    await cl.send(OPEN + `2 syslog 99999999 `);
    const mib = Buffer.alloc(1 << 20, 0x41);
    for (let i = 0; i < 8; i++) await cl.send(mib);
    await cl.send(Buffer.concat([Buffer.alloc(99999999 - 8 * mib.length, 0x41), Buffer.from('\n' + frame(3, 'syslog', a))]));
    expect(await cl.until(3)).toEqual(['1 200 OK', '2 500 data longer than this server accepts', '3 200 OK']);
    expect(sink.texts()).toEqual([a]);
    expect(await deps.dropped('relp-oversize')).toBe(1);
  });

  it('closes a slow sender at the idle timeout with a hint and counts the frame it left unfinished', async () => {
    const { sink, deps, relp } = await listen({ idleTimeoutMs: 300 });
    const cl = await Client.open(relp);
    await cl.send(OPEN + '2 syslog 50 <13>only part of');
    await cl.closed;
    expect(cl.lines()).toEqual(['1 200 OK', 'serverclose']);
    expect(sink.messages).toEqual([]);
    await waitFor(async () => (await deps.dropped('relp-truncated')) === 1);
  });

  it('closes connections over maxConnections, and over maxConnectionsPerSource, at once, counted, and keeps serving the others', async () => {
    const { sink, deps, relp } = await listen({ maxConnections: 2, maxConnectionsPerSource: 1 });
    const first = await Client.open(relp);
    await waitFor(async () => (await deps.connections('relp')) === 1);
    const second = await Client.open(relp);
    await second.closed;
    expect(await deps.dropped('relp-source-connection-limit')).toBe(1);
    const elsewhere = new Client(netConnect({ port: relp.address.port, host: '127.0.0.1', localAddress: '127.0.0.2' }));
    await waitFor(async () => (await deps.connections('relp')) === 2);
    const third = new Client(netConnect({ port: relp.address.port, host: '127.0.0.1', localAddress: '127.0.0.3' }));
    await third.closed;
    expect(await deps.dropped('relp-connection-limit')).toBe(1);
    elsewhere.sock.destroy();
    await first.send(OPEN + frame(2, 'syslog', a));
    await first.until(2);
    expect(sink.texts()).toEqual([a]);
  });

  it('recognises a TLS client on the plain port, and survives random bytes on many connections', async () => {
    const { sink, deps, relp } = await listen();
    const t = tlsConnect({ host: '127.0.0.1', port: relp.address.port, rejectUnauthorized: false });
    await new Promise<void>((r) => t.once('error', () => r()).once('close', () => r()));
    expect(await deps.dropped('relp-tls-on-plain-port')).toBe(1);
    let x = 3;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const junk = Buffer.alloc(4096);
        for (let i = 0; i < junk.length; i++) junk[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
        const cl = await Client.open(relp);
        await cl.send(junk);
        await cl.closed;
      }),
    );
    const cl = await Client.open(relp);
    await cl.send(OPEN + frame(2, 'syslog', a));
    expect(await cl.until(2)).toEqual(['1 200 OK', '2 200 OK']);
    expect(sink.texts()).toEqual([a]);
  });
});

describe('RELP journal', () => {
  const config = (path: string) => buildConfig({ syslog: { host: '127.0.0.1', relp: { enabled: true, port: 0 } }, storage: { path } });

  it('detects at start what a crash left journaled but unseen, with its own receive time, and only that', async () => {
    const path = join(tempDir('capwatch-relp-'), 'capwatch.db');
    // A process that committed three messages, had detection see the first, and died before marking the others.
    const dead = new RelpJournal(path);
    const ids: number[] = [];
    for (const [i, message] of [a, b, c].entries()) dead.append({ receivedAt: 1_000 + i, sender: '192.0.2.7', message }, (_err, id) => ids.push(id));
    dead.flush();
    dead.processed(ids[0]!);
    dead.close();
    const db = new Database(path);
    db.prepare('UPDATE relp_journal_processed SET through = ?').run(ids[0]!); // what the file said at the crash
    db.close();

    const sink = new CollectingSink();
    const deps = testDeps();
    const svc = (await startRelpService(config(path).syslog, path, sink, deps))!;
    cleanup.push(() => svc.close());
    expect(sink.messages).toEqual([
      { text: b, sender: '192.0.2.7', transport: 'relp', receivedAtMs: 1_001 },
      { text: c, sender: '192.0.2.7', transport: 'relp', receivedAtMs: 1_002 },
    ]);
    expect(deps.logs()).toContain('"messages":2');
    await svc.close();
    // Marked as seen on close: a second start detects nothing again.
    const again = new CollectingSink();
    const svc2 = (await startRelpService(config(path).syslog, path, again, testDeps()))!;
    await svc2.close();
    expect(again.messages).toEqual([]);
  });

  it('commits what arrives in one turn together, and marks what detection saw with the next commit', () => {
    const { journal: j, path } = journal();
    const order: string[] = [];
    j.append({ receivedAt: 1, sender: 's', message: 'one' }, (err, id) => order.push(`${err ?? 'ok'}:${id}`));
    j.append({ receivedAt: 2, sender: 's', message: 'two' }, (err, id) => order.push(`${err ?? 'ok'}:${id}`));
    expect(rows(path)).toEqual([]);
    j.flush();
    expect(order).toEqual(['ok:1', 'ok:2']);
    j.processed(2);
    j.append({ receivedAt: 3, sender: 's', message: 'three' }, () => {});
    j.flush();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT through FROM relp_journal_processed').pluck().get()).toBe(2);
    db.close();
  });
});

describe('RELP over TLS', () => {
  let cert = Buffer.alloc(0);
  let key = Buffer.alloc(0);
  beforeAll(async () => {
    if (!requireTool('openssl')) return;
    const dir = tempDir('capwatch-relp-tls-');
    const [k, crt] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', k, '-out', crt]);
    [cert, key] = [readFileSync(crt), readFileSync(k)];
  });

  it('serves the same protocol over TLS as transport relp-tls, and counts a plain client as a failed handshake', async (ctx) => {
    if (!requireTool('openssl')) return ctx.skip();
    const { sink, deps, relp } = await listen({ tls: { cert, key } });
    const s = tlsConnect({ host: '127.0.0.1', port: relp.address.port, servername: 'localhost', ca: cert });
    await new Promise((r) => s.once('secureConnect', r));
    const cl = new Client(s as unknown as Socket);
    await cl.send(OPEN + frame(2, 'syslog', a) + frame(3, 'close'));
    expect(await cl.until(3)).toEqual(['1 200 OK', '2 200 OK', '3 200 OK']);
    expect(sink.messages).toEqual([expect.objectContaining({ text: a, transport: 'relp-tls' })]);
    expect(await deps.received('relp-tls')).toBe(1);
    const plain = await Client.open(relp);
    await plain.send(OPEN);
    await plain.closed;
    await waitFor(async () => (await deps.dropped('relp-tls-handshake')) === 1);
  });
});
