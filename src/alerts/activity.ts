// Activity over time for the console's charts: every 10 s the growth of the ingest counters (messages per source and
// transport, drops, parse errors, the kernel's UDP drops, detections per severity) is stored, and read back in
// buckets for the last hour or day. Two days are kept.
import type Database from 'better-sqlite3';
import type { Metrics } from '../metrics.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS activity (
  at INTEGER NOT NULL,
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,
  value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS activity_at ON activity(at);
`;

export const SAMPLE_MS = 10_000;
const KEEP_MS = 2 * 24 * 3_600_000;

export type ActivityMetric = 'received' | 'dropped' | 'parseErrors' | 'kernelDrops' | 'detections';

export interface ActivitySeries {
  metric: ActivityMetric;
  labels: Record<string, string>;
  unit: 'per_second' | 'per_hour';
  stepSeconds: number;
  /** [epoch seconds at the bucket's start, rate]. */
  points: Array<[number, number]>;
}

export interface ActivityRange {
  range: 'hour' | 'day';
  from: Date;
  to: Date;
  series: ActivitySeries[];
}

/** Bucket sizes per range: rates in seconds over the hour, five minutes over the day; detections per hour. */
const STEPS = { hour: { rate: 10, detections: 60 }, day: { rate: 300, detections: 3600 } } as const;

export class Activity {
  private readonly stmts;
  private readonly last = new Map<string, number>();
  private baselined = false;

  constructor(
    private readonly db: Database.Database,
    private readonly metrics: Metrics,
    /** The kernel's drop counter of the syslog UDP socket, when there is one. */
    private readonly kernelDrops: () => number | undefined = () => undefined,
  ) {
    db.exec(SCHEMA);
    this.stmts = {
      insert: db.prepare(`INSERT INTO activity (at, metric, labels, value) VALUES (?, ?, ?, ?)`),
      prune: db.prepare(`DELETE FROM activity WHERE at < ?`),
      since: db.prepare(`SELECT at, metric, labels, value FROM activity WHERE at >= ? ORDER BY at`),
    };
  }

  /** Stores what grew since the previous sample (the first one only sets the baseline). */
  async sample(now: Date): Promise<void> {
    const readings: Array<[ActivityMetric, Record<string, string>, number]> = [];
    const counter = async (metric: ActivityMetric, c: Metrics['received'] | Metrics['dropped'] | Metrics['parseErrors'], keep: string[]) => {
      for (const v of (await c.get()).values) {
        const all = v.labels as Record<string, string | number | undefined>;
        const labels = Object.fromEntries(keep.map((k) => [k, String(all[k] ?? '')]));
        readings.push([metric, labels, v.value]);
      }
    };
    await counter('received', this.metrics.received, ['source', 'transport']);
    await counter('dropped', this.metrics.dropped, ['source', 'reason']);
    await counter('parseErrors', this.metrics.parseErrors, ['source']);
    const bySeverity = new Map<string, number>();
    for (const v of (await this.metrics.detections.get()).values) {
      const s = String(v.labels.severity);
      bySeverity.set(s, (bySeverity.get(s) ?? 0) + v.value);
    }
    for (const [severity, n] of bySeverity) readings.push(['detections', { severity }, n]);
    const kd = this.kernelDrops();
    if (kd !== undefined) readings.push(['kernelDrops', {}, kd]);

    const at = now.getTime();
    this.db.transaction(() => {
      for (const [metric, labels, value] of readings) {
        const key = `${metric}\0${JSON.stringify(labels)}`;
        // After the first sample, a label set not seen before started from zero since then.
        const before = this.last.get(key) ?? (this.baselined ? 0 : undefined);
        this.last.set(key, value);
        // A counter that went down was reset (the kernel's, when the socket was re-bound): count from zero.
        const delta = before === undefined ? undefined : value >= before ? value - before : value;
        if (delta !== undefined && delta > 0) this.stmts.insert.run(at, metric, JSON.stringify(labels), delta);
      }
      this.stmts.prune.run(at - KEEP_MS);
    })();
    this.baselined = true;
  }

  read(range: 'hour' | 'day', now: Date): ActivityRange {
    const span = range === 'hour' ? 3_600_000 : 24 * 3_600_000;
    const from = new Date(now.getTime() - span);
    const rows = this.stmts.since.all(from.getTime()) as Array<{ at: number; metric: ActivityMetric; labels: string; value: number }>;
    const series = new Map<string, ActivitySeries & { sums: Map<number, number> }>();
    for (const r of rows) {
      const isDetections = r.metric === 'detections';
      const step = isDetections ? STEPS[range].detections : STEPS[range].rate;
      const key = `${r.metric}\0${r.labels}`;
      let s = series.get(key);
      if (!s) {
        s = { metric: r.metric, labels: JSON.parse(r.labels) as Record<string, string>, unit: isDetections ? 'per_hour' : 'per_second', stepSeconds: step, points: [], sums: new Map() };
        series.set(key, s);
      }
      // A sample holds what grew in the 10 s before it: it belongs to the bucket its interval started in.
      const bucket = Math.floor((r.at - SAMPLE_MS) / 1000 / step) * step;
      s.sums.set(bucket, (s.sums.get(bucket) ?? 0) + r.value);
    }
    return {
      range,
      from,
      to: now,
      series: [...series.values()].map(({ sums, ...s }) => ({
        ...s,
        points: [...sums].sort((a, b) => a[0] - b[0]).map(([t, sum]): [number, number] => [t, s.unit === 'per_hour' ? (sum * 3600) / s.stepSeconds : sum / s.stepSeconds]),
      })),
    };
  }
}
