// Cloud audit records pushed to the running service (built dist): an EventBridge event to /api/ingest/aws, an Event
// Grid delivery (after its validation handshake) to /api/ingest/azure, a Pub/Sub push signed with an OIDC token to
// /api/ingest/gcp. Each opens an incident the API shows and alerts a chat target. The Pub/Sub keys are served by a
// loopback JWKS endpoint standing in for Google's. Records: fixtures/cloud (sources in SOURCES.md).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from './helpers/chat.js';
import { eventually, sha256, startService, type Service } from './helpers/service.js';

const CLOUD = resolve(import.meta.dirname, '../fixtures/cloud');
const fixture = (f: string) => JSON.parse(readFileSync(join(CLOUD, f), 'utf8')) as unknown;
const AUDIENCE = 'https://capwatch.example/api/ingest/gcp';
const PUSHER = 'pubsub-push@qwiklabs-gcp-02-05e37a194649.iam.gserviceaccount.com';
const VIEWER_TOKEN = 'cw_test-viewer-token-for-cloud-ingest';

let svc: Service;
let chat: ChatServer;
let jwksServer: Server;
let sign: (claims: Record<string, unknown>, audience?: string) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/oauth2/v3/certs`;
  sign = (claims, audience = AUDIENCE) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setIssuer('https://accounts.google.com').setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(privateKey);
  chat = await startChatServer({ status: 204 });
  svc = await startService({
    config: {
      http: {
        publicUrl: 'https://capwatch.example',
        ingest: { pubsub: { audience: AUDIENCE, serviceAccounts: [PUSHER], jwksUrl } },
        auth: { tokens: [{ name: 'test-admin', role: 'admin', sha256: sha256('cw_test-admin-token-for-the-end-to-end-tests') }, { name: 'viewer', role: 'viewer', sha256: sha256(VIEWER_TOKEN) }] },
      },
      notify: [{ name: 'soc-hook', type: 'webhook', url: chat.url, secret: 'hmac-key' }],
      notifyDelivery: { retryBaseMs: 100, maxRetryDelaySeconds: 0.3, timeoutSeconds: 2, batchSeconds: 0.2 },
    },
  });
}, 30_000);

afterAll(async () => {
  await svc?.stop();
  await chat?.close();
  await new Promise((r) => jwksServer?.close(r));
});

const post = (path: string, body: unknown, authorization?: string) =>
  fetch(`http://127.0.0.1:${svc.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization && { authorization }) }, body: JSON.stringify(body) });

interface IncidentSummary {
  id: string;
  severity: string;
  device: string | { address: string };
}
async function incidentFor(device: string): Promise<IncidentSummary> {
  return eventually(async () => {
    const r = await svc.api<{ incidents: IncidentSummary[] }>('/api/incidents');
    return r.incidents.find((i) => JSON.stringify(i.device).includes(device));
  });
}
const alerted = (id: string) => eventually(() => chat.received.find((r) => (JSON.parse(r.body) as { incident: { id: string } }).incident.id === id), 15_000);

describe('POST /api/ingest/aws|gcp|azure', () => {
  it('AWS: an EventBridge event with an operator token opens an incident for the account and alerts the chat target', async () => {
    expect((await post('/api/ingest/aws', fixture('aws-eventbridge-session.json'))).status).toBe(401);
    expect((await post('/api/ingest/aws', fixture('aws-eventbridge-session.json'), `Bearer ${VIEWER_TOKEN}`)).status).toBe(403);
    const res = await svc.request('/api/ingest/aws', { method: 'POST', json: fixture('aws-eventbridge-session.json') });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ records: 1, detections: 1 });
    const inc = await incidentFor('aws:000000000000');
    // High for a mirror session, raised: the principal had created none before in this service's store.
    expect(inc.severity).toBe('critical');
    const detail = await svc.api(`/api/incidents/${inc.id}`);
    expect(JSON.stringify(detail)).toContain('tms-089e55493216df002');
    expect(JSON.stringify(detail)).toContain('first mirror created by this principal');
    const got = await alerted(inc.id);
    expect(JSON.parse(got.body)).toMatchObject({ event: 'incident.opened', incident: { user: 'arn:aws:iam::000000000:user/test@elastic.co' } });
    // The account is listed among the devices, with the mirror it now runs.
    type Listed = { address: string; believed: { sessions: Array<{ id: string; type: string; active: boolean }> } };
    const account = await eventually(async () => {
      const { devices } = await svc.api<{ devices: Listed[] }>('/api/devices');
      const d = devices.find((x) => x.address === 'aws:000000000000');
      return d && d.believed.sessions.length > 0 && d;
    });
    expect(account.believed.sessions).toMatchObject([{ id: 'tms-089e55493216df002', type: 'cloud', active: true }]);
  }, 40_000);

  it('Azure: the Event Grid validation handshake is answered with a token, refused without; a delivery with a token opens an incident', async () => {
    expect((await post('/api/ingest/azure', fixture('azure-eventgrid-validation.json'))).status).toBe(401);
    const handshake = await svc.request('/api/ingest/azure', { method: 'POST', json: fixture('azure-eventgrid-validation.json') });
    expect(await handshake.json()).toEqual({ validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    expect((await post('/api/ingest/azure', fixture('azure-eventgrid-tap.json'))).status).toBe(401);
    const res = await svc.request('/api/ingest/azure', { method: 'POST', json: fixture('azure-eventgrid-tap.json') });
    expect(await res.json()).toEqual({ records: 1, detections: 1 });
    const inc = await incidentFor('azure:8a4de8b5-095c-47d0-a96f-a75130c61d53');
    await alerted(inc.id);
  }, 40_000);

  it('GCP: a Pub/Sub push signed by the configured service account is accepted; wrong audience or signer is refused', async () => {
    const line = readFileSync(join(CLOUD, 'gcp-packet-mirroring-synthesised.jsonl'), 'utf8').split('\n')[3]!;
    const push = { message: { data: Buffer.from(line).toString('base64'), messageId: '1', attributes: {} }, subscription: 'projects/qwiklabs-gcp-02-05e37a194649/subscriptions/capwatch' };
    const good = await sign({ email: PUSHER, email_verified: true });
    expect((await post('/api/ingest/gcp', push, `Bearer ${await sign({ email: PUSHER, email_verified: true }, 'https://elsewhere.example/')}`)).status).toBe(401);
    expect((await post('/api/ingest/gcp', push, `Bearer ${await sign({ email: 'someone@evil.example', email_verified: true })}`)).status).toBe(401);
    expect((await post('/api/ingest/gcp', push, `Bearer ${good.slice(0, -4)}AAAA`)).status).toBe(401);
    const res = await post('/api/ingest/gcp', push, `Bearer ${good}`);
    expect(await res.json()).toEqual({ records: 1, detections: 1 });
    const inc = await incidentFor('gcp:qwiklabs-gcp-02-05e37a194649');
    expect(inc.severity).toBe('critical');
    await alerted(inc.id);
  }, 40_000);

  it('a body that is no delivery is refused with a reason', async () => {
    const res = await svc.request('/api/ingest/gcp', { method: 'POST', json: { message: { data: 7 } } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/Pub\/Sub push message/);
  });
});
