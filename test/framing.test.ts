import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { looksLikeTlsClientHello, SyslogFramer, type FrameError } from '../parsers/syslog/framing.js';
import { fixtureLines } from './helpers/sources.js';

const ios = fixtureLines(readFileSync(new URL('../fixtures/sources/ios-elastic-test-syslog.log', import.meta.url), 'utf8'));
const arista = fixtureLines(readFileSync(new URL('../fixtures/sources/arista-anta-accounting.log', import.meta.url), 'utf8'));
const MAX = 65536;

interface Result {
  frames: string[];
  errors: FrameError[];
  maxPending: number;
}

/** Feeds `chunks` one by one, then ends the stream. */
function run(chunks: Buffer[], maxFrameBytes = MAX, end = true): Result {
  const f = new SyslogFramer({ maxFrameBytes });
  const r: Result = { frames: [], errors: [], maxPending: 0 };
  const emit = (b: Buffer) => r.frames.push(b.toString('utf8'));
  const error = (reason: FrameError) => r.errors.push(reason);
  for (const c of chunks) {
    f.push(c, emit, error);
    r.maxPending = Math.max(r.maxPending, f.pending());
  }
  if (end) f.end(emit, error);
  return r;
}

const octet = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;
const buf = (s: string) => Buffer.from(s, 'utf8');

