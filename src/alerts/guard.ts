// What happens when the database cannot be written (a full disk, a read-only file system): nothing is lost silently.
// Detections wait in a bounded queue, in order, and are written when the store takes writes again; /healthz says
// the service is unhealthy and why; `capwatch_store_errors_total` counts the failures; the log says it once when it
// starts and once when it ends. Past the queue's bound, detections are dropped and counted, and the log says how many.
import { Counter, Gauge } from 'prom-client';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Confirmation, Detection } from '../types.js';
import type { IncidentUpdate } from './incidents.js';

/** SQLite's ways of saying the disk or file will not take the write. */
const STORAGE_CODES = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|BUSY|LOCKED|PROTOCOL|NOTADB|CORRUPT)/;

export function isStorageError(err: unknown): boolean {
  const e = err as { code?: unknown };
  return typeof e?.code === 'string' && (STORAGE_CODES.test(e.code) || e.code === 'ENOSPC' || e.code === 'EROFS' || e.code === 'EIO');
}

interface Waiting {
  detections: Detection[];
  confirmation?: Confirmation;
}

export interface GuardOptions {
  metrics: Metrics;
  log: Logger;
  /** Detection sets held while the store refuses writes. */
  maxWaiting: number;
  now?: () => Date;
}

export class StoreGuard {
  private readonly waiting: Waiting[] = [];
  private failing: { since: Date; error: string } | undefined;
  private droppedSinceFailure = 0;
  private readonly errors: Counter;
  private readonly dropped: Counter;
  private readonly now: () => Date;

  constructor(
    private readonly write: (detections: Detection[], confirmation?: Confirmation) => IncidentUpdate | undefined,
    private readonly o: GuardOptions,
  ) {
    this.now = o.now ?? (() => new Date());
    this.errors = new Counter({ name: 'capwatch_store_errors_total', help: 'Writes the database refused (full disk, read-only file system)', labelNames: ['what'] as const, registers: [o.metrics.registry] });
    this.dropped = new Counter({ name: 'capwatch_store_dropped_total', help: 'Detections dropped because the database refused writes for longer than the waiting queue holds', registers: [o.metrics.registry] });
    const waiting = this.waiting;
    new Gauge({
      name: 'capwatch_store_waiting_detections',
      help: 'Detections waiting for the database to take writes again',
      registers: [o.metrics.registry],
      collect() {
        this.set(waiting.reduce((n, w) => n + w.detections.length, 0));
      },
    });
  }

  /** Why the service is unhealthy, when the store refuses writes. */
  get problem(): string | undefined {
    if (!this.failing) return undefined;
    const held = this.waiting.reduce((n, w) => n + w.detections.length, 0);
    return `storage refuses writes since ${this.failing.since.toISOString()} (${this.failing.error}); ${held} detection(s) waiting${this.droppedSinceFailure ? `, ${this.droppedSinceFailure} dropped` : ''}`;
  }

  /** Files detections, or holds them (in order) while the store refuses writes. */
  record(detections: Detection[], confirmation?: Confirmation): IncidentUpdate | undefined {
    if (this.waiting.length > 0) {
      this.hold({ detections, ...(confirmation && { confirmation }) });
      this.retry();
      return undefined;
    }
    try {
      const update = this.write(detections, confirmation);
      this.recovered();
      return update;
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.failed('detections', err);
      this.hold({ detections, ...(confirmation && { confirmation }) });
      return undefined;
    }
  }

  /** Another write that is simply made again later (device state, activity): counted, not held. */
  run(what: string, fn: () => void): void {
    try {
      fn();
      if (this.waiting.length === 0) this.recovered();
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.failed(what, err);
    }
  }

  /** Writes what waits, oldest first, until the store refuses again. */
  retry(): IncidentUpdate[] {
    const written: IncidentUpdate[] = [];
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      try {
        const update = this.write(next.detections, next.confirmation);
        if (update) written.push(update);
      } catch (err) {
        if (!isStorageError(err)) throw err;
        this.failed('detections', err);
        return written;
      }
      this.waiting.shift();
    }
    this.recovered();
    return written;
  }

  private hold(w: Waiting): void {
    if (this.waiting.length >= this.o.maxWaiting) {
      // The newest wait, the oldest are kept: what started an attack comes before what followed it.
      this.dropped.inc(w.detections.length);
      this.droppedSinceFailure += w.detections.length;
      return;
    }
    this.waiting.push(w);
  }

  /** A write made elsewhere (asynchronously) was refused: counted, and the service is unhealthy until one succeeds. */
  refused(what: string, err: unknown): void {
    this.failed(what, err);
  }

  private failed(what: string, err: unknown): void {
    this.errors.inc({ what });
    if (this.failing) return;
    const e = err as { code?: string; message?: string };
    this.failing = { since: this.now(), error: `${e.code ?? 'error'}: ${e.message ?? String(err)}` };
    this.o.log.error({ what, code: e.code, err: e.message }, 'the database refuses writes: detections are held in memory until it takes them again');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.o.log.warn({ since: this.failing.since, dropped: this.droppedSinceFailure }, 'the database takes writes again; held detections written');
    this.failing = undefined;
    this.droppedSinceFailure = 0;
  }
}
