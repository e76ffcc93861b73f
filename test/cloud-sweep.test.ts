// `capwatch sweep --cloud` against each provider's real SDK, pointed at an HTTP server on 127.0.0.1 that answers in
// the provider's wire format (EC2 Query API XML, Compute Engine JSON, Azure Resource Manager JSON) with bodies based on
// the providers' documented examples (each fixture in fixtures/cloud-sweep names its source on its first line).
// moto (the AWS mock) cannot be installed here: these servers stand in for it, and the tests check both the requests
// the SDKs sent and the incidents a sweep opens.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { NetworkManagementClient } from '@azure/arm-network';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cloudCallFromText } from '../parsers/cloud/index.js';
import { isParseFailure } from '../parsers/types.js';
import { buildAlerting } from '../src/app.js';
import { Store } from '../src/alerts/store.js';
import type { CloudConnections } from '../src/cloud-sweep/index.js';
import { scheduleCloudSweeps } from '../src/cloud-sweep/schedule.js';
import { cloudSweepCommand } from '../src/commands/cloud-sweep.js';
import { CollectorNetworks } from '../src/detect/severity.js';
import { buildConfig, type Config } from '../src/config.js';
import { cloudEvent } from '../src/detect/cloud.js';
import { Detector } from '../src/detect/detector.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import type { Incident } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';
import { requireTool } from './helpers/tools.js';
import { textSink } from './helpers/text-sink.js';

const ROOT = join(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'fixtures', 'cloud-sweep');
/** A fixture without its first line (the line naming its source). */
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').split('\n').slice(1).join('\n');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server (HTTPS with `tls`) that records each request and answers with `answer`. */
async function fakeApi(answer: (req: Seen, res: ServerResponse) => void, tls?: { key: Buffer; cert: Buffer }): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      answer(s, res);
    });
  };
  const server: Server = tls ? createTlsServer(tls, handle) : createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function setup(sweep: Record<string, unknown>, collectors: string[] = []): Config {
  const dir = tempDir('capwatch-cloud-sweep-');
  return buildConfig({ storage: { path: join(dir, 'capwatch.db') }, detection: { collectors }, cloud: { sweep } });
}

async function sweep(config: Config, connections: CloudConnections) {
  const out = textSink();
  const err = textSink();
  const code = await cloudSweepCommand(config, { json: true, connections, stdout: out.stream, stderr: err.stream });
  return { code, json: out.text() ? (JSON.parse(out.text()) as { scopes: Array<{ provider: string; scope: string; error?: string; mirrors: Array<Record<string, unknown>> }>; incidents: Array<{ account: string; incident: string; mirrors: string[] }> }) : undefined, stderr: err.text() };
}

function incidents(config: Config): Incident[] {
  const store = new Store(config.storage.path);
  try {
    return store.incidents();
  } finally {
    store.close();
  }
}

/** Files the real CloudTrail record of a session through the rules into the store, as `serve` does with an event. */
function recordEvent(config: Config, text: string): Incident {
  const store = new Store(config.storage.path);
  try {
    const { book } = buildAlerting(config, store, createLogger({ level: 'silent' }), new Metrics());
    const call = cloudCallFromText(text);
    if (call === null || isParseFailure(call)) throw new Error('not a mirroring call');
    const detector = new Detector({ rules: loadRules([join(ROOT, 'rules')]), collectors: config.detection.collectors });
    const update = book.record(detector.detect(cloudEvent(call, text, 'http', new Date())));
    if (!update) throw new Error('no incident');
    return update.incident;
  } finally {
    store.close();
  }
}

