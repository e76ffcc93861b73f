import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTcp, type TcpOptions } from '../src/sources/tcp.js';
import type { Listener } from '../src/sources/types.js';
import { CollectingSink, fixtureLines, testDeps, waitFor } from './helpers/sources.js';
import { requireTool } from './helpers/tools.js';

const run = promisify(execFile);
const ios = fixtureLines(readFileSync(new URL('../fixtures/sources/ios-elastic-test-syslog.log', import.meta.url), 'utf8'));
const arista = fixtureLines(readFileSync(new URL('../fixtures/sources/arista-anta-accounting.log', import.meta.url), 'utf8'));
const [a, b, c, d, e] = ios as [string, string, string, string, string];
const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function listen(opts: Partial<TcpOptions> = {}) {
  const sink = new CollectingSink();
  const deps = testDeps();
  const tcp = await startTcp({ host: '127.0.0.1', port: 0, ...opts }, sink, deps);
  cleanup.push(() => tcp.close());
  return { sink, deps, tcp };
}

async function open(l: Listener): Promise<Socket> {
  const s = netConnect(l.address.port, l.address.host);
  s.on('error', () => {}); // the server may cut us off: that is what several tests check
  cleanup.push(() => void s.destroy());
  await new Promise((r) => s.once('connect', r));
  return s;
}

