// Property tests of the syslog layer: TCP framing (round trip at any chunking, bounded buffering), the header parser
// (never fails inside, bounded time, RFC 5424 / 3164 headers built from fields parse back to them) and timestamps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyslogFramer, type FrameError } from '../parsers/syslog/framing.js';
import { parseSyslog } from '../parsers/syslog/header.js';
import { readTimestamp, zoneOffset } from '../parsers/syslog/timestamp.js';
import { isParseFailure, type SyslogMessage } from '../parsers/types.js';
import { adversarial, allLogLines, anyBytes, anyText, BIG_INPUT_MS, COMMON_PIECES, cpuMs, mutated, PROPERTY_TIMEOUT, runs } from './helpers/fuzz.js';

const LINES = allLogLines();
const RECEIVED = new Date('2023-06-01T00:00:00Z');
const MAX = 65536;

// ---- framing -----------------------------------------------------------------------------------------------------

interface Framed {
  frames: string[];
  errors: FrameError[];
  maxPending: number;
}

function frame(chunks: readonly Buffer[], maxFrameBytes = MAX): Framed {
  const f = new SyslogFramer({ maxFrameBytes });
  const r: Framed = { frames: [], errors: [], maxPending: 0 };
  const emit = (b: Buffer) => r.frames.push(b.toString('latin1'));
  const error = (reason: FrameError) => r.errors.push(reason);
  for (const c of chunks) {
    f.push(c, emit, error);
    r.maxPending = Math.max(r.maxPending, f.pending());
  }
  f.end(emit, error);
  return r;
}

/** Cuts `buf` at the given fractions of its length: any TCP segmentation. */
function chunked(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 });
const byte = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });

/**
 * An honest sender's message: `<PRI>` then text. LF-framed messages hold no LF or NUL; octet-counted ones may hold
 * anything. Neither ends in LF, CR or NUL, which every framing strips as a trailer.
 */
const honestMessage = (counted: boolean) =>
  fc
    .tuple(
      byte(0, 191),
      fc.array(counted ? byte(0, 255) : fc.oneof(byte(1, 9), byte(11, 255)), { maxLength: 300 }),
      byte(0x21, 0x7e),
    )
    .map(([pri, body, last]) => Buffer.concat([Buffer.from(`<${pri}>`), Buffer.from(body), Buffer.from([last])]));

const honestFrame = fc.oneof(
  fc.tuple(honestMessage(true), fc.boolean()).map(([m, lf]) => ({
    msg: m,
    wire: Buffer.concat([Buffer.from(`${m.length} `), m, Buffer.from(lf ? '\n' : '')]),
  })),
  fc.tuple(honestMessage(false), fc.constantFrom('\n', '\r\n', '\0')).map(([m, t]) => ({ msg: m, wire: Buffer.concat([m, Buffer.from(t)]) })),
);

describe('SyslogFramer properties', () => {
  it('honest LF, CRLF, NUL and octet-counted frames, mixed and cut anywhere, come out as sent', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.array(honestFrame, { minLength: 1, maxLength: 20 }), cuts, (frames, at) => {
        const stream = Buffer.concat(frames.map((f) => f.wire));
        const r = frame(chunked(stream, at));
        expect(r.errors).toEqual([]);
        expect(r.frames).toEqual(frames.map((f) => f.msg.toString('latin1')));
      }),
      runs(),
    );
  });

  it('an oversize octet count in front of LF-framed messages costs only its own line, however the stream is cut', { timeout: PROPERTY_TIMEOUT }, () => {
    const lie = fc.tuple(fc.integer({ min: MAX + 1, max: 9_999_999 }), fc.array(fc.oneof(byte(1, 9), byte(11, 255)), { maxLength: 200 })).map(([n, body]) => Buffer.concat([Buffer.from(`${n} <13>`), Buffer.from(body), Buffer.from('\n')]));
    fc.assert(
      fc.property(lie, fc.array(honestMessage(false), { minLength: 1, maxLength: 8 }), cuts, (liar, msgs, at) => {
        const stream = Buffer.concat([liar, ...msgs.map((m) => Buffer.concat([m, Buffer.from('\n')]))]);
        const r = frame(chunked(stream, at));
        expect(r.errors).toEqual(['oversize']);
        expect(r.frames).toEqual(msgs.map((m) => m.toString('latin1')));
      }),
      runs(),
    );
  });

  it('any byte stream gives the same frames and errors however it is cut, and never holds more than a frame', { timeout: PROPERTY_TIMEOUT }, () => {
    const stream = fc.oneof(
      fc.array(anyBytes, { maxLength: 8 }).map((b) => Buffer.concat(b)),
      fc.array(fc.oneof(honestFrame.map((f) => f.wire), anyBytes, fc.constantFrom(...LINES).map((l) => Buffer.from(`${l}\n`))), { maxLength: 10 }).map((b) => Buffer.concat(b)),
    );
    fc.assert(
      fc.property(stream, cuts, fc.constantFrom(256, 1024, MAX), (bytes, at, max) => {
        const whole = frame([bytes], max);
        const split = frame(chunked(bytes, at), max);
        expect(split.frames).toEqual(whole.frames);
        expect(split.errors).toEqual(whole.errors);
        // A `LEN SP` prefix is at most 8 bytes: beyond that nothing is held that is not part of a frame within the cap.
        expect(split.maxPending).toBeLessThanOrEqual(max + 8);
        for (const f of whole.frames) expect(Buffer.byteLength(f, 'latin1')).toBeLessThanOrEqual(max);
      }),
      runs(),
    );
  });
});

