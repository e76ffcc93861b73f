// A syslog UDP reader thread: takes datagrams from its own SO_REUSEPORT socket up to 64 per system call, frames and
// decodes them and runs the pre-filter, which sets aside 99.9 % of a real feed. Only the lines it keeps go to the main
// thread, which owns the detector, the incidents and the store. It counts every message it sets aside in its own
// sender tally, merged by the main thread, and its totals in shared memory, read when /metrics is scraped.
// The loop is synchronous by design: receives block in the kernel for at most the socket's timeout.
import { parentPort, workerData } from 'node:worker_threads';
import { mayCarryCommand } from '../../parsers/prefilter.js';
import { contentEnd } from '../../parsers/syslog/framing.js';
import { SenderTally } from '../detect/sender-tally.js';
import { ADDR_SLOT, META, loadUdpBatch } from './udp-batch.js';
import { READER_COUNTERS, type ReaderData, type ReaderReport } from './udp-reader-protocol.js';

/** IPv4 senders as numbers → their text, so a datagram costs no address string; cleared when a flood fills it. */
const MAX_CACHED_ADDRESSES = 65_536;

function run(data: ReaderData): void {
  const port = parentPort;
  const loaded = loadUdpBatch();
  if (!port || !('addon' in loaded)) throw new Error('udp reader: not in a worker, or the addon does not load');
  const { addon } = loaded;
  const max = addon.maxBatch;
  const buf = Buffer.allocUnsafeSlow(max * data.slotBytes);
  const meta = new Int32Array(max * META);
  const addrs = Buffer.allocUnsafeSlow(max * ADDR_SLOT);
  const stop = new Int32Array(data.shared, 0, 1);
  const counters = new Float64Array(data.shared, 8 + data.index * READER_COUNTERS * 8, READER_COUNTERS);
  const v4 = new Map<number, string>();
  const tally = new SenderTally();
  let lines: string[] = [];
  let senders: string[] = [];
  let nextTally = Date.now() + data.tallyEveryMs;
  let lastError: string | undefined;

  const senderOf = (i: number): string => {
    const slot = i * ADDR_SLOT;
    if (meta[i * META + 1] !== 4) return addrs.toString('latin1', slot, addrs.indexOf(0, slot));
    const key = meta[i * META + 2]!;
    let text = v4.get(key);
    if (text === undefined) {
      if (v4.size >= MAX_CACHED_ADDRESSES) v4.clear();
      text = addrs.toString('latin1', slot, addrs.indexOf(0, slot));
      v4.set(key, text);
    }
    return text;
  };

  while (Atomics.load(stop, 0) === 0) {
    const n = addon.recv(data.fd, buf, data.slotBytes, meta, addrs, max);
    if (Atomics.load(stop, 0) !== 0) break;
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      const start = i * data.slotBytes;
      const end = contentEnd(buf, start + meta[i * META]!, start);
      if (end === start) {
        counters[1]!++;
        continue;
      }
      counters[0]!++;
      try {
        const sender = senderOf(i);
        const text = buf.toString('utf8', start, end);
        if (mayCarryCommand(text)) {
          lines.push(text);
          senders.push(sender);
        } else tally.count(sender, text);
      } catch (err) {
        // A bug a crafted datagram found: counted and reported, and the loop goes on with the next one.
        counters[2]!++;
        lastError = (err as Error).message;
      }
    }
    if (lines.length > 0) {
      port.postMessage({ kind: 'lines', lines, senders, at: now } satisfies ReaderReport);
      lines = [];
      senders = [];
    }
    if (now >= nextTally) {
      const taken = tally.take();
      if (taken.senders.length > 0 || taken.untallied > 0 || lastError !== undefined) {
        port.postMessage({ kind: 'tally', taken, ...(lastError !== undefined && { error: lastError }) } satisfies ReaderReport);
      }
      lastError = undefined;
      nextTally = now + data.tallyEveryMs;
    }
  }
  port.postMessage({ kind: 'tally', taken: tally.take() } satisfies ReaderReport);
}

run(workerData as ReaderData);
