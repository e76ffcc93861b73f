// Silence: a device that was sending steadily goes quiet. Driven like the service drives it (a sender tally each
// second it heard something, a periodic check), with an injected clock, over a real SQLite store and incident book,
// so what is asserted is what a user sees: the incident, its severity, its sentence, and what survives a restart.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IncidentBook, type IncidentUpdate } from '../src/alerts/incidents.js';
import { Rhythms } from '../src/alerts/rhythms.js';
import { SilenceAlerts } from '../src/alerts/silence.js';
import { Store } from '../src/alerts/store.js';
import { Detector } from '../src/detect/detector.js';
import type { SenderCount } from '../src/detect/sender-tally.js';
import type { SilenceConfig } from '../src/detect/silence/rhythm.js';
import { loadRules } from '../src/detect/sigma/load.js';
import type { Detection } from '../src/types.js';
import { commandEvent } from './helpers/command-event.js';
import { tempDir } from './helpers/tmp.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const T0 = Date.parse('2026-03-03T09:00:00Z');
const MIN = 60_000;
const DEFAULTS: SilenceConfig = { enabled: true, afterIntervals: 5, minMinutes: 15, steadyMinutes: 60, maxDevices: 10_000 };
const ADDR = '192.0.2.10';

function setup(cfg: SilenceConfig = DEFAULTS, path = join(tempDir('capwatch-silence-'), 'db.sqlite')) {
  const store = new Store(path);
  const book = new IncidentBook(store, { windowMs: 10 * MIN, dedupeMs: 5_000 });
  const detector = new Detector({ rules });
  const updates: IncidentUpdate[] = [];
  const keep = (u: IncidentUpdate | undefined) => (u && updates.push(u), u);
  const deps = { detector, record: (d: Detection[]) => keep(book.record(d)), addTo: (id: string, d: Detection[]) => keep(book.addTo(id, d)), rhythms: new Rhythms(store.database) };
  const make = (nowMs: number) => new SilenceAlerts(cfg, deps, nowMs);
  return { store, book, detector, updates, make, path };
}

/** Tallies from `from` to `to` (ms after T0) every `everyMs`: `syslog` messages and `accounting` records each time. */
function send(s: SilenceAlerts, from: number, to: number, everyMs: number, counts: { syslog?: number; accounting?: number } = { syslog: 3 }, address = ADDR): void {
  for (let t = from; t <= to; t += everyMs) {
    const syslog = counts.syslog ?? 0;
    const accounting = counts.accounting ?? 0;
    const c: SenderCount = { address, hostname: 'edge-rtr1', messages: syslog + accounting, ...(accounting > 0 && { accounting }) };
    s.observe([c], T0 + t);
  }
}

const check = (s: SilenceAlerts, ms: number) => s.check(new Date(T0 + ms));

