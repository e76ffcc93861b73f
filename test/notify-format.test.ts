// Every formatter against hostile command text, user and device names: the rendered payload must not be able to
// ping anyone, open a masked link or inject markup, and must stay within the service's documented limits.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { escape } from '../src/alerts/notify/escape.js';
import { digestFormatters, formatters } from '../src/alerts/notify/formats/index.js';
import type { DigestInput, NotifyTarget, RenderInput, TargetType } from '../src/alerts/notify/types.js';
import type { Detection, Incident } from '../src/types.js';
import { commandEvent } from './helpers/command-event.js';

const HOSTILE = '<!channel> <!here> <@U123> <http://evil|click> @everyone @here @channel [x](http://evil) <script>alert(1)</script> <users/all> {{DATE(2017-02-14T06:08:39Z, SHORT)}} *bold* `tick` \x07bell\x1b[31m\nfake line \u202eevil';
const CONTROLS = [/\u202e/, /\x07/, /\x1b/];
/** What must not survive: live mentions, masked links, markup. A backslash before a character makes it literal. */
const FORBIDDEN: Record<TargetType, RegExp[]> = {
  slack: [/<!channel>/, /<!here>/, /<@U123>/, /<http:\/\/evil/, /<script/, ...CONTROLS],
  mattermost: [/@everyone/, /@here/, /@channel/, /(?<!\\)\]\(http:\/\/evil/, /(?<!\\)</, ...CONTROLS],
  discord: [/@everyone/, /@here/, /(?<!\\)\]\(/, /(?<!\\)</, ...CONTROLS],
  teams: [/(?<!\\)\]\(http:\/\/evil/, /\{\{/, ...CONTROLS],
  googlechat: [/<users/, /<script/, /<!channel/, /<http/, ...CONTROLS],
  pagerduty: CONTROLS,
  webhook: [],
};

function detection(command: string, o: { user?: string; host?: string; context?: string[] } = {}): Detection {
  return {
    rule: 'r1',
    title: 'Packet capture started',
    kind: 'capture',
    severity: 'high',
    technique: 'T1040',
    event: commandEvent(command, { user: o.user ?? 'eve', device: { hostname: o.host ?? 'core-rtr1' }, context: o.context ?? [], remoteAddress: '198.51.100.9', line: 'vty0' }),
    facts: {},
    tradecraft: [],
    why: 'A capture copies traffic, credentials included, off the wire.',
  };
}

function incident(detections: Detection[], user = 'eve', host = 'core-rtr1'): Incident {
  return {
    id: '7d1c6f0e-0000-4000-8000-000000000001',
    severity: 'high',
    status: 'open',
    device: { address: '192.0.2.10', hostname: host, platform: 'iosxe' },
    user,
    firstSeen: new Date('2026-03-03T10:00:00Z'),
    lastSeen: new Date('2026-03-03T10:00:05Z'),
    detections,
  };
}

function input(type: TargetType, inc: Incident, extra: Partial<RenderInput> = {}): RenderInput {
  const target: NotifyTarget = { name: type, type, url: `http://127.0.0.1:9/${type}/T0/B0/XXXX`, secret: 's3cret-key' };
  return { incident: inc, first: true, fresh: inc.detections, publicUrl: 'https://capwatch.example', deliveryId: 'del-1', now: new Date('2026-03-03T10:00:06Z'), target, ...extra };
}

/** Every string anywhere in a JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

const TYPES = Object.keys(formatters) as TargetType[];
const hostile = incident([detection(HOSTILE, { user: HOSTILE, host: HOSTILE, context: [HOSTILE] })], HOSTILE, HOSTILE);

describe('escape', () => {
  it('never cuts inside an escape and keeps within the limit', () => {
    for (let max = 1; max < 40; max++) {
      for (const fam of ['slack', 'markdown', 'adaptive', 'html'] as const) {
        const out = escape('<<<&&&***@@@[[[', fam, max);
        expect(out.length).toBeLessThanOrEqual(max);
        // a cut escape would leave a dangling "&l" or a lone trailing backslash before the ellipsis
        if (fam === 'slack' || fam === 'html') expect(out).not.toMatch(/&[a-z#0-9]*…$/);
        else expect(out).not.toMatch(/(^|[^\\])(\\\\)*\\…$/);
      }
    }
    expect(escape('a😀b', 'plain', 3)).toBe('a…');
    expect(escape('<!channel>', 'slack')).toBe('&lt;!channel&gt;');
    expect(escape('@everyone [x](http://evil)', 'markdown')).toBe('@\u200beveryone \\[x\\]\\(http://evil\\)');
  });
});

describe.each(TYPES)('%s formatter', (type) => {
  it('renders hostile text inert', () => {
    const r = formatters[type](input(type, hostile));
    const all = strings(JSON.parse(r.body)).join('\n');
    for (const bad of FORBIDDEN[type]) expect(all, `${type} must not match ${bad}`).not.toMatch(bad);
    if (type === 'webhook' || type === 'pagerduty') return;
    // the message still says who, what, where and links back
    expect(all).toMatch(/eve|Who/);
    expect(all).toContain('T1040');
    expect(all).toContain('not checked yet');
  });

  it('stays within the service limits with a 100 KB command and 60 detections', () => {
    const big = 'monitor capture cap1 match ipv4 any any '.padEnd(100_000, '<&@*[');
    const many = incident([detection(big), ...Array.from({ length: 59 }, (_, n) => detection(`monitor session ${n} source interface Gi1/0/${n} both <!here>`))]);
    const r = formatters[type](input(type, many));
    const body = JSON.parse(r.body);
    checkShape(type, body, r.body, many);
  });
});

describe.each(TYPES)('%s storm digest', (type) => {
  const samples = Array.from({ length: 5 }, (_, n) => ({
    ...incident([detection(`${HOSTILE} ${'<&@*['.repeat(20_000)}`, { user: HOSTILE, host: HOSTILE })], HOSTILE, `${HOSTILE}-${n}`),
    id: `7d1c6f0e-0000-4000-8000-00000000000${n}`,
  }));
  const digest: DigestInput = {
    digest: { id: 'dg-1', target: type, openedAt: Date.parse('2026-03-03T10:00:00Z'), closesAt: Date.parse('2026-03-03T10:01:00Z'), incidents: 4321, devices: 4300, users: 4321, bySeverity: { critical: 21, high: 4300 }, sampleIds: samples.map((i) => i.id) },
    samples,
    publicUrl: 'https://capwatch.example',
    deliveryId: 'del-9',
    now: new Date('2026-03-03T10:01:00Z'),
    target: { name: type, type, url: `http://127.0.0.1:9/${type}/T0/B0/XXXX`, secret: 's3cret-key' },
  };

  it('counts the storm, lists samples inert, stays within the service limits', () => {
    const r = digestFormatters[type](digest);
    const body = JSON.parse(r.body);
    const all = strings(body).join('\n');
    for (const bad of FORBIDDEN[type]) expect(all, `${type} must not match ${bad}`).not.toMatch(bad);
    if (type === 'webhook') {
      expect(body).toMatchObject({ id: 'del-9', event: 'incidents.digest', digest: { id: 'dg-1', incidents: 4321, devices: 4300, bySeverity: { critical: 21, high: 4300 } } });
      expect(body.digest.samples).toHaveLength(5);
      expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(1024 * 1024);
      return;
    }
    if (type === 'pagerduty') {
      expect(body).toMatchObject({ routing_key: 's3cret-key', event_action: 'trigger', dedup_key: 'digest-dg-1', payload: { severity: 'critical', class: 'storm-digest' } });
      expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(512 * 1024);
      return;
    }
    expect(all).toContain('4321 T1040 incidents from 4300 never-seen devices');
    expect(all).toContain('…and 4316 more');
    expect(all).toContain('https://capwatch.example/#/incidents?range=custom&from=2026-03-03T10%3A00Z');
    if (type === 'slack') for (const b of body.blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    if (type === 'discord') expect(body.embeds[0].description.length).toBeLessThanOrEqual(4096);
    if (type === 'teams') expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(28_000);
    if (type === 'googlechat') {
      expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(32_000);
      expect(body.thread.threadKey).toBe('dg-1');
    }
    if (type === 'mattermost') expect(body.text.length).toBeLessThanOrEqual(16383);
  });
});

function checkShape(type: TargetType, body: any, raw: string, inc: Incident) {
  switch (type) {
    case 'slack':
      expect(typeof body.text).toBe('string');
      expect(body.blocks.length).toBeLessThanOrEqual(50);
      for (const b of body.blocks) {
        if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
        if (b.fields) {
          expect(b.fields.length).toBeLessThanOrEqual(10);
          for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
        }
      }
      expect(raw).toContain('<https://capwatch.example/api/incidents/7d1c6f0e-0000-4000-8000-000000000001|Open incident in capwatch>');
      break;
    case 'mattermost':
      expect(body.text.length).toBeLessThanOrEqual(16383);
      break;
    case 'discord': {
      expect(body.allowed_mentions).toEqual({ parse: [] });
      expect(body.embeds).toHaveLength(1);
      const e = body.embeds[0];
      expect(e.title.length).toBeLessThanOrEqual(256);
      expect(e.description.length).toBeLessThanOrEqual(4096);
      expect(e.fields.length).toBeLessThanOrEqual(25);
      for (const f of e.fields) expect(f.value.length).toBeLessThanOrEqual(1024);
      const total = e.title.length + e.description.length + e.footer.text.length + e.fields.reduce((n: number, f: any) => n + f.name.length + f.value.length, 0);
      expect(total).toBeLessThanOrEqual(6000);
      break;
    }
    case 'teams':
      expect(body.type).toBe('message');
      expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(body.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(28_000);
      break;
    case 'googlechat':
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(32_000);
      expect(body.thread.threadKey).toBe(inc.id);
      expect(body.cardsV2[0].card.sections.length).toBeGreaterThan(0);
      break;
    case 'pagerduty':
      expect(body).toMatchObject({ routing_key: 's3cret-key', event_action: 'trigger', dedup_key: inc.id });
      expect(body.payload.summary.length).toBeLessThanOrEqual(1024);
      expect(['critical', 'error', 'warning', 'info']).toContain(body.payload.severity);
      expect(body.payload.source.length).toBeGreaterThan(0);
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(512 * 1024);
      break;
    case 'webhook':
      expect(body.id).toBe('del-1');
      expect(body.incident.totalDetections).toBe(60);
      expect(body.incident.detections).toHaveLength(50);
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(1024 * 1024);
      break;
  }
}

describe('service specifics', () => {
  it('Google Chat threads every message of an incident and falls back to a new thread', () => {
    const r = formatters.googlechat(input('googlechat', hostile));
    const url = new URL(r.url!);
    expect(url.searchParams.get('messageReplyOption')).toBe('REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
  });

  it('Discord asks for the message on the first post and edits it afterwards', () => {
    const first = formatters.discord(input('discord', hostile));
    expect(new URL(first.url!).searchParams.get('wait')).toBe('true');
    const later = formatters.discord(input('discord', hostile, { first: false, ref: '112233' }));
    expect(later.method).toBe('PATCH');
    expect(new URL(later.url!).pathname).toBe('/discord/T0/B0/XXXX/messages/112233');
  });

  it('PagerDuty resolves and acknowledges with the same dedup_key and routing_key', () => {
    for (const [status, action] of [['resolved', 'resolve'], ['acknowledged', 'acknowledge']] as const) {
      const body = JSON.parse(formatters.pagerduty(input('pagerduty', { ...hostile, status })).body);
      expect(body).toEqual({ routing_key: 's3cret-key', dedup_key: hostile.id, event_action: action });
    }
  });

  it('the generic webhook signs timestamp.body with HMAC-SHA256 and carries the idempotency key', () => {
    const r = formatters.webhook(input('webhook', hostile));
    const ts = r.headers['x-capwatch-timestamp']!;
    expect(ts).toBe(String(Date.parse('2026-03-03T10:00:06Z') / 1000));
    const expected = createHmac('sha256', 's3cret-key').update(`${ts}.${r.body}`).digest('hex');
    expect(r.headers['x-capwatch-signature']).toBe(`sha256=${expected}`);
    expect(r.headers['idempotency-key']).toBe('del-1');
    expect(JSON.parse(r.body)).toMatchObject({ id: 'del-1', event: 'incident.opened', incident: { id: hostile.id, url: `https://capwatch.example/api/incidents/${hostile.id}` } });
  });

  it('the generic webhook cuts a 100 KB command and says so', () => {
    const body = JSON.parse(formatters.webhook(input('webhook', incident([detection('x'.repeat(100_000))]))).body);
    expect(body.incident.detections[0]).toMatchObject({ truncated: true, command: 'x'.repeat(8192) });
  });

  it('a follow-up lists only the new commands', () => {
    const inc = incident([detection('monitor session 1 source interface Gi1/0/1'), detection('monitor session 1 destination interface Gi1/0/2')]);
    const body = JSON.parse(formatters.slack(input('slack', inc, { first: false, fresh: inc.detections.slice(1) })).body);
    const text = strings(body).join('\n');
    expect(text).toContain('1 more command');
    expect(text).toContain('destination interface Gi1/0/2');
    expect(text).not.toContain('source interface Gi1/0/1');
  });

  it('shows the confirmation the poller attached', () => {
    const inc = { ...incident([detection('monitor capture cap1 start')]), confirmation: { status: 'active-found' as const, checkedAt: new Date('2026-03-03T10:00:09Z'), findings: { supported: true, captures: [{ name: 'cap1', active: true, interfaces: [], direction: null, file: null }], sessions: [] } } };
    for (const type of ['slack', 'teams', 'discord', 'googlechat', 'mattermost'] as const) {
      expect(strings(JSON.parse(formatters[type](input(type, inc)).body)).join('\n').replace(/\\/g, '')).toContain("CONFIRMED: the device shows capture cap1");
    }
  });
});