// ---- header ------------------------------------------------------------------------------------------------------

/** The text the header parser reads: trailing CR, LF and NUL are framing. */
function content(line: string): string {
  return line.replace(/[\r\n\0]+$/, '');
}

function checkMessage(line: string, m: SyslogMessage | { error: string }): void {
  if (isParseFailure(m)) {
    // A ParseFailure is a verdict on the input, never an exception caught inside the parser.
    expect(m.error).not.toMatch(/header parser failed/);
    return;
  }
  expect(content(line).endsWith(m.body), 'the body is the end of the line').toBe(true);
  if (m.pri !== undefined) {
    expect(m.pri).toBeLessThanOrEqual(191);
    expect(m.facility).toBe(m.pri >> 3);
    expect(m.severity).toBe(m.pri & 7);
  }
  if (m.deviceTime) expect(Number.isNaN(m.deviceTime.getTime())).toBe(false);
  if (m.tag) expect(m.tag.severity).toBeGreaterThanOrEqual(0);
}

const HEADER_PIECES = [...COMMON_PIECES, 'host: ', 'a[1]: ', 'RP/0/RP0/CPU0:', '1.2.3.4 ', 'a:b::c: ', 'CISE_a ', 'Original Address=a ', '1 - ', '%SYS-5-CONFIG_I: ', 'Jan  1 00:00:00.000 UTC: ', 'UTC+07:30'];