describe('cloud sweep: AWS (EC2 Query API)', () => {
  /** Which region a request was signed for: SigV4's credential scope, `AKID/date/region/ec2/aws4_request`. */
  const regionOf = (s: Seen) => /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/ec2\/aws4_request/.exec(String(s.headers.authorization))?.[1];
  const params = (s: Seen) => new URLSearchParams(s.body);

  async function ec2Server() {
    return fakeApi((req, res) => {
      const p = params(req);
      const region = regionOf(req);
      const xml = (status: number, body: string) => {
        res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
      };
      if (region === 'ap-southeast-2') return xml(403, fixture('aws-unauthorized.xml'));
      if (region !== 'us-east-1') return xml(200, fixture('aws-empty-sessions.xml'));
      switch (p.get('Action')) {
        case 'DescribeTrafficMirrorSessions':
          return xml(200, fixture(p.get('NextToken') ? 'aws-sessions-page2.xml' : 'aws-sessions-page1.xml'));
        case 'DescribeTrafficMirrorTargets':
          return xml(200, fixture('aws-targets.xml'));
        case 'DescribeTrafficMirrorFilters':
          return xml(200, fixture('aws-filters.xml'));
        default:
          return xml(400, '<Response><Errors><Error><Code>InvalidAction</Code><Message>unexpected</Message></Error></Errors></Response>');
      }
    });
  }

  const connect = (url: string): CloudConnections => ({
    aws: async (region) => new EC2Client({ region, endpoint: url, credentials: { accessKeyId: 'AKIDCAPWATCHTEST', secretAccessKey: 'capwatch-test-secret' }, maxAttempts: 1 }),
  });

  it('lists every region page by page and opens one incident for the account whose sessions no event explains', async () => {
    const api = await ec2Server();
    const config = setup({ aws: { regions: ['us-east-1', 'eu-west-1'] } });
    // The real CloudTrail record of tms-089e55493216df002 reached capwatch: its incident explains that session.
    const event = recordEvent(config, readFileSync(join(ROOT, 'fixtures', 'cloud', 'aws-elastic-traffic-mirroring.jsonl'), 'utf8').split('\n')[3]!);
    expect(event.device.address).toBe('aws:000000000000');

    const r = await sweep(config, connect(api.url));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);

    // The requests: sessions in both regions, the second page of us-east-1 with the first page's token; targets and
    // filters only where there are sessions to describe.
    const calls = api.seen.map((s) => `${regionOf(s)} ${params(s).get('Action')}${params(s).get('NextToken') ? ` NextToken=${params(s).get('NextToken')}` : ''}`);
    expect(calls.sort()).toEqual(
      [
        'eu-west-1 DescribeTrafficMirrorSessions',
        'us-east-1 DescribeTrafficMirrorFilters',
        'us-east-1 DescribeTrafficMirrorSessions',
        'us-east-1 DescribeTrafficMirrorSessions NextToken=eyJ2IjoiMSIsImMiOiJ0bXMtMDU2N2E0YzY4NEVYQU1QTEUifQ==',
        'us-east-1 DescribeTrafficMirrorTargets',
      ].sort(),
    );
    for (const s of api.seen) {
      expect(s.method).toBe('POST');
      expect(params(s).get('Version')).toBe('2016-11-15');
      expect(String(s.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDCAPWATCHTEST\//);
      // The secret signs; it is never sent.
      expect(JSON.stringify(s)).not.toContain('capwatch-test-secret');
    }

    expect(r.json!.scopes.map((s) => `${s.scope} ${s.mirrors.length}`)).toEqual(['us-east-1 3', 'eu-west-1 0']);
    expect(r.json!.incidents).toEqual([{ account: 'aws:111122223333', incident: expect.any(String), mirrors: ['tms-0567a4c684EXAMPLE', 'tms-0060101cf8EXAMPLE'] }]);

    const all = incidents(config);
    expect(all).toHaveLength(2);
    const opened = all.find((i) => i.id === r.json!.incidents[0]!.incident)!;
    expect(opened.device).toMatchObject({ address: 'aws:111122223333', platform: 'aws' });
    expect(opened.confirmation?.status).toBe('active-found');
    const [nlb, tacacs] = opened.detections;
    expect(nlb).toMatchObject({
      kind: 'mirror',
      severity: 'high',
      event: { source: 'sweep' },
      facts: { session: 'tms-0567a4c684EXAMPLE', sources: 'eni-0a471a5cf3EXAMPLE', targetType: 'network-load-balancer', targetAccount: '111122223333', protocols: 'tcp', cidrs: '10.0.0.0/24 > 10.0.0.0/24', account: '111122223333', region: 'us-east-1' },
    });
    // Copies TACACS+ to a target owned by an account that is no approved collector's.
    expect(tacacs).toMatchObject({ severity: 'critical', facts: { session: 'tms-0060101cf8EXAMPLE', targetAccount: '444455556666', ports: '49' }, tradecraft: ['mirror filter targets TACACS+ (TCP 49)'] });
    expect(tacacs!.why).toContain('owned by 444455556666, outside the approved collectors');
    // The session the event explained is listed, and its incident is the event's alone.
    expect(r.json!.scopes[0]!.mirrors.map((m) => m.session)).toContain('tms-089e55493216df002');
    expect(all.find((i) => i.id === event.id)!.detections).toHaveLength(1);

    // The next sweep finds the same sessions, now explained by the incident the first one opened.
    const again = await sweep(config, connect(api.url));
    expect(again.json!.incidents).toEqual([]);
    expect(incidents(config)).toHaveLength(2);
  });

  it('a target in an approved collector account is not "elsewhere"; a session with no event opens its own incident', async () => {
    const api = await ec2Server();
    const config = setup({ aws: { regions: ['us-east-1'] } }, ['aws:444455556666']);
    const r = await sweep(config, connect(api.url));
    const opened = incidents(config).find((i) => i.device.address === 'aws:111122223333')!;
    const tacacs = opened.detections.find((d) => d.facts.session === 'tms-0060101cf8EXAMPLE')!;
    // Critical still, but for the TACACS+ filter (high, raised one step), not for where the packets go.
    expect(tacacs).toMatchObject({ severity: 'critical', tradecraft: ['mirror filter targets TACACS+ (TCP 49)'] });
    expect(tacacs.why).not.toContain('outside the approved collectors');
    expect(opened.detections.find((d) => d.facts.session === 'tms-0567a4c684EXAMPLE')!.severity).toBe('high');
    // With no event at all, the anonymised account's session opens its own incident.
    expect(r.json!.incidents.map((i) => i.account).sort()).toEqual(['aws:000000000000', 'aws:111122223333']);
  });

  it('the text report: one line per mirror, the incident on the lines of the mirrors it is about', async () => {
    const api = await ec2Server();
    const config = setup({ aws: { regions: ['us-east-1', 'ap-southeast-2'] } });
    recordEvent(config, readFileSync(join(ROOT, 'fixtures', 'cloud', 'aws-elastic-traffic-mirroring.jsonl'), 'utf8').split('\n')[3]!);
    const out = textSink();
    expect(await cloudSweepCommand(config, { json: false, connections: connect(api.url), stdout: out.stream, stderr: textSink().stream })).toBe(1);
    const lines = out.text().split('\n');
    const opened = incidents(config).find((i) => i.detections[0]!.event.source === 'sweep')!;
    expect(lines.find((l) => l.includes('tms-0567a4c684EXAMPLE'))).toMatch(new RegExp(`ACTIVE .* incident ${opened.id} opened$`));
    expect(lines.find((l) => l.includes('tms-089e55493216df002'))).not.toContain('incident');
    expect(lines.find((l) => l.includes('ap-southeast-2'))).toMatch(/NOT LISTED +UnauthorizedOperation: You are not authorized/);
    expect(lines).toContainEqual(expect.stringMatching(/^Swept 2 cloud scopes in [\d.]+ s: 3 mirrors, 1 not listed; 1 incident opened\.$/));
  });

  it('serve sweeps every cloud.sweep.intervalMinutes, and not before', async () => {
    const api = await ec2Server();
    const config = setup({ aws: { regions: ['us-east-1'] }, intervalMinutes: 30 });
    const store = new Store(config.storage.path);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const { book } = buildAlerting(config, store, createLogger({ level: 'silent' }), new Metrics());
      const stop = scheduleCloudSweeps(config.cloud.sweep, { store, record: (d, c) => book.record(d, c), collectors: new CollectorNetworks([]), log: createLogger({ level: 'silent' }) }, connect(api.url));
      vi.advanceTimersByTime(29 * 60_000);
      expect(api.seen).toHaveLength(0);
      vi.advanceTimersByTime(60_000);
      await vi.waitFor(() => expect(store.incidents().map((i) => i.device.address).sort()).toEqual(['aws:000000000000', 'aws:111122223333']), { timeout: 10_000 });
      stop();
      vi.advanceTimersByTime(60 * 60_000);
      expect(api.seen.filter((s) => params(s).get('Action') === 'DescribeTrafficMirrorSessions')).toHaveLength(2);
    } finally {
      vi.useRealTimers();
      store.close();
    }
  });

  it('a region the credentials may not read is reported with the provider error; exit 3 when nothing is active', async () => {
    const api = await ec2Server();
    const config = setup({ aws: { regions: ['ap-southeast-2', 'eu-west-1'] } });
    const r = await sweep(config, connect(api.url));
    expect(r.code).toBe(3);
    expect(r.json!.scopes.find((s) => s.scope === 'ap-southeast-2')!.error).toBe('UnauthorizedOperation: You are not authorized to perform this operation.');
    expect(r.json!.incidents).toEqual([]);
  });
});

