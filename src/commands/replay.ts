// `capwatch replay`: the live pipeline, offline, over archived files.
import { createReadStream, existsSync, openSync, closeSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Approvals } from '../alerts/approvals.js';
import type { Approval } from '../detect/expected/approvals.js';
import type { DeviceDirectory } from '../detect/expected/devices.js';
import { InventorySource } from '../poll/inventory.js';
import { Readable, type Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { JsonRecordSplitter, type SplitStats } from '../../parsers/cloud/stream.js';
import { createGunzip } from 'node:zlib';
import { buildDetection } from '../app.js';
import { detectionJson, deviceName } from '../alerts/json.js';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { DEFAULT_RANGES, replayRanges, replayReaders, type RangeOptions } from './replay-parallel.js';
import { SEVERITIES, type Detection, type Severity } from '../types.js';

export interface ReplayOptions {
  json: boolean;
  config: Config;
  /** Read approvals from the configured database (given with --config, not the embedded default's). */
  approvalsFromStore?: boolean;
  stdout?: Writable;
  stderr?: Writable;
  stdin?: Readable;
  /** How large files are cut for reader threads (tests make the ranges small). */
  ranges?: Partial<RangeOptions>;
}

export async function replay(files: readonly string[], o: ReplayOptions): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  for (const f of files) {
    const problem = unreadable(f);
    if (problem) {
      stderr.write(`capwatch replay: cannot read ${f}: ${problem}\n`);
      return 2;
    }
  }
  const metrics = new Metrics();
  const bySeverity = new Map<Severity, number>();
  let expected = 0;
  const { ingest } = buildDetection(
    o.config,
    metrics,
    createLogger({ level: 'warn', destination: stderr }),
    (detections) => {
      for (const d of detections) {
        bySeverity.set(d.severity, (bySeverity.get(d.severity) ?? 0) + 1);
        if (d.expected) expected++;
        stdout.write(o.json ? `${JSON.stringify(detectionJson(d))}\n` : `${humanLine(d)}\n`);
      }
    },
    expectedWork(o.config, o.approvalsFromStore ?? false),
  );

  let lines = 0;
  let records = 0;
  const started = process.hrtime.bigint();
  const ranges = { readers: replayReaders(o.config.syslog.workers), ...DEFAULT_RANGES, ...o.ranges };
  for (const f of files) {
    const size = ranges.readers >= 2 ? rangeable(f, ranges.minFileBytes) : undefined;
    if (size !== undefined) {
      try {
        lines += await replayRanges(f, size, ranges, (line) => ingest.line(line, f, 'replay', Date.now()));
      } catch (err) {
        stderr.write(`capwatch replay: error reading ${f}: ${(err as Error).message}\n`);
        return 2;
      }
      ingest.flush('replay');
      continue;
    }
    const input = f === '-' ? (o.stdin ?? process.stdin) : createReadStream(f);
    const source = f === '-' || !isGzip(f) ? input : input.pipe(createGunzip());
    try {
      const { json, input: text } = await sniffJson(source);
      if (json) {
        const stats = await replayCloudRecords(text, (text) => ingest.cloudRecord(text, f, 'replay', Date.now()));
        records += stats.records;
        // Text that is no record at all (a broken or oversized one) is unreadable input like an unparseable line.
        if (stats.junk + stats.oversized > 0) metrics.parseErrors.inc({ source: 'replay' }, stats.junk + stats.oversized);
        continue;
      }
      lines += await eachLine(text, (line, at) => ingest.line(line, f, 'replay', at));
      ingest.flush('replay');
    } catch (err) {
      stderr.write(`capwatch replay: error reading ${f}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const parseErrors = (await metrics.parseErrors.get()).values.reduce((n, v) => n + v.value, 0);
  const commands = (await metrics.commands.get()).values.reduce((n, v) => n + v.value, 0);
  const total = [...bySeverity.values()].reduce((a, b) => a + b, 0);
  const sev = [...SEVERITIES].reverse().filter((s) => bySeverity.has(s)).map((s) => `${s} ${bySeverity.get(s)}`);
  stderr.write(
    `replay: ${lines} lines read in ${seconds.toFixed(2)} s, ${parseErrors} parse errors, ${commands} commands, ` +
      `${total} detections${sev.length ? ` (${sev.join(', ')})` : ''}, ${expected} of them expected work${records > 0 ? `, ${records} cloud audit records` : ''}\n`,
  );
  return 0;
}

/**
 * What `replay --config` knows of expected work beyond filters and windows: the approvals stored in the service's
 * database (read only, when it exists), and the inventory's names and tags. It answers "would this have alerted?".
 */
function expectedWork(config: Config, fromStore: boolean): { approvals?: Approval[]; directory?: DeviceDirectory } {
  let approvals: Approval[] | undefined;
  if (fromStore && existsSync(config.storage.path)) {
    const db = new Database(config.storage.path, { readonly: true, fileMustExist: true });
    try {
      const has = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'approvals'`).get();
      if (has) approvals = new Approvals(db).all();
    } finally {
      db.close();
    }
  }
  const inventory = config.inventory && new InventorySource(config.inventory);
  return {
    ...(approvals && { approvals }),
    ...(inventory && {
      directory: (device) => {
        const d = inventory.index().find(device);
        return d && { name: d.name, tags: d.tags };
      },
    }),
  };
}

