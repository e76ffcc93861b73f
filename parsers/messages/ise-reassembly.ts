// ISE splits a message longer than its remote-target limit into several syslog packets that share a message id
// (`<msgid> <nseg> <seg> …`); only segment 0 has the timestamp and header. This puts them back together.
import type { SyslogMessage } from '../types.js';
import { iseSegment } from './ise.js';

/** An incomplete group older than this is dropped (UDP lost a piece). */
const MAX_AGE_MS = 30_000;
/** More segments than any real ISE message needs: such a header is taken as it is, not held. */
const MAX_SEGMENTS = 64;
/** Bounds the memory one group can hold, whatever a sender claims. */
const MAX_GROUP_CHARS = 64 * 1024;

interface Group {
  firstMs: number;
  total: number;
  parts: (string | undefined)[];
  have: number;
  chars: number;
  head: SyslogMessage | undefined;
}

/** Reassembles multi-segment ISE messages per sender. Pure: time comes in as `nowMs`. */
export class IseReassembler {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly maxPending = 1000) {}

  /** Incomplete groups held now. */
  get pending(): number {
    return this.groups.size;
  }

  /**
   * Returns the whole message once its last segment arrives (segments joined in segment order), null while
   * waiting or when a segment is dropped. Single-segment and unrecognised messages pass straight through.
   */
  push(sender: string, msg: SyslogMessage, nowMs: number): SyslogMessage | null {
    this.evictOlderThan(nowMs - MAX_AGE_MS);
    const seg = iseSegment(msg.body);
    if (!seg || seg.total <= 1 || seg.total > MAX_SEGMENTS || seg.index >= seg.total) return msg;

    const key = `${sender}\0${msg.appName ?? ''}\0${seg.id}`;
    let g = this.groups.get(key);
    if (g && g.total !== seg.total) {
      // A reused message id: the old group can no longer complete.
      this.groups.delete(key);
      g = undefined;
    }
    if (!g) {
      if (this.groups.size >= this.maxPending) this.evictOldest();
      g = { firstMs: nowMs, total: seg.total, parts: new Array<string | undefined>(seg.total), have: 0, chars: 0, head: undefined };
      this.groups.set(key, g);
    }
    if (g.parts[seg.index] !== undefined) return null;
    const text = seg.index === 0 ? msg.body : msg.body.slice(seg.headerLength);
    g.chars += text.length;
    if (g.chars > MAX_GROUP_CHARS) {
      this.groups.delete(key);
      return null;
    }
    g.parts[seg.index] = text;
    g.have++;
    if (seg.index === 0) g.head = msg;
    if (g.have < g.total || !g.head) return null;
    this.groups.delete(key);
    return { ...g.head, body: g.parts.join('') };
  }

  private evictOlderThan(cutoffMs: number): void {
    // Map order is insertion order, so the oldest groups come first.
    for (const [key, g] of this.groups) {
      if (g.firstMs >= cutoffMs) break;
      this.groups.delete(key);
    }
  }

  private evictOldest(): void {
    const first = this.groups.keys().next();
    if (!first.done) this.groups.delete(first.value);
  }
}