describe('cloud sweep: Google Cloud (Compute Engine REST)', () => {
  const PROJECT = 'qwiklabs-gcp-02-05e37a194649';
  const TOKEN = 'ya29.capwatch-test-access-token';

  async function computeServer() {
    return fakeApi((req, res) => {
      const u = new URL(req.url, 'http://127.0.0.1');
      const json = (status: number, name: string) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(fixture(name));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, 'gcp-forbidden.json');
      if (u.pathname === '/compute/v1/projects/locked-project/aggregated/packetMirrorings') return json(403, 'gcp-forbidden.json');
      if (u.pathname !== `/compute/v1/projects/${PROJECT}/aggregated/packetMirrorings`) return json(404, 'gcp-forbidden.json');
      return json(200, u.searchParams.get('pageToken') ? 'gcp-aggregated-page2.json' : 'gcp-aggregated-page1.json');
    });
  }

  const connect = (url: string): CloudConnections => ({
    gcp: {
      auth: async () => {
        const client = new OAuth2Client();
        client.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3_600_000 });
        return client;
      },
      endpoint: url,
    },
  });

  it('follows nextPageToken across regions; the unexplained enabled mirroring opens an incident, the disabled one does not', async () => {
    const api = await computeServer();
    const config = setup({ gcp: { projects: [PROJECT, 'locked-project'] } });
    // The audit log entry that created cloud-ids-packet-mirroring reached capwatch.
    const event = recordEvent(config, readFileSync(join(ROOT, 'fixtures', 'cloud', 'gcp-packet-mirroring-synthesised.jsonl'), 'utf8').split('\n')[0]!);
    expect(event.detections[0]!.facts.session).toBe(`projects/${PROJECT}/regions/us-east1/packetMirrorings/cloud-ids-packet-mirroring`);

    const r = await sweep(config, connect(api.url));
    expect(r.code).toBe(1);
    const mine = api.seen.filter((s) => s.url.includes(PROJECT));
    expect(mine.map((s) => `${s.method} ${s.url}`)).toEqual([
      `GET /compute/v1/projects/${PROJECT}/aggregated/packetMirrorings?maxResults=500`,
      `GET /compute/v1/projects/${PROJECT}/aggregated/packetMirrorings?maxResults=500&pageToken=Cj0KO2F0dGFjaGVkLXJlc291cmNlLXBhY2tldC1taXJyb3JpbmctNDQ3MTkwNTcxODI4MzczMDE3Mw%3D%3D`,
    ]);
    expect(r.json!.scopes.find((s) => s.scope === 'locked-project')!.error).toContain("Required 'compute.packetMirrorings.list' permission for 'projects/locked-project'");
    expect(JSON.stringify(r.json) + r.stderr).not.toContain(TOKEN);

    const listed = r.json!.scopes.find((s) => s.scope === PROJECT)!.mirrors;
    expect(listed.map((m) => `${String(m.session).split('/').pop()} ${m.region} ${m.active}`)).toEqual(['cloud-ids-packet-mirroring us-east1 true', 'tacacs-tap us-east1 true', 'paused-tap us-east1 false']);
    expect(r.json!.incidents).toEqual([{ account: `gcp:${PROJECT}`, incident: expect.any(String), mirrors: [`projects/${PROJECT}/regions/us-east1/packetMirrorings/tacacs-tap`] }]);
    const opened = incidents(config).find((i) => i.id === r.json!.incidents[0]!.incident)!;
    expect(opened.device).toMatchObject({ address: `gcp:${PROJECT}`, platform: 'gcp' });
    expect(opened.detections).toHaveLength(1);
    // The collector lives in another project, no approved collector's: critical, as the same insert seen in the log is.
    expect(opened.detections[0]).toMatchObject({
      severity: 'critical',
      event: { source: 'sweep' },
      facts: { target: 'projects/collector-elsewhere-7/regions/us-east1/forwardingRules/sink', targetAccount: 'collector-elsewhere-7', sources: 'tag:aaa-servers', protocols: 'tcp', cidrs: '10.20.0.0/16', region: 'us-east1' },
    });
  });
});

