// Learns how often each device usually sends (syslog, and TACACS+ accounting apart) from the per-second sender tally,
// and says when one that was sending steadily has gone quiet. The tally says, once a second, which addresses were
// heard: the gaps between the seconds a stream was heard give its usual interval (a moving average).
//
// Only steady streams count: heard for `steadyMinutes` without a pause longer than their threshold, and at least
// MIN_SAMPLES seconds with traffic. A pause that long, unreported because the stream was not steady yet, starts the
// learning over. So a flood of spoofed one-shot senders, an operator who types for a while and stops, or a device that
// only speaks when a link flaps never count. Memory is bounded: learning profiles are evicted first (least recently
// heard), so a flood of new addresses cannot push out the steady devices.
//
// Clock: every method takes the time from its caller (the service passes Date.now(); tests pass what they like).
import type { SenderCount } from '../sender-tally.js';
import type { Resumption, SilenceFinding, SilenceStream } from './detections.js';

export interface SilenceConfig {
  enabled: boolean;
  /** Silent after this many usual intervals without a message… */
  afterIntervals: number;
  /** …and never sooner than this. */
  minMinutes: number;
  /** A stream counts once it has sent this long without such a pause. */
  steadyMinutes: number;
  /** Devices whose rhythm is kept (steady ones, and as many still learning). */
  maxDevices: number;
}

export function silenceSchema(section: (p: Record<string, unknown>) => object) {
  return section({
    enabled: { type: 'boolean', default: true },
    afterIntervals: { type: 'number', minimum: 1, default: 5 },
    minMinutes: { type: 'number', exclusiveMinimum: 0, default: 15 },
    steadyMinutes: { type: 'number', exclusiveMinimum: 0, default: 60 },
    maxDevices: { type: 'integer', minimum: 1, default: 10_000 },
  });
}

/** Seconds with traffic a stream needs before it can count as steady (two messages an hour apart prove nothing). */
const MIN_SAMPLES = 10;
/** Weight of a new gap in the moving average of the interval. */
const ALPHA = 1 / 8;
const STREAMS: readonly SilenceStream[] = ['syslog', 'tacacs'];

interface Stream {
  /** Last heard (ms), the usual interval (ms, 0 until a second sample). */
  last: number;
  interval: number;
  /** Since when it has been heard without a long pause, and in how many seconds. */
  runSince: number;
  samples: number;
  /** Reported silent: since when (its last message), and the incident the report was filed in. */
  silentSince?: number;
  incident?: string;
}

interface Profile {
  address: string;
  hostname?: string;
  syslog?: Stream;
  tacacs?: Stream;
}

/** A steady profile as stored (SQLite), to survive a restart. */
export interface RhythmRow {
  address: string;
  rhythm: string;
}

export class SilenceWatch {
  private readonly learning = new Map<string, Profile>();
  /** Profiles with a steady or reported-silent stream, least recently heard first. */
  private readonly steady = new Map<string, Profile>();
  /** Addresses that left `steady` since the last snapshot: their stored rows go. */
  private readonly demoted = new Set<string>();
  private readonly minMs: number;
  private readonly steadyMs: number;

  constructor(private readonly cfg: SilenceConfig) {
    this.minMs = cfg.minMinutes * 60_000;
    this.steadyMs = cfg.steadyMinutes * 60_000;
  }

  /** How many devices are tracked (for tests and metrics): learning and steady. */
  get size(): { learning: number; steady: number } {
    return { learning: this.learning.size, steady: this.steady.size };
  }

  /** The quiet after which this stream is silent. */
  private threshold(st: Stream): number {
    return Math.max(this.minMs, this.cfg.afterIntervals * st.interval);
  }

  private isSteady(st: Stream | undefined): boolean {
    return st !== undefined && st.silentSince === undefined && st.samples >= MIN_SAMPLES && st.last - st.runSince >= this.steadyMs;
  }

  /** One tally (what each sender sent in the last second): learns the rhythms; returns silenced streams heard again. */
  observe(senders: readonly SenderCount[], nowMs: number): Resumption[] {
    if (!this.cfg.enabled) return [];
    const resumed: Resumption[] = [];
    for (const s of senders) {
      const p = this.steady.get(s.address) ?? this.learning.get(s.address) ?? { address: s.address };
      if (s.hostname !== undefined) p.hostname = s.hostname;
      const accounting = s.accounting ?? 0;
      const heard: Array<[SilenceStream, number]> = [['syslog', s.messages - accounting], ['tacacs', accounting]];
      for (const [stream, n] of heard) {
        if (n <= 0) continue;
        const r = this.heard(p, stream, nowMs);
        if (r) resumed.push(r);
      }
      this.place(p);
    }
    return resumed;
  }

