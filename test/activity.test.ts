// The activity charts' data: counter growth stored every 10 s and read back as rates per bucket.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Activity } from '../src/alerts/activity.js';
import { Metrics } from '../src/metrics.js';

describe('activity over time', () => {
  it('turns counter growth into messages per second per transport, drops, parse errors, and detections per hour', async () => {
    const metrics = new Metrics();
    let kernel = 100;
    const activity = new Activity(new Database(':memory:'), metrics, () => kernel);
    const udp = metrics.receivedTally({ source: 'syslog', transport: 'udp' });
    const t0 = Date.UTC(2026, 11, 4, 12, 0, 0);
    await activity.sample(new Date(t0)); // baseline: what came before capwatch was watching is not a rate
    for (let i = 0; i < 5000; i++) udp.inc();
    metrics.parseErrors.inc({ source: 'syslog' }, 20);
    metrics.detections.inc({ rule: 'a', severity: 'critical' });
    metrics.detections.inc({ rule: 'b', severity: 'critical' });
    kernel = 130;
    await activity.sample(new Date(t0 + 10_000));
    for (let i = 0; i < 1000; i++) udp.inc();
    metrics.dropped.inc({ source: 'syslog', reason: 'oversized' }, 10); // a label set first seen after the baseline
    await activity.sample(new Date(t0 + 20_000));

    const hour = activity.read('hour', new Date(t0 + 30_000));
    const series = (metric: string) => hour.series.filter((s) => s.metric === metric);
    expect(series('received')).toEqual([
      { metric: 'received', labels: { source: 'syslog', transport: 'udp' }, unit: 'per_second', stepSeconds: 10, points: [[t0 / 1000, 500], [t0 / 1000 + 10, 100]] },
    ]);
    expect(series('parseErrors')[0]!.points).toEqual([[t0 / 1000, 2]]);
    expect(series('kernelDrops')[0]!.points).toEqual([[t0 / 1000, 3]]);
    expect(series('dropped')[0]).toMatchObject({ labels: { source: 'syslog', reason: 'oversized' }, points: [[t0 / 1000 + 10, 1]] });
    // Two detections in a one-minute bucket: 120 an hour at that pace.
    expect(series('detections')[0]).toMatchObject({ labels: { severity: 'critical' }, unit: 'per_hour', stepSeconds: 60, points: [[t0 / 1000, 120]] });

    const day = activity.read('day', new Date(t0 + 30_000));
    expect(day.series.find((s) => s.metric === 'received')!.points).toEqual([[t0 / 1000, 6000 / 300]]);
    // Older than the range: not shown.
    expect(activity.read('hour', new Date(t0 + 2 * 3_600_000)).series).toEqual([]);
  });
});
