// `capwatch replay` over a large file with reader threads, each pre-filtering its own byte range: the same lines,
// the same detections in the same order, as one thread reading it through; ranges cut anywhere, even inside a line
// longer than a range or inside a UTF-8 character.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../src/commands/replay.js';
import { screenRange } from '../src/commands/replay-range.js';
import { buildConfig } from '../src/config.js';
import { tempDir } from './helpers/tmp.js';
import { textSink } from './helpers/text-sink.js';

const LOGS = resolve(import.meta.dirname, '../fixtures/logs');

/** Detections without the receive time (each run reads the clock), and the summary's counts. */
async function run(file: string, workers: number, rangeBytes: number) {
  const out = textSink();
  const err = textSink();
  const code = await replay([file], { json: true, config: buildConfig({ syslog: { workers } }), stdout: out.stream, stderr: err.stream, ranges: { rangeBytes, minFileBytes: 0 } });
  const detections = out.text().split('\n').filter(Boolean).map((l) => {
    // A line with no time of its own is dated when it is read.
    const { receivedAt, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return { ...rest, time: rest.time === receivedAt ? 'when read' : rest.time };
  });
  // The summary line, without its time; the warnings logged before it carry the clock too.
  const summary = err.text().split('\n').find((l) => l.startsWith('replay:'))?.replace(/ in [\d.]+ s/, '');
  return { code, detections, summary };
}

describe('replay with reader threads', () => {
  it('every fixture, cut into small ranges for three threads, gives what one thread gives', async () => {
    const dir = tempDir('capwatch-replay-ranges-');
    // Every fixture log, with CRLF endings on some, blank lines, and no LF after the last line.
    const parts = readdirSync(LOGS).filter((f) => f.endsWith('.log')).map((f, i) => {
      const text = readFileSync(join(LOGS, f), 'utf8');
      return i % 3 === 0 ? text.replace(/\n/g, '\r\n') : text;
    });
    const file = join(dir, 'all.log');
    writeFileSync(file, `${parts.join('\n\n')}\n<189>9: tail-é: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:monitor capture TAIL start`);
    const single = await run(file, 0, 1024);
    expect(single.detections.length).toBeGreaterThan(50);
    expect(single.detections.at(-1)).toMatchObject({ command: 'monitor capture TAIL start', device: 'tail-é' });
    // 977 bytes: ranges end inside lines, inside CRLF pairs and, somewhere, inside a multi-byte character.
    for (const rangeBytes of [977, 4096, 1 << 20]) {
      const threaded = await run(file, 3, rangeBytes);
      expect(threaded.code).toBe(0);
      expect(threaded.summary, `ranges of ${rangeBytes} bytes`).toBe(single.summary);
      expect(threaded.detections, `ranges of ${rangeBytes} bytes`).toEqual(single.detections);
    }
  });

  it('a range inside a line longer than itself holds no line; the line is read whole by the range it starts in', () => {
    const dir = tempDir('capwatch-replay-ranges-');
    const file = join(dir, 'long.log');
    const long = `<189>1: r1: %PARSER-5-CFGLOG_LOGGEDCMD: User:a  logged command:monitor capture LONG match any ${'x'.repeat(5000)}`;
    writeFileSync(file, `first\n${long}\nlast`);
    const size = Buffer.byteLength(`first\n${long}\nlast`);
    const ranges = [];
    for (let start = 0, id = 0; start < size; start += 1000) ranges.push(screenRange({ id: id++, file, start, end: Math.min(size, start + 1000) }));
    expect(ranges.map((r) => r.lines)).toEqual([2, 0, 0, 0, 0, 1]);
    expect(ranges.flatMap((r) => r.kept)).toEqual([long]);
  });
});
