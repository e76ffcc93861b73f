// The TACACS+ codec against packets written by third-party implementations (fixtures/tacacs/golden-vectors.txt):
// scapy, tac_plus, tac_plus-ng, tacc and Perl Authen::TacacsPlus, all with the key `testing123`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TacacsFramer } from '../parsers/tacacs/framer.js';
import {
  ACCT_STATUS,
  accountingKind,
  accountingReply,
  authenErrorReply,
  authorErrorReply,
  bodyFits,
  decodeAccountingRequest,
  headerLength,
  headerSeq,
  headerSessionId,
  MAX_ACCOUNTING_BODY,
  obfuscate,
  unknownTypeReply,
  type AccountingRequest,
} from '../parsers/tacacs/packet.js';
import { accountingDeviceRecord, renderAccounting } from '../parsers/tacacs/record.js';
import { isParseFailure } from '../parsers/types.js';

const KEY = Buffer.from('testing123');
const vectors = new Map(
  readFileSync(resolve(import.meta.dirname, '../fixtures/tacacs/golden-vectors.txt'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name = '', hex = ''] = l.split(' ');
      return [name, Buffer.from(hex, 'hex')] as const;
    }),
);
function vector(name: string): Buffer {
  const v = vectors.get(name);
  if (!v) throw new Error(`no golden vector ${name}`);
  return v;
}
const header = (p: Buffer) => p.subarray(0, 12);
const body = (p: Buffer) => p.subarray(12);
function decoded(p: Buffer, key = KEY): AccountingRequest {
  const r = decodeAccountingRequest(obfuscate(body(p), key, header(p)));
  if (isParseFailure(r)) throw new Error(r.error);
  return r;
}

describe('obfuscation and the accounting request (golden vectors)', () => {
  it("de-obfuscates scapy's START record to the plaintext tshark decoded, and re-obfuscates it byte for byte", () => {
    const pkt = vector('scapy-start-request');
    const plain = obfuscate(body(pkt), KEY, header(pkt));
    expect(plain.toString('hex')).toBe(vector('scapy-start-request.plain').toString('hex'));
    expect(obfuscate(plain, KEY, header(pkt)).equals(body(pkt))).toBe(true);
  });

  it('decodes its fields and AV pairs in order', () => {
    expect(decoded(vector('scapy-start-request'))).toEqual({
      flags: 0x02,
      authenMethod: 0x06,
      privLvl: 15,
      authenType: 1,
      authenService: 1,
      user: 'admin',
      port: 'tty2',
      remAddr: '192.0.2.10',
      args: ['task_id=42', 'start_time=1700000000', 'timezone=UTC', 'service=shell', 'priv-lvl=15', 'cmd=monitor capture CAP start <cr>'],
    });
  });

  it("decodes tacc's START (PAP, PPP service, no cmd)", () => {
    const r = decoded(vector('tacc-start-request'));
    expect(headerSessionId(vector('tacc-start-request'))).toBe(0x18b0f006);
    expect(r).toMatchObject({ flags: 2, authenMethod: 6, privLvl: 0, authenType: 2, authenService: 3, user: 'admin', port: 'tty2', remAddr: '192.0.2.10' });
    expect(r.args).toEqual(['start_time=1795340038', 'task_id=11298', 'service=shell', 'protocol=ip']);
  });

  it('a wrong key gives a body whose lengths do not add up (the RFC 8907 §4.5 bad-secret test)', () => {
    for (const name of ['scapy-start-request', 'tacc-start-request']) {
      const pkt = vector(name);
      expect(bodyFits(3, obfuscate(body(pkt), Buffer.from('testing124'), header(pkt)))).toBe(false);
      expect(isParseFailure(decodeAccountingRequest(obfuscate(body(pkt), Buffer.from('wrong'), header(pkt))))).toBe(true);
    }
  });

  it("Authen::TacacsPlus's PAP START (version 0xC1) is recognised as an authentication START with the right key only", () => {
    const pkt = vector('perl-pap-authen-start');
    expect(bodyFits(1, obfuscate(body(pkt), KEY, header(pkt)))).toBe(true);
    expect(bodyFits(1, obfuscate(body(pkt), Buffer.from('testing12'), header(pkt)))).toBe(false);
  });
});

