// Syslog over a byte stream (TCP, TLS): split it into messages, frame by frame, with bounded memory.
// RFC 6587 allows two framings and senders mix them (relays, reconnecting agents), so each frame decides for itself:
//   octet counting   `LEN SP <PRI>…`  (RFC 6587 §3.4.1, RFC 5425 §4.3)
//   non-transparent  `<PRI>… LF`      (§3.4.2; CRLF and NUL are also used as trailers in the wild)
// Pure: no I/O, no clock. Hostile input costs at most maxFrameBytes of buffer per stream.

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;
const LT = 0x3c;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
/** 9,999,999 bytes is far beyond any maximum; an 8th digit means "not an octet count". */
const MAX_COUNT_DIGITS = 7;
const SAMPLE_BYTES = 64;
const EMPTY = Buffer.alloc(0);

// Where the framer stands in the stream.
const HEAD = 0; // at a frame start, reading a possible `LEN SP` prefix
const LINE = 1; // inside a non-transparent frame, looking for LF / NUL
const COUNTED = 2; // inside an octet-counted frame, `remaining` bytes to go
const SKIP_LINE = 3; // discarding an oversize non-transparent frame up to its terminator
const SKIP_COUNTED = 4; // discarding an oversize octet-counted frame, `remaining` bytes to go

/** `oversize`: longer than maxFrameBytes (dropped, never buffered whole). `truncated`: the stream ended inside an octet-counted frame. */
export type FrameError = 'oversize' | 'truncated';
/** `frame` may be a view of the pushed chunk: decode or copy it before returning. */
export type EmitFrame = (frame: Buffer) => void;
/** `sample` is the first bytes of the failed frame, for a log excerpt. */
export type FrameErrorHandler = (reason: FrameError, sample: Buffer) => void;

export class SyslogFramer {
  private readonly max: number;
  private mode = HEAD;
  /** Copies of this frame's bytes from earlier chunks: only a frame split across reads is ever held. */
  private parts: Buffer[] = [];
  private held = 0;
  private digits = 0;
  private count = 0;
  private spaceSeen = false;
  /** COUNTED: body bytes still expected; SKIP_COUNTED: bytes still to discard. */
  private remaining = 0;
  /** Positions of the next LF / NUL in the current chunk (-1: none left; -2: not searched yet). */
  private nextLf = -2;
  private nextNul = -2;
  /** SKIP_COUNTED: how much of `LF <` the previous chunk ended with (0: none, 1: LF, 2: LF and `<`). */
  private skipTail = 0;

  constructor(opts: { maxFrameBytes: number }) {
    this.max = opts.maxFrameBytes;
  }

