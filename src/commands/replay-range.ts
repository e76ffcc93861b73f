// A replay reader thread: reads one byte range of a log file, cuts the lines that start in it and runs the
// pre-filter over them, returning only the lines it kept (a tenth of a percent of real chatter) and how many it read.
// Lines are cut at LF bytes, which never fall inside a UTF-8 character, so each is decoded alone.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { mayCarryCommand } from '../../parsers/prefilter.js';

export interface RangeJob {
  id: number;
  file: string;
  /** Lines whose first byte is in [start, end). */
  start: number;
  end: number;
}

export interface RangeResult {
  id: number;
  /** Lines that start in the range, blank ones included. */
  lines: number;
  /** The non-blank lines the pre-filter kept, in order. */
  kept: string[];
}

const LF = 10;
const CR = 13;
/** How much more is read at a time to finish the line that crosses the range's end. */
const TAIL_BYTES = 64 * 1024;

export function screenRange(job: RangeJob): RangeResult {
  const fd = openSync(job.file, 'r');
  try {
    // From the byte before the range (it says whether a line starts at `start`), through the end of the line that
    // crosses `end`.
    const from = Math.max(0, job.start - 1);
    let buf = Buffer.allocUnsafe(job.end - from);
    let length = readSync(fd, buf, 0, buf.length, from);
    if (length === buf.length) {
      for (;;) {
        const more = Buffer.allocUnsafe(TAIL_BYTES);
        const n = readSync(fd, more, 0, TAIL_BYTES, from + length);
        const nl = more.subarray(0, n).indexOf(LF);
        buf = Buffer.concat([buf.subarray(0, length), more.subarray(0, nl === -1 ? n : nl + 1)]);
        length = buf.length;
        if (n === 0 || nl !== -1) break;
      }
    }
    const rangeEnd = job.end - from;
    let lineStart = job.start === 0 ? 0 : buf.indexOf(LF) + 1;
    let lines = 0;
    const kept: string[] = [];
    // indexOf returned -1 (+1 = 0) for a range inside one long line that began before it: no line starts here.
    if (job.start > 0 && lineStart === 0) return { id: job.id, lines: 0, kept };
    while (lineStart < rangeEnd && lineStart < length) {
      let nl = buf.indexOf(LF, lineStart);
      if (nl === -1 || nl >= length) nl = length;
      const end = nl > lineStart && buf[nl - 1] === CR ? nl - 1 : nl;
      lines++;
      if (end > lineStart) {
        const line = buf.toString('utf8', lineStart, end);
        if (mayCarryCommand(line)) kept.push(line);
      }
      lineStart = nl + 1;
    }
    return { id: job.id, lines, kept };
  } finally {
    closeSync(fd);
  }
}

parentPort?.on('message', (job: RangeJob) => {
  try {
    parentPort!.postMessage(screenRange(job));
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: (err as Error).message });
  }
});
