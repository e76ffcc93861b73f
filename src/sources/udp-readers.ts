// Syslog over UDP read by reader threads (udp-reader.ts), each on its own SO_REUSEPORT socket on the same port, each
// taking up to 64 datagrams per system call through the native addon. The kernel hashes every sender (address and
// port) to one socket, so one device's messages stay in order. The readers pre-filter; the lines they keep come
// here, to the one detector.
import { Worker } from 'node:worker_threads';
import type { TakenSenders } from '../detect/sender-tally.js';
import { excerpt, RateLimitedLog } from '../log.js';
import { workerScript } from '../paths.js';
import type { UdpBatchAddon } from './udp-batch.js';
import { readUdpDrops } from './udp-drops.js';
import { READER_COUNTERS, sharedSize, type ReaderData, type ReaderReport } from './udp-reader-protocol.js';
import type { SourceDeps, SyslogSink } from './types.js';
import type { UdpListener, UdpOptions } from './udp.js';

/** A sink that also takes lines already pre-filtered by a reader thread, and the readers' tallies of the rest. */
export interface ScreeningSink extends SyslogSink {
  screened(text: string, sender: string, receivedAtMs: number): void;
  mergeSenders(taken: TakenSenders): void;
}

/** The largest UDP payload: every datagram fits its slot whole. */
const SLOT_BYTES = 65_536;
/** How long a receive blocks when nothing arrives: the reader then hands over its tally all the same. */
const RECV_TIMEOUT_MS = 250;
const TALLY_EVERY_MS = 500;
/** An unexpected reader exit is logged and the reader started again after this. */
const RESTART_AFTER_MS = 1000;

/** The sockets, one per reader, on one port: port 0 is resolved first, as a port no other socket holds. */
function openSockets(addon: UdpBatchAddon, opts: UdpOptions, requested: number, readers: number): Array<[number, number, number]> {
  for (let attempt = 1; ; attempt++) {
    let port = opts.port;
    if (port === 0) {
      // Binding port 0 with SO_REUSEPORT could land on a port another reuse-port socket of this user holds (the
      // kernel lets them share it): take a free port without it, then bind the readers to it.
      const [fd, free] = addon.open(opts.host, 0, requested, RECV_TIMEOUT_MS, false);
      addon.close(fd);
      port = free;
    }
    const opened: Array<[number, number, number]> = [];
    try {
      for (let i = 0; i < readers; i++) opened.push(addon.open(opts.host, port, requested, RECV_TIMEOUT_MS, true));
      return opened;
    } catch (err) {
      for (const [fd] of opened) addon.close(fd);
      if (opts.port !== 0 || attempt === 5) throw err;
    }
  }
}

export async function startUdpReaders(opts: UdpOptions & { recvBufferBytes: number }, readers: number, addon: UdpBatchAddon, sink: ScreeningSink, deps: SourceDeps): Promise<UdpListener> {
  const requested = opts.recvBufferBytes;
  const sockets = openSockets(addon, opts, requested, readers);
  const port = sockets[0]![1];
  const granted = Math.min(...sockets.map((s) => s[2]));
  const shared = new SharedArrayBuffer(sharedSize(readers));
  const counters = new Float64Array(shared, 8);
  const sum = (k: number) => {
    let n = 0;
    for (let i = 0; i < readers; i++) n += counters[i * READER_COUNTERS + k]!;
    return n;
  };
  deps.metrics.receivedTally({ source: 'syslog', transport: 'udp' }, () => sum(0));
  deps.metrics.droppedFrom({ source: 'syslog', reason: 'empty' }, () => sum(1));
  deps.metrics.droppedFrom({ source: 'syslog', reason: 'internal-error' }, () => sum(2));
  const failed = deps.metrics.dropped.labels({ source: 'syslog', reason: 'internal-error' });
  const warn = new RateLimitedLog(deps.log);

  const onReport = (report: ReaderReport) => {
    if (report.kind === 'tally') {
      sink.mergeSenders(report.taken);
      if (report.error !== undefined) warn.warn('syslog-udp:reader-error', { err: report.error }, 'syslog UDP reader failed on a message; message dropped');
      return;
    }
    const { lines, senders, at } = report;
    for (let i = 0; i < lines.length; i++) {
      try {
        sink.screened(lines[i]!, senders[i]!, at);
      } catch (err) {
        failed.inc();
        warn.warn('syslog:internal-error', { sender: senders[i], transport: 'udp', err, excerpt: excerpt(lines[i]!) }, 'message handler threw; message dropped');
      }
    }
  };

  let closing = false;
  const workers: Worker[] = [];
  const exited: Array<Promise<void>> = [];
  const start = (index: number): Promise<void> => {
    const data: ReaderData = { fd: sockets[index]![0], index, shared, slotBytes: SLOT_BYTES, tallyEveryMs: TALLY_EVERY_MS };
    const worker = new Worker(workerScript(import.meta.url, 'udp-reader.js'), { workerData: data, name: `syslog-udp-${index}` });
    workers[index] = worker;
    worker.on('message', onReport);
    const online = new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    exited[index] = new Promise<void>((resolve) => {
      worker.on('error', (err) => deps.log.error({ err, reader: index }, 'syslog UDP reader thread failed'));
      worker.once('exit', (code) => {
        resolve();
        if (closing) return;
        deps.log.error({ code, reader: index }, 'syslog UDP reader thread exited; starting it again');
        setTimeout(() => closing || void start(index).catch(() => undefined), RESTART_AFTER_MS).unref();
      });
    });
    return online;
  };
  try {
    await Promise.all(Array.from({ length: readers }, (_, i) => start(i)));
  } catch (err) {
    closing = true;
    await Promise.all(workers.map((w) => w.terminate()));
    for (const [fd] of sockets) addon.close(fd);
    throw err;
  }
  deps.log.info({ readers, port }, 'syslog UDP read by reader threads, up to 64 datagrams per system call (recvmmsg)');

  if (granted < requested) {
    deps.log.warn(
      { requested, granted, hint: `sysctl -w net.core.rmem_max=${requested}` },
      'UDP receive buffer smaller than configured (capped by net.core.rmem_max): bursts may be lost',
    );
  }
  const family = opts.host.includes(':') ? 'IPv6' : 'IPv4';
  let closed: Promise<void> | undefined;
  return {
    address: { host: opts.host, port },
    recvBufferBytes: granted,
    kernelDrops: () => readUdpDrops({ address: opts.host, family, port }),
    close: () =>
      (closed ??= (async () => {
        closing = true;
        Atomics.store(new Int32Array(shared, 0, 1), 0, 1);
        for (const [fd] of sockets) addon.shutdown(fd);
        await Promise.all(exited);
        for (const [fd] of sockets) addon.close(fd);
      })()),
  };
}
