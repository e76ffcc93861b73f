// Syslog UDP through reader threads (batched recvmmsg on SO_REUSEPORT sockets, pre-filter in the thread) against the
// main thread's path: the same detections in the same order per device, every message counted once, hostile
// datagrams survived, and a fallback to node:dgram where asked.
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSyslog } from '../parsers/syslog/header.js';
import { isParseFailure } from '../parsers/types.js';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { deviceKey } from '../src/alerts/store.js';
import { MAX_TALLIED_SENDERS, SenderTally } from '../src/detect/sender-tally.js';
import { Metrics } from '../src/metrics.js';
import { loadUdpBatch } from '../src/sources/udp-batch.js';
import { readerCount, startUdp, type UdpListener } from '../src/sources/udp.js';
import type { Detection } from '../src/types.js';

const LOGS = resolve(import.meta.dirname, '../fixtures/logs');
const addon = loadUdpBatch();
// The addon is built by `npm install` (scripts/build-native.mjs); CI must have it, elsewhere say why it is missing.
const missing = 'reason' in addon ? addon.reason : undefined;
if (missing && process.env.CI !== 'true') console.info(`udp-readers tests skipped: ${missing}`);
const withAddon = describe.skipIf(missing !== undefined && process.env.CI !== 'true');

const open: Array<UdpListener | Socket> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await ('kernelDrops' in o ? o.close() : new Promise<void>((r) => o.close(() => r())));
});

function pipeline() {
  const metrics = new Metrics();
  const detections: Detection[] = [];
  const { ingest } = buildDetection(buildConfig({}), metrics, pino({ level: 'silent' }), (d) => detections.push(...d));
  return { metrics, detections, ingest };
}

async function client(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  open.push(s);
  return s;
}

const send = (s: Socket, text: string | Buffer, port: number) => new Promise<void>((r, j) => s.send(text, port, '127.0.0.1', (err) => (err ? j(err) : r())));

