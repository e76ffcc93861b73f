// Incident grouping and dedupe, against a real SQLite file.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IncidentBook } from '../src/alerts/incidents.js';
import { Store } from '../src/alerts/store.js';
import type { CommandEvent, Detection, Severity } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const T0 = Date.parse('2026-11-22T10:00:00Z');

function detection(at: number, command: string, o: { user?: string; severity?: Severity; device?: string; source?: CommandEvent['source'] } = {}): Detection {
  const event: CommandEvent = {
    time: new Date(at),
    receivedAt: new Date(at),
    device: { address: '192.0.2.1', hostname: o.device ?? 'core1' },
    ...('user' in o ? (o.user === undefined ? {} : { user: o.user }) : { user: 'eve' }),
    command,
    context: [],
    source: o.source ?? 'syslog',
    raw: command,
  };
  return { rule: 'r', title: 't', kind: 'capture', severity: o.severity ?? 'medium', technique: 'T1040', event, facts: {}, tradecraft: [], why: 'w' };
}

function fresh() {
  const path = join(tempDir('capwatch-inc-'), 'db.sqlite');
  const store = new Store(path);
  return { path, store, book: new IncidentBook(store, { windowMs: 600_000, dedupeMs: 5_000 }) };
}

describe('incidents', () => {
  it('groups one device + user within the window, and raises severity to the worst detection', () => {
    const { store, book } = fresh();
    const a = book.record([detection(T0, 'monitor capture CAP interface GigabitEthernet1 both')])!;
    const b = book.record([detection(T0 + 60_000, 'monitor capture CAP start', { severity: 'high' })])!;
    expect(a.isNew).toBe(true);
    expect(b.isNew).toBe(false);
    expect(b.incident.id).toBe(a.incident.id);
    const [stored] = store.incidents();
    expect(stored).toMatchObject({ id: a.incident.id, severity: 'high' });
    expect(stored!.detections.map((d) => d.event.command)).toEqual(['monitor capture CAP interface GigabitEthernet1 both', 'monitor capture CAP start']);
  });

  it('a resolved incident stays resolved: the next capture there opens a new one; an acknowledged one keeps collecting', () => {
    const { store, book } = fresh();
    const a = book.record([detection(T0, 'monitor capture A start')])!.incident;
    store.setIncidentStatus(a.id, 'acknowledged');
    book.statusChanged(a.id, 'acknowledged');
    const b = book.record([detection(T0 + 1000, 'monitor capture B start')])!;
    expect(b.incident.id).toBe(a.id);
    expect(b.incident.status).toBe('acknowledged');

    store.setIncidentStatus(a.id, 'resolved');
    book.statusChanged(a.id, 'resolved');
    const c = book.record([detection(T0 + 2000, 'monitor capture C start')])!;
    expect(c.isNew).toBe(true);
    expect(c.incident.status).toBe('open');
    expect(store.incident(a.id)!.status).toBe('resolved');
    expect(store.incident(a.id)!.detections).toHaveLength(2);
  });

  it('opens a new incident for another user, another device, or after the window', () => {
    const { store, book } = fresh();
    const first = book.record([detection(T0, 'monitor capture A start')])!.incident.id;
    expect(book.record([detection(T0 + 1000, 'monitor capture B start', { user: 'mallory' })])!.incident.id).not.toBe(first);
    expect(book.record([detection(T0 + 2000, 'monitor capture C start', { device: 'edge9' })])!.incident.id).not.toBe(first);
    expect(book.record([detection(T0 + 700_000, 'monitor capture D start')])!.isNew).toBe(true);
    expect(store.incidents()).toHaveLength(4);
  });

  it('counts the same command once when syslog and TACACS+ (or a relay) both report it within seconds', () => {
    const { store, book } = fresh();
    expect(book.record([detection(T0, 'monitor capture CAP start', { source: 'syslog' })])).toBeDefined();
    expect(book.record([detection(T0 + 2000, 'monitor capture CAP start', { source: 'tacacs' })])).toBeUndefined();
    expect(book.record([detection(T0 + 60_000, 'monitor capture CAP start')])).toBeDefined();
    expect(store.incidents()[0]!.detections).toHaveLength(2);
  });

  it('files a user-less device notification (BUFCAP) with the incident open on that device', () => {
    const { book } = fresh();
    const id = book.record([detection(T0, 'monitor capture CAP start')])!.incident.id;
    expect(book.record([detection(T0 + 500, 'Capture Point CAP enabled.', { user: undefined })])!.incident.id).toBe(id);
  });

  it('keeps grouping across a restart of the store', () => {
    const { path, store, book } = fresh();
    const now = Date.now();
    const id = book.record([detection(now, 'monitor capture CAP start')])!.incident.id;
    store.close();
    const again = new Store(path);
    const book2 = new IncidentBook(again, { windowMs: 600_000, dedupeMs: 5_000 });
    const u = book2.record([detection(now + 10_000, 'monitor capture CAP stop')])!;
    expect(u.isNew).toBe(false);
    expect(u.incident.id).toBe(id);
    expect(again.incident(id)!.detections).toHaveLength(2);
  });

  it('keeps a bounded number of incidents in memory; an evicted one is read back from the store and still grows', () => {
    const { path } = fresh();
    const store = new Store(path);
    const evicted: string[] = [];
    const book = new IncidentBook(store, { windowMs: 600_000, dedupeMs: 5_000, cacheSize: 100, dedupeSize: 150, onEvict: (c) => evicted.push(c) });
    const first = book.record([detection(T0, 'monitor capture CAP start', { user: 'u0', device: 'spoof-0' })])!;
    // A flood of spoofed device and user names, each its own incident.
    for (let i = 1; i <= 1000; i++) book.record([detection(T0 + i, 'monitor capture CAP start', { user: `u${i}`, device: `spoof-${i}` })]);
    expect(evicted.filter((c) => c === 'incidents')).toHaveLength(901);
    expect(evicted.filter((c) => c === 'dedupe').length).toBeGreaterThan(0);
    expect(store.incidentCounts().total).toBe(1001);
    const later = book.record([detection(T0 + 5_000, 'monitor capture CAP stop', { user: 'u0', device: 'spoof-0' })])!;
    expect(later).toMatchObject({ isNew: false, incident: { id: first.incident.id } });
    expect(store.incident(first.incident.id)!.detections.map((d) => d.event.command)).toEqual(['monitor capture CAP start', 'monitor capture CAP stop']);
  });

  it('filters by device, minimum severity and time, newest first', () => {
    const { store, book } = fresh();
    book.record([detection(T0, 'a', { severity: 'low', device: 'd1' })]);
    book.record([detection(T0 + 1000, 'b', { severity: 'critical', device: 'd2' })]);
    expect(store.incidents().map((i) => i.device.hostname)).toEqual(['d2', 'd1']);
    expect(store.incidents({ device: 'd1' })).toHaveLength(1);
    expect(store.incidents({ severity: 'high' }).map((i) => i.device.hostname)).toEqual(['d2']);
    expect(store.incidents({ since: new Date(T0 + 500) })).toHaveLength(1);
  });
});
