import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RelpFramer, type RelpFrame } from '../parsers/relp/framing.js';
import { nextTxnr, parseOffers, RelpServerSession, rsp, SERVERCLOSE, type RelpStep } from '../parsers/relp/session.js';

/** What rsyslog's omrelp really sent (fixture: its first line names the capture). */
const omrelp = (() => {
  const file = readFileSync(new URL('../fixtures/relp/omrelp-session.txt', import.meta.url));
  return file.subarray(file.indexOf(0x0a) + 1);
})();
const MAX = 128 * 1024;
const buf = (s: string) => Buffer.from(s, 'utf8');
const frame = (txnr: number, command: string, data = '') =>
  data === '' ? `${txnr} ${command} 0\n` : `${txnr} ${command} ${Buffer.byteLength(data)} ${data}\n`;
const OPEN = frame(1, 'open', 'relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog');

/** Steps as plain values (answers and data decoded), so runs can be compared. */
type Seen = { kind: string; txnr?: number; text?: string; close?: boolean; problem?: string };
function run(chunks: Buffer[], maxDataBytes = MAX): Seen[] {
  const s = new RelpServerSession({ maxDataBytes, software: 'capwatch,0.1.0' });
  const seen: Seen[] = [];
  const record = (st: RelpStep) => {
    if (st.kind === 'message') seen.push({ kind: 'message', txnr: st.txnr, text: st.data.toString('utf8') });
    else if (st.kind === 'answer') seen.push({ kind: 'answer', txnr: st.txnr, text: st.frame.toString('utf8'), close: st.close, ...(st.problem && { problem: st.problem }) });
    else seen.push({ kind: st.kind, problem: st.problem });
  };
  for (const c of chunks) s.push(c, record);
  return seen;
}

function frames(chunks: Buffer[], maxDataBytes = MAX): { frames: Array<RelpFrame & { text?: string }>; ok: boolean } {
  const f = new RelpFramer({ maxDataBytes });
  const out: Array<RelpFrame & { text?: string }> = [];
  let ok = true;
  for (const c of chunks) ok = f.push(c, (fr) => out.push(fr.kind === 'frame' ? { ...fr, data: Buffer.from(fr.data), text: fr.data.toString() } : fr)) && ok;
  return { frames: out, ok };
}