describe('replies (golden vectors)', () => {
  const request = vector('scapy-start-request');
  it("SUCCESS is byte-identical to tac_plus's reply", () => {
    expect(accountingReply(request, ACCT_STATUS.success, { flags: 0, key: KEY }).toString('hex')).toBe(vector('tac_plus-success-reply').toString('hex'));
  });
  it("ERROR is byte-identical to tac_plus's reply", () => {
    expect(accountingReply(request, ACCT_STATUS.error, { flags: 0, key: KEY }).toString('hex')).toBe(vector('tac_plus-error-reply').toString('hex'));
  });
  it("reads tac_plus-ng's ERROR with server_msg", () => {
    const pkt = vector('tac_plus-ng-error-reply-session4');
    const plain = obfuscate(body(pkt), KEY, header(pkt));
    expect(plain.readUInt16BE(0)).toBe(plain.length - 5);
    expect(plain[4]).toBe(ACCT_STATUS.error);
    expect(plain.toString('latin1', 5)).toBe('Illegal packet (version=0xc0 type=0x03)');
    // The same message through our encoder, answering that session's request (seq 1), gives tac_plus-ng's bytes.
    const request = Buffer.from(header(pkt));
    request[2] = 1;
    expect(accountingReply(request, ACCT_STATUS.error, { flags: 0, key: KEY, serverMsg: 'Illegal packet (version=0xc0 type=0x03)' }).subarray(12).toString('hex')).toBe(body(pkt).toString('hex'));
  });
  it('authentication and authorization get an ERROR of their own type, seq + 1, same session and version', () => {
    const authen = vector('perl-pap-authen-start');
    const r = authenErrorReply(authen, { flags: 0, key: KEY, serverMsg: 'accounting only' });
    expect(r.subarray(0, 4).toString('hex')).toBe('c1010200');
    expect(headerSessionId(r)).toBe(headerSessionId(authen));
    const plain = obfuscate(body(r), KEY, header(r));
    expect(plain[0]).toBe(0x07); // TAC_PLUS_AUTHEN_STATUS_ERROR
    expect(plain.toString('latin1', 6)).toBe('accounting only');
    const asAuthor = Buffer.from(authen);
    asAuthor[1] = 2;
    const a = authorErrorReply(asAuthor, { flags: 0, key: KEY });
    expect([a[1], headerSeq(a), obfuscate(body(a), KEY, header(a))[0]]).toEqual([2, 2, 0x11]); // AUTHOR_STATUS_ERROR
  });
  it("an unknown type gets the RFC's zero-length reply: the same header, seq + 1, length 0", () => {
    const odd = Buffer.from(vector('scapy-start-request'));
    odd[1] = 0x09;
    expect(unknownTypeReply(odd).toString('hex')).toBe('c009020012345678' + '00000000');
  });
});

describe('accounting flags', () => {
  it('maps the valid combinations and rejects the invalid ones (RFC 8907 §7.2)', () => {
    expect([0x02, 0x04, 0x08, 0x0a].map(accountingKind)).toEqual(['start', 'stop', 'watchdog', 'watchdog']);
    expect([0x00, 0x06, 0x0c, 0x0e].map(accountingKind)).toEqual([null, null, null, null]);
  });
});

describe('framer', () => {
  const a = vector('scapy-start-request');
  const b = vector('tacc-start-request');
  function frames(chunks: Buffer[], framer = new TacacsFramer()): string[] {
    const out: string[] = [];
    for (const c of chunks) expect(framer.push(c, (p) => out.push(p.toString('hex')))).toBeUndefined();
    return out;
  }
  it('gives two packets that arrived in one segment', () => {
    expect(frames([Buffer.concat([a, b])])).toEqual([a.toString('hex'), b.toString('hex')]);
  });
  it('reassembles a header split in two and a body over many segments, one byte at a time', () => {
    const both = Buffer.concat([a, b]);
    expect(frames([both.subarray(0, 5), both.subarray(5, 12), both.subarray(12, 40), both.subarray(40)])).toEqual([a.toString('hex'), b.toString('hex')]);
    expect(frames([...both].map((x) => Buffer.from([x])))).toEqual([a.toString('hex'), b.toString('hex')]);
  });
  it('takes the largest legal accounting request and refuses one byte more', () => {
    const h = Buffer.from(a.subarray(0, 12));
    h.writeUInt32BE(MAX_ACCOUNTING_BODY, 8);
    const big = Buffer.concat([h, Buffer.alloc(MAX_ACCOUNTING_BODY)]);
    expect(frames([big.subarray(0, 30000), big.subarray(30000)]).map((p) => p.length / 2)).toEqual([12 + MAX_ACCOUNTING_BODY]);
    h.writeUInt32BE(MAX_ACCOUNTING_BODY + 1, 8);
    expect(new TacacsFramer().push(h, () => {})).toBe('oversize');
    expect(headerLength(big)).toBe(66054);
  });
  it('refuses a stream that is not TACACS+ (a TLS ClientHello, HTTP)', () => {
    expect(new TacacsFramer().push(Buffer.from('GET / HTTP/1.1\r\n\r\n'), () => {})).toBe('bad-version');
    expect(new TacacsFramer().push(Buffer.from('160301020001000000000000', 'hex'), () => {})).toBe('bad-version');
  });
});

