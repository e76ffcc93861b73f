// Alerts under a flood, against a real local HTTP server and a real SQLite file, on an injected clock: a known
// device's incident overtakes queued ones from never-seen devices, and a storm of those collapses into one digest per
// target that counts them (the ones already queued join it), with the first few as samples.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IncidentBook } from '../src/alerts/incidents.js';
import { Store } from '../src/alerts/store.js';
import type { DeviceTrust } from '../src/alerts/trust.js';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { Notifier, type DeliveryOptions } from '../src/alerts/notify/notifier.js';
import type { NotifyTarget } from '../src/alerts/notify/types.js';
import type { Detection, DeviceRef, Severity } from '../src/types.js';
import { startChatServer, type ChatServer } from './helpers/chat.js';
import { commandEvent } from './helpers/command-event.js';
import { eventually } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const STORM = { threshold: 10, windowMs: 60_000, digestMs: 30_000 };
const OPTS: DeliveryOptions = { timeoutMs: 1000, maxAgeMs: 3_600_000, batchMs: 0, drainMs: 1000, retryBaseMs: 50, maxRetryDelayMs: 200, storm: STORM };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function detection(host: string, user: string, severity: Severity = 'high', command = `monitor capture ${user} start`): Detection {
  const now = new Date();
  return {
    rule: 'r1',
    title: 'Capture started',
    kind: 'capture',
    severity,
    technique: 'T1040',
    event: { ...commandEvent(command, { user, device: { hostname: host, address: '198.51.100.7' }, time: now }), receivedAt: now },
    facts: {},
    tradecraft: [],
    why: 'Starts a packet capture.',
  };
}

/** Devices named real-* are known; every other name is new. */
const trust = (device: DeviceRef): DeviceTrust => (device.hostname?.startsWith('real-') ? 'known' : 'new');

async function setup(targets: NotifyTarget[], opts: Partial<DeliveryOptions> = {}) {
  const dir = tempDir('capwatch-storm-');
  const store = new Store(join(dir, 'capwatch.db'));
  // Real time flows (the token buckets refill) and the test jumps it ahead past windows.
  const start = Date.now();
  const clock = { jump: 0, now: () => Date.parse('2026-12-04T10:00:00Z') + (Date.now() - start) + clock.jump };
  const notifier = new Notifier(store, targets, {
    ...OPTS,
    ...opts,
    publicUrl: 'https://capwatch.example',
    log: createLogger({ level: 'silent' }),
    metrics: new Metrics(),
    now: clock.now,
    trust,
  });
  const book = new IncidentBook(store, { windowMs: 600_000, dedupeMs: 0, onSaved: (u) => notifier.enqueue(u) });
  cleanups.push(async () => {
    await notifier.stop();
    store.close();
  });
  return { store, notifier, book, clock };
}

async function server(): Promise<ChatServer> {
  const s = await startChatServer({ status: 204 });
  cleanups.push(() => s.close());
  return s;
}

const webhook = (s: ChatServer, name = 'siem'): NotifyTarget => ({ name, type: 'webhook', url: s.url, secret: 'k', ratePerSecond: 1000 });
const events = (s: ChatServer) => s.received.map((r) => JSON.parse(r.body));

describe('alert priority', () => {
  it('a known device’s incident is sent before thirty queued ones from never-seen devices; severity orders within', async () => {
    const s = await server();
    const { book, notifier } = await setup([webhook(s)], { storm: { ...STORM, threshold: 1000 } });
    for (let n = 0; n < 30; n++) book.record([detection(`spoof-${n}`, `ghost${n}`, 'critical')]);
    book.record([detection('real-rtr1', 'alice', 'medium')]);
    book.record([detection('real-rtr2', 'bob', 'critical')]);
    notifier.start();
    await eventually(() => s.received.length === 32);
    const devices = events(s).map((e) => e.incident.device);
    expect(devices.slice(0, 2)).toEqual(['real-rtr2', 'real-rtr1']);
    expect(devices.slice(2).sort()).toEqual(Array.from({ length: 30 }, (_, n) => `spoof-${n}`).sort());
  });
});

describe('storm digest', () => {
  it('collapses 300 incidents from never-seen devices into one digest per target; the known device still goes first, alone', async () => {
    const siem = await server();
    const slack = await server();
    const { book, notifier, clock, store } = await setup([webhook(siem), { name: 'soc', type: 'slack', url: slack.url, ratePerSecond: 1000 }]);
    const spoofed = Array.from({ length: 300 }, (_, n) => book.record([detection(`spoof-${n}`, `ghost${n}`, n % 3 === 0 ? 'critical' : 'high', `monitor capture <!channel> ${n} start`)])!.incident.id);
    const real = book.record([detection('real-rtr1', 'alice', 'medium')])!.incident.id;
    notifier.start();

    // Only the known device's incident is due: the digest collects until it closes.
    await eventually(() => siem.received.length === 1 && slack.received.length === 1);
    expect(events(siem)[0].incident.id).toBe(real);
    clock.jump += STORM.digestMs;
    await eventually(() => siem.received.length === 2 && slack.received.length === 2);

    const digest = events(siem)[1];
    expect(digest.event).toBe('incidents.digest');
    expect(digest.digest).toMatchObject({ incidents: 300, devices: 300, users: 300, bySeverity: { critical: 100, high: 200 } });
    expect(digest.digest.url).toBe('https://capwatch.example/#/incidents?range=custom&from=2026-12-04T10%3A00Z');
    expect(digest.digest.samples).toHaveLength(5);
    expect(digest.digest.samples[0]).toMatchObject({ id: spoofed[0], device: 'spoof-0', user: 'ghost0' });
    const slackText = JSON.parse(slack.received[1]!.body).text as string;
    expect(slackText).toBe('Storm digest: CRITICAL: storm of 300 T1040 incidents from 300 never-seen devices');
    expect(slack.received[1]!.body).not.toContain('<!channel>');
    expect(slack.received[1]!.body).toContain('…and 295 more');

    // Every spoofed incident says the digest told it; the first nine, queued before the storm began, say theirs was replaced.
    const first = await eventually(() => {
      const d = notifier.deliveries(spoofed[0]!);
      return d.every((x) => x.status !== 'pending') && d;
    });
    expect(first.map((d) => [d.target, d.status, d.digest !== null]).sort()).toEqual([
      ['siem', 'delivered', true],
      ['siem', 'digested', false],
      ['soc', 'delivered', true],
      ['soc', 'digested', false],
    ]);
    expect(notifier.deliveries(spoofed[299]!).map((d) => [d.status, d.digest !== null])).toEqual([['delivered', true], ['delivered', true]]);

    // Closing the storm's incidents does not page for each of them.
    for (const id of spoofed.slice(0, 50)) {
      store.setIncidentStatus(id, 'resolved');
      notifier.incidentChanged(store.incident(id)!);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(siem.received).toHaveLength(2);

    // A window later the storm is over: a never-seen device's incident is sent on its own again.
    clock.jump += STORM.windowMs + 1;
    const after = book.record([detection('spoof-new', 'late')])!.incident.id;
    await eventually(() => siem.received.length === 3);
    expect(events(siem)[2].incident.id).toBe(after);
  });

  it('below the threshold nothing is digested', async () => {
    const s = await server();
    const { book, notifier } = await setup([webhook(s)]);
    notifier.start();
    for (let n = 0; n < STORM.threshold - 1; n++) book.record([detection(`new-${n}`, `u${n}`)]);
    await eventually(() => s.received.length === STORM.threshold - 1);
    expect(events(s).every((e) => e.event === 'incident.opened')).toBe(true);
  });
});
