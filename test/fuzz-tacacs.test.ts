// Property tests of the TACACS+ codec: an accounting REQUEST encoded from fields, obfuscated with the key and cut
// into any TCP segments, comes back as those fields; arbitrary bytes and wrong keys never make it throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TacacsFramer } from '../parsers/tacacs/framer.js';
import { accountingBodyFits, bodyFits, decodeAccountingRequest, errorReply, HEADER_BYTES, MAX_ACCOUNTING_BODY, obfuscate, type AccountingRequest } from '../parsers/tacacs/packet.js';
import { accountingDeviceRecord, renderAccounting } from '../parsers/tacacs/record.js';
import { isParseFailure } from '../parsers/types.js';
import { anyBytes, PROPERTY_TIMEOUT, runs } from './helpers/fuzz.js';

/** RFC 8907 §7.1 accounting REQUEST body: the inverse of decodeAccountingRequest, written from the RFC. */
function encodeAccountingBody(r: AccountingRequest): Buffer {
  const fields = [r.user, r.port, r.remAddr, ...r.args].map((s) => Buffer.from(s, 'utf8'));
  const head = Buffer.from([r.flags, r.authenMethod, r.privLvl, r.authenType, r.authenService, fields[0]!.length, fields[1]!.length, fields[2]!.length, r.args.length, ...fields.slice(3).map((f) => f.length)]);
  return Buffer.concat([head, ...fields]);
}

function packet(sessionId: number, seq: number, flags: number, body: Buffer, key: Buffer | null): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = 0xc0;
  header[1] = 0x03;
  header[2] = seq;
  header[3] = flags;
  header.writeUInt32BE(sessionId, 4);
  header.writeUInt32BE(body.length, 8);
  return Buffer.concat([header, key ? obfuscate(body, key, header) : body]);
}

/** A string whose UTF-8 form fits a one-byte length field. */
const field = (max: number) => fc.string({ unit: fc.oneof(fc.constantFrom('a', 'b', '=', '*', ' ', ';', '<cr>', '\t'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: max }).filter((s) => Buffer.byteLength(s) <= 255);
const byte = fc.integer({ min: 0, max: 255 });
const request: fc.Arbitrary<AccountingRequest> = fc.record({
  flags: fc.oneof(fc.constantFrom(0x02, 0x04, 0x08, 0x0a), byte),
  authenMethod: byte,
  privLvl: byte,
  authenType: byte,
  authenService: byte,
  user: field(40),
  port: field(20),
  remAddr: field(40),
  args: fc.array(fc.oneof(field(60), fc.constantFrom('task_id=1', 'service=shell', 'cmd=monitor capture CAP start <cr>', 'cmd=', 'cmd-arg=x', 'priv-lvl=15', 'start_time=1700000000', 'timezone=UTC')), { maxLength: 20 }),
});
const key = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((k) => Buffer.from(k));
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 });

function chunked(buf: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at.map((c) => Math.floor(c * buf.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe('TACACS+ codec properties', () => {
  it('encode → obfuscate → any segmentation → frame → de-obfuscate → decode gives the request back', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(request, fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), key, cuts, (reqs, k, at) => {
        const packets = reqs.map(([r, session, seq]) => packet(session >>> 0, seq, 0, encodeAccountingBody(r), k));
        const framer = new TacacsFramer();
        const got: Buffer[] = [];
        for (const c of chunked(Buffer.concat(packets), at)) expect(framer.push(c, (p) => got.push(Buffer.from(p)))).toBeUndefined();
        expect(framer.pending).toBe(0);
        expect(got.length).toBe(reqs.length);
        got.forEach((p, i) => {
          const plain = obfuscate(p.subarray(HEADER_BYTES), k, p.subarray(0, HEADER_BYTES));
          expect(bodyFits(0x03, plain)).toBe(true);
          const r = decodeAccountingRequest(plain);
          if (isParseFailure(r)) throw new Error(r.error);
          // Strings go through UTF-8 both ways: a lone surrogate comes back as U+FFFD, as on the wire.
          const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
          const want = reqs[i]![0];
          expect(r).toEqual({ ...want, user: utf8(want.user), port: utf8(want.port), remAddr: utf8(want.remAddr), args: want.args.map(utf8) });
        });
      }),
      runs(),
    );
  });

  it('obfuscation is its own inverse for any key, session, version and sequence number', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), key, fc.uint8Array({ minLength: 12, maxLength: 12 }), (body, k, h) => {
        const b = Buffer.from(body);
        const header = Buffer.from(h);
        expect(obfuscate(obfuscate(b, k, header), k, header).equals(b)).toBe(true);
      }),
      runs(),
    );
  });

  it('arbitrary bytes (noise, or a body de-obfuscated with the wrong key) never make decoding, framing or replies throw', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(anyBytes, cuts, (bytes, at) => {
        const r = decodeAccountingRequest(bytes);
        expect(isParseFailure(r) || accountingBodyFits(bytes)).toBe(true);
        if (!isParseFailure(r)) {
          accountingDeviceRecord(r);
          expect(renderAccounting(r, '192.0.2.1')).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u202e]/);
        }
        for (const t of [1, 2, 3, 9]) bodyFits(t, bytes);
        const framer = new TacacsFramer();
        let total = 0;
        for (const c of chunked(bytes, at)) {
          const err = framer.push(c, (p) => (total += p.length));
          if (err) {
            expect(['bad-version', 'oversize']).toContain(err);
            break;
          }
          expect(framer.pending).toBeLessThanOrEqual(HEADER_BYTES + MAX_ACCOUNTING_BODY);
        }
        if (bytes.length >= HEADER_BYTES) errorReply(bytes, { flags: 0, key: null });
      }),
      runs(2),
    );
  });

  it('a request with any fields gives a record or null, never an exception, and records carry no control characters', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(request, (r) => {
        const rec = accountingDeviceRecord(r);
        if (!rec) return;
        for (const s of [rec.command, rec.user, rec.line, rec.remoteAddress, rec.taskId, rec.timezone]) {
          if (s !== undefined) expect(s).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e]/);
        }
        if (rec.privLevel !== undefined) expect(rec.privLevel).toBeLessThanOrEqual(15);
        if (rec.time) expect(Number.isNaN(rec.time.getTime())).toBe(false);
      }),
      runs(2),
    );
  });
});
