// `capwatch replay` past one core: a large plain log file is cut into byte ranges that reader threads
// (replay-range.ts) pre-filter side by side, while this thread runs the lines they kept through detection in file
// order, range after range, so detections come out exactly as a single thread finds them. At most two ranges per
// reader are in flight, which bounds what waits in memory however dense the file is.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../paths.js';
import type { RangeJob, RangeResult } from './replay-range.js';

export interface RangeOptions {
  /** Reader threads; below 2, replay reads on one thread. */
  readers: number;
  /** Bytes per range. */
  rangeBytes: number;
  /** Smaller files are read on one thread: the threads' start costs more than they save. */
  minFileBytes: number;
}

export const DEFAULT_RANGES: Omit<RangeOptions, 'readers'> = { rangeBytes: 2 * 1024 * 1024, minFileBytes: 16 * 1024 * 1024 };

/** `syslog.workers` for replay: `auto` is a reader per core (this thread mostly waits), at most 8; 0 or 1: none. */
export function replayReaders(workers: 'auto' | number, cores = availableParallelism()): number {
  return workers === 'auto' ? Math.min(8, cores) : workers;
}

/** Calls `each` with every kept line of `file` (`size` bytes), in file order; returns how many lines there were. */
export async function replayRanges(file: string, size: number, o: RangeOptions, each: (line: string) => void): Promise<number> {
  const count = Math.ceil(size / o.rangeBytes);
  const workers = Array.from({ length: Math.min(o.readers, count) }, () => new Worker(workerScript(import.meta.url, 'replay-range.js')));
  const done = new Map<number, RangeResult>();
  let dispatched = 0;
  let consumed = 0;
  let lines = 0;
  const idle: Worker[] = [...workers];
  try {
    await new Promise<void>((resolve, reject) => {
      const dispatch = () => {
        while (idle.length > 0 && dispatched < count && dispatched < consumed + 2 * workers.length) {
          const start = dispatched * o.rangeBytes;
          const job: RangeJob = { id: dispatched++, file, start, end: Math.min(size, start + o.rangeBytes) };
          idle.pop()!.postMessage(job);
        }
      };
      for (const w of workers) {
        w.on('error', reject);
        w.on('message', (r: RangeResult | { id: number; error: string }) => {
          if ('error' in r) return reject(new Error(r.error));
          done.set(r.id, r);
          idle.push(w);
          try {
            for (let next = done.get(consumed); next; next = done.get(consumed)) {
              done.delete(consumed++);
              lines += next.lines;
              for (const line of next.kept) each(line);
            }
          } catch (err) {
            return reject(err as Error);
          }
          if (consumed === count) resolve();
          else dispatch();
        });
      }
      if (count === 0) resolve();
      dispatch();
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return lines;
}
