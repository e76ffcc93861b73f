// `npm run bench:cloud`: `capwatch replay` over a large CloudTrail archive, as S3 delivers it (one `{"Records":[…]}`
// object), plain and gzipped: records per second and peak RSS (the file is streamed, never held whole).
//
// The archive is generated from the shape of the real CloudTrail records in fixtures/cloud/aws-elastic-traffic-
// mirroring.jsonl (Elastic's integration tests): mostly unrelated calls (eventName, eventSource, request and ids
// varied), and one traffic-mirroring call in MIRROR_EVERY. CLOUD_BENCH_MB sets the uncompressed size (default 1024).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Writable } from 'node:stream';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');
const MB = Number(process.env.CLOUD_BENCH_MB ?? 1024);
const MIRROR_EVERY = 10_000;

/** Calls seen every day in a real account's trail (none of them is about mirroring). */
const UNRELATED: ReadonlyArray<[string, string]> = [
  ['DescribeInstances', 'ec2.amazonaws.com'],
  ['AssumeRole', 'sts.amazonaws.com'],
  ['GetObject', 's3.amazonaws.com'],
  ['PutObject', 's3.amazonaws.com'],
  ['Decrypt', 'kms.amazonaws.com'],
  ['DescribeNetworkInterfaces', 'ec2.amazonaws.com'],
  ['ListBuckets', 's3.amazonaws.com'],
  ['GetCallerIdentity', 'sts.amazonaws.com'],
  ['ConsoleLogin', 'signin.amazonaws.com'],
  ['PutLogEvents', 'logs.amazonaws.com'],
];

interface Rec {
  [k: string]: unknown;
}

function templates(): { mirror: Rec; other: Rec } {
  const lines = readFileSync(join(ROOT, 'fixtures/cloud/aws-elastic-traffic-mirroring.jsonl'), 'utf8').trim().split('\n');
  const mirror = JSON.parse(lines[3]!) as Rec;
  const other = JSON.parse(lines[2]!) as Rec;
  other.requestParameters = { instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0' }] }, filterSet: {} };
  other.responseElements = null;
  other.userAgent = 'aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard';
  return { mirror, other };
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** Writes the archive (gzipped when `gzip`); returns the number of records. */
async function generate(file: string, gzip: boolean): Promise<number> {
  const { mirror, other } = templates();
  const fileOut = createWriteStream(file);
  const out: Writable = gzip ? createGzip({ level: 1 }) : fileOut;
  if (gzip) out.pipe(fileOut);
  const target = MB * 1024 * 1024;
  let written = 0;
  let n = 0;
  await write(out, '{"Records":[');
  while (written < target) {
    const isMirror = n % MIRROR_EVERY === MIRROR_EVERY - 1;
    const rec = isMirror ? mirror : other;
    const [eventName, eventSource] = isMirror ? ['CreateTrafficMirrorSession', 'ec2.amazonaws.com'] : UNRELATED[n % UNRELATED.length]!;
    rec.eventName = eventName;
    rec.eventSource = eventSource;
    rec.eventID = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    rec.eventTime = new Date(Date.UTC(2024, 9, 14) + n * 10).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const text = (n === 0 ? '' : ',') + JSON.stringify(rec);
    written += text.length;
    n++;
    await write(out, text);
  }
  await write(out, ']}');
  out.end();
  await once(fileOut, 'close');
  return n;
}

function replay(file: string): { records: number; seconds: number; detections: number; peakRssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, CLI, 'replay', file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const m = /replay: \d+ lines read in ([\d.]+) s, \d+ parse errors, \d+ commands, (\d+) detections.*, (\d+) cloud audit records/.exec(r.stderr);
  const rss = /maxrss=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`replay printed no summary: ${r.stderr.slice(-500)}`);
  return { seconds: Number(m[1]), detections: Number(m[2]), records: Number(m[3]), peakRssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-bench-cloud-'));
  try {
    const rows = ['| archive | size on disk | records | mirroring calls found | seconds | records/s | peak RSS |', '|---|---|---|---|---|---|---|'];
    for (const gzip of [false, true]) {
      const file = join(dir, gzip ? 'cloudtrail.json.gz' : 'cloudtrail.json');
      const t0 = Date.now();
      const n = await generate(file, gzip);
      console.error(`generated ${file}: ${n} records in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const r = replay(file);
      if (r.records !== n) throw new Error(`replay read ${r.records} records of ${n}`);
      const size = statSync(file).size / 1024 / 1024;
      rows.push(`| ${gzip ? '.json.gz' : '.json'} | ${size.toFixed(0)} MB | ${n} | ${r.detections} | ${r.seconds.toFixed(2)} | ${Math.round(r.records / r.seconds)} | ${r.peakRssMb.toFixed(0)} MB |`);
      rmSync(file);
    }
    console.log(rows.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