describe('parseSyslog properties', () => {
  it('never fails inside on arbitrary text or mutated real lines, and its body is the end of the line', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(LINES)), (line) => {
        checkMessage(line, parseSyslog(line, RECEIVED));
      }),
      runs(),
    );
  });

  it('reads a 64 KB line aimed at its regexes in bounded time', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(adversarial(LINES, HEADER_PIECES), (line) => {
        const { value, ms } = cpuMs(() => parseSyslog(line, RECEIVED));
        checkMessage(line, value);
        expect(ms, `${ms.toFixed(0)} ms for ${JSON.stringify(line.slice(0, 80))}…`).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });

  const printable = (min: number, max: number, alphabet = '!"#$&\'()*+,./0123456789;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz{|}~-') =>
    fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
  /** Free text that is no header part: no colon, percent sign or bracket that could start a label, tag or PID. */
  const freeText = fc.array(printable(1, 12, 'abcdefghijklmnopqrstuvwxyz.,=/'), { maxLength: 8 }).map((w) => w.join(' '));
  const nilOr = (a: fc.Arbitrary<string>) => fc.oneof(fc.constant('-'), a.filter((s) => s !== '-'));
  const instant = fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) });

  it('an RFC 5424 header built from fields parses back to those fields', { timeout: PROPERTY_TIMEOUT }, () => {
    const offset = fc.oneof(fc.constant(0), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        fc.option(fc.tuple(instant, offset, fc.integer({ min: 0, max: 6 }), fc.boolean()), { nil: undefined }),
        // A `/` in HOSTNAME is syslog-ng's chained `$HOST/$HOST_FROM`, read as the originating host by design.
        nilOr(printable(1, 255, '!"#$&\'()*+,.0123456789;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz{|}~-')),
        nilOr(printable(1, 48)),
        nilOr(printable(1, 128)),
        nilOr(printable(1, 32)),
        freeText,
        (pri, ts, host, app, procId, msgId, msg) => {
          let stamp = '-';
          let when: Date | undefined;
          if (ts) {
            const [ms, off, fracDigits, zulu] = ts;
            const local = new Date(ms + off * 60_000);
            const frac = fracDigits === 0 ? '' : `.${String(local.getUTCMilliseconds()).padStart(3, '0')}000`.slice(0, fracDigits + 1);
            const zone = off === 0 && zulu ? 'Z' : `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
            stamp = `${local.toISOString().slice(0, 19)}${frac}${zone}`;
            // Fewer than three fraction digits are tenths or hundredths; none means the whole second.
            const kept = fracDigits >= 3 ? local.getUTCMilliseconds() : fracDigits === 0 ? 0 : Math.floor(local.getUTCMilliseconds() / 10 ** (3 - fracDigits)) * 10 ** (3 - fracDigits);
            when = new Date(ms - local.getUTCMilliseconds() + kept);
          }
          const line = `<${pri}>1 ${stamp} ${host} ${app} ${procId} ${msgId} - ${msg}`;
          const m = parseSyslog(line, RECEIVED);
          if (isParseFailure(m)) throw new Error(`${line}: ${m.error}`);
          const nil = (v: string) => (v === '-' ? undefined : v);
          expect(m).toMatchObject({ format: 'rfc5424', pri, facility: pri >> 3, severity: pri & 7, body: msg });
          expect([m.hostname, m.appName, m.procId, m.msgId]).toEqual([nil(host), nil(app), nil(procId), nil(msgId)]);
          expect(m.deviceTime?.toISOString()).toBe(when?.toISOString());
        },
      ),
      runs(),
    );
  });

  it('an RFC 3164 header built from fields parses back to them, the year taken from the receive time', { timeout: PROPERTY_TIMEOUT }, () => {
    const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const hostname = fc.tuple(printable(1, 1, 'abcdefghijklmnopqrstuvwxyz0123456789'), printable(0, 62, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_')).map(([a, b]) => a + b);
    // Program names start with a letter (`sshd`, `mgd`, `Aaa`): a leading digit reads as a Cisco sequence number, and
    // a name that is a time zone (`Z`, `EST`) as the zone a relay put behind the host (`host AEST: %…`).
    const tag = fc
      .tuple(printable(1, 1, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'), printable(0, 31, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'))
      .map(([a, b]) => a + b)
      .filter((t) => zoneOffset(t) === undefined);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 191 }),
        instant,
        fc.integer({ min: 0, max: 359 * 86_400_000 }),
        hostname,
        tag,
        fc.option(fc.integer({ min: 0, max: 4_000_000_000 }), { nil: undefined }),
        freeText,
        (pri, receivedMs, ageMs, host, app, pid, msg) => {
          const received = new Date(receivedMs);
          const at = new Date(Math.floor((receivedMs - ageMs) / 1000) * 1000);
          const day = String(at.getUTCDate()).padStart(2, ' ');
          const stamp = `${MONTHS[at.getUTCMonth()]} ${day} ${at.toISOString().slice(11, 19)}`;
          const line = `<${pri}>${stamp} ${host} ${app}${pid === undefined ? '' : `[${pid}]`}: ${msg}`;
          const m = parseSyslog(line, received);
          if (isParseFailure(m)) throw new Error(`${line}: ${m.error}`);
          expect(m).toMatchObject({ format: 'rfc3164', pri, hostname: host, appName: app, body: msg, timeQuality: 'synced' });
          expect(m.procId).toBe(pid === undefined ? undefined : String(pid));
          expect(m.deviceTime?.toISOString()).toBe(at.toISOString());
        },
      ),
      runs(),
    );
  });
});

describe('readTimestamp properties', () => {
  it('never throws at any position, and a match ends inside the text', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutated(LINES)), fc.nat(), (s, n) => {
        const pos = s.length === 0 ? 0 : n % s.length;
        const ts = readTimestamp(s, pos, RECEIVED);
        if (ts) {
          expect(ts.end).toBeGreaterThan(pos);
          expect(ts.end).toBeLessThanOrEqual(s.length);
          if (ts.time) expect(Number.isNaN(ts.time.getTime())).toBe(false);
        }
      }),
      runs(),
    );
  });
});