const closed = (s: Socket) =>
  new Promise<void>((resolve, reject) => {
    if (s.closed) return resolve();
    const t = setTimeout(() => reject(new Error('connection still open after 5 s')), 5000);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
const write = (s: Socket, data: string | Buffer) => new Promise<void>((r) => s.write(data, () => r()));

/** One connection: each chunk is its own write (so frames cross reads), then a clean close. */
async function session(l: Listener, chunks: Array<string | Buffer>): Promise<void> {
  const s = await open(l);
  for (const ch of chunks) await write(s, ch);
  s.end();
  await closed(s);
}

describe('TCP syslog listener', () => {
  it('frames LF, CRLF, NUL and octet-counted messages mixed on one connection and split across writes', async () => {
    const { sink, deps, tcp } = await listen();
    const [y1] = arista as [string];
    const all = `${a}\n${b}\r\n${octet(c)}${octet(d)}${e}\0${y1}\n`;
    await session(tcp, [all.slice(0, 50), all.slice(50, 51), all.slice(51, 300), all.slice(300)]);
    await waitFor(() => sink.messages.length === 6);
    expect(sink.texts()).toEqual([a, b, c, d, e, y1]);
    expect(sink.messages.every((m) => m.sender === '127.0.0.1' && m.transport === 'tcp')).toBe(true);
    expect(await deps.received('tcp')).toBe(6);
  });

  it('drops a 1 MiB line and an oversize octet-counted frame, counted, and still delivers the frames after them', async () => {
    const { sink, deps, tcp } = await listen();
    await session(tcp, [`<13>${'A'.repeat(1024 * 1024)}\n`, `${a}\n`, `${octet(`<13>${'B'.repeat(70_000)}`)}`, octet(b)]);
    await waitFor(() => sink.messages.length === 2);
    expect(sink.texts()).toEqual([a, b]);
    expect(await deps.dropped('oversize')).toBe(2);
    expect(deps.logs()).toContain('syslog frame longer than maxFrameBytes dropped');
  });

  it('counts a truncated octet-counted frame and a lying count, and keeps serving other connections', async () => {
    const { sink, deps, tcp } = await listen();
    await session(tcp, [`${octet(a)}500 <13>cut short by the sender`]);
    // The lie is dropped as oversize; the LF-framed line after it is not swallowed with it.
    await session(tcp, [`9999999 <13>claims ten megabytes\n${b}\n`]);
    await waitFor(async () => (await deps.dropped('oversize')) === 1 && (await deps.dropped('truncated')) === 1);
    await session(tcp, [`${c}\n`]);
    await waitFor(() => sink.messages.length === 3);
    expect(sink.texts()).toEqual([a, b, c]);
  });

  it('passes invalid UTF-8 on as U+FFFD and survives binary garbage', async () => {
    const { sink, deps, tcp } = await listen({ maxFrameBytes: 4096 });
    await session(tcp, [Buffer.concat([Buffer.from('<13>bad '), Buffer.from([0xff, 0xfe, 0x20, 0xc3, 0x28]), Buffer.from(' end\n')])]);
    await waitFor(() => sink.messages.length === 1);
    expect(sink.texts()).toEqual(['<13>bad \uFFFD\uFFFD \uFFFD( end']);

    const junk = Buffer.alloc(256 * 1024);
    for (let i = 0, x = 99; i < junk.length; i++) junk[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    await session(tcp, [junk.subarray(0, 100_000), junk.subarray(100_000)]);
    await session(tcp, [`${a}\n`]);
    await waitFor(() => sink.messages.at(-1)?.text === a);
    expect(await deps.received('tcp')).toBe(sink.messages.length);
    expect(await deps.connections('tcp')).toBe(0);
  });

  it('cuts a client that never finishes its frame at the idle timeout and counts the partial frame', async () => {
    const { sink, deps, tcp } = await listen({ idleTimeoutMs: 200 });
    const unfinished = await open(tcp);
    await write(unfinished, '<13>this frame never ends');
    const silent = await open(tcp);
    await Promise.all([closed(unfinished), closed(silent)]);
    expect(await deps.dropped('idle-timeout-partial')).toBe(1); // the silent one lost nothing
    expect(sink.messages).toEqual([]);
    expect(deps.logs()).toContain('idle connection closed inside a frame');
  });

  it('closes connections beyond maxConnections at once, counts them, and keeps serving the others', async () => {
    const { sink, deps, tcp } = await listen({ maxConnections: 2 });
    const [s1, s2] = [await open(tcp), await open(tcp)];
    await waitFor(async () => (await deps.connections('tcp')) === 2);
    const s3 = await open(tcp);
    await closed(s3);
    expect(await deps.dropped('connection-limit')).toBe(1);
    await write(s1, `${a}\n`);
    await write(s2, `${b}\n`);
    await waitFor(() => sink.messages.length === 2);
    expect(sink.texts().sort()).toEqual([a, b].sort());
    s1.end();
    s2.end();
    await waitFor(async () => (await deps.connections('tcp')) === 0);
  });

  it('recognises a TLS ClientHello on the plain port: logged once per sender, counted, closed, not parsed', async () => {
    const { sink, deps, tcp } = await listen();
    for (let i = 0; i < 2; i++) {
      const t = tlsConnect({ host: '127.0.0.1', port: tcp.address.port, rejectUnauthorized: false });
      const failed = await new Promise<boolean>((r) => {
        t.once('error', () => r(true));
        t.once('secureConnect', () => r(false));
      });
      t.destroy();
      expect(failed).toBe(true);
    }
    await waitFor(async () => (await deps.dropped('tls-on-plain-port')) === 2);
    const hint = 'TLS ClientHello on plain TCP port: configure syslog.tls or send plain TCP';
    expect(deps.logs().split(hint).length - 1).toBe(1);
    expect(deps.logs()).toContain('"sender":"127.0.0.1"');
    await session(tcp, [`${a}\n`]);
    await waitFor(() => sink.messages.length === 1);
    expect(sink.texts()).toEqual([a]);
  });

  it('closes open connections when the listener closes', async () => {
    const { deps, tcp } = await listen();
    const s = await open(tcp);
    await waitFor(async () => (await deps.connections('tcp')) === 1);
    await tcp.close();
    await closed(s);
    expect(await deps.connections('tcp')).toBe(0);
  });

  it('receives what util-linux logger sends over TCP: RFC 3164 with LF, RFC 5424 with and without octet counting', async (ctx) => {
    if (!requireTool('logger')) return ctx.skip();
    const { sink, tcp } = await listen();
    const common = ['--tcp', '--server', '127.0.0.1', '--port', String(tcp.address.port), '-t', 'capwatch-test'];
    await run('logger', [...common, '--rfc3164', 'one']);
    await run('logger', [...common, '--rfc5424', '--octet-count', 'two']);
    await run('logger', [...common, '--rfc5424', 'three']);
    await waitFor(() => sink.messages.length === 3);
    const [bsd, counted, lf] = sink.texts();
    expect(bsd).toMatch(/^<13>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ capwatch-test: one$/);
    expect(counted).toMatch(/^<13>1 \d{4}-\S+ \S+ capwatch-test - - .* two$/);
    expect(lf).toMatch(/^<13>1 \d{4}-\S+ \S+ capwatch-test - - .* three$/);
  });
});

describe('TLS syslog listener (RFC 5425)', () => {
  let dir = '';
  let cert = Buffer.alloc(0);
  let key = Buffer.alloc(0);
  beforeAll(async () => {
    if (!requireTool('openssl')) return;
    dir = mkdtempSync(join(tmpdir(), 'capwatch-tls-'));
    const [k, crt] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', k, '-out', crt]);
    [cert, key] = [readFileSync(crt), readFileSync(k)];
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function secure(l: Listener, client: { cert?: Buffer; key?: Buffer } = {}): Promise<TLSSocket> {
    const s = tlsConnect({ host: '127.0.0.1', port: l.address.port, servername: 'localhost', ca: cert, ...client });
    s.on('error', () => {});
    cleanup.push(() => void s.destroy());
    await new Promise((r) => s.once('secureConnect', r));
    return s;
  }

  it('receives LF and octet-counted frames over TLS as transport tls', async (ctx) => {
    if (!requireTool('openssl')) return ctx.skip();
    const { sink, deps, tcp } = await listen({ tls: { cert, key } });
    const s = await secure(tcp);
    await new Promise<void>((r) => s.write(`${a}\n${octet(b)}${octet(c)}`, () => r()));
    await waitFor(() => sink.messages.length === 3);
    expect(sink.texts()).toEqual([a, b, c]);
    expect(sink.messages.every((m) => m.transport === 'tls' && m.sender === '127.0.0.1')).toBe(true);
    expect(await deps.received('tls')).toBe(3);
    expect(await deps.connections('tls')).toBe(1);
  });

  it('counts a plain-text sender on the TLS port as a failed handshake and delivers nothing', async (ctx) => {
    if (!requireTool('openssl')) return ctx.skip();
    const { sink, deps, tcp } = await listen({ tls: { cert, key } });
    const s = await open(tcp);
    await write(s, `${a}\n`);
    await closed(s);
    await waitFor(async () => (await deps.dropped('tls-handshake')) === 1);
    expect(sink.messages).toEqual([]);
  });

  it('cuts an idle TLS client inside a frame at the idle timeout and counts the partial frame', async (ctx) => {
    if (!requireTool('openssl')) return ctx.skip();
    const { sink, deps, tcp } = await listen({ tls: { cert, key }, idleTimeoutMs: 200 });
    const s = await secure(tcp);
    s.write(`${a}\n<13>never ends`);
    await closed(s);
    expect(await deps.dropped('idle-timeout-partial')).toBe(1);
    expect(sink.texts()).toEqual([a]);
  });

  it('with requestCert, refuses a client without a trusted certificate and accepts one with it', async (ctx) => {
    if (!requireTool('openssl')) return ctx.skip();
    const { sink, deps, tcp } = await listen({ tls: { cert, key, ca: cert, requestCert: true } });
    const anonymous = await secure(tcp); // TLS 1.3: the client learns of the refusal after its handshake
    anonymous.write(`${a}\n`);
    await closed(anonymous);
    await waitFor(async () => (await deps.dropped('tls-handshake')) === 1);
    const known = await secure(tcp, { cert, key });
    known.write(`${b}\n`);
    await waitFor(() => sink.messages.length === 1);
    expect(sink.texts()).toEqual([b]);
  });
});