async function until(what: () => boolean, label: string): Promise<void> {
  for (let i = 0; i < 500 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(what(), label).toBe(true);
}

async function received(metrics: Metrics, transport = 'udp'): Promise<number> {
  const m = new RegExp(`capwatch_messages_received_total\\{source="syslog",transport="${transport}"\\} (\\d+)`).exec(await metrics.registry.metrics());
  return m ? Number(m[1]) : 0;
}

/** The received count once `done` says so (readers hand over their lines asynchronously), or after 5 s. */
async function receivedWhen(metrics: Metrics, done: (n: number) => boolean): Promise<number> {
  let n = await received(metrics);
  for (let i = 0; i < 500 && !done(n); i++) {
    await new Promise((r) => setTimeout(r, 10));
    n = await received(metrics);
  }
  return n;
}

/** Per device, what was detected, in order. */
function byDevice(ds: Detection[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of ds) {
    const k = deviceKey(d.event.device);
    out.set(k, [...(out.get(k) ?? []), `${d.rule} ${d.severity} ${d.event.command}`]);
  }
  return out;
}

withAddon('syslog UDP through reader threads', () => {
  it('every fixture gives the same detections, in the same order per device, as the main thread path', async () => {
    let compared = 0;
    for (const file of readdirSync(LOGS).filter((f) => f.endsWith('.log'))) {
      const lines = readFileSync(resolve(LOGS, file), 'utf8').split('\n').filter((l) => l.trim() !== '');
      const single = pipeline();
      for (const l of lines) single.ingest.message(l, '127.0.0.1', 'udp');

      const threaded = pipeline();
      const udp = await startUdp({ host: '127.0.0.1', port: 0, readers: 2 }, threaded.ingest, { metrics: threaded.metrics, log: pino({ level: 'silent' }) });
      open.push(udp);
      // One client socket per device name (the kernel spreads sockets over the readers), so devices interleave
      // across threads while each device's own lines keep one path.
      const sockets = await Promise.all([0, 1, 2, 3].map(() => client()));
      for (const l of lines) {
        const parsed = parseSyslog(l, new Date());
        // A tac_plus accounting line has no syslog header: its device is the NAS address, its second field.
        const host = (isParseFailure(parsed) ? undefined : (parsed.deviceHostname ?? parsed.hostname)) ?? l.split('\t')[1] ?? '';
        let h = 0;
        for (let i = 0; i < host.length; i++) h = (h * 31 + host.charCodeAt(i)) >>> 0;
        await send(sockets[h % sockets.length]!, l, udp.address.port);
      }
      const counted = await receivedWhen(threaded.metrics, (n) => n >= lines.length);
      expect(counted, `${file}: every line counted once`).toBe(lines.length);
      await until(() => threaded.detections.length >= single.detections.length, `${file}: detections arrive`);
      expect(byDevice(threaded.detections), file).toEqual(byDevice(single.detections));
      expect(threaded.detections.length, file).toBe(single.detections.length);
      await udp.close();
      compared += single.detections.length;
    }
    expect(compared, 'the fixtures hold detections to compare').toBeGreaterThan(50);
  });

  it('counts every message once: received, set aside by the pre-filter, parsed, empty; and each sender in the tally', async () => {
    const p = pipeline();
    const udp = await startUdp({ host: '127.0.0.1', port: 0, readers: 2 }, p.ingest, { metrics: p.metrics, log: pino({ level: 'silent' }) });
    open.push(udp);
    const [a, b] = [await client(), await client()];
    for (let i = 0; i < 300; i++) await send(a, `<189>${i}: edge-sw1: ${i}: Nov 22 10:01:00 UTC: %LINK-3-UPDOWN: Interface Gi0/${i}, changed state to up`, udp.address.port);
    await send(b, '<189>1: core-rtr2: 1: Nov 22 10:01:00 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor capture CAP start', udp.address.port);
    await send(b, '\r\n\0', udp.address.port);
    await until(() => p.detections.length === 1, 'the capture is detected');
    // The two clients may land on different readers: the chatter's may still be at work when the capture is in.
    expect(await receivedWhen(p.metrics, (n) => n >= 301)).toBe(301);
    const t = await p.metrics.registry.metrics();
    expect(t).toMatch(/capwatch_messages_parsed_total 1\n/);
    expect(t).toMatch(/capwatch_messages_prefiltered_total 300\n/);
    expect(t).toMatch(/capwatch_messages_dropped_total\{source="syslog",reason="empty"\} 1\n/);
    // The readers hand over their tallies every half second; the main thread merges them with its own.
    const seen = new Map<string, number>();
    await until(() => {
      for (const c of p.ingest.takeSenders().senders) seen.set(c.hostname ?? c.address, (seen.get(c.hostname ?? c.address) ?? 0) + c.messages);
      return [...seen.values()].reduce((x, y) => x + y, 0) === 301;
    }, 'the tallies add up to what was sent');
    expect(seen.get('edge-sw1')).toBe(300);
    expect(seen.get('core-rtr2')).toBe(1);
  });

  it('survives hostile datagrams (binary, invalid UTF-8, the largest payload) and goes on detecting', async () => {
    const p = pipeline();
    const udp = await startUdp({ host: '127.0.0.1', port: 0, readers: 1 }, p.ingest, { metrics: p.metrics, log: pino({ level: 'silent' }) });
    open.push(udp);
    const c = await client();
    await send(c, Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x16, 0x03, 0x01]), udp.address.port);
    await send(c, Buffer.alloc(65_507, 0x41), udp.address.port);
    await send(c, `<189>1: r1: %PARSER-5-CFGLOG_LOGGEDCMD: User:x  logged command:monitor capture C start <script>${'\u0000'.repeat(3)}`, udp.address.port);
    await send(c, '<189>1: r1: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor session 1 destination remote vlan 99', udp.address.port);
    await until(() => p.detections.some((d) => d.event.command.includes('monitor session 1')), 'the mirror after the hostile datagrams is detected');
    expect(await received(p.metrics)).toBe(4);
  });

  it('a flood from 25,000 source addresses: each one in a tally (or counted as untallied), nothing lost silently', async () => {
    const p = pipeline();
    const udp = await startUdp({ host: '127.0.0.1', port: 0, readers: 2 }, p.ingest, { metrics: p.metrics, log: pino({ level: 'silent' }) });
    open.push(udp);
    let sent = 0;
    for (let i = 0; i < 25_000; i++) {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, `127.1.${i >> 8}.${i & 255}`, () => r()));
      await send(s, `<189>${i}: spoof-${i}: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up`, udp.address.port);
      sent++;
      await new Promise<void>((r) => s.close(() => r()));
    }
    const counted = await receivedWhen(p.metrics, (n) => n + (udp.kernelDrops() ?? 0) >= sent);
    expect(counted + (udp.kernelDrops() ?? 0), 'received, or dropped by the kernel and counted').toBe(sent);
    let senders = 0;
    let untallied = 0;
    await until(() => {
      const t = p.ingest.takeSenders();
      senders += t.senders.length;
      untallied += t.untallied;
      expect(t.senders.length).toBeLessThanOrEqual(MAX_TALLIED_SENDERS);
      return senders + untallied >= counted;
    }, 'every message is in a tally or counted as untallied');
    expect(senders + untallied).toBe(counted);
  }, 60_000);

  it('closes promptly and frees its port; a fixed port is shared by its readers only', async () => {
    const p = pipeline();
    const udp = await startUdp({ host: '127.0.0.1', port: 0, readers: 3 }, p.ingest, { metrics: p.metrics, log: pino({ level: 'silent' }) });
    // Another program on the same port is refused, as with node:dgram.
    const squatter = createSocket('udp4');
    const err = await new Promise<Error | undefined>((r) => {
      squatter.once('error', r);
      squatter.bind(udp.address.port, '127.0.0.1', () => r(undefined));
    });
    squatter.close();
    expect(err?.message).toMatch(/EADDRINUSE/);
    await udp.close();
    const again = await startUdp({ host: '127.0.0.1', port: udp.address.port, readers: 2 }, p.ingest, { metrics: p.metrics, log: pino({ level: 'silent' }) });
    open.push(again);
    expect(again.address.port).toBe(udp.address.port);
  });
});

