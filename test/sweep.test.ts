// Sweeps against simulated devices and a real SQLite file: what changed since the last sweep, and which active
// captures and mirrors open an incident because no open incident explains them.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IncidentBook } from '../src/alerts/incidents.js';
import { Store } from '../src/alerts/store.js';
import { builtinRulesDir } from '../src/paths.js';
import { Detector } from '../src/detect/detector.js';
import { CollectorNetworks } from '../src/detect/severity.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { createLogger } from '../src/log.js';
import { CheckStore } from '../src/poll/check-store.js';
import { DeviceIndex, type InventoryDevice } from '../src/poll/inventory.js';
import { DevicePoller, diffFindings, Explanations, sweepDetections, Sweeper, unexplained } from '../src/poll/sweep.js';
import type { DeviceFindings } from '../src/types.js';
import { commandEvent } from './helpers/command-event.js';
import { inventoryEntry, outputsFor, simDevice } from './helpers/devices.js';
import type { SimDevice } from './helpers/ssh-device.js';
import { tempDir } from './helpers/tmp.js';

const log = createLogger({ level: 'silent' });
const capture = (name: string, active: boolean) => ({ name, active, interfaces: ['Gi1'], direction: 'both' as const, file: null });
const session = (id: string, active: boolean, destinationIp: string | null = null) => ({ id, type: 'erspan-source', active, sources: ['Gi1'], destinations: [], destinationIp });
const findings = (o: Partial<DeviceFindings>): DeviceFindings => ({ supported: true, captures: [], sessions: [], ...o });
const check = { device: 'core-rtr1', address: '192.0.2.1', port: 22, platform: 'iosxe' as const, checkedAt: new Date('2026-12-01T10:00:00Z'), durationMs: 10, reachable: true };

describe('comparing with the previous sweep', () => {
  it('says what is new, gone, switched on or off, or changed', () => {
    const before = findings({ captures: [capture('A', false), capture('B', true), capture('C', true)], sessions: [session('1', true, '10.0.0.1')] });
    const after = findings({ captures: [capture('A', true), capture('B', true), capture('D', false)], sessions: [session('1', true, '203.0.113.9')] });
    expect(diffFindings(before, after)).toEqual([
      { object: 'capture', id: 'A', change: 'activated' },
      { object: 'capture', id: 'D', change: 'new' },
      { object: 'capture', id: 'C', change: 'gone' },
      { object: 'session', id: '1 erspan-source', change: 'changed' },
    ]);
    expect(diffFindings(after, after)).toEqual([]);
  });

  it('does not call an item gone when a pager cut either output short', () => {
    const before = findings({ captures: [capture('A', true)] });
    expect(diffFindings(before, findings({ truncated: true }))).toEqual([]);
  });
});

describe('what no open incident explains', () => {
  const detector = new Detector({ rules: loadRules([builtinRulesDir]) });

  it('a capture or session named by a detection of an open incident is explained, whatever the case', () => {
    const store = new Store(join(tempDir('capwatch-explain-'), 'db.sqlite'));
    const book = new IncidentBook(store, { windowMs: 600_000, dedupeMs: 5_000 });
    const device1 = { address: '192.0.2.1', hostname: 'core-rtr1' };
    const typed = book.record(detector.detect(commandEvent('monitor capture ntp interface GigabitEthernet0/0/0 both', { device: device1 })))!;
    expect(typed.added[0]!.facts.capture).toBe('ntp');
    const index = new DeviceIndex({ devices: [{ name: 'core-rtr1', address: '192.0.2.1', port: 22, platform: 'iosxe', username: 'u', tags: [], transport: 'auto', legacyAlgorithms: false }] });
    const explanations = new Explanations(store, index);
    const f = findings({ captures: [capture('NTP', true), capture('TAC', true), capture('OFF', false)], sessions: [session('10', true)] });
    expect(unexplained(f, explanations.of('core-rtr1'))).toEqual({ captures: [capture('TAC', true)], sessions: [session('10', true)] });
    // Detections stored later are read too (and only those).
    book.record(detector.detect(commandEvent('monitor session 10 source interface Gi1', { device: device1, user: 'mallory' })));
    expect(unexplained(f, explanations.of('core-rtr1'))).toEqual({ captures: [capture('TAC', true)], sessions: [] });
    expect(unexplained(f, explanations.of('edge-rtr2')).captures).toHaveLength(2);
  });

  it('sweep detections carry the facts and the severity policy of typed commands', () => {
    const collectors = new CollectorNetworks(['10.20.0.0/16']);
    const [tac, ours, theirs] = sweepDetections(
      check,
      { captures: [{ name: 'TAC', active: true, interfaces: ['Gi1'], direction: 'both', file: 'flash:tac.pcap' }], sessions: [session('1', true, '10.20.1.1'), session('2', true, '203.0.113.9')] },
      collectors,
    );
    expect(tac).toMatchObject({ rule: 'capwatch-sweep-active-capture', kind: 'capture', severity: 'critical', facts: { capture: 'TAC', file: 'flash:tac.pcap' } });
    expect(tac!.tradecraft).toEqual(['capture file name used by Salt Typhoon (tac.pcap)']);
    expect(tac!.event).toMatchObject({ source: 'sweep', device: { hostname: 'core-rtr1', address: '192.0.2.1' }, command: 'capture TAC active on Gi1 (both) to flash:tac.pcap' });
    expect(ours).toMatchObject({ kind: 'erspan', severity: 'high', facts: { session: '1', destinationIp: '10.20.1.1' } });
    expect(theirs).toMatchObject({ kind: 'erspan', severity: 'critical', facts: { destinationIp: '203.0.113.9' } });
  });
});