/** Deterministic bytes, so a failure can be replayed. */
function junk(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe('SyslogFramer', () => {
  // Real IOS lines in every framing a sender may use, and Arista year-first lines without PRI (LF-framed).
  const [a, b, c, d, e] = ios as [string, string, string, string, string];
  const [y1, y2] = arista as [string, string];
  const stream = buf(`${a}\n${b}\r\n${octet(c)}${octet(d)}${e}\0${y1}\n\n${octet(`${a}\n`)}${y2}\n`);
  const expected = [a, b, c, d, e, y1, a, y2];

  it('splits LF, CRLF, NUL and octet-counted frames mixed on one stream, stripping the trailers', () => {
    expect(run([stream])).toEqual({ frames: expected, errors: [], maxPending: 0 });
  });

  it('gives the same frames however the stream is split: at every byte boundary, and byte by byte', () => {
    for (let i = 1; i < stream.length; i++) {
      const r = run([stream.subarray(0, i), stream.subarray(i)]);
      expect(r.frames, `split at ${i}`).toEqual(expected);
      expect(r.errors).toEqual([]);
    }
    const bytes = [...stream].map((x) => Buffer.from([x]));
    expect(run(bytes).frames).toEqual(expected);
  });

  it('reads a year-first line without PRI as a line, not as a 2023-byte octet count (real Arista accounting)', () => {
    expect(y1.startsWith('2023 May')).toBe(true);
    expect(run([buf(`${y1}\n${y2}\n`)]).frames).toEqual([y1, y2]);
  });

  it('counts octets as bytes, not characters', () => {
    const msg = '<13>1 - host app - - - Grüße an café ☕';
    expect(run([buf(`${octet(msg)}${octet(msg)}`)]).frames).toEqual([msg, msg]);
  });

  it('takes digits that are no octet count as the start of a line: "N:" counters, 8-digit numbers', () => {
    const lines = ['17882650:Mon Jul 30 13:02:18 2018:update:64.103.223.233@pts/2:admin:configure terminal', '12345678 <13>eight digits', '42 no PRI after the count'];
    expect(run([buf(lines.map((l) => `${l}\n`).join(''))]).frames).toEqual(lines);
  });

  it('drops a 1 MiB line as one oversize error without buffering it, and delivers the next line', () => {
    const big = buf(`<13>${'A'.repeat(1024 * 1024)}\n${a}\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.subarray(i, i + 65536));
    const r = run(chunks);
    expect(r.errors).toEqual(['oversize']);
    expect(r.frames).toEqual([a]);
    expect(r.maxPending).toBeLessThanOrEqual(MAX);
  });

  it('drops a line one byte over the maximum and keeps one exactly at it', () => {
    const at = `<13>${'x'.repeat(96)}`;
    expect(run([buf(`${at}\n${at}x\n<13>ok\n`)], 100)).toMatchObject({ frames: [at, '<13>ok'], errors: ['oversize'] });
  });

  it('skips exactly LEN bytes of an oversize octet-counted frame, then frames on', () => {
    const body = `<13>${'B'.repeat(99_996)}`;
    const s = buf(`${octet(body)}${octet(c)}${d}\n`);
    const r = run([s.subarray(0, 1000), s.subarray(1000, 70_000), s.subarray(70_000)]);
    expect(r).toEqual({ frames: [c, d], errors: ['oversize'], maxPending: 0 });
  });

  it('bounds a lying octet count: too large is oversize and skipped; within the maximum it waits, then ends truncated', () => {
    // A count too large to keep is skipped only up to the next LF-framed message (`LF <digit`), which it used to swallow
    // with the next ~10 MB of the stream (fuzz: `9999999 <13>short` then a good line), however the stream is cut.
    const lie = buf(`9999999 <13>short\n${a}\n${b}\n`);
    for (let i = 0; i <= lie.length; i++) {
      const liar = run([lie.subarray(0, i), lie.subarray(i)]);
      expect(liar.errors, `cut at ${i}`).toEqual(['oversize']);
      expect(liar.frames, `cut at ${i}`).toEqual([a, b]);
      // Nothing of the claimed frame is held: at most the part of a line that the cut left for the next read.
      expect(liar.maxPending).toBeLessThanOrEqual(Math.max(a.length, b.length) + 1);
    }
    expect(run([...lie].map((x) => Buffer.from([x]))).frames).toEqual([a, b]);

    const r = run([buf(`${octet(a)}60000 <13>short\n${b}\n`)]);
    expect(r.frames).toEqual([a]);
    expect(r.errors).toEqual(['truncated']);
  });

  it('takes a count that is too small at its word: the rest of the message becomes the next line', () => {
    expect(run([buf('5 <13>hello\n')]).frames).toEqual(['<13>h', 'ello']);
  });

  it('delivers an unterminated last line when the stream ends cleanly, and a dangling count as a line', () => {
    expect(run([buf(`${a}\n${b}`)]).frames).toEqual([a, b]);
    expect(run([buf(`${a}\n123`)]).frames).toEqual([a, '123']);
    expect(run([buf(`${a}\n${b}`)], MAX, false).frames).toEqual([a]);
  });

  it('reports what discard() throws away, so a cut connection can be counted', () => {
    const f = new SyslogFramer({ maxFrameBytes: MAX });
    const frames: string[] = [];
    f.push(buf(`${a}\n<13>partial`), (x) => frames.push(x.toString()), () => {});
    expect(frames).toEqual([a]);
    expect(f.pending()).toBe('<13>partial'.length);
    expect(f.discard()).toBe('<13>partial'.length);
    expect(f.pending()).toBe(0);
  });

  it('ignores empty frames: blank lines, lone CR, NUL keep-alives', () => {
    expect(run([buf(`\n\r\n\0\0${a}\n\n`)]).frames).toEqual([a]);
  });

  it('survives 2 MiB of binary garbage in odd chunk sizes with bounded memory and frames within the maximum', () => {
    const g = junk(2 * 1024 * 1024, 7);
    const chunks: Buffer[] = [];
    for (let i = 0, n = 1; i < g.length; i += n, n = (n * 7 + 3) % 9000) chunks.push(g.subarray(i, i + n));
    const r = run(chunks, 4096);
    expect(r.maxPending).toBeLessThanOrEqual(4096);
    expect(r.frames.length).toBeGreaterThan(0);
    for (const f of r.frames) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(4096 * 3); // U+FFFD is 3 bytes
  });

  it('does not keep a reference to the read buffer for a held partial', () => {
    const chunk = buf(`${a}\n<13>part`);
    const f = new SyslogFramer({ maxFrameBytes: MAX });
    const out: string[] = [];
    f.push(chunk, (x) => out.push(x.toString()), () => {});
    chunk.fill(0x58); // the socket layer may reuse its buffer
    f.push(buf('ial\n'), (x) => out.push(x.toString()), () => {});
    expect(out).toEqual([a, '<13>partial']);
  });
});

describe('looksLikeTlsClientHello', () => {
  it('recognises a TLS handshake record (TLS 1.0–1.3 ClientHello headers), even when only part of it arrived', () => {
    expect(looksLikeTlsClientHello(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]))).toBe(true);
    expect(looksLikeTlsClientHello(Buffer.from([0x16, 0x03, 0x03, 0x00, 0x50]))).toBe(true);
    expect(looksLikeTlsClientHello(Buffer.from([0x16]))).toBe(true);
  });

  it('does not mistake syslog or other binary for TLS', () => {
    expect(looksLikeTlsClientHello(buf(ios[0]!))).toBe(false);
    expect(looksLikeTlsClientHello(buf(octet(ios[0]!)))).toBe(false);
    expect(looksLikeTlsClientHello(Buffer.from([0x16, 0x02, 0x01]))).toBe(false);
    expect(looksLikeTlsClientHello(Buffer.from([0x16, 0x03, 0x05]))).toBe(false);
    expect(looksLikeTlsClientHello(Buffer.alloc(0))).toBe(false);
  });
});
