// The API as a client sees it, through the real service: every answer checked against the OpenAPI document the
// service publishes, the live event stream, exports, the devices view, and the limits on sweeps.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryEntry, simDevice } from './helpers/devices.js';
import { eventually, sha256, startService, type Service } from './helpers/service.js';
import type { SimDevice } from './helpers/ssh-device.js';

const OPERATOR = 'cw_second-operator-token-abcdefghijklmnopqrstuvwxyz012';

/** The syslog sender: another loopback address than the simulated SSH device's, as two boxes would have. */
const EDGE = '127.0.0.9';
const cfglog = (n: number, user: string, command: string) => `<189>${n}: edge9: *Dec  4 10:00:0${n}.000: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:${command}`;

/** Reads Server-Sent Events from a stream until `want` accepts one. */
async function nextEvent(body: ReadableStream<Uint8Array>, want: (event: string, data: any) => boolean, timeoutMs = 8000): Promise<any> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await Promise.race([reader.read(), new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('no matching event')), deadline - Date.now()))]);
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data && want(event, JSON.parse(data))) return JSON.parse(data);
      }
    }
    throw new Error('stream ended without a matching event');
  } finally {
    reader.releaseLock();
  }
}

describe('API contract, end to end', () => {
  let svc: Service;
  let sim: SimDevice;
  let validate: (method: string, path: string, status: number, body: unknown) => void;

  beforeAll(async () => {
    // Slow answers keep a sweep running while the test asks for a second one.
    sim = await simDevice('iosxe', { delayMs: 1500 });
    svc = await startService({
      config: {
        inventory: { devices: [inventoryEntry(sim, 'iosxe', { name: 'core-rtr1', tags: ['core'] })] },
        poll: { confirmOnAlert: false, connectTimeoutSeconds: 5, commandTimeoutSeconds: 5, maxConcurrency: 4, sweepsPerUserPerMinute: 4 },
        http: { auth: { tokens: [{ name: 'soar', role: 'operator', sha256: sha256(OPERATOR) }, { name: 'test-admin', role: 'admin', sha256: sha256('cw_test-admin-token-for-the-end-to-end-tests') }] } },
      },
    });
    const doc = await svc.api('/api/openapi.json');
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc, 'openapi');
    validate = (method, path, status, body) => {
      const pointer = `openapi#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${method}/responses/${status}/content/application~1json/schema`;
      const ok = ajv.validate({ $ref: pointer }, body);
      expect(ok, `${method} ${path} ${status}: ${ajv.errorsText()}`).toBe(true);
    };
  }, 60_000);
  afterAll(async () => {
    await svc.stop();
    await sim.close();
  });

  it('an incident opened by a syslog line arrives on the live stream while it is open', async () => {
    const stream = await svc.request('/api/stream');
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const arrived = nextEvent(stream.body!, (event, data) => event === 'incident' && data.user === 'streamer');
    await svc.sendSyslog([cfglog(1, 'streamer', 'monitor session 3 source interface Gi0/1 both'), cfglog(2, 'streamer', 'monitor session 3 destination interface Gi0/2')], EDGE);
    const summary = await arrived;
    expect(summary).toMatchObject({ device: 'edge9', user: 'streamer', status: 'open', kinds: ['span'] });
    validate('get', '/api/incidents/{id}', 200, await svc.api(`/api/incidents/${summary.id}`));
    await stream.body!.cancel();
  });

  it('every answer matches the OpenAPI document', async () => {
    await svc.sendSyslog([cfglog(3, 'eve', 'monitor session 4 type erspan-source'), cfglog(4, 'eve', 'destination'), cfglog(5, 'eve', 'ip address 198.51.100.7')], EDGE);
    const incident = await eventually(async () => (await svc.api('/api/incidents?user=eve')).incidents[0]);
    await svc.request(`/api/incidents/${incident.id}/comments`, { method: 'POST', json: { text: 'checking' } });
    const sweep = (await (await svc.request('/api/sweeps', { method: 'POST', json: { devices: ['core-rtr1'] } })).json()) as { id: string };
    await eventually(async () => (await svc.api(`/api/sweeps/${sweep.id}`)).status === 'done', 15_000);
    const gets: Array<[string, string]> = [
      ['/api/incidents', '/api/incidents'],
      ['/api/incidents/summaries?limit=5000', '/api/incidents/summaries'],
      ['/api/incidents/summaries?user=eve&kind=erspan', '/api/incidents/summaries'],
      ['/api/incidents?severity=critical&kind=erspan&user=eve', '/api/incidents'],
      ['/api/incidents/counts', '/api/incidents/counts'],
      [`/api/incidents/${incident.id}`, '/api/incidents/{id}'],
      ['/api/devices', '/api/devices'],
      ['/api/devices/core-rtr1', '/api/devices/{name}'],
      ['/api/devices/edge9', '/api/devices/{name}'],
      ['/api/audit', '/api/audit'],
      ['/api/activity?range=day', '/api/activity'],
      ['/api/rules', '/api/rules'],
      ['/api/sweeps', '/api/sweeps'],
      [`/api/sweeps/${sweep.id}`, '/api/sweeps/{id}'],
      ['/api/session', '/api/session'],
      ['/api/auth/methods', '/api/auth/methods'],
      ['/healthz', '/healthz'],
    ];
    for (const [url, path] of gets) {
      const res = await svc.request(url);
      expect(res.status, url).toBe(200);
      validate('get', path, 200, await res.json());
    }
    const missing = await svc.request('/api/incidents/not-an-incident');
    expect(missing.status).toBe(404);
    validate('get', '/api/incidents/{id}', 404, await missing.json());
    const bad = await svc.request('/api/incidents?severity=apocalyptic');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/severity/);
  });

  it('the devices view joins what the logs say with what the device showed, and flags where they disagree', async () => {
    const devices = (await svc.api('/api/devices')).devices as any[];
    const edge = devices.find((d) => d.name === 'edge9');
    expect(edge).toMatchObject({ address: EDGE, inInventory: false, lastCheck: null, disagrees: false });
    expect(edge.messages).toBeGreaterThanOrEqual(5);
    expect(edge.believed.sessions.find((s: { id: string }) => s.id === '4')).toMatchObject({ type: 'erspan-source', destinationIp: '198.51.100.7' });
    const core = devices.find((d) => d.name === 'core-rtr1');
    // No log ever mentioned the active capture and ERSPAN session the device shows: the two stories differ.
    expect(core).toMatchObject({ inInventory: true, tags: ['core'], lastMessageAt: null, lastCheck: { status: 'active-found' }, disagrees: true });
    expect(core.lastCheck.captures.map((c: { name: string }) => c.name)).toContain('NTP');
    const one = await svc.api('/api/devices/core-rtr1');
    expect(one.checks.length).toBeGreaterThanOrEqual(1);
    expect(one.incidents.length).toBeGreaterThanOrEqual(1);
    expect((await svc.request('/api/devices/nowhere')).status).toBe(404);
  });

  it('exports: CSV with one row per detection and spreadsheet formulas defused; NDJSON with one incident per line', async () => {
    await svc.sendSyslog([cfglog(6, '=cmd|calc', 'monitor session 5 source interface Gi0/3 both'), cfglog(7, '=cmd|calc', 'monitor session 5 destination interface Gi0/4')], EDGE);
    await eventually(async () => (await svc.api('/api/incidents?user=%3Dcmd%7Ccalc')).incidents.length > 0);
    const csv = await svc.request('/api/incidents/export?format=csv&user=%3Dcmd%7Ccalc');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="capwatch-incidents-.*\.csv"$/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^incident,incident_severity,status,device,device_address,user,/);
    expect(lines).toHaveLength(3);
    for (const l of lines.slice(1)) expect(l).toContain(",'=cmd|calc,");
    const ndjson = await svc.request('/api/incidents/export?format=ndjson&device=edge9');
    const rows = (await ndjson.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) validate('get', '/api/incidents/{id}', 200, { ...r, deliveries: [], timeline: [], comments: [], audit: [] });
  });

  it('sweeps are bounded: a concurrency ceiling, one sweep per scope at a time, a rate per person', async () => {
    const post = (body: unknown, token?: string) =>
      token
        ? fetch(`http://127.0.0.1:${svc.http}/api/sweeps`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        : svc.request('/api/sweeps', { method: 'POST', json: body });
    const tooWide = await post({ concurrency: 5 });
    expect(tooWide.status).toBe(400);
    expect(await tooWide.json()).toEqual({ error: 'concurrency: at most 4 (poll.maxConcurrency)' });

    const first = await post({ tags: ['core'] });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    const again = await post({ tags: ['CORE'] });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: `a sweep of the same devices is running (${id})`, sweep: id });
    // Someone else asking for the same scope gets the same answer, not a second login to every device.
    expect((await post({ tags: ['core'] }, OPERATOR)).status).toBe(409);
    // This person's budget (4 a minute, refused attempts and the earlier sweep included) is spent.
    const limited = await post({ devices: ['core-rtr1'], tags: ['core'] });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: string }).error).toMatch(/too many requests/);
    const sweeps = (await svc.api('/api/sweeps')).sweeps as Array<{ id: string }>;
    expect(sweeps.filter((s) => s.id === id)).toHaveLength(1);
    expect((await svc.api('/api/audit?action=sweep.start')).entries.map((e: { actor: string }) => e.actor)).toEqual(['test-admin', 'test-admin']);
    await eventually(async () => (await svc.api(`/api/sweeps/${id}`)).status === 'done', 15_000);
  });
});
