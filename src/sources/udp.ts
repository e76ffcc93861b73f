// Syslog over UDP (RFC 5426): one datagram, one message.
// node:dgram rather than the syslog-server package: that package creates its socket with no options, so it cannot
// set a receive buffer (kernel default 208 KiB here) and loses bursts; it is also IPv4-only and one per process.
// bench/udp-loss.ts measures the difference (numbers in the README).
import { createSocket } from 'node:dgram';
import { availableParallelism } from 'node:os';
import { isIPv6 } from 'node:net';
import { contentEnd } from '../../parsers/syslog/framing.js';
import { RateLimitedLog } from '../log.js';
import { deliverTo, senderAddress } from './deliver.js';
import type { Listener, SourceDeps, SyslogSink } from './types.js';
import { loadUdpBatch } from './udp-batch.js';
import { readUdpDrops } from './udp-drops.js';
import { startUdpReaders, type ScreeningSink } from './udp-readers.js';

export const DEFAULT_UDP_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export interface UdpOptions {
  host: string;
  port: number;
  /** Requested SO_RCVBUF; the kernel caps it at net.core.rmem_max and reports double (its bookkeeping overhead). */
  recvBufferBytes?: number;
  /** Reader threads (`syslog.workers`); 0, or where the batched-receive addon is not available: the main thread. */
  readers?: number;
}

/** At most this many reader threads: past it the one detector, not reading, is the limit. */
export const MAX_READERS = 8;

/**
 * `syslog.workers`: `auto` is one reader per core beyond the first (the detector's), at most MAX_READERS, and one on a
 * single core too: batched receives pay off there as well (bench/ingest.ts, one core for the receiver).
 */
export function readerCount(workers: 'auto' | number, cores = availableParallelism()): number {
  return workers === 'auto' ? Math.min(MAX_READERS, Math.max(1, cores - 1)) : workers;
}

export interface UdpListener extends Listener {
  /** The receive buffer the kernel actually granted, in bytes. */
  readonly recvBufferBytes: number;
  /** Datagrams the kernel dropped because the buffer was full (undefined where /proc/net/udp is unavailable). */
  kernelDrops(): number | undefined;
}

let fallbackTold = false;

/** Reader threads where asked for and the addon loads (with a sink that takes pre-filtered lines); else node:dgram. */
export async function startUdp(opts: UdpOptions, sink: SyslogSink | ScreeningSink, deps: SourceDeps): Promise<UdpListener> {
  const requested = opts.recvBufferBytes ?? DEFAULT_UDP_RECV_BUFFER_BYTES;
  const readers = opts.readers ?? 0;
  if (readers > 0 && 'screened' in sink) {
    const loaded = loadUdpBatch();
    if ('addon' in loaded) return startUdpReaders({ ...opts, recvBufferBytes: requested }, readers, loaded.addon, sink, deps);
    if (!fallbackTold) deps.log.warn({ reason: loaded.reason }, 'syslog UDP read by node:dgram on the main thread, one datagram per call');
    fallbackTold = true;
  }
  return startDgram(opts.host, opts.port, requested, sink, deps);
}

async function startDgram(host: string, port: number, requested: number, sink: SyslogSink, deps: SourceDeps): Promise<UdpListener> {
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: requested });
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', fail);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', fail);
      resolve();
    });
  });

  const warn = new RateLimitedLog(deps.log);
  const deliver = deliverTo(sink, 'udp', deps.metrics, warn);
  const empty = deps.metrics.dropped.labels({ source: 'syslog', reason: 'empty' });
  socket.on('message', (msg: Buffer, peer) => {
    const end = contentEnd(msg, msg.length);
    if (end === 0) empty.inc();
    else deliver(msg.toString('utf8', 0, end), senderAddress(peer.address));
  });
  socket.on('error', (err) => warn.warn('syslog-udp:socket-error', { err: err.message }, 'syslog UDP socket error'));

  const bound = socket.address();
  const family = bound.family === 'IPv6' ? 'IPv6' : 'IPv4';
  const granted = socket.getRecvBufferSize();
  if (granted < requested) {
    deps.log.warn(
      { requested, granted, hint: `sysctl -w net.core.rmem_max=${requested}` },
      'UDP receive buffer smaller than configured (capped by net.core.rmem_max): bursts may be lost',
    );
  }
  let closed: Promise<void> | undefined;
  return {
    address: { host: bound.address, port: bound.port },
    recvBufferBytes: granted,
    kernelDrops: () => readUdpDrops({ address: bound.address, family, port: bound.port }),
    close: () => (closed ??= new Promise<void>((resolve) => socket.close(() => resolve()))),
  };
}
