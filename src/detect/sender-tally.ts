// Who sent how many messages since the tally was last taken: what the devices view shows as "last message" and what
// the silence watch reads. Kept on the thread that reads the socket (the main thread, or a syslog reader thread whose
// tally the main thread merges), so every message is counted once, where it arrives.
import { isIP } from 'node:net';
import { parseSyslog } from '../../parsers/syslog/header.js';
import { isParseFailure, type DeviceRecord } from '../../parsers/types.js';

/** Senders counted between two takes; past this, a flood of spoofed addresses is counted, not kept. */
export const MAX_TALLIED_SENDERS = 20_000;

/** Messages from one sender address since the tally was last taken. */
export interface SenderCount {
  address: string;
  messages: number;
  /** The hostname its own syslog header gives, and the platform its commands are in, once known. */
  hostname?: string;
  platform?: DeviceRecord['platform'];
  /** Lines the pre-filter kept that could not be read, and why the last one could not. */
  parseErrors?: number;
  lastParseError?: string;
  /** Of `messages`, the TACACS+ accounting records (the rest is syslog): each has its own rhythm (silence watch). */
  accounting?: number;
}

export interface TakenSenders {
  senders: SenderCount[];
  /** Messages from senders the tally had no room for. */
  untallied: number;
}

export class SenderTally {
  /** A map lookup and an increment per message, no clock read; the time is stamped when the tally is taken. */
  private senders = new Map<string, SenderCount>();
  private untallied = 0;

  /** `known`: a sender's hostname learned elsewhere (from its parsed commands), which spares a header parse. */
  constructor(private readonly known: (address: string) => string | undefined = () => undefined) {}

  /** One message from `sender`. The first in a tally names the sender from `text`'s header, if it gives a name. */
  count(sender: string, text?: string): SenderCount | undefined {
    const c = this.senders.get(sender);
    if (c !== undefined) {
      c.messages++;
      return c;
    }
    if (this.senders.size >= MAX_TALLIED_SENDERS) {
      this.untallied++;
      return undefined;
    }
    const fresh: SenderCount = { address: sender, messages: 1 };
    this.senders.set(sender, fresh);
    if (text !== undefined) this.name(fresh, text);
    return fresh;
  }

  get(sender: string): SenderCount | undefined {
    return this.senders.get(sender);
  }

  /** Adds another tally (a reader thread's) to this one. */
  merge(taken: TakenSenders): void {
    this.untallied += taken.untallied;
    for (const other of taken.senders) {
      const c = this.senders.get(other.address);
      if (c !== undefined) {
        c.messages += other.messages;
        c.hostname ??= other.hostname;
      } else if (this.senders.size >= MAX_TALLIED_SENDERS) {
        this.untallied += other.messages;
      } else {
        this.senders.set(other.address, { address: other.address, messages: other.messages, ...(other.hostname !== undefined && { hostname: other.hostname }) });
      }
    }
  }

  take(): TakenSenders {
    const taken = { senders: [...this.senders.values()], untallied: this.untallied };
    for (const c of taken.senders) c.hostname ??= this.known(c.address);
    this.senders = new Map();
    this.untallied = 0;
    return taken;
  }

  /** One header parse per sender and tally, not per message. */
  private name(c: SenderCount, text: string): void {
    const known = this.known(c.address);
    if (known !== undefined) {
      c.hostname = known;
      return;
    }
    const parsed = parseSyslog(text, new Date());
    if (!isParseFailure(parsed)) {
      const host = parsed.deviceHostname ?? parsed.hostname;
      if (host !== undefined && isIP(host) === 0) c.hostname = host;
    }
  }
}