describe('from AV pairs to a device record', () => {
  const req = (args: string[], flags = 0x04, extra: Partial<AccountingRequest> = {}): AccountingRequest => ({
    flags,
    authenMethod: 6,
    privLvl: 15,
    authenType: 1,
    authenService: 1,
    user: 'admin',
    port: 'tty2',
    remAddr: '192.0.2.10',
    args,
    ...extra,
  });

  it("scapy's START: the command without <cr>, with task id, line, remote address, privilege, time zone and time", () => {
    expect(accountingDeviceRecord(decoded(vector('scapy-start-request')))).toEqual({
      type: 'command',
      origin: 'tacacs',
      accounting: 'start',
      user: 'admin',
      line: 'tty2',
      remoteAddress: '192.0.2.10',
      taskId: '42',
      time: new Date(1_700_000_000_000),
      command: 'monitor capture CAP start',
      privLevel: 15,
      timezone: 'UTC',
    });
  });
  it('joins cmd and every cmd-arg in order, dropping the <cr> argument', () => {
    const r = accountingDeviceRecord(req(['task_id=7', 'service=shell', 'cmd=monitor', 'cmd-arg=capture', 'cmd-arg=CAP', 'cmd-arg=start', 'cmd-arg=<cr>']));
    expect(r?.command).toBe('monitor capture CAP start');
  });
  it('matches attribute names case-insensitively with - and _ alike (Extreme Cmd=, Aruba priv_lvl, Task-Id)', () => {
    const r = accountingDeviceRecord(req(['Task-Id=9', 'Service=shell', 'priv_lvl=7', 'Cmd=show running-config', 'CMD_ARG=<cr>', 'STOP_TIME=1525913552.428']));
    expect(r).toMatchObject({ command: 'show running-config', taskId: '9', privLevel: 7, time: new Date(1525913552428) });
  });
  it('splits an NX-OS context path and result suffix exactly as the syslog path does', () => {
    const r = accountingDeviceRecord(req(['task_id=1', 'cmd=configure terminal ; monitor session 2 type erspan-source ; destination ip 203.0.113.9 (SUCCESS)'], 0x08));
    expect(r).toMatchObject({ platform: 'nxos', accounting: 'watchdog', command: 'destination ip 203.0.113.9', path: ['configure terminal', 'monitor session 2 type erspan-source'], configMode: true, result: 'success' });
  });
  it("takes FortiGate's command from reason when cmd is only a verb", () => {
    expect(accountingDeviceRecord(req(['task_id=3', 'service=shell', 'cmd=Diagnose', 'reason="diagnose sniffer packet any none 4"']))?.command).toBe('diagnose sniffer packet any none 4');
  });
  it('a STOP without cmd ends the session; a START without cmd reports nothing', () => {
    expect(accountingDeviceRecord(req(['task_id=41', 'service=shell', 'elapsed_time=9']))).toMatchObject({ type: 'session-end', line: 'tty2' });
    expect(accountingDeviceRecord(req(['task_id=41', 'service=shell'], 0x02))).toBeNull();
  });
  it('neutralises control characters and bidi overrides in every field, including the rendering', () => {
    const evil = req(['task_id=1', 'cmd=monitor capture CAP start\r\nFAKE LOG LINE\u202e'], 0x04, { user: 'ev\u0007il\nroot', port: 'tty\u00002' });
    const r = accountingDeviceRecord(evil);
    expect(r?.command).toBe('monitor capture CAP start FAKE LOG LINE');
    expect(r?.user).toBe('ev\ufffdil root');
    expect(r?.line).toBe('tty\ufffd2');
    expect(renderAccounting(evil, '192.0.2.1')).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u202e]/);
  });
  it('keeps invalid flag combinations as records (tac_plus precedence) so a capture is still seen', () => {
    expect(accountingDeviceRecord(req(['cmd=monitor capture CAP start'], 0x06))?.accounting).toBe('stop');
    expect(accountingDeviceRecord(req(['cmd=monitor capture CAP start'], 0x00))?.accounting).toBe('update');
  });
});