describe('cloud sweep: Azure (Resource Manager)', () => {
  const SUB = '8a4de8b5-095c-47d0-a96f-a75130c61d53';
  const LOCKED = '11111111-2222-4333-8444-555555555555';
  const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.capwatch-test.token';
  // Resource Manager clients refuse to send a bearer token over plain HTTP: the server speaks TLS with a throwaway cert.
  let tls: { key: Buffer; cert: Buffer } | undefined;
  beforeAll(() => {
    if (!requireTool('openssl')) return;
    const dir = tempDir('capwatch-cloud-sweep-tls-');
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', key, '-out', cert]);
    if (r.status !== 0) throw new Error(`openssl: ${r.stderr.toString()}`);
    tls = { key: readFileSync(key), cert: readFileSync(cert) };
  });

  async function armServer() {
    let base = '';
    const api = await fakeApi((req, res) => {
      const u = new URL(req.url, 'https://127.0.0.1');
      const json = (status: number, name: string) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(fixture(name).replaceAll('{{base}}', base));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, 'azure-forbidden.json');
      if (u.pathname.startsWith(`/subscriptions/${LOCKED}/`)) return json(403, 'azure-forbidden.json');
      if (u.pathname === `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworkTaps`) return json(200, u.searchParams.get('$skiptoken') ? 'azure-vtaps-page2.json' : 'azure-vtaps-page1.json');
      if (u.pathname === `/subscriptions/${SUB}/providers/Microsoft.Network/networkInterfaces`) return json(200, 'azure-nics.json');
      return json(404, 'azure-forbidden.json');
    }, tls);
    base = api.url;
    return api;
  }

  const connect = (url: string): CloudConnections => ({
    azure: async (subscription) =>
      new NetworkManagementClient({ getToken: async () => ({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }) }, subscription, {
        endpoint: url,
        tlsOptions: { ca: tls!.cert },
        retryOptions: { maxRetries: 0 },
      }),
  });

  it('pages TAPs by nextLink, reads NIC tap configurations, and opens an incident for the tap no event explains', async (ctx) => {
    if (!tls) return ctx.skip();
    const api = await armServer();
    const config = setup({ azure: { subscriptions: [SUB, LOCKED] } });
    // The Activity Log record of web-nic's tap configuration (its resource id upper-cased, as diagnostic settings write it).
    const records = (JSON.parse(readFileSync(join(ROOT, 'fixtures', 'cloud', 'azure-activity-synthesised.json'), 'utf8')) as { records: unknown[] }).records;
    const event = recordEvent(config, JSON.stringify(records[2]));
    expect(event.detections[0]!.facts.session).toMatch(/WEB-NIC\/TAPCONFIGURATIONS\/TAPCONFIG1$/);

    const r = await sweep(config, connect(api.url));
    expect(r.code).toBe(1);
    const mine = api.seen.filter((s) => s.url.includes(SUB));
    expect(mine.map((s) => s.url.replace(/api-version=[0-9-]+/, 'api-version=V')).sort()).toEqual([
      `/subscriptions/${SUB}/providers/Microsoft.Network/networkInterfaces?api-version=V`,
      `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworkTaps?api-version=V`,
      `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworkTaps?api-version=V&$skiptoken=dnRhcDE%3d`,
    ]);
    for (const s of api.seen) expect(s.method).toBe('GET');
    expect(r.json!.scopes.find((s) => s.scope === LOCKED)!.error).toMatch(/^AuthorizationFailed: The client .* does not have authorization to perform action 'Microsoft.Network\/virtualNetworkTaps\/read'/);
    expect(JSON.stringify(r.json) + r.stderr).not.toContain(TOKEN);

    const listed = r.json!.scopes.find((s) => s.scope === SUB)!.mirrors;
    expect(listed.map((m) => String(m.session).split('/').slice(-3).join('/'))).toEqual(['web-nic/tapConfigurations/tapconfig1', 'db-nic/tapConfigurations/tap3']);
    expect(r.json!.incidents).toEqual([{ account: `azure:${SUB}`, incident: expect.any(String), mirrors: [`/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/db-nic/tapConfigurations/tap3`] }]);
    const opened = incidents(config).find((i) => i.id === r.json!.incidents[0]!.incident)!;
    expect(opened.device).toMatchObject({ address: `azure:${SUB}`, platform: 'azure' });
    // The TAP delivers to a load balancer in a subscription no collector list approves.
    expect(opened.detections[0]).toMatchObject({
      severity: 'critical',
      event: { source: 'sweep' },
      facts: {
        sources: `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/db-nic`,
        target: `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworkTaps/vtap2`,
        targetAccount: '0f6c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
        region: 'westus2',
      },
    });
  });
});
