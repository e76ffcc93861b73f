// What one device did recently that matters to what it does next: capture and mirror work, and whatever cut the
// evidence trail (logging removed, logs cleared, the device gone quiet). Kept with the device's capture and mirror
// state (MirrorState), stored with it, so that a `clear logging` after a `monitor capture … start` is known to
// follow it across users, incidents and restarts. Bounded: a few marks, and only those within the window.

export type MarkKind = 'capture' | 'evasion' | 'silence';

export interface Mark {
  kind: MarkKind;
  at: Date;
  /** What happened, for a sentence: `monitor capture CAP start`, `logging to 10.0.0.5 removed`. */
  label: string;
  user?: string;
  /** The hostname of the device that did it, when known: devices behind one relay share an address, not a name. */
  host?: string;
}

/** Where the device sends its logs and accounting, as far as the logs showed it being set. */
export type LogChannel = 'syslog' | 'tacacs';

export interface DeviceActivityJSON {
  marks: Array<Omit<Mark, 'at'> & { at: string | Date }>;
  targets: Record<LogChannel, string[]>;
}

const MAX_MARKS = 16;
const MAX_TARGETS = 16;
const MAX_LABEL = 160;
const KINDS: readonly MarkKind[] = ['capture', 'evasion', 'silence'];

/**
 * A copy of `s` that does not keep alive the text it was cut from. A substring can hold its whole parent (a 64 KiB
 * read chunk), and marks live for the window: without the copy, each one pins a chunk of the log.
 */
function own(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export class DeviceActivity {
  readonly marks: Mark[] = [];
  readonly targets: Record<LogChannel, string[]> = { syslog: [], tacacs: [] };

  get empty(): boolean {
    return this.marks.length === 0 && this.targets.syslog.length === 0 && this.targets.tacacs.length === 0;
  }

  /** Records a mark; forgets those older than `windowMs` before it, and the oldest past the bound. */
  mark(m: Mark, windowMs: number): void {
    const label = own(m.label.length > MAX_LABEL ? `${m.label.slice(0, MAX_LABEL - 1)}…` : m.label);
    const oldest = m.at.getTime() - windowMs;
    for (let i = this.marks.length - 1; i >= 0; i--) if (this.marks[i]!.at.getTime() < oldest) this.marks.splice(i, 1);
    this.marks.push({ kind: m.kind, at: m.at, label, ...(m.user !== undefined && { user: own(m.user) }), ...(m.host !== undefined && { host: own(m.host) }) });
    if (this.marks.length > MAX_MARKS) this.marks.splice(0, this.marks.length - MAX_MARKS);
  }

  /**
   * The mark of one of `kinds` closest in time to `at`, within `windowMs` before or after, on the same device: a mark
   * whose hostname differs came from another device behind the same relay.
   */
  nearest(kinds: readonly MarkKind[], at: Date, windowMs: number, host: string | undefined): Mark | undefined {
    let best: Mark | undefined;
    let bestDistance = Infinity;
    for (const m of this.marks) {
      if (!kinds.includes(m.kind)) continue;
      if (host !== undefined && m.host !== undefined && host !== m.host) continue;
      const distance = Math.abs(m.at.getTime() - at.getTime());
      if (distance <= windowMs && distance < bestDistance) {
        best = m;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** The device now sends `channel` to `target` (added) or no longer does (removed). */
  setTarget(channel: LogChannel, target: string, present: boolean): void {
    const list = this.targets[channel];
    const i = list.findIndex((t) => t.toLowerCase() === target.toLowerCase());
    if (i >= 0) list.splice(i, 1);
    if (!present) return;
    list.push(own(target));
    if (list.length > MAX_TARGETS) list.shift();
  }

  toJSON(): DeviceActivityJSON {
    return { marks: this.marks, targets: this.targets };
  }

  /** From a stored snapshot; malformed parts are skipped (a damaged row must not stop start-up). */
  static from(json: unknown): DeviceActivity | undefined {
    if (typeof json !== 'object' || json === null) return undefined;
    const o = json as Record<string, unknown>;
    const a = new DeviceActivity();
    for (const m of Array.isArray(o.marks) ? o.marks : []) {
      const r = m as Record<string, unknown>;
      const at = typeof r.at === 'string' ? new Date(r.at) : undefined;
      const kind = KINDS.find((k) => k === r.kind);
      if (!at || Number.isNaN(at.getTime()) || !kind || typeof r.label !== 'string') continue;
      a.marks.push({ kind, at, label: r.label, ...(typeof r.user === 'string' && { user: r.user }), ...(typeof r.host === 'string' && { host: r.host }) });
    }
    a.marks.splice(0, Math.max(0, a.marks.length - MAX_MARKS));
    const targets = (o.targets ?? {}) as Record<string, unknown>;
    for (const channel of ['syslog', 'tacacs'] as const) {
      const list = targets[channel];
      if (Array.isArray(list)) for (const t of list.slice(-MAX_TARGETS)) if (typeof t === 'string') a.targets[channel].push(t);
    }
    return a.empty ? undefined : a;
  }
}
