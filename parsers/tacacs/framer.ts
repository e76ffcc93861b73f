// Splits a TACACS+ byte stream into whole packets (12-byte header + body), whatever the TCP segmentation: a header
// cut in two, a body over many segments, several packets in one segment. Pure; never copies a packet that arrived whole.
import { HEADER_BYTES, isTacacsVersion, MAX_ACCOUNTING_BODY } from './packet.js';

export type FrameError = 'bad-version' | 'oversize';

export class TacacsFramer {
  /** Received bytes of an unfinished packet, kept as they came: joined once, when enough have arrived. */
  private parts: Buffer[] = [];
  private have = 0;
  /** Bytes needed before the next attempt: a header, then the whole packet once its length is known. */
  private need = HEADER_BYTES;

  constructor(private readonly maxBody = MAX_ACCOUNTING_BODY) {}

  /**
   * Feeds one received chunk; `emit` gets each complete packet (a view, valid until the call returns unless kept).
   * Returns an error when the stream cannot be TACACS+ or announces a body over the cap; it should then be closed.
   */
  push(chunk: Buffer, emit: (packet: Buffer) => void): FrameError | undefined {
    let buf = chunk;
    if (this.have > 0) {
      this.parts.push(chunk);
      this.have += chunk.length;
      if (this.have < this.need) return undefined;
      buf = Buffer.concat(this.parts, this.have);
      this.parts = [];
      this.have = 0;
    }
    let off = 0;
    for (;;) {
      const avail = buf.length - off;
      if (avail < HEADER_BYTES) {
        if (avail > 0) this.keep(buf.subarray(off), HEADER_BYTES);
        return undefined;
      }
      if (!isTacacsVersion(buf[off]!)) return 'bad-version';
      const length = buf.readUInt32BE(off + 8);
      if (length > this.maxBody) return 'oversize';
      const total = HEADER_BYTES + length;
      if (avail < total) {
        this.keep(buf.subarray(off), total);
        return undefined;
      }
      emit(buf.subarray(off, off + total));
      off += total;
    }
  }

  /** Bytes of an unfinished packet (counted as lost when the connection ends here). */
  get pending(): number {
    return this.have;
  }

  private keep(rest: Buffer, need: number): void {
    this.parts.push(rest);
    this.have = rest.length;
    this.need = need;
  }
}
