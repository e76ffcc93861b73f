import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { udpDropsFrom } from '../src/sources/udp-drops.js';
import { startUdp, type UdpListener } from '../src/sources/udp.js';
import { CollectingSink, fixtureLines, testDeps, waitFor } from './helpers/sources.js';
import { requireTool } from './helpers/tools.js';

const run = promisify(execFile);
const ios = fixtureLines(readFileSync(new URL('../fixtures/sources/ios-elastic-test-syslog.log', import.meta.url), 'utf8'));
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function listen(opts: { host?: string; recvBufferBytes?: number } = {}) {
  const sink = new CollectingSink();
  const deps = testDeps();
  const udp = await startUdp({ host: opts.host ?? '127.0.0.1', port: 0, ...(opts.recvBufferBytes && { recvBufferBytes: opts.recvBufferBytes }) }, sink, deps);
  cleanup.push(() => udp.close());
  return { sink, deps, udp };
}

async function client(type: 'udp4' | 'udp6' = 'udp4'): Promise<Socket> {
  const s = createSocket(type);
  cleanup.push(() => new Promise<void>((r) => s.close(() => r())));
  await new Promise<void>((r) => s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => r()));
  return s;
}

const send = (s: Socket, msg: string | Buffer, udp: UdpListener) =>
  new Promise<void>((resolve, reject) => s.send(msg, udp.address.port, udp.address.host, (err) => (err ? reject(err) : resolve())));

describe('UDP syslog listener', () => {
  it('hands each datagram on as one message from the sender, without its trailing newline, and counts it', async () => {
    const { sink, deps, udp } = await listen();
    const c = await client();
    for (const line of ios) await send(c, `${line}\n`, udp);
    await waitFor(() => sink.messages.length === ios.length);
    expect(sink.texts()).toEqual(ios);
    expect(sink.messages.every((m) => m.sender === '127.0.0.1' && m.transport === 'udp')).toBe(true);
    expect(await deps.received('udp')).toBe(ios.length);
    expect(udp.address.port).toBeGreaterThan(0);
  });

  it('listens on IPv6 (::1) when configured so', async () => {
    const { sink, udp } = await listen({ host: '::1' });
    expect(udp.address.host).toBe('::1');
    await send(await client('udp6'), ios[0]!, udp);
    await waitFor(() => sink.messages.length === 1);
    expect(sink.messages[0]).toEqual({ text: ios[0], sender: '::1', transport: 'udp' });
    expect(udp.kernelDrops()).toBe(0);
  });

  it('gets the receive buffer it asks for (Linux reports double) up to net.core.rmem_max', async () => {
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const { udp } = await listen({ recvBufferBytes: 1024 * 1024 });
    expect(udp.recvBufferBytes).toBe(2 * Math.min(1024 * 1024, rmemMax));
  });

  it('shows the kernel drops when a burst overflows the receive buffer: received + drops = sent', async () => {
    const { sink, udp } = await listen({ recvBufferBytes: 4096 });
    expect(udp.kernelDrops()).toBe(0);
    const c = await client();
    c.connect(udp.address.port, udp.address.host);
    await new Promise((r) => c.once('connect', r));
    const line = Buffer.from(`${ios[0]} ${'x'.repeat(800)}`);
    // Sent in one synchronous burst: the listener cannot read until it ends, so the tiny buffer overflows.
    for (let i = 0; i < 500; i++) c.send(line);
    await waitFor(() => sink.messages.length + (udp.kernelDrops() ?? 0) === 500, 5000, 'received + drops = sent');
    expect(udp.kernelDrops()).toBeGreaterThan(0);
    expect(sink.messages.length).toBeGreaterThan(0);
  });

  it('keeps working after 10,000 junk datagrams (binary, empty, invalid UTF-8), each one counted', async () => {
    const { sink, deps, udp } = await listen();
    const c = await client();
    const trailerOnly = (b: Buffer) => b.every((x) => x === 0x0a || x === 0x0d || x === 0x00);
    let x = 12345;
    let empty = 0;
    for (let i = 0; i < 10_000; i++) {
      const b = Buffer.alloc(i % 100 === 0 ? 0 : (i * 37) % 1400);
      for (let j = 0; j < b.length; j++) b[j] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
      if (trailerOnly(b)) empty++;
      c.send(b, udp.address.port, udp.address.host);
      // Paced so the receive buffer never overflows: this test is about the listener, not the kernel.
      if (i % 500 === 499) {
        const sent = i + 1;
        await waitFor(async () => sink.messages.length + (await deps.dropped('empty')) + (udp.kernelDrops() ?? 0) >= sent);
      }
    }
    expect(udp.kernelDrops()).toBe(0);
    expect(await deps.dropped('empty')).toBe(empty);
    expect(sink.messages.length).toBe(10_000 - empty);
    expect(await deps.received('udp')).toBe(10_000 - empty);
    await send(c, ios[1]!, udp);
    await waitFor(() => sink.messages.at(-1)?.text === ios[1]);
  });

  it('survives a sink that throws: the message is counted as an internal error and the next one still arrives', async () => {
    const deps = testDeps();
    const got: string[] = [];
    const sink = {
      message(text: string) {
        if (text.includes('boom')) throw new Error('bug in the pipeline');
        got.push(text);
      },
    };
    const udp = await startUdp({ host: '127.0.0.1', port: 0 }, sink, deps);
    cleanup.push(() => udp.close());
    const c = await client();
    await send(c, '<13>boom', udp);
    await send(c, ios[0]!, udp);
    await waitFor(() => got.length === 1);
    expect(got).toEqual([ios[0]]);
    expect(await deps.dropped('internal-error')).toBe(1);
    expect(deps.logs()).toContain('bug in the pipeline');
  });

  it('rejects when the port is taken, and frees its port on close', async () => {
    const { udp } = await listen();
    const deps = testDeps();
    await expect(startUdp({ host: '127.0.0.1', port: udp.address.port }, new CollectingSink(), deps)).rejects.toThrow(/EADDRINUSE/);
    await udp.close();
    const again = await startUdp({ host: '127.0.0.1', port: udp.address.port }, new CollectingSink(), deps);
    await again.close();
  });

  it('receives what util-linux logger sends over UDP in RFC 3164 and RFC 5424 format', async (ctx) => {
    if (!requireTool('logger')) return ctx.skip();
    const { sink, udp } = await listen();
    const common = ['--udp', '--server', '127.0.0.1', '--port', String(udp.address.port), '-t', 'capwatch-test'];
    await run('logger', [...common, '--rfc3164', 'configured from console by eve on vty0']);
    await run('logger', [...common, '--rfc5424', 'monitor session 1 source interface Gi1/0/1 both']);
    await waitFor(() => sink.messages.length === 2);
    const [bsd, ietf] = sink.texts();
    expect(bsd).toMatch(/^<13>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ capwatch-test: configured from console by eve on vty0$/);
    expect(ietf).toMatch(/^<13>1 \d{4}-\d\d-\d\dT\S+ \S+ capwatch-test - - .*monitor session 1 source interface Gi1\/0\/1 both$/);
  });
});