  private heard(p: Profile, stream: SilenceStream, now: number): Resumption | undefined {
    const st = p[stream];
    if (!st) {
      p[stream] = { last: now, interval: 0, runSince: now, samples: 1 };
      return undefined;
    }
    const gap = now - st.last;
    if (gap <= 0) return undefined;
    if (st.silentSince !== undefined) {
      const r: Resumption = { finding: this.finding(p, stream, st), at: new Date(now), ...(st.incident !== undefined && { incident: st.incident }) };
      delete st.silentSince;
      delete st.incident;
      Object.assign(st, { last: now, runSince: now, samples: 1 });
      return r;
    }
    if (gap > this.threshold(st)) {
      // A pause longer than the rhythm allows, not reported (not steady yet): it starts over; the interval stays.
      Object.assign(st, { last: now, runSince: now, samples: 1 });
      return undefined;
    }
    st.interval = st.interval === 0 ? gap : st.interval + (gap - st.interval) * ALPHA;
    st.samples++;
    st.last = now;
    return undefined;
  }

  /** Keeps the profile in the map its streams call for, most recently heard last, within the bounds. */
  private place(p: Profile): void {
    const steady = STREAMS.some((s) => this.isSteady(p[s]) || p[s]?.silentSince !== undefined);
    const [to, from] = steady ? [this.steady, this.learning] : [this.learning, this.steady];
    if (from.delete(p.address) && !steady) this.demoted.add(p.address);
    if (steady) this.demoted.delete(p.address);
    to.delete(p.address);
    to.set(p.address, p);
    if (to.size > this.cfg.maxDevices) {
      const oldest = to.keys().next().value!;
      to.delete(oldest);
      if (steady) this.demoted.add(oldest);
    }
  }

  private finding(p: Profile, stream: SilenceStream, st: Stream): SilenceFinding {
    return {
      address: p.address,
      ...(p.hostname !== undefined && { hostname: p.hostname }),
      stream,
      since: new Date(st.silentSince ?? st.last),
      usualMs: st.interval,
      thresholdMs: this.threshold(st),
    };
  }

  /**
   * Streams that were steady and have been quiet past their threshold, each reported once per silence. Accounting that
   * stops is reported when the device's syslog goes on arriving, or when no steady syslog speaks for the device; when
   * both stop, the device's silence is the one report.
   */
  due(nowMs: number): SilenceFinding[] {
    if (!this.cfg.enabled) return [];
    const found: SilenceFinding[] = [];
    for (const p of this.steady.values()) {
      const sys = p.syslog;
      if (sys && this.isSteady(sys) && nowMs - sys.last > this.threshold(sys)) {
        sys.silentSince = sys.last;
        found.push(this.finding(p, 'syslog', sys));
      }
      const acct = p.tacacs;
      if (!acct || !this.isSteady(acct) || nowMs - acct.last <= this.threshold(acct)) continue;
      if (sys?.silentSince !== undefined) continue;
      const continues = sys !== undefined && sys.last > acct.last + this.threshold(acct);
      if (!continues && this.isSteady(sys)) continue; // the syslog check speaks for the device, once overdue
      acct.silentSince = acct.last;
      found.push({ ...this.finding(p, 'tacacs', acct), ...(continues && { syslogContinues: true }) });
    }
    return found;
  }

  /** The incident a reported silence was filed in: its resumption is noted there. */
  filed(f: SilenceFinding, incident: string): void {
    const st = this.steady.get(f.address)?.[f.stream];
    if (st?.silentSince === f.since.getTime()) st.incident = incident;
  }

  /** Steady profiles to store, and the addresses whose stored rows should go. */
  snapshot(): { rows: RhythmRow[]; drop: string[] } {
    const rows = [...this.steady.values()].map((p) => ({ address: p.address, rhythm: JSON.stringify(p) }));
    const drop = [...this.demoted];
    this.demoted.clear();
    return { rows, drop };
  }

  /**
   * Steady profiles stored before a restart. capwatch's own downtime is not the devices' silence: a stream not already
   * reported silent is taken as heard at `nowMs`, so it is judged from the restart on.
   */
  restore(rows: readonly RhythmRow[], nowMs: number): number {
    let n = 0;
    for (const row of rows) {
      const p = parseProfile(row);
      if (!p) continue;
      for (const s of STREAMS) {
        const st = p[s];
        if (st && st.silentSince === undefined) st.last = Math.max(st.last, nowMs);
      }
      this.steady.set(p.address, p);
      n++;
      if (this.steady.size > this.cfg.maxDevices) this.steady.delete(this.steady.keys().next().value!);
    }
    return n;
  }
}

function parseStream(v: unknown): Stream | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const num = (k: string) => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : undefined);
  const last = num('last');
  const interval = num('interval');
  const runSince = num('runSince');
  const samples = num('samples');
  if (last === undefined || interval === undefined || runSince === undefined || samples === undefined) return undefined;
  const st: Stream = { last, interval, runSince, samples };
  const silentSince = num('silentSince');
  if (silentSince !== undefined) st.silentSince = silentSince;
  if (typeof o.incident === 'string') st.incident = o.incident;
  return st;
}

/** A stored profile; undefined when the row is damaged (it must not stop start-up). */
function parseProfile(row: RhythmRow): Profile | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(row.rhythm) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const p: Profile = { address: row.address };
  if (typeof o.hostname === 'string') p.hostname = o.hostname;
  for (const s of STREAMS) {
    const st = parseStream(o[s]);
    if (st) p[s] = st;
  }
  return p.syslog || p.tacacs ? p : undefined;
}