describe('RELP framing', () => {
  it("reads rsyslog omrelp's own session: open with its offers, three messages, close", () => {
    const seen = run([omrelp]);
    expect(seen.map((s) => s.kind)).toEqual(['answer', 'message', 'message', 'message', 'answer']);
    expect(seen[0]).toEqual({ kind: 'answer', txnr: 1, close: false, text: '1 rsp 66 200 OK\nrelp_version=0\nrelp_software=capwatch,0.1.0\ncommands=syslog\n' });
    expect(seen[1]!.text).toMatch(/^<13>\S+ vm R1 %PARSER-5-CFGLOG_LOGGEDCMD: User:eve {2}logged command:monitor session 1 type erspan-source$/);
    expect(seen.slice(1, 4).map((s) => s.txnr)).toEqual([2, 3, 4]);
    expect(seen[4]).toEqual({ kind: 'answer', txnr: 5, close: true, text: '5 rsp 6 200 OK\n' });
  });

  it('gives the same steps however the stream is cut: at every byte boundary, and one byte at a time', () => {
    const whole = run([omrelp]);
    for (let i = 1; i < omrelp.length; i++) {
      expect(run([omrelp.subarray(0, i), omrelp.subarray(i)]), `cut at ${i}`).toEqual(whole);
    }
    expect(run([...omrelp].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('reads pipelined frames from one chunk, and data with LF, NUL and multi-byte UTF-8 in it by DATALEN', () => {
    const odd = 'line one\nline two\0 — ünïcode';
    const r = frames([buf(frame(1, 'syslog', 'a') + frame(2, 'syslog', odd) + frame(3, 'close') + frame(0, 'serverclose'))]);
    expect(r.ok).toBe(true);
    expect(r.frames.map((f) => [f.txnr, f.command, f.kind === 'frame' ? f.text : f.length])).toEqual([
      [1, 'syslog', 'a'],
      [2, 'syslog', odd],
      [3, 'close', ''],
      [0, 'serverclose', ''],
    ]);
  });

  it('hands out data split across chunks whole, and data whose trailer comes in a later chunk as a copy of its own', () => {
    const data = 'x'.repeat(5000);
    const text = frame(7, 'syslog', data);
    const split = frames([buf(text.slice(0, 100)), buf(text.slice(100, 3000)), buf(text.slice(3000))]);
    expect(split.frames.map((f) => f.text)).toEqual([data]);

    const f = new RelpFramer({ maxDataBytes: MAX });
    const body = buf(text.slice(0, -1));
    f.push(body, () => expect.unreachable());
    body.fill(0x20); // the reader reuses its buffer before the trailer arrives
    let got: string | undefined;
    f.push(buf('\n'), (fr) => (got = fr.kind === 'frame' ? fr.data.toString() : undefined));
    expect(got).toBe(data);
  });

  it.each([
    ['a letter in TXNR', 'x1 syslog 1 a\n'],
    ['TXNR of 10 digits', '1234567890 syslog 1 a\n'],
    ['no TXNR', ' syslog 1 a\n'],
    ['a digit in COMMAND', '1 sys1og 1 a\n'],
    ['COMMAND of 33 letters', `1 ${'a'.repeat(33)} 0\n`],
    ['empty COMMAND', '1  0\n'],
    ['DATALEN missing', '1 syslog \n'],
    ['DATALEN of 10 digits', '1 syslog 1234567890 a\n'],
    ['no SP before DATA', '1 syslog 1a\n'],
    ['SP after DATALEN 0', '1 close 0 \n'],
    ['DATA shorter than DATALEN', '1 syslog 5 abc\n2 syslog 1 b\n'],
    ['DATA longer than DATALEN', '1 syslog 2 abc\n'],
    ['CRLF trailer', '1 close 0\r\n'],
    ['plain syslog on the RELP port', '<13>Dec  4 10:00:00 r1 %SYS-5-CONFIG_I: Configured\n'],
    ['a TLS ClientHello', '\x16\x03\x01\x02\x00\x01'],
  ])('stops at a malformed frame (%s), after delivering the frames before it', (_name, bad) => {
    const r = frames([buf(frame(1, 'syslog', 'before') + bad)]);
    expect(r.ok).toBe(false);
    expect(r.frames.map((f) => f.txnr)).toEqual([1]);
    // Nothing more is read from a stream once it failed, even a good frame.
    const f = new RelpFramer({ maxDataBytes: MAX });
    f.push(buf(bad), () => {});
    expect(f.push(buf(frame(1, 'close')), () => expect.unreachable())).toBe(false);
    expect(f.midFrame()).toBe(false);
  });

  it('skips the data of an oversize frame as it comes, without holding it, and reads the next frame', () => {
    const f = new RelpFramer({ maxDataBytes: 1024 });
    const out: RelpFrame[] = [];
    expect(f.push(buf('1 syslog 999999999 '), (fr) => out.push(fr))).toBe(true);
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 20; i++) expect(f.push(mib, (fr) => out.push(fr))).toBe(true);
    expect(out).toEqual([]);
    expect(f.midFrame()).toBe(true);
    const small = frames([buf(frame(1, 'syslog', 'y'.repeat(1025)) + frame(2, 'syslog', 'ok'))], 1024);
    expect(small.frames).toEqual([
      { kind: 'oversize', txnr: 1, command: 'syslog', length: 1025 },
      expect.objectContaining({ kind: 'frame', txnr: 2, text: 'ok' }),
    ]);
  });

  it('survives random bytes: every run ends in frames, a failure or a frame in progress, never a throw', () => {
    let x = 7;
    for (let run = 0; run < 200; run++) {
      const junk = Buffer.alloc(2000);
      for (let i = 0; i < junk.length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        // Mostly digits, letters, spaces and LFs, so some runs get deep into a frame.
        junk[i] = '0123456789 syslog\n'.charCodeAt((x >>> 24) % 18);
      }
      const s = new RelpServerSession({ maxDataBytes: 64, software: 'capwatch,0' });
      for (let i = 0; i < junk.length; i += 97) s.push(junk.subarray(i, i + 97), () => {});
    }
  });
});

describe('RELP session (server side)', () => {
  const SYSLOG = (txnr: number, text: string) => frame(txnr, 'syslog', text);

  it('answers open with version 0 and commands=syslog, whatever version the client offers', () => {
    const seen = run([buf(frame(1, 'open', 'relp_version=1\ncommands=syslog,eventlog\nfuture_thing=x'))]);
    expect(seen[0]?.text).toBe('1 rsp 66 200 OK\nrelp_version=0\nrelp_software=capwatch,0.1.0\ncommands=syslog\n');
  });

  it.each([
    ['no relp_version', 'commands=syslog', '500 relp_version offer missing or not a number'],
    ['a relp_version that is not a number', 'relp_version=one\ncommands=syslog', '500 relp_version offer missing or not a number'],
    ['no syslog command', 'relp_version=0\ncommands=eventlog', '500 required command not supported by client'],
    ['no offers at all', '', '500 relp_version offer missing or not a number'],
  ])('refuses an open with %s: 500, then the session ends', (_name, offers, answer) => {
    const seen = run([buf(frame(1, 'open', offers) + SYSLOG(2, 'after'))]);
    expect(seen).toEqual([{ kind: 'answer', txnr: 1, text: rsp(1, answer).toString(), close: true, problem: 'bad-offer' }]);
  });

  it('answers a message or any other command before open with 500 and ends the session', () => {
    expect(run([buf(SYSLOG(1, 'too early') + OPEN)])).toEqual([{ kind: 'answer', txnr: 1, text: '1 rsp 20 500 session not open\n', close: true, problem: 'not-open' }]);
    expect(run([buf(frame(1, 'starttls'))])[0]).toMatchObject({ text: '1 rsp 20 500 session not open\n', close: true, problem: 'not-open' });
    // close before open is still a polite goodbye
    expect(run([buf(frame(1, 'close'))])).toEqual([{ kind: 'answer', txnr: 1, text: '1 rsp 6 200 OK\n', close: true }]);
  });

  it('answers an unknown command after open with 500 and goes on; a second open is harmless', () => {
    const seen = run([buf(OPEN + frame(2, 'starttls') + frame(3, 'open', 'relp_version=0\ncommands=syslog') + SYSLOG(4, 'still here'))]);
    expect(seen.slice(1)).toEqual([
      { kind: 'answer', txnr: 2, text: '2 rsp 25 500 command not supported\n', close: false, problem: 'bad-command' },
      { kind: 'answer', txnr: 3, text: '3 rsp 37 200 connection already open - ignored\n', close: false },
      { kind: 'message', txnr: 4, text: 'still here' },
    ]);
  });

  it('ignores hints (TXNR 0) and reads nothing after close', () => {
    const seen = run([buf(OPEN + frame(0, 'abort') + SYSLOG(2, 'm') + frame(3, 'close') + SYSLOG(4, 'after close') + 'garbage')]);
    expect(seen.map((s) => s.kind + (s.problem ? `:${s.problem}` : ''))).toEqual(['answer', 'ignore:hint', 'message', 'answer']);
    expect(seen.at(-1)).toMatchObject({ txnr: 3, close: true });
  });

  it('ends the session on a TXNR out of sequence, and wraps 999,999,999 to 1', () => {
    expect(run([buf(OPEN + SYSLOG(2, 'a') + SYSLOG(4, 'skipped 3'))]).slice(1)).toEqual([{ kind: 'message', txnr: 2, text: 'a' }, { kind: 'fail', problem: 'bad-txnr' }]);
    expect(run([buf(OPEN + SYSLOG(1, 'replayed txnr'))]).at(-1)).toEqual({ kind: 'fail', problem: 'bad-txnr' });
    expect([1, 41, 999_999_998, 999_999_999].map(nextTxnr)).toEqual([2, 42, 999_999_999, 1]);
  });

  it('answers an oversize message 500 and goes on; before open it ends the session', () => {
    const seen = run([buf(OPEN + SYSLOG(2, 'z'.repeat(100)) + SYSLOG(3, 'fits'))], 90);
    expect(seen.slice(1)).toEqual([
      { kind: 'answer', txnr: 2, text: '2 rsp 40 500 data longer than this server accepts\n', close: false, problem: 'oversize' },
      { kind: 'message', txnr: 3, text: 'fits' },
    ]);
    expect(run([buf(frame(1, 'open', 'relp_version=0\ncommands=syslog,' + 'x'.repeat(100)))], 64)[0]).toMatchObject({ close: true, problem: 'oversize' });
  });

  it('reports a malformed frame once, after the frames before it', () => {
    expect(run([buf(OPEN + SYSLOG(2, 'ok') + '3 syslog x\n'), buf(SYSLOG(4, 'never'))]).slice(1)).toEqual([
      { kind: 'message', txnr: 2, text: 'ok' },
      { kind: 'fail', problem: 'bad-frame' },
    ]);
  });

  it('parses offers as librelp writes them, skipping names and values past the spec lengths', () => {
    expect(parseOffers(buf('relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog'))).toEqual(
      new Map([
        ['relp_version', ['0']],
        ['relp_software', ['librelp', '1.11.0', 'http://librelp.adiscon.com']],
        ['commands', ['syslog']],
      ]),
    );
    expect(parseOffers(buf(`${'n'.repeat(33)}=1\nflag\nv=${'x'.repeat(256)},ok\n\n=orphan`))).toEqual(new Map([['flag', []], ['v', ['ok']]]));
  });

  it('has a serverclose hint in the frame format it names', () => {
    expect(frames([SERVERCLOSE]).frames).toEqual([{ kind: 'frame', txnr: 0, command: 'serverclose', data: Buffer.alloc(0), text: '' }]);
  });
});
