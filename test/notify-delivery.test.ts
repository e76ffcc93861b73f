// The outbox and its worker against real local HTTP servers standing in for each service: shapes per service,
// coalescing, retries (500, 429 + Retry-After, timeouts, refused connections), fail-fast 400, give-up, drain.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IncidentBook } from '../src/alerts/incidents.js';
import { Store } from '../src/alerts/store.js';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { Notifier, type DeliveryOptions } from '../src/alerts/notify/notifier.js';
import type { NotifyTarget, TargetType } from '../src/alerts/notify/types.js';
import type { Detection } from '../src/types.js';
import { closedPort, startChatServer, type Answer, type ChatServer } from './helpers/chat.js';
import { commandEvent } from './helpers/command-event.js';
import { eventually } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const FAST: DeliveryOptions = { timeoutMs: 500, maxAgeMs: 60_000, batchMs: 300, drainMs: 2000, retryBaseMs: 50, maxRetryDelayMs: 200 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function detection(command: string, user = 'eve', host = 'core-rtr1'): Detection {
  const now = new Date();
  return {
    rule: 'r1',
    title: 'SPAN session',
    kind: 'span',
    severity: 'high',
    technique: 'T1040',
    event: { ...commandEvent(command, { user, device: { hostname: host }, time: now }), receivedAt: now },
    facts: {},
    tradecraft: [],
    why: 'Mirrors traffic to a port an attacker can listen on.',
  };
}

async function setup(targets: Array<Omit<NotifyTarget, 'url'> & { url?: string }>, servers: ChatServer[], opts: Partial<DeliveryOptions> = {}) {
  const dir = tempDir('capwatch-notify-');
  const store = new Store(join(dir, 'capwatch.db'));
  const notifier = new Notifier(
    store,
    targets.map((t, i) => ({ ratePerSecond: 100, ...t, url: t.url ?? servers[i]!.url })),
    { ...FAST, ...opts, publicUrl: 'https://capwatch.example', log: createLogger({ level: 'silent' }), metrics: new Metrics() },
  );
  const book = new IncidentBook(store, { windowMs: 600_000, dedupeMs: 0, onSaved: (u) => notifier.enqueue(u) });
  notifier.start();
  cleanups.push(async () => {
    await notifier.stop();
    store.close();
  });
  return { store, notifier, book, dir };
}

async function server(fallback?: Answer) {
  const s = await startChatServer(fallback);
  cleanups.push(() => s.close());
  return s;
}

const OK: Record<TargetType, Answer> = {
  slack: { status: 200, body: 'ok' },
  mattermost: { status: 200, body: 'ok' },
  teams: { status: 202 },
  discord: { status: 200, body: '{"id":"1234567890123"}' },
  googlechat: { status: 200, body: '{"name":"spaces/A/messages/B"}' },
  pagerduty: { status: 202, body: '{"status":"success","dedup_key":"x"}' },
  webhook: { status: 204 },
};

describe('delivery to each service', () => {
  it.each(Object.keys(OK) as TargetType[])('%s gets one well-formed message, stored before it is sent', async (type) => {
    const s = await server(OK[type]);
    const { book, notifier, store } = await setup([{ name: `t-${type}`, type, secret: 'k3y' }], [s]);
    let storedFirst = false;
    const orig = s.received.push.bind(s.received);
    s.received.push = (...r) => {
      storedFirst = store.incidents().length === 1;
      return orig(...r);
    };
    const u = book.record([detection('monitor session 1 destination interface Gi1/0/2')])!;
    await eventually(() => s.received.length === 1 && notifier.deliveries(u.incident.id)[0]?.status === 'delivered');
    expect(storedFirst).toBe(true);
    const req = s.received[0]!;
    const body = JSON.parse(req.body);
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    switch (type) {
      case 'slack':
        expect(body.blocks[0].type).toBe('section');
        break;
      case 'mattermost':
        expect(body.text).toContain('monitor session 1 destination interface Gi1/0/2');
        break;
      case 'teams':
        expect(body.attachments[0].content.type).toBe('AdaptiveCard');
        break;
      case 'discord':
        expect(req.url).toContain('wait=true');
        expect(body.allowed_mentions.parse).toEqual([]);
        break;
      case 'googlechat':
        expect(body.thread.threadKey).toBe(u.incident.id);
        expect(req.url).toContain('messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
        break;
      case 'pagerduty':
        expect(body).toMatchObject({ routing_key: 'k3y', event_action: 'trigger', dedup_key: u.incident.id });
        break;
      case 'webhook':
        expect(req.headers['idempotency-key']).toBe(body.id);
        expect(req.headers['x-capwatch-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
        break;
    }
    expect(notifier.deliveries(u.incident.id)).toEqual([{ target: `t-${type}`, status: 'delivered', attempts: 1, lastError: null, deliveredAt: expect.any(String), digest: null }]);
  });
});

describe('one incident, one conversation', () => {
  it('sends the first alert at once and the next 20 commands as one follow-up; Discord edits its message', async () => {
    const slack = await server(OK.slack);
    const discord = await server(OK.discord);
    const { book } = await setup([{ name: 'slack', type: 'slack' }, { name: 'discord', type: 'discord' }], [slack, discord], { batchMs: 400 });
    const t0 = Date.now();
    book.record([detection('monitor session 1 source interface Gi1/0/1')]);
    await eventually(() => slack.received.length === 1 && discord.received.length === 1);
    expect(slack.received[0]!.at - t0).toBeLessThan(400);
    for (let n = 2; n <= 21; n++) book.record([detection(`monitor session 1 source interface Gi1/0/${n}`)]);
    await eventually(() => slack.received.length === 2 && discord.received.length === 2);
    await new Promise((r) => setTimeout(r, 800));
    expect(slack.received).toHaveLength(2);
    expect(slack.received[1]!.body).toContain('20 more commands');
    expect(discord.received[1]!.method).toBe('PATCH');
    expect(discord.received[1]!.url).toBe('/hooks/T000/B000/SECRETTOKEN/messages/1234567890123');
  });

  it('PagerDuty resolves the same alert when the incident is resolved', async () => {
    const pd = await server(OK.pagerduty);
    const { book, notifier, store } = await setup([{ name: 'pd', type: 'pagerduty', secret: 'rk' }], [pd]);
    const u = book.record([detection('monitor capture cap1 start')])!;
    await eventually(() => pd.received.length === 1);
    store.setIncidentStatus(u.incident.id, 'resolved');
    notifier.incidentChanged(store.incident(u.incident.id)!);
    await eventually(() => pd.received.length === 2);
    expect(JSON.parse(pd.received[1]!.body)).toEqual({ routing_key: 'rk', dedup_key: u.incident.id, event_action: 'resolve' });
  });
});

describe('retries', () => {
  it('retries a 500 and delivers', async () => {
    const s = await server();
    s.script = [{ status: 500 }, { status: 502 }];
    const { book, notifier } = await setup([{ name: 'w', type: 'slack' }], [s]);
    const u = book.record([detection('monitor session 2 destination interface Gi1/0/3')])!;
    await eventually(() => notifier.deliveries(u.incident.id)[0]?.status === 'delivered');
    expect(s.received).toHaveLength(3);
    expect(notifier.deliveries(u.incident.id)[0]!.attempts).toBe(3);
  });

  it('honours Retry-After on 429, in seconds and as an HTTP date', async () => {
    for (const retryAfter of ['1', new Date(Date.now() + 3000).toUTCString()]) {
      const s = await server();
      s.script = [{ status: 429, headers: { 'retry-after': retryAfter }, body: '{"ok":false,"error":"rate_limited"}' }];
      const { book, notifier } = await setup([{ name: 'w', type: 'slack' }], [s]);
      const u = book.record([detection('monitor session 2 destination interface Gi1/0/3')])!;
      await eventually(() => notifier.deliveries(u.incident.id)[0]?.status === 'delivered');
      // Not before the service said: a second later, or at the date it named (which has whole seconds).
      if (retryAfter === '1') expect(s.received[1]!.at - s.received[0]!.at).toBeGreaterThanOrEqual(900);
      else expect(s.received[1]!.at).toBeGreaterThanOrEqual(Date.parse(retryAfter));
    }
  });

  it('fails fast on 400 and shows why', async () => {
    const s = await server({ status: 400, body: 'invalid_blocks' });
    const { book, notifier } = await setup([{ name: 'w', type: 'slack' }], [s]);
    const u = book.record([detection('monitor session 2 destination interface Gi1/0/3')])!;
    await eventually(() => notifier.deliveries(u.incident.id)[0]?.status === 'failed');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.received).toHaveLength(1);
    expect(notifier.deliveries(u.incident.id)[0]).toMatchObject({ attempts: 1, lastError: 'HTTP 400: invalid_blocks' });
  });

  it('times out a slow service, retries, then delivers', async () => {
    const s = await server();
    s.script = [{ status: 200, body: 'ok', delayMs: 1500 }];
    const { book, notifier } = await setup([{ name: 'w', type: 'webhook', secret: 'k' }], [s], { timeoutMs: 300 });
    const u = book.record([detection('monitor session 2 destination interface Gi1/0/3')])!;
    await eventually(() => notifier.deliveries(u.incident.id)[0]?.status === 'delivered');
    expect(s.received.length).toBeGreaterThanOrEqual(2);
    // the retry is the same delivery: receivers drop the duplicate by its key
    expect(s.received[1]!.headers['idempotency-key']).toBe(s.received[0]!.headers['idempotency-key']);
  });

  it('gives up on a refused connection after the configured age, with the error visible', async () => {
    const port = await closedPort();
    const { book, notifier } = await setup([{ name: 'w', type: 'slack', url: `http://127.0.0.1:${port}/hooks/x` }], [], { maxAgeMs: 600 });
    const u = book.record([detection('monitor session 2 destination interface Gi1/0/3')])!;
    const d = await eventually(() => notifier.deliveries(u.incident.id).find((x) => x.status === 'failed'));
    expect(d.attempts).toBeGreaterThan(1);
    expect(d.lastError).toMatch(/gave up after \d+ attempts: ECONNREFUSED/);
  });
});

describe('shutdown', () => {
  it('waits for an in-flight delivery, but only for the drain time', async () => {
    const s = await server({ status: 200, body: 'ok', delayMs: 400 });
    const { book, notifier } = await setup([{ name: 'w', type: 'slack' }], [s], { timeoutMs: 5000, drainMs: 3000 });
    const u = book.record([detection('monitor session 2 destination interface Gi1/0/3')])!;
    await eventually(() => s.received.length === 1);
    await notifier.stop();
    expect(notifier.deliveries(u.incident.id)[0]!.status).toBe('delivered');

    const slow = await server({ status: 200, body: 'ok', delayMs: 5000 });
    const second = await setup([{ name: 'w', type: 'slack' }], [slow], { timeoutMs: 10_000, drainMs: 200 });
    const v = second.book.record([detection('monitor session 3 destination interface Gi1/0/3')])!;
    await eventually(() => slow.received.length === 1);
    const t0 = Date.now();
    await second.notifier.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(second.notifier.deliveries(v.incident.id)[0]).toMatchObject({ status: 'pending', attempts: 0 });
  });
});