describe('a device that stops sending', () => {
  it('after 15 quiet minutes (5 × its one-minute rhythm is less): a low incident that says what stopped and since when', () => {
    const { make, updates } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, MIN);
    expect(check(s, 84 * MIN)).toEqual([]);
    const [d] = check(s, 85 * MIN + 30_000);
    expect(d).toMatchObject({ kind: 'evasion', severity: 'low', title: 'Device stopped sending syslog', event: { source: 'silence', device: { address: ADDR, hostname: 'edge-rtr1' } } });
    expect(d!.why).toBe(
      'edge-rtr1 usually sends syslog every 60 s and has sent nothing for 16 min (since 2026-03-03T10:10:00.000Z): its logging may have been turned off or pointed elsewhere, or the device or the path to capwatch is down.',
    );
    expect(updates.map((u) => [u.isNew, u.incident.severity])).toEqual([[true, 'low']]);
    // reported once per silence
    expect(check(s, 120 * MIN)).toEqual([]);
  });

  it('waits N × the usual interval when that is longer (a device that sends every 5 min: 25 min)', () => {
    const { make } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, 5 * MIN);
    expect(check(s, 70 * MIN + 24 * MIN)).toEqual([]);
    expect(check(s, 70 * MIN + 26 * MIN).map((d) => d.facts.usualIntervalSeconds)).toEqual(['300']);
  });

  it('N and the minimum are configurable', () => {
    const { make } = setup({ ...DEFAULTS, afterIntervals: 2, minMinutes: 1, steadyMinutes: 10 });
    const s = make(T0);
    send(s, 0, 12 * MIN, MIN);
    expect(check(s, 14 * MIN + 1000)).toHaveLength(1);
  });

  it('a device that was never steady is never reported: a short burst, a few one-shot senders', () => {
    const { make } = setup();
    const s = make(T0);
    send(s, 0, 20 * MIN, MIN); // an operator typing for 20 minutes
    send(s, 0, 4 * MIN, MIN, { syslog: 1 }, '198.51.100.9');
    for (let i = 0; i < 50; i++) s.observe([{ address: `203.0.113.${i}`, messages: 1 }], T0 + i * 1000);
    expect(check(s, 200 * MIN)).toEqual([]);
  });

  it('silence that starts minutes after a capture on the device is high, and says which capture', () => {
    const { make, detector, updates } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, MIN);
    detector.detect(commandEvent('monitor capture CAP start', { time: new Date(T0 + 68 * MIN) }));
    const [d] = check(s, 86 * MIN);
    expect(d!.severity).toBe('high');
    expect(d!.why).toContain('It went quiet 2 min after monitor capture CAP start (by eve)');
    expect(updates.at(-1)!.incident.severity).toBe('high');
  });

  it('a capture right after a silence began is raised too', () => {
    const { make, detector } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, MIN);
    check(s, 86 * MIN);
    const [hit] = detector.detect(commandEvent('monitor capture CAP start', { time: new Date(T0 + 72 * MIN) }));
    expect(hit!.severity).toBe('high');
    expect(hit!.why).toContain('It came 2 min after syslog from edge-rtr1 stopped.');
  });

  it('TACACS+ accounting that stops while syslog goes on is reported on its own', () => {
    const { make } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, MIN, { syslog: 2, accounting: 1 });
    send(s, 71 * MIN, 100 * MIN, MIN, { syslog: 2 });
    const found = check(s, 100 * MIN);
    expect(found.map((d) => [d.title, d.severity])).toEqual([['TACACS+ accounting stopped', 'low']]);
    expect(found[0]!.why).toContain('while its syslog keeps arriving');
  });

  it('when both stop, the device silence is the one report', () => {
    const { make } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, MIN, { syslog: 2, accounting: 1 });
    expect(check(s, 90 * MIN).map((d) => d.title)).toEqual(['Device stopped sending syslog']);
  });

  it('heard again: a note in the silence incident, which stays open', () => {
    const { make, store, updates } = setup();
    const s = make(T0);
    send(s, 0, 70 * MIN, MIN);
    check(s, 86 * MIN);
    const id = updates[0]!.incident.id;
    send(s, 100 * MIN, 100 * MIN, MIN);
    const incident = store.incident(id)!;
    expect(incident.status).toBe('open');
    expect(incident.detections.map((d) => d.title)).toEqual(['Device stopped sending syslog', 'Device sending again after a silence']);
    expect(incident.detections[1]!.why).toContain('after 30 min of silence');
    // read back from SQLite: an evasion keeps its own technique
    expect(incident.detections.map((d) => d.technique)).toEqual(['T1685', 'T1685']);
  });

  it('a restart keeps the steady devices, and capwatch being down is not their silence', () => {
    const env = setup();
    const s = env.make(T0);
    send(s, 0, 70 * MIN, MIN);
    s.save(new Date(T0 + 70 * MIN));
    env.store.close();
    const again = setup(DEFAULTS, env.path);
    const restarted = again.make(T0 + 100 * MIN); // down for half an hour
    expect(check(restarted, 101 * MIN)).toEqual([]);
    expect(check(restarted, 116 * MIN).map((d) => d.title)).toEqual(['Device stopped sending syslog']);
  });
});