describe('a sweep', () => {
  const running: SimDevice[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.close()));
  });

  async function setup() {
    const store = new Store(join(tempDir('capwatch-sweep-'), 'db.sqlite'));
    const book = new IncidentBook(store, { windowMs: 600_000, dedupeMs: 5_000 });
    const checks = new CheckStore(store.database);
    const sweeper = new Sweeper({
      poller: new DevicePoller({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, trustOnFirstUse: false }, log),
      checks,
      store,
      record: (d, c) => book.record(d, c),
      collectors: new CollectorNetworks([]),
      log,
    });
    return { store, book, sweeper };
  }

  async function device(o: Parameters<typeof simDevice>[1] = {}): Promise<SimDevice> {
    const d = await simDevice('iosxe', o);
    running.push(d);
    return d;
  }

  it('opens one incident for what nothing explains, then reports no change and opens nothing the next time', async () => {
    const { store, sweeper } = await setup();
    const d = await device();
    const entry = inventoryEntry(d, 'iosxe', { name: 'core-rtr1' });
    const inv = new DeviceIndex({ devices: [entry] });

    const first = await sweeper.start(inv.inventory.devices, inv, { trigger: 'api', selection: {}, concurrency: 5 }).finished;
    expect(first.status).toBe('done');
    const [result] = first.devices;
    expect(result!.openedIncident).toBeDefined();
    expect(result!.changes).toBeUndefined(); // nothing to compare with yet
    const incident = store.incident(result!.openedIncident!)!;
    expect(incident.device).toMatchObject({ hostname: 'core-rtr1', address: '127.0.0.1' });
    expect(incident.detections.map((x) => [x.rule, x.facts.capture ?? x.facts.session])).toEqual([
      ['capwatch-sweep-active-capture', 'NTP'],
      ['capwatch-sweep-active-session', '10'],
      ['capwatch-sweep-active-session', '20'],
    ]);
    expect(incident.severity).toBe('critical'); // ERSPAN to 10.1.1.1 and no collector network configured
    expect(incident.confirmation).toMatchObject({ status: 'active-found' });

    const second = await sweeper.start(inv.inventory.devices, inv, { trigger: 'api', selection: {}, concurrency: 5 }).finished;
    expect(second.devices[0]!.openedIncident).toBeUndefined();
    expect(second.devices[0]!.changes).toEqual([]);
    expect(store.incidents()).toHaveLength(1);
    // Stored: another process (the API of a running service) reads the same results.
    expect(sweeper.view(second.id)).toMatchObject({ status: 'done', total: 1, done: 1 });

    // The capture is stopped and removed on the device: the next sweep says so.
    const port = d.port;
    await d.close();
    running.pop();
    await device({ port, outputs: { ...outputsFor('iosxe'), 'show monitor capture': '' } });
    const third = await sweeper.start(inv.inventory.devices, inv, { trigger: 'api', selection: {}, concurrency: 5 }).finished;
    expect(third.devices[0]!.changes).toEqual([{ object: 'capture', id: 'NTP', change: 'gone' }]);
  });

  it('an open incident from the logs explains what it names; once resolved, it no longer does', async () => {
    const { store, book, sweeper } = await setup();
    const d = await device();
    const entry = inventoryEntry(d, 'iosxe', { name: 'core-rtr1' });
    const inv = new DeviceIndex({ devices: [entry] });
    const detector = new Detector({ rules: loadRules([builtinRulesDir]) });
    const device1 = { address: '127.0.0.1', hostname: 'core-rtr1' };
    const typed = book.record(detector.detect(commandEvent('monitor capture NTP interface GigabitEthernet0/0/0 both', { device: device1 })))!;
    book.record(detector.detect(commandEvent('monitor session 10 type erspan-source', { device: device1 })));
    book.record(detector.detect(commandEvent('monitor session 20 type erspan-destination', { device: device1 })));

    const swept = await sweeper.start(inv.inventory.devices, inv, { trigger: 'api', selection: {}, concurrency: 5 }).finished;
    expect(swept.devices[0]!.openedIncident).toBeUndefined();

    store.setIncidentStatus(typed.incident.id, 'resolved');
    const after = await sweeper.start(inv.inventory.devices, inv, { trigger: 'api', selection: {}, concurrency: 5 }).finished;
    expect(after.devices[0]!.openedIncident).toBeDefined();
    expect(store.incident(after.devices[0]!.openedIncident!)!.detections.map((x) => x.facts.capture ?? x.facts.session)).toEqual(['NTP', '10', '20']);
  });

  it("an incident of another device behind the same syslog relay address does not explain this device's capture", async () => {
    const { book, sweeper } = await setup();
    const d = await device();
    const entry: InventoryDevice = inventoryEntry(d, 'iosxe', { name: 'core-rtr1' });
    const other: InventoryDevice = { ...entry, name: 'edge-rtr2', port: 1 };
    const inv = new DeviceIndex({ devices: [entry, other] });
    const detector = new Detector({ rules: loadRules([builtinRulesDir]) });
    // Relayed syslog: the sender address (127.0.0.1) is the relay's, shared by both devices.
    book.record(detector.detect(commandEvent('monitor capture NTP interface GigabitEthernet0/0/0 both', { device: { address: '127.0.0.1', hostname: 'edge-rtr2' } })));
    const swept = await sweeper.start([entry], inv, { trigger: 'api', selection: {}, concurrency: 5 }).finished;
    expect(swept.devices[0]!.openedIncident).toBeDefined();
  });

  it('one login at a time per device: a second request shares the check in flight, unless it must see what happened since', async () => {
    const d = await device({ delayMs: 100 });
    const poller = new DevicePoller({ connectTimeoutMs: 3000, commandTimeoutMs: 3000, trustOnFirstUse: false }, log);
    const entry = inventoryEntry(d, 'iosxe');
    const first = poller.check(entry);
    const shared = poller.check(entry);
    expect(shared).toBe(first);
    await new Promise((r) => setTimeout(r, 20));
    const later = poller.check(entry, Date.now());
    const [a, b] = await Promise.all([first, later]);
    expect(b.checkedAt.getTime()).toBeGreaterThanOrEqual(a.checkedAt.getTime() + a.durationMs);
    expect(d.logins).toBe(2);
  });

  it('one device failing does not stop the others; concurrency is respected', async () => {
    const { sweeper } = await setup();
    const devices = await Promise.all([1, 2, 3, 4].map(() => device({ delayMs: 100 })));
    const entries = devices.map((d, i) => inventoryEntry(d, 'iosxe', { name: `r${i}` }));
    entries.push({ ...entries[0]!, name: 'dead', port: 1 });
    const inv = new DeviceIndex({ devices: entries });
    const started = Date.now();
    const progress: number[] = [];
    const v = await sweeper.start(entries, inv, { trigger: 'cli', selection: {}, concurrency: 2, onCheck: (_c, done) => progress.push(done) }).finished;
    expect(v.devices).toHaveLength(5);
    expect(v.devices.find((c) => c.device === 'dead')).toMatchObject({ reachable: false, errorKind: 'connect' });
    expect(v.devices.filter((c) => c.findings).length).toBe(4);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    // Two at a time, two commands of 100 ms each per device: at least two rounds of 200 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});