describe('the sender tally', () => {
  it('keeps at most 20,000 senders between takes, counts the rest, and merges a reader\'s within the same bound', () => {
    const t = new SenderTally();
    for (let i = 0; i < MAX_TALLIED_SENDERS + 500; i++) t.count(`10.0.${i >> 8}.${i & 255}`, `<189>1: host-${i}: %LINK-3-UPDOWN: x`);
    const reader = new SenderTally();
    for (let i = 0; i < 10; i++) reader.count('192.0.2.1', '<189>1: edge-1: %LINK-3-UPDOWN: x');
    reader.count('192.0.2.2');
    t.merge(reader.take());
    const taken = t.take();
    expect(taken.senders).toHaveLength(MAX_TALLIED_SENDERS);
    expect(taken.untallied).toBe(500 + 11);
    expect(taken.senders[0]).toMatchObject({ address: '10.0.0.0', messages: 1, hostname: 'host-0' });
    expect(t.take()).toEqual({ senders: [], untallied: 0 });
    const fresh = new SenderTally();
    fresh.count('192.0.2.1');
    fresh.merge({ senders: [{ address: '192.0.2.1', messages: 10, hostname: 'edge-1' }, { address: '192.0.2.2', messages: 1 }], untallied: 3 });
    expect(fresh.take()).toEqual({ senders: [{ address: '192.0.2.1', messages: 11, hostname: 'edge-1' }, { address: '192.0.2.2', messages: 1 }], untallied: 3 });
  });
});

describe('syslog.workers', () => {
  it('auto is one reader per core beyond the first, at least one and at most eight; a number is taken as given', () => {
    expect(readerCount('auto', 1)).toBe(1);
    expect(readerCount('auto', 2)).toBe(1);
    expect(readerCount('auto', 4)).toBe(3);
    expect(readerCount('auto', 64)).toBe(8);
    expect(readerCount(0, 4)).toBe(0);
    expect(buildConfig({}).syslog.workers).toBe('auto');
    expect(buildConfig({ syslog: { workers: 4 } }).syslog.workers).toBe(4);
    expect(() => buildConfig({ syslog: { workers: 9 } })).toThrow(/workers/);
    expect(() => buildConfig({ syslog: { workers: 'many' } })).toThrow(/workers/);
  });

  it('0 reads on the main thread with node:dgram, with the same counts', async () => {
    const p = pipeline();
    const udp = await startUdp({ host: '127.0.0.1', port: 0, readers: 0 }, p.ingest, { metrics: p.metrics, log: pino({ level: 'silent' }) });
    open.push(udp);
    const c = await client();
    await send(c, '<189>1: r1: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor capture CAP start', udp.address.port);
    await until(() => p.detections.length === 1, 'detected');
    expect(await received(p.metrics)).toBe(1);
  });
});
