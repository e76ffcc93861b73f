// The server side of one RELP session: what each frame a client sends calls for. Pure: the listener does the I/O,
// stores the messages and writes the answers, in the order the steps come (RELP requires answers in command order).
//
// Where the spec (librelp's doc/relp.md) leaves room, librelp's own server (what rsyslog's imrelp runs) decides:
//   - `open` must offer `relp_version` (a number) and `commands` including `syslog`; the answer offers version 0
//     (the only version librelp speaks: a client refuses a higher one) and `commands=syslog`.
//   - TXNR starts at 1 and goes up by one per command, 999,999,999 wrapping to 1; a wrong one ends the session.
//   - A command before a successful `open` (but `close`) is answered 500 and ends the session.
// And where capwatch differs on purpose:
//   - An unknown command after `open` (`starttls`, `abort`…) is answered 500 and the session goes on; librelp
//     drops the connection, which makes a client resend forever what will never be accepted.
//   - `close` is answered `200 OK` (librelp sends an empty rsp, which its own client cannot parse).
//   - A message longer than maxDataBytes is answered 500: librelp's client then gives that one message up instead
//     of resending it forever (it drops any message answered 500, which is why 500 is never the answer to a
//     message capwatch failed to store: see src/sources/relp.ts).
import { RelpFramer, type RelpFrame } from './framing.js';

/** The protocol version librelp implements (its RELP_CURR_PROTOCOL_VERSION); the spec's "1" was never used. */
export const RELP_VERSION = 0;
const MAX_TXNR = 999_999_999;
/** Offer names and values are at most 32 and 255 octets (spec, "OFFERS"); longer ones are not offers. */
const MAX_OFFER_NAME = 32;
const MAX_OFFER_VALUE = 255;

/** Something wrong with what the client sent, for counting. */
export type RelpProblem = 'bad-frame' | 'bad-txnr' | 'oversize' | 'not-open' | 'bad-offer' | 'bad-command' | 'hint';

export type RelpStep =
  /** A syslog message (`data` is valid during the call only): store it, then answer `ok(txnr)`. */
  | { kind: 'message'; txnr: number; data: Buffer }
  /** Answer this frame now (in turn); `close`: end the connection once it is written. */
  | { kind: 'answer'; txnr: number; frame: Buffer; close: boolean; problem?: RelpProblem }
  /** A hint (TXNR 0): not answered, per the spec; clients have none to send. */
  | { kind: 'ignore'; problem: 'hint' }
  /** Not RELP, or out of sequence: close without answering; what is unanswered the client resends. */
  | { kind: 'fail'; problem: 'bad-frame' | 'bad-txnr' };

/** `TXNR rsp DATALEN DATA LF`: the answer to command `txnr`. */
export function rsp(txnr: number, text: string): Buffer {
  return Buffer.from(`${txnr} rsp ${Buffer.byteLength(text)} ${text}\n`, 'utf8');
}

/** The answer to a stored message. */
export function ok(txnr: number): Buffer {
  return rsp(txnr, '200 OK');
}

/** The transaction number after `txnr`: TXNR is latched at 999,999,999, after which comes 1 (0 is for hints). */
export function nextTxnr(txnr: number): number {
  return txnr >= MAX_TXNR ? 1 : txnr + 1;
}

/** The hint a server sends before it closes a session, so the client reconnects at once instead of at its next send. */
export const SERVERCLOSE = Buffer.from('0 serverclose 0\n', 'latin1');

/** `name=value,value` lines of an `open`; names and values past the spec's lengths, or empty names, are skipped. */
export function parseOffers(data: Buffer): Map<string, string[]> {
  const offers = new Map<string, string[]>();
  for (const line of data.toString('latin1').split('\n')) {
    const eq = line.indexOf('=');
    const name = eq === -1 ? line : line.slice(0, eq);
    if (name === '' || name.length > MAX_OFFER_NAME) continue;
    const values = eq === -1 ? [] : line.slice(eq + 1).split(',').filter((v) => v !== '' && v.length <= MAX_OFFER_VALUE);
    offers.set(name, values);
  }
  return offers;
}

export class RelpServerSession {
  private readonly framer: RelpFramer;
  private readonly software: string;
  private open = false;
  private ended = false;
  private expected = 1;

  /** `software`: what `relp_software` names this server as (`name,version`). */
  constructor(opts: { maxDataBytes: number; software: string }) {
    this.framer = new RelpFramer({ maxDataBytes: opts.maxDataBytes });
    this.software = opts.software;
  }

  /** Reads one chunk; `step` is called for each thing to do, in order. Nothing is read after a close or a failure. */
  push(chunk: Buffer, step: (s: RelpStep) => void): void {
    if (this.ended) return;
    const framed = this.framer.push(chunk, (f) => {
      if (!this.ended) step(this.frame(f));
    });
    if (!framed && !this.ended) {
      this.ended = true;
      step({ kind: 'fail', problem: 'bad-frame' });
    }
  }

  /** Whether the session has ended (closed, or failed): the connection should go once its answers are written. */
  get done(): boolean {
    return this.ended;
  }

  /** Whether a frame has begun and not finished. */
  midFrame(): boolean {
    return !this.ended && this.framer.midFrame();
  }

  private frame(f: RelpFrame): RelpStep {
    if (f.txnr === 0) return { kind: 'ignore', problem: 'hint' };
    if (f.txnr !== this.expected) {
      this.ended = true;
      return { kind: 'fail', problem: 'bad-txnr' };
    }
    this.expected = nextTxnr(f.txnr);
    const { txnr, command } = f;
    if (f.kind === 'oversize') {
      // Read and skipped whole, so the stream is still in step: the session can go on if it was open.
      return this.answer(txnr, '500 data longer than this server accepts', !this.open, 'oversize');
    }
    if (command === 'open') return this.opened(f.txnr, f.data);
    if (command === 'close') return this.answer(txnr, '200 OK', true);
    if (!this.open) return this.answer(txnr, '500 session not open', true, 'not-open');
    if (command === 'syslog') return { kind: 'message', txnr, data: f.data };
    return this.answer(txnr, '500 command not supported', false, 'bad-command');
  }

  private opened(txnr: number, data: Buffer): RelpStep {
    // librelp's clients send `open` again inside a live session in some error paths; harmless (copen.c).
    if (this.open) return this.answer(txnr, '200 connection already open - ignored', false);
    const offers = parseOffers(data);
    const version = offers.get('relp_version')?.[0];
    if (version === undefined || !/^\d{1,9}$/.test(version)) return this.answer(txnr, '500 relp_version offer missing or not a number', true, 'bad-offer');
    if (!offers.get('commands')?.includes('syslog')) return this.answer(txnr, '500 required command not supported by client', true, 'bad-offer');
    this.open = true;
    return this.answer(txnr, `200 OK\nrelp_version=${RELP_VERSION}\nrelp_software=${this.software}\ncommands=syslog`, false);
  }

  private answer(txnr: number, text: string, close: boolean, problem?: RelpProblem): RelpStep {
    if (close) this.ended = true;
    return { kind: 'answer', txnr, frame: rsp(txnr, text), close, ...(problem && { problem }) };
  }
}