  /** Feeds one chunk; calls `emit` for each complete non-empty frame (trailers stripped) and `error` for each dropped one. */
  push(chunk: Buffer, emit: EmitFrame, error: FrameErrorHandler): void {
    const n = chunk.length;
    let pos = 0;
    let start = 0; // where the current frame's bytes begin in this chunk
    this.nextLf = -2;
    this.nextNul = -2;
    while (pos < n) {
      switch (this.mode) {
        case HEAD: {
          const b = chunk[pos]!;
          if (this.digits === 0) {
            if (b >= DIGIT_1 && b <= DIGIT_9) {
              this.digits = 1;
              this.count = b - DIGIT_0;
              pos++;
            } else {
              this.mode = LINE;
            }
          } else if (!this.spaceSeen && b >= DIGIT_0 && b <= DIGIT_9 && this.digits < MAX_COUNT_DIGITS) {
            this.digits++;
            this.count = this.count * 10 + (b - DIGIT_0);
            pos++;
          } else if (!this.spaceSeen && b === SP) {
            this.spaceSeen = true;
            pos++;
          } else if (this.spaceSeen && b === LT) {
            // `LEN SP <`: octet counting. Requiring the PRI's `<` keeps year-first lines such as
            // `2023 May 10 15:50:31 arista …` (no PRI) from being read as a 2023-byte frame.
            this.clearParts();
            start = pos;
            this.remaining = this.count;
            if (this.count > this.max) {
              error('oversize', chunk.subarray(pos, pos + SAMPLE_BYTES));
              this.mode = SKIP_COUNTED;
            } else {
              this.mode = COUNTED;
            }
            this.resetPrefix();
          } else {
            // Digits that are not a count (`17882650:Mon Jul 30 …`) begin an ordinary line.
            this.mode = LINE;
            this.resetPrefix();
          }
          break;
        }
        case LINE: {
          const t = this.terminator(chunk, pos);
          if (t === -1) {
            const len = this.held + n - start;
            if (len > this.max) {
              error('oversize', this.sample(chunk, start));
              this.clearParts();
              this.mode = SKIP_LINE;
            } else {
              this.hold(chunk, start, n);
            }
            return;
          }
          if (this.held + t - start > this.max) {
            error('oversize', this.sample(chunk, start));
            this.clearParts();
          } else {
            this.emitFrame(chunk.subarray(start, t), emit);
          }
          this.mode = HEAD;
          pos = start = t + 1;
          break;
        }
        case COUNTED: {
          if (n - pos < this.remaining) {
            this.remaining -= n - pos;
            this.hold(chunk, pos, n);
            return;
          }
          const end = pos + this.remaining;
          this.emitFrame(chunk.subarray(start, end), emit);
          this.mode = HEAD;
          pos = start = end;
          break;
        }
        case SKIP_LINE: {
          const t = this.terminator(chunk, pos);
          if (t === -1) return;
          this.mode = HEAD;
          pos = start = t + 1;
          break;
        }
        case SKIP_COUNTED: {
          const k = Math.min(this.remaining, n - pos);
          const next = this.lineFrameStart(chunk, pos, pos + k);
          if (next >= 0) {
            // The count was a lie: `9999999 <…` in a stream of LF-framed lines would swallow the next 10 MB of it.
            this.remaining = 0;
            this.mode = this.held > 0 ? LINE : HEAD;
            pos = start = next;
            break;
          }
          this.remaining -= k;
          pos = start = pos + k;
          if (this.remaining === 0) this.mode = HEAD;
          break;
        }
      }
    }
    // A chunk that ends inside a `LEN SP` prefix: keep those few bytes, they may yet begin a line.
    if (this.mode === HEAD && start < n) this.hold(chunk, start, n);
  }

  /**
   * The stream ended cleanly (peer closed): an unterminated last line is delivered, as rsyslog does;
   * an unfinished octet-counted frame is `truncated`.
   */
  end(emit: EmitFrame, error: FrameErrorHandler): void {
    if (this.mode === HEAD || this.mode === LINE) {
      if (this.held > 0) this.emitFrame(EMPTY, emit);
    } else if (this.mode === COUNTED) {
      error('truncated', this.parts[0]?.subarray(0, SAMPLE_BYTES) ?? EMPTY);
    }
    this.discard();
  }

  /** Bytes received of a frame not yet complete (0 while discarding an oversize frame: that one is already counted). */
  pending(): number {
    return this.mode === SKIP_LINE || this.mode === SKIP_COUNTED ? 0 : this.held;
  }

  /** Forgets the unfinished frame (connection cut); returns pending() as it was, so the caller can count the loss. */
  discard(): number {
    const lost = this.pending();
    this.clearParts();
    this.resetPrefix();
    this.mode = HEAD;
    this.remaining = 0;
    this.skipTail = 0;
    return lost;
  }

