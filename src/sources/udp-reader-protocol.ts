// What the main thread and its syslog UDP reader threads (udp-reader.ts) tell each other.
import type { TakenSenders } from '../detect/sender-tally.js';

/** Per reader in shared memory, as float64: messages received, empty datagrams, datagrams a bug failed on. */
export const READER_COUNTERS = 3;

export interface ReaderData {
  /** The reader's own socket (SO_REUSEPORT), opened by the main thread. */
  fd: number;
  /** Which counters are its own. */
  index: number;
  /** Int32 stop flag at byte 0, then READER_COUNTERS float64s per reader from byte 8. */
  shared: SharedArrayBuffer;
  /** Bytes per datagram in the receive buffer: a UDP payload's maximum, so none is cut short. */
  slotBytes: number;
  /** How often the reader hands over its sender tally. */
  tallyEveryMs: number;
}

export type ReaderReport =
  /** Lines the pre-filter kept, in arrival order, with their senders; all received at `at`. */
  | { kind: 'lines'; lines: string[]; senders: string[]; at: number }
  /** The senders of the lines it set aside since the last report; `error`, the last message a bug failed on. */
  | { kind: 'tally'; taken: TakenSenders; error?: string };

export function sharedSize(readers: number): number {
  return 8 + readers * READER_COUNTERS * 8;
}
