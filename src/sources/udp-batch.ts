// The native batched-receive addon (native/udp-batch): recvmmsg(2) into a preallocated buffer, on sockets opened with
// SO_REUSEPORT. Built at `npm install` by node-gyp where a C compiler is present; elsewhere, and on other systems than
// Linux, it does not load and the syslog UDP listener uses node:dgram on the main thread.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

export interface UdpBatchAddon {
  /** A UDP socket bound to host:port: [fd, bound port, granted SO_RCVBUF]. Blocking receives wait `timeoutMs` at most. */
  open(host: string, port: number, recvBufferBytes: number, timeoutMs: number, reusePort: boolean): [number, number, number];
  /**
   * Up to `max` datagrams: datagram i is at buffer[i * slotBytes, + meta[i * 4]); meta[i * 4 + 1] is its sender's
   * family (4 or 6), meta[i * 4 + 2] its IPv4 address as a number, addrs[i * 48…] its address as text (NUL-ended).
   */
  recv(fd: number, buffer: Uint8Array, slotBytes: number, meta: Int32Array, addrs: Uint8Array, max: number): number;
  /** Wakes a thread blocked in `recv` on fd. */
  shutdown(fd: number): void;
  close(fd: number): void;
  readonly maxBatch: number;
}

/** Bytes of `addrs` per datagram (INET6_ADDRSTRLEN and a NUL). */
export const ADDR_SLOT = 48;
/** Int32s of `meta` per datagram. */
export const META = 4;

export const ADDON_PATH = join(packageRoot, 'native', 'udp-batch', 'build', 'Release', 'udp_batch.node');

let loaded: { addon: UdpBatchAddon } | { reason: string } | undefined;

/** The addon, or why it is not available. Loaded once per thread. */
export function loadUdpBatch(): { addon: UdpBatchAddon } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { reason: `batched receive (recvmmsg) is Linux-only; this is ${process.platform}` });
  if (!existsSync(ADDON_PATH)) return (loaded = { reason: 'the native addon was not built at install (no C compiler or node-gyp?); see `npm run build:native`' });
  try {
    return (loaded = { addon: createRequire(import.meta.url)(ADDON_PATH) as UdpBatchAddon });
  } catch (err) {
    return (loaded = { reason: `the native addon does not load: ${(err as Error).message}` });
  }
}