/**
 * Whether the input is JSON (cloud audit records: a CloudTrail or Activity Log file, LogEntry or event lines) rather
 * than log lines, from its first non-blank byte, and the input to read on. What was read to tell is put back, so the
 * stream is read on as it is: a wrapping stream would cost every chunk of a large log file an extra hop.
 */
async function sniffJson(source: Readable): Promise<{ json: boolean; input: Readable }> {
  const head: Buffer[] = [];
  let json: boolean | undefined;
  while (json === undefined) {
    const chunk = source.read() as Buffer | string | null;
    if (chunk === null) {
      if (source.readableEnded || source.destroyed) break;
      await new Promise<void>((resolve, reject) => {
        const settle = (err?: Error) => {
          source.off('readable', settle).off('end', settle).off('error', settle);
          if (err instanceof Error) reject(err);
          else resolve();
        };
        source.on('readable', settle).on('end', settle).on('error', settle);
      });
      continue;
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    head.push(bytes);
    json = opensJson(bytes);
  }
  const read = head.length === 1 ? head[0]! : Buffer.concat(head);
  // A stream that ended while being looked at (empty, or blank lines only) takes nothing back: what it held is read
  // from a copy.
  if (source.readableEnded) return { json: false, input: Readable.from([read]) };
  if (read.length > 0) source.unshift(read);
  return { json: json ?? false, input: source };
}

/**
 * Calls `each` with every non-empty line of the input, cut at LF with a CR before it dropped, as the live TCP
 * framing cuts them, and a clock read per chunk rather than per line; returns how many lines there were. A loop
 * over each decoded chunk: readline's events and async iteration per line cost as much as the pre-filter.
 */
async function eachLine(stream: Readable, each: (line: string, atMs: number) => void): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let lines = 0;
  let rest = '';
  const cut = (text: string, atMs: number): string => {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      lines++;
      if (end > start) each(text.slice(start, end), atMs);
      start = nl + 1;
    }
    return start === 0 ? text : text.slice(start);
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    rest = cut(rest.length > 0 ? rest + text : text, Date.now());
  }
  const last = rest + decoder.end();
  if (last.length > 0) cut(`${last}\n`, Date.now());
  return lines;
}

/** Whether bytes open a JSON text (`{` or `[` first), or undefined when they hold only whitespace and a BOM. */
function opensJson(bytes: Uint8Array): boolean | undefined {
  for (const b of bytes) {
    // Whitespace and a UTF-8 byte-order mark say nothing yet.
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x7b || b === 0x5b;
  }
  return undefined;
}

/** A large plain log file, which reader threads can cut into ranges: not gzip, not JSON (its first 64 KiB say). */
function rangeable(file: string, minBytes: number): number | undefined {
  if (file === '-') return undefined;
  const st = statSync(file);
  if (!st.isFile() || st.size < minBytes) return undefined;
  if (isGzip(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = readSync(fd, head, 0, head.length, 0);
    return opensJson(head.subarray(0, n)) === true ? undefined : st.size;
  } finally {
    closeSync(fd);
  }
}

/** Cuts a JSON input into audit records, one at a time (an archive never sits in memory whole). */
async function replayCloudRecords(stream: Readable, each: (record: string) => void): Promise<SplitStats> {
  const splitter = new JsonRecordSplitter();
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream as AsyncIterable<Buffer | string>) splitter.push(typeof chunk === 'string' ? chunk : decoder.write(chunk), each);
  splitter.push(decoder.end(), each);
  splitter.end();
  return splitter.stats;
}

function unreadable(file: string): string | undefined {
  if (file === '-') return undefined;
  try {
    if (statSync(file).isDirectory()) return 'is a directory';
    closeSync(openSync(file, 'r'));
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** One line per detection for a terminal; JSON.stringify keeps control characters in command text visible and inert. */
function humanLine(d: Detection): string {
  const e = d.event;
  const ctx = e.context.length ? ` [${e.context.map((c) => JSON.stringify(c)).join(' > ')}]` : '';
  const facts = Object.keys(d.facts).length ? ` ${JSON.stringify(d.facts)}` : '';
  const why = d.expected ? ` EXPECTED by ${d.expected.by} ${JSON.stringify(d.expected.name)}` : d.unexpected !== undefined ? ` NOT EXPECTED: ${JSON.stringify(d.unexpected)}` : '';
  return `${e.time.toISOString()} ${d.severity.toUpperCase()} ${d.kind} ${JSON.stringify(deviceName(e.device))} user=${JSON.stringify(e.user ?? null)} ${JSON.stringify(e.command)}${ctx}${facts} (${d.title})${why}`;
}