  /**
   * Within the bytes [from, to) of an oversize octet-counted frame being skipped: where an LF-framed message starts
   * right after an LF (`LF < digit`), or -1. Such a frame is dropped anyway, so ending it early loses nothing an
   * honest sender sent, while a lying count no longer hides the frames after it. The pattern may span chunks: a `<`
   * the previous chunk ended with is held as the new frame's first byte.
   */
  private lineFrameStart(chunk: Buffer, from: number, to: number): number {
    const tail = this.skipTail;
    this.skipTail = 0;
    const digit = (i: number) => i < to && chunk[i]! >= DIGIT_0 && chunk[i]! <= DIGIT_9;
    if (tail === 2 && digit(from)) {
      this.parts.push(Buffer.from([LT]));
      this.held = 1;
      return from;
    }
    if (tail === 1 && chunk[from] === LT && from + 1 < to && digit(from + 1)) return from;
    for (let i = chunk.indexOf(LF, from); i >= 0 && i < to; i = chunk.indexOf(LF, i + 1)) {
      if (i + 1 < to && chunk[i + 1] === LT && digit(i + 2)) return i + 1;
    }
    // Only a whole `LF <` at the very end of the bytes read so far may continue in the next chunk.
    const last = to === chunk.length && this.remaining > to - from;
    if (last && chunk[to - 1] === LF) this.skipTail = 1;
    else if (last && to - from >= 2 && chunk[to - 2] === LF && chunk[to - 1] === LT) this.skipTail = 2;
    else if (last && to - from === 1 && tail === 1 && chunk[from] === LT) this.skipTail = 2;
    return -1;
  }

  /** Next LF or NUL at or after `pos`, or -1. Each is searched at most once per position, so a chunk costs two scans. */
  private terminator(chunk: Buffer, pos: number): number {
    if (this.nextLf !== -1 && this.nextLf < pos) this.nextLf = chunk.indexOf(LF, pos);
    if (this.nextNul !== -1 && this.nextNul < pos) this.nextNul = chunk.indexOf(NUL, pos);
    if (this.nextNul === -1) return this.nextLf;
    return this.nextLf === -1 ? this.nextNul : Math.min(this.nextLf, this.nextNul);
  }

  private hold(chunk: Buffer, from: number, to: number): void {
    // A copy, not a view: a view would pin the whole 64 KiB read buffer for a few bytes of tail.
    this.parts.push(Buffer.from(chunk.subarray(from, to)));
    this.held += to - from;
  }

  private emitFrame(last: Buffer, emit: EmitFrame): void {
    let frame = last;
    if (this.held > 0) {
      this.parts.push(last);
      frame = Buffer.concat(this.parts, this.held + last.length);
      this.clearParts();
    }
    const end = contentEnd(frame, frame.length);
    if (end > 0) emit(end === frame.length ? frame : frame.subarray(0, end));
  }

  private sample(chunk: Buffer, start: number): Buffer {
    return this.parts[0]?.subarray(0, SAMPLE_BYTES) ?? chunk.subarray(start, start + SAMPLE_BYTES);
  }

  private clearParts(): void {
    if (this.held > 0 || this.parts.length > 0) this.parts = [];
    this.held = 0;
  }

  private resetPrefix(): void {
    this.digits = 0;
    this.count = 0;
    this.spaceSeen = false;
  }
}

/**
 * End of a message's content in buf[start, end): trailing LF, CR and NUL are framing, not text (UDP senders append
 * them too). `start` when it means empty.
 */
export function contentEnd(buf: Uint8Array, end: number, start = 0): number {
  let e = end;
  while (e > start) {
    const b = buf[e - 1];
    if (b !== LF && b !== CR && b !== NUL) break;
    e--;
  }
  return e;
}

/**
 * A TLS record header carrying a handshake (0x16, version 3.0–3.4): a TLS client talking to the plain port.
 * Checks as many of the three bytes as have arrived; no syslog frame starts with 0x16.
 */
export function looksLikeTlsClientHello(firstBytes: Buffer): boolean {
  const [type, major, minor] = firstBytes;
  return type === 0x16 && (major === undefined || major === 0x03) && (minor === undefined || minor <= 0x04);
}
