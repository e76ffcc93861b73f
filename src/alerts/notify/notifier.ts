// Delivers incidents to chat and webhook targets through the durable outbox: queues inside the incident's
// transaction, sends with per-target rate limits (most trusted device and highest severity first), retries with backoff
// and jitter, and drains on shutdown. A storm of incidents from never-seen devices collapses into one digest per target.
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import type { IncidentUpdate } from '../incidents.js';
import type { Store } from '../store.js';
import { TRUST_RANK, type DeviceTrust } from '../trust.js';
import { RateLimitedLog, type Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { severityRank, type Detection, type DeviceRef, type Incident, type Severity } from '../../types.js';
import { digestFormatters, formatters } from './formats/index.js';
import { Outbox, type OutboxRow } from './outbox.js';
import { redactUrl, send, type SendResult } from './send.js';
import type { NotifyTarget, TargetType } from './types.js';

export interface DeliveryOptions {
  timeoutMs: number;
  /** A delivery still failing this long after it was queued is given up (status failed). */
  maxAgeMs: number;
  /** Later detections of an incident within this time go out as one follow-up. */
  batchMs: number;
  /** On shutdown, how long in-flight deliveries may finish. */
  drainMs: number;
  /** First retry delay; doubles per attempt (with jitter) up to maxRetryDelayMs. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
  /** Absent: every incident is sent on its own. */
  storm?: StormOptions;
}

export interface StormOptions {
  /** This many new incidents from never-seen devices within `windowMs` make a storm. */
  threshold: number;
  windowMs: number;
  /** One digest per target collects for this long, then is sent. */
  digestMs: number;
}

/** Sample incidents listed in a digest. */
const DIGEST_SAMPLES = 5;
/** Priority bands: trust first (a spoofed name cannot outrank a real device), severity within. */
const TRUST_BAND = 10;
/** A digest goes ahead of the never-seen devices' own messages, behind every known device's. */
const DIGEST_PRIORITY = TRUST_RANK.new * TRUST_BAND + TRUST_BAND - 1;

function priorityOf(trust: DeviceTrust, severity: Severity): number {
  return TRUST_RANK[trust] * TRUST_BAND + severityRank(severity);
}

/** Documented or advised sending pace per service (anchors §3): Slack 1/s, PagerDuty 2/s, Discord ~30/min. */
const DEFAULT_RATE: Record<TargetType, number> = { slack: 1, mattermost: 5, teams: 1, discord: 0.5, googlechat: 1, pagerduty: 2, webhook: 50 };
const MAX_IN_FLIGHT_PER_TARGET = 4;
const TICK_MS = 100;

class TokenBucket {
  private tokens: number;
  private last: number;
  /** A 429 pauses the whole target, not just the message that got it. */
  blockedUntil = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): boolean {
    if (now < this.blockedUntil) return false;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface TargetState {
  target: NotifyTarget;
  bucket: TokenBucket;
  inFlight: number;
}

export interface DeliveryView {
  target: string;
  status: OutboxRow['status'];
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  /** The storm digest that told this incident to the target, instead of a message of its own. */
  digest: string | null;
}

export class Notifier {
  private readonly outbox: Outbox;
  private readonly targets = new Map<string, TargetState>();
  private readonly warn: RateLimitedLog;
  private readonly counted: Counter<'target' | 'outcome'>;
  /** The freshest copy of incidents changed in this process (the store lacks e.g. the poller's confirmation). */
  private readonly latest = new Map<string, Incident>();
  /** incident + target whose pending row was in flight when the incident changed again: owed a follow-up. */
  private readonly dirty = new Set<string>();
  /** incident + target → the delivery in flight. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly shutdown = new AbortController();
  /** When the last `storm.threshold` incidents from never-seen devices began (a ring; `stormNext` is the oldest). */
  private readonly stormTimes: number[] = [];
  private stormNext = 0;
  private stormOn = false;
  private readonly digestedCount: Counter<'target'>;
  private timer: NodeJS.Timeout | undefined;
  private kicked = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    targets: readonly NotifyTarget[],
    private readonly opts: DeliveryOptions & {
      publicUrl?: string;
      log: Logger;
      metrics: Metrics;
      now?: () => number;
      /** How far a device is trusted; absent: every device counts as known (no storm digests). */
      trust?: (device: DeviceRef, nowMs: number) => DeviceTrust;
    },
  ) {
    this.outbox = new Outbox(store.database);
    this.setTargets(targets);
    this.warn = new RateLimitedLog(opts.log);
    this.counted = new Counter({
      name: 'capwatch_notify_deliveries_total',
      help: 'Notification attempts, by target and outcome (delivered, retry, failed, error)',
      labelNames: ['target', 'outcome'] as const,
      registers: [opts.metrics.registry],
    });
    this.digestedCount = new Counter({
      name: 'capwatch_notify_digested_total',
      help: 'Incidents from never-seen devices told in a storm digest instead of a message of their own, by target',
      labelNames: ['target'] as const,
      registers: [opts.metrics.registry],
    });
    opts.metrics.gaugeFrom('capwatch_notify_pending', 'Notifications queued in the outbox, not yet delivered', () => (this.stopped ? undefined : this.outbox.pendingCount()));
  }

  /**
   * The targets to send to (a configuration reload). A target kept under its name keeps its pace and what is in flight;
   * messages queued for a target no longer listed wait in the outbox, sent if it comes back.
   */
  setTargets(targets: readonly NotifyTarget[]): void {
    const now = this.now();
    const next = new Map<string, TargetState>();
    for (const t of targets) {
      const rate = t.ratePerSecond ?? DEFAULT_RATE[t.type];
      const old = this.targets.get(t.name);
      if (old && (old.target.ratePerSecond ?? DEFAULT_RATE[old.target.type]) === rate) {
        old.target = t;
        next.set(t.name, old);
      } else {
        next.set(t.name, { target: t, bucket: new TokenBucket(rate, Math.max(1, Math.min(rate, 20)), now), inFlight: old?.inFlight ?? 0 });
      }
    }
    this.targets.clear();
    for (const [k, v] of next) this.targets.set(k, v);
  }

  /** Queues messages for the targets an incident update concerns. Runs inside the incident's save transaction. */
  enqueue(u: IncidentUpdate): void {
    // Expected work pages no one; if it turns into an alert, that update is its first message.
    if (u.incident.status === 'expected') return;
    this.remember(u.incident);
    const now = this.now();
    try {
      const trust = this.opts.trust?.(u.incident.device, now) ?? 'known';
      const storm = trust === 'new' && this.stormCounts(u.isNew, now);
      const priority = priorityOf(trust, u.incident.severity);
      for (const { target } of this.targets.values()) {
        if (!matches(target, u.incident, u.added)) continue;
        if (storm && this.outbox.thread(u.incident.id, target.name) === undefined) {
          // A digested incident's later commands during the storm are in the console, not in a second digest.
          if (!this.outbox.digested(u.incident.id, target.name)) this.digest(target.name, u.incident.id, now);
          continue;
        }
        // The first message of a new incident goes at once; later detections wait a moment to travel together.
        this.queue(u.incident.id, target.name, now, u.isNew || u.reopened ? now : now + this.opts.batchMs, priority);
      }
    } catch (err) {
      // Losing a notification must not lose the incident: the save goes on, the failure is counted and logged.
      this.counted.inc({ target: '*', outcome: 'error' });
      this.warn.warn('notify:enqueue', { incident: u.incident.id, err: (err as Error).message }, 'could not queue a notification');
    }
    this.kick();
  }

  /** The incident changed without a new detection (status, the poller's confirmation): tell the targets. */
  incidentChanged(incident: Incident): void {
    if (incident.status === 'expected') return;
    this.remember(incident);
    const now = this.now();
    try {
      const priority = priorityOf(this.opts.trust?.(incident.device, now) ?? 'known', incident.severity);
      this.store.database.transaction(() => {
        for (const { target } of this.targets.values()) {
          const told = this.outbox.thread(incident.id, target.name) !== undefined;
          if (!told && !matches(target, incident, incident.detections)) continue;
          // Closing hundreds of a storm's incidents must not page for each: the digest was all they were told.
          if (!told && this.outbox.digested(incident.id, target.name)) continue;
          this.queue(incident.id, target.name, now, incident.status === 'open' ? now + this.opts.batchMs : now, priority);
        }
      })();
    } catch (err) {
      this.counted.inc({ target: '*', outcome: 'error' });
      this.warn.warn('notify:enqueue', { incident: incident.id, err: (err as Error).message }, 'could not queue a notification');
    }
    this.kick();
  }

  deliveries(incidentId: string): DeliveryView[] {
    return this.outbox.forIncident(incidentId).map((r) => ({
      target: r.target,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      deliveredAt: r.delivered_at === null ? null : new Date(r.delivered_at).toISOString(),
      digest: r.digest,
    }));
  }

  /** Starts sending; rows left pending by a previous run (crash, kill -9) go first. */
  start(): void {
    this.timer = setInterval(() => this.pump(), TICK_MS);
    this.timer.unref();
    this.kick();
  }

  /** Stops taking work, lets in-flight deliveries finish for up to drainMs, then aborts the rest (they stay pending). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const all = Promise.allSettled([...this.inFlight.values()]);
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([all.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.opts.drainMs)))]);
    clearTimeout(timer);
    if (!drained) {
      this.opts.log.warn({ inFlight: this.inFlight.size }, 'notification drain timed out; undelivered messages stay queued for the next start');
      this.shutdown.abort();
      await all;
    }
  }

  private queue(incidentId: string, target: string, now: number, dueAt: number, priority: number): void {
    if (!this.outbox.enqueue(randomUUID(), incidentId, target, now, dueAt, priority)) {
      const key = `${incidentId}\0${target}`;
      if (this.inFlight.has(key)) this.dirty.add(key);
    }
  }

  /**
   * Counts an incident from a never-seen device (when `isNew`) and says whether such incidents are a storm now: at
   * least `threshold` of them began within the window. O(1): a ring of the last `threshold` start times.
   */
  private stormCounts(isNew: boolean, now: number): boolean {
    const storm = this.opts.storm;
    if (!storm || storm.threshold <= 0) return false;
    if (isNew) {
      this.stormTimes[this.stormNext] = now;
      this.stormNext = (this.stormNext + 1) % storm.threshold;
    }
    const oldest = this.stormTimes[this.stormNext];
    const on = this.stormTimes.length === storm.threshold && oldest !== undefined && oldest >= now - storm.windowMs;
    if (on && !this.stormOn) this.stormBegins(now, storm);
    else if (!on && this.stormOn) this.opts.log.info('alert storm over: incidents from never-seen devices are sent one by one again');
    this.stormOn = on;
    return on;
  }

  /** The storm's first incidents, still queued on their own, join the digest instead. */
  private stormBegins(now: number, storm: StormOptions): void {
    this.opts.log.warn(
      { threshold: storm.threshold, windowSeconds: storm.windowMs / 1000 },
      'alert storm: many incidents from never-seen devices at once; each target gets one digest of them, known devices are still sent first',
    );
    for (const { target } of this.targets.values()) {
      for (const id of this.outbox.takeFirstMessages(target.name, TRUST_BAND * (TRUST_RANK.new + 1), now - storm.windowMs)) this.digest(target.name, id, now);
    }
  }

  private digest(target: string, incidentId: string, now: number): void {
    let id = this.outbox.collectingDigest(target, now);
    if (id === undefined) {
      id = randomUUID();
      this.outbox.openDigest(id, randomUUID(), target, now, now + (this.opts.storm?.digestMs ?? 0), DIGEST_PRIORITY);
    }
    this.outbox.addToDigest(id, incidentId);
    this.digestedCount.inc({ target });
  }

  private remember(incident: Incident): void {
    this.latest.delete(incident.id);
    this.latest.set(incident.id, incident);
    // Only the recent ones matter: older incidents are read back from the store.
    if (this.latest.size > 10_000) this.latest.delete(this.latest.keys().next().value!);
  }

  private kick(): void {
    // Before start() rows only queue: `capwatch sweep` writes them for the running service to send.
    if (this.kicked || this.stopped || this.timer === undefined) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped) return;
    const now = this.now();
    for (const state of this.targets.values()) {
      if (state.inFlight >= MAX_IN_FLIGHT_PER_TARGET) continue;
      let rows: OutboxRow[];
      try {
        rows = this.outbox.due(state.target.name, now, 50);
      } catch (err) {
        this.warn.warn('notify:outbox', { err: (err as Error).message }, 'cannot read the notification outbox');
        return;
      }
      for (const row of rows) {
        if (state.inFlight >= MAX_IN_FLIGHT_PER_TARGET) break;
        // One message per incident and target at a time keeps a conversation in order (Discord edits its first post).
        const key = `${row.incident_id}\0${row.target}`;
        if (this.inFlight.has(key)) continue;
        if (!state.bucket.take(now)) break;
        state.inFlight++;
        const p = this.deliver(row, state)
          .catch((err: unknown) => this.warn.warn('notify:deliver', { target: row.target, err: (err as Error).message }, 'notification delivery crashed'))
          .finally(() => {
            state.inFlight--;
            this.inFlight.delete(key);
            this.kick();
          });
        this.inFlight.set(key, p);
      }
    }
  }

  private async deliver(row: OutboxRow, state: TargetState): Promise<void> {
    if (row.kind === 'digest') return this.deliverDigest(row, state);
    const { target } = state;
    const incident = this.latest.get(row.incident_id) ?? this.store.incident(row.incident_id);
    if (!incident) {
      this.outbox.failed(row.id, 'incident no longer stored');
      return;
    }
    const thread = this.outbox.thread(row.incident_id, target.name);
    const announced = Math.min(thread?.announced ?? 0, incident.detections.length);
    const fresh: Detection[] = incident.detections.slice(announced);
    const now = this.now();
    const msg = formatters[target.type]({
      incident,
      first: !thread,
      fresh,
      ...(this.opts.publicUrl && { publicUrl: this.opts.publicUrl }),
      deliveryId: row.id,
      now: new Date(now),
      target,
      ...(thread?.ref && { ref: thread.ref }),
    });
    const result = await send(msg.url ?? target.url, msg, this.opts.timeoutMs, this.shutdown.signal);
    if (result.aborted) return; // still pending: the next start sends it
    const key = `${row.incident_id}\0${target.name}`;
    if (result.ok) {
      const ref = target.type === 'discord' ? (messageId(result.body) ?? thread?.ref ?? null) : null;
      this.outbox.delivered(row, this.now(), { ref, announced: incident.detections.length });
      this.counted.inc({ target: target.name, outcome: 'delivered' });
      if (this.dirty.delete(key)) this.queue(row.incident_id, target.name, this.now(), this.now() + this.opts.batchMs, row.priority);
      return;
    }
    // Discord: the message to edit is gone; post a new one at once.
    if (msg.method === 'PATCH' && result.status === 404) {
      this.outbox.forgetRef(row.incident_id, target.name, announced);
      this.outbox.retry(row.id, this.now(), result.error ?? 'HTTP 404');
      return;
    }
    this.failedAttempt(row, state, result);
  }

  /** A digest is rendered from the store when sent: counts of what it holds then, and its first incidents as samples. */
  private async deliverDigest(row: OutboxRow, state: TargetState): Promise<void> {
    const { target } = state;
    const digest = this.outbox.digest(row.incident_id, DIGEST_SAMPLES);
    if (!digest) {
      this.outbox.failed(row.id, 'digest no longer stored');
      return;
    }
    const samples = digest.sampleIds.map((id) => this.latest.get(id) ?? this.store.incident(id)).filter((i): i is Incident => i !== undefined);
    const now = this.now();
    const msg = digestFormatters[target.type]({ digest, samples, ...(this.opts.publicUrl && { publicUrl: this.opts.publicUrl }), deliveryId: row.id, now: new Date(now), target });
    const result = await send(msg.url ?? target.url, msg, this.opts.timeoutMs, this.shutdown.signal);
    if (result.aborted) return;
    if (result.ok) {
      this.outbox.delivered(row, this.now());
      this.counted.inc({ target: target.name, outcome: 'delivered' });
      return;
    }
    this.failedAttempt(row, state, result);
  }

  private failedAttempt(row: OutboxRow, state: TargetState, result: SendResult): void {
    const now = this.now();
    const error = result.error ?? 'failed';
    const where = { target: row.target, url: redactUrl(state.target.url), incident: row.incident_id, attempt: row.attempts + 1, error };
    if (!result.retryable) {
      this.outbox.failed(row.id, error);
      this.counted.inc({ target: row.target, outcome: 'failed' });
      this.warn.warn('notify:failed', where, 'notification rejected; not retrying');
      return;
    }
    const backoff = Math.min(this.opts.maxRetryDelayMs, this.opts.retryBaseMs * 2 ** row.attempts);
    const delay = result.retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
    if (result.retryAfterMs !== undefined) state.bucket.blockedUntil = now + result.retryAfterMs;
    if (now + delay - row.created_at > this.opts.maxAgeMs) {
      this.outbox.failed(row.id, `gave up after ${row.attempts + 1} attempts: ${error}`);
      this.counted.inc({ target: row.target, outcome: 'failed' });
      this.warn.warn('notify:failed', where, 'notification given up: too old');
      return;
    }
    this.outbox.retry(row.id, now + delay, error);
    this.counted.inc({ target: row.target, outcome: 'retry' });
    this.warn.warn('notify:retry', { ...where, retryInMs: Math.round(delay) }, 'notification failed; will retry');
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}

function matches(target: NotifyTarget, incident: Incident, detections: readonly Detection[]): boolean {
  if (target.minSeverity && severityRank(incident.severity) < severityRank(target.minSeverity)) return false;
  if (target.devices && !target.devices.some((d) => d === incident.device.hostname || d === incident.device.address)) return false;
  if (target.kinds && !detections.some((d) => target.kinds!.includes(d.kind))) return false;
  return true;
}

/** The id in Discord's `?wait=true` answer. */
function messageId(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' && /^\d{1,32}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
