// `capwatch replay`: the live pipeline, offline, over archived files.
import { createReadStream, openSync, closeSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { buildDetection } from './app.js';
import { detectionJson, deviceName } from './alerts/json.js';
import type { Config } from './config.js';
import { createLogger } from './log.js';
import { Metrics } from './metrics.js';
import { SEVERITIES, type Detection, type Severity } from './types.js';

export interface ReplayOptions {
  json: boolean;
  config: Config;
  stdout?: Writable;
  stderr?: Writable;
  stdin?: Readable;
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
  const { ingest } = buildDetection(o.config, metrics, createLogger({ level: 'warn', destination: stderr }), (detections) => {
    for (const d of detections) {
      bySeverity.set(d.severity, (bySeverity.get(d.severity) ?? 0) + 1);
      stdout.write(o.json ? `${JSON.stringify(detectionJson(d))}\n` : `${humanLine(d)}\n`);
    }
  });

  let lines = 0;
  const started = process.hrtime.bigint();
  for (const f of files) {
    const input = f === '-' ? (o.stdin ?? process.stdin) : createReadStream(f);
    const source = f === '-' || !isGzip(f) ? input : input.pipe(createGunzip());
    const rl = createInterface({ input: source, crlfDelay: Infinity });
    try {
      for await (const line of rl) {
        lines++;
        if (line.length > 0) ingest.line(line, f, 'replay', Date.now());
      }
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
      `${total} detections${sev.length ? ` (${sev.join(', ')})` : ''}\n`,
  );
  return 0;
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
  return `${e.time.toISOString()} ${d.severity.toUpperCase()} ${d.kind} ${JSON.stringify(deviceName(e.device))} user=${JSON.stringify(e.user ?? null)} ${JSON.stringify(e.command)}${ctx}${facts} (${d.title})`;
}
