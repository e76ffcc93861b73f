// RELP frames (librelp's doc/relp.md): `TXNR SP COMMAND SP DATALEN [SP DATA] LF`, read from a byte stream.
//   TXNR    1–9 digits; 0 is reserved for hints
//   COMMAND 1–32 letters
//   DATALEN 1–9 digits; DATA (and the SP before it) only when DATALEN > 0
// The same grammar librelp's own receiver enforces (relpframe.c), so what rsyslog's imrelp refuses is refused here.
// Pure: no I/O, no clock, never throws. Memory per stream is bounded by the bytes of one frame actually received,
// at most maxDataBytes: a larger DATALEN is skipped as it arrives, never buffered.

const LF = 0x0a;
const SP = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const MAX_NUMBER_DIGITS = 9;
const MAX_COMMAND_LETTERS = 32;
const EMPTY = Buffer.alloc(0);

const TXNR = 0;
const COMMAND = 1;
const DATALEN = 2;
const DATA = 3;
const SKIP = 4; // DATA of an oversize frame, discarded as it comes
const TRAILER = 5;
const FAILED = 6; // a framing error: nothing more is read from this stream

export type RelpFrame =
  /** `data` may be a view of the pushed chunk: decode or copy it before returning. */
  | { kind: 'frame'; txnr: number; command: string; data: Buffer }
  /** DATALEN was over maxDataBytes: the data was skipped, the frame itself was well formed. */
  | { kind: 'oversize'; txnr: number; command: string; length: number };

function isDigit(b: number): boolean {
  return b >= DIGIT_0 && b <= DIGIT_9;
}

function isLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

export class RelpFramer {
  private readonly max: number;
  private state = TXNR;
  private digits = 0;
  private txnr = 0;
  private command = '';
  private length = 0;
  /** DATA / SKIP: bytes still to come. */
  private remaining = 0;
  /** Data bytes of this frame from earlier chunks (copies): only a frame split across reads is ever held. */
  private parts: Buffer[] = [];
  private held = 0;
  /** The complete data, waiting for its trailer. */
  private data: Buffer = EMPTY;
  /** `data` is a view of the chunk being read, to be copied if the trailer is not in that chunk. */
  private view = false;

  constructor(opts: { maxDataBytes: number }) {
    this.max = opts.maxDataBytes;
  }

  /**
   * Feeds one chunk and calls `frame` for each complete frame, in order. Returns false when the stream is not RELP
   * (a framing error): the frames before the error were delivered, nothing after it ever will be.
   */
  push(chunk: Buffer, frame: (f: RelpFrame) => void): boolean {
    if (this.state === FAILED) return false;
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      switch (this.state) {
        case TXNR: {
          const b = chunk[pos++]!;
          if (isDigit(b) && this.digits < MAX_NUMBER_DIGITS) {
            this.txnr = this.txnr * 10 + (b - DIGIT_0);
            this.digits++;
          } else if (b === SP && this.digits > 0) {
            this.state = COMMAND;
            this.digits = 0;
          } else {
            return this.fail();
          }
          break;
        }
        case COMMAND: {
          const b = chunk[pos++]!;
          if (isLetter(b) && this.command.length < MAX_COMMAND_LETTERS) {
            this.command += String.fromCharCode(b);
          } else if (b === SP && this.command.length > 0) {
            this.state = DATALEN;
          } else {
            return this.fail();
          }
          break;
        }
        case DATALEN: {
          const b = chunk[pos++]!;
          if (isDigit(b) && this.digits < MAX_NUMBER_DIGITS) {
            this.length = this.length * 10 + (b - DIGIT_0);
            this.digits++;
          } else if (this.digits === 0) {
            return this.fail();
          } else if (this.length === 0) {
            // No data: the trailer follows the length directly, no SP (as librelp writes and reads it).
            if (b !== LF) return this.fail();
            this.emit(frame);
          } else if (b === SP) {
            this.remaining = this.length;
            this.state = this.length > this.max ? SKIP : DATA;
          } else {
            return this.fail();
          }
          break;
        }
        case DATA: {
          const avail = n - pos;
          if (avail < this.remaining) {
            // A copy, not a view: a view would pin the whole read buffer for a part of one frame.
            this.parts.push(Buffer.from(chunk.subarray(pos)));
            this.held += avail;
            this.remaining -= avail;
            return true;
          }
          const end = pos + this.remaining;
          if (this.held === 0) {
            this.data = chunk.subarray(pos, end);
            this.view = true;
          } else {
            this.parts.push(chunk.subarray(pos, end));
            this.data = Buffer.concat(this.parts, this.length);
            this.parts = [];
            this.held = 0;
          }
          this.remaining = 0;
          this.state = TRAILER;
          pos = end;
          break;
        }
        case SKIP: {
          const k = Math.min(this.remaining, n - pos);
          this.remaining -= k;
          pos += k;
          if (this.remaining === 0) this.state = TRAILER;
          break;
        }
        case TRAILER: {
          // The trailer is what tells a frame from garbage: a frame without it is never delivered.
          if (chunk[pos++] !== LF) return this.fail();
          this.emit(frame);
          break;
        }
      }
    }
    // Data complete but its trailer still to come: keep a copy, not a view of this chunk.
    if (this.view) {
      this.data = Buffer.from(this.data);
      this.view = false;
    }
    return true;
  }

  /** Whether a frame has begun and not finished: a connection cut now loses it. */
  midFrame(): boolean {
    return this.state !== FAILED && (this.state !== TXNR || this.digits > 0);
  }

  private emit(frame: (f: RelpFrame) => void): void {
    const { txnr, command, length, data } = this;
    this.state = TXNR;
    this.digits = 0;
    this.txnr = 0;
    this.command = '';
    this.length = 0;
    this.data = EMPTY;
    this.view = false;
    frame(length > this.max ? { kind: 'oversize', txnr, command, length } : { kind: 'frame', txnr, command, data });
  }

  private fail(): false {
    this.state = FAILED;
    this.parts = [];
    this.held = 0;
    this.data = EMPTY;
    this.view = false;
    return false;
  }
}