describe('udpDropsFrom (/proc/net/udp)', () => {
  // Rows in the kernel's format (captured on x86-64 Linux 6.x): addresses are 32-bit words in host byte order.
  const udp4 = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  211: 0100007F:9C4A 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 48906 2 0000000000000000 0
  575: 0100007F:15A2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 48291 2 0000000000000000 170209
  575: 00000000:15A2 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 48292 2 0000000000000000 7`;
  const udp6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  575: 00000000000000000000000001000000:15A2 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 51234 2 0000000000000000 42`;

  it('finds the row of the bound address and port and reads its drops column', () => {
    expect(udpDropsFrom(udp4, { address: '127.0.0.1', family: 'IPv4', port: 5538 }, 'LE')).toBe(170209);
    expect(udpDropsFrom(udp4, { address: '0.0.0.0', family: 'IPv4', port: 5538 }, 'LE')).toBe(7);
    expect(udpDropsFrom(udp6, { address: '::1', family: 'IPv6', port: 5538 }, 'LE')).toBe(42);
  });

  it('returns undefined for a socket that is not in the table', () => {
    expect(udpDropsFrom(udp4, { address: '127.0.0.1', family: 'IPv4', port: 5539 }, 'LE')).toBeUndefined();
    expect(udpDropsFrom(udp4, { address: '10.0.0.1', family: 'IPv4', port: 5538 }, 'LE')).toBeUndefined();
    expect(udpDropsFrom('garbage\n\n', { address: '::', family: 'IPv6', port: 514 })).toBeUndefined();
  });
});
