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
  sender: string;
  firstMs: number;
  total: number;
  parts: (string | undefined)[];
  have: number;
  chars: number;
  head: SyslogMessage | undefined;
}

/** A message ready for the parsers, with the address that sent it. */
export interface ReadyMessage {
  sender: string;
  message: SyslogMessage;
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
   * Returns the messages now ready: the whole message once its last segment arrives (segments joined in segment
   * order), single-segment and unrecognised messages straight away, and any group given up on (too old, or pushed
   * out by newer ones) as the part that did arrive. A lost trailing segment must not cost the command: ISE puts
   * `CmdSet` in the first segment.
   */
  push(sender: string, msg: SyslogMessage, nowMs: number): ReadyMessage[] {
    const out = this.expire(nowMs);
    const seg = iseSegment(msg.body);
    if (!seg || seg.total <= 1 || seg.total > MAX_SEGMENTS || seg.index >= seg.total) {
      out.push({ sender, message: msg });
      return out;
    }

    const key = `${sender}\0${msg.appName ?? ''}\0${seg.id}`;
    let g = this.groups.get(key);
    if (g && g.total !== seg.total) {
      // A reused message id: the old group can no longer complete.
      this.giveUp(key, g, out);
      g = undefined;
    }
    if (!g) {
      if (this.groups.size >= this.maxPending) {
        const [oldKey, old] = this.groups.entries().next().value as [string, Group];
        this.giveUp(oldKey, old, out);
      }
      g = { sender, firstMs: nowMs, total: seg.total, parts: new Array<string | undefined>(seg.total), have: 0, chars: 0, head: undefined };
      this.groups.set(key, g);
    }
    if (g.parts[seg.index] !== undefined) return out;
    const text = seg.index === 0 ? msg.body : msg.body.slice(seg.headerLength);
    g.chars += text.length;
    if (g.chars > MAX_GROUP_CHARS) {
      this.giveUp(key, g, out);
      return out;
    }
    g.parts[seg.index] = text;
    g.have++;
    if (seg.index === 0) g.head = msg;
    if (g.have === g.total) this.giveUp(key, g, out);
    return out;
  }

  /** Groups older than the reassembly window, as far as they got. Call now and then: a lost last segment never arrives. */
  expire(nowMs: number): ReadyMessage[] {
    const out: ReadyMessage[] = [];
    // Map order is insertion order, so the oldest groups come first.
    for (const [key, g] of this.groups) {
      if (g.firstMs >= nowMs - MAX_AGE_MS) break;
      this.giveUp(key, g, out);
    }
    return out;
  }

  /** Every group still waiting, as far as it got (end of a replayed file). */
  drain(): ReadyMessage[] {
    const out: ReadyMessage[] = [];
    for (const [key, g] of this.groups) this.giveUp(key, g, out);
    return out;
  }

  /** Removes a group and emits what it has; without segment 0 there is no header to build a message on. */
  private giveUp(key: string, g: Group, out: ReadyMessage[]): void {
    this.groups.delete(key);
    if (!g.head) return;
    // Where a segment is missing, a field separator keeps the neighbouring fields apart.
    let body = '';
    let gap = false;
    for (const part of g.parts) {
      if (part === undefined) gap = true;
      else {
        body += gap && body ? `, ${part}` : part;
        gap = false;
      }
    }
    out.push({ sender: g.sender, message: { ...g.head, body } });
  }
}
