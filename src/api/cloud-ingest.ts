// Cloud audit records pushed to capwatch: `POST /api/ingest/aws` (an EventBridge API destination: one event per
// request, or CloudTrail records), `/gcp` (a Pub/Sub push subscription: the LogEntry base64 in `message.data`) and
// `/azure` (an Event Grid webhook: arrays of events, after the subscription validation handshake; or Activity Log
// `{"records":[…]}`). Each needs a capwatch API token of the operator role as a bearer token; Pub/Sub may instead
// sign its push with Google's OIDC token, verified against Google's keys for the configured audience.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { CLOUD_PROVIDERS, type CloudProvider } from '../../parsers/cloud/index.js';
import { hasRole, type Principal } from './auth/roles.js';
import type { TokenSet } from './auth/tokens.js';
import type { PubSubAuthConfig } from './config.js';
import { errorRef } from './schemas.js';

/** What became of one delivery. */
export interface IngestResult {
  /** Records in the delivery. */
  records: number;
  /** Detections they made. */
  detections: number;
}

export interface CloudIngestDeps {
  /** Runs one record through detection; returns how many detections it made. */
  ingest: (provider: CloudProvider, record: unknown, sender: string) => number;
  tokens: TokenSet;
  pubsub?: PubSubAuthConfig;
}

/** Records in one delivery at most: a batch larger than any provider sends is refused rather than worked through. */
const MAX_RECORDS = 1000;
const VALIDATION_EVENT = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

const resultSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { records: { type: 'integer' }, detections: { type: 'integer' }, validationResponse: { type: 'string' } },
} as const;

export async function cloudIngestRoutes(app: FastifyInstance, deps: CloudIngestDeps): Promise<void> {
  const jwks: JWTVerifyGetKey | undefined = deps.pubsub ? createRemoteJWKSet(new URL(deps.pubsub.jwksUrl)) : undefined;

  /** Who sent it: a bearer capwatch token (any role: the caller checks), or for /gcp a Pub/Sub OIDC token. */
  async function authenticated(req: FastifyRequest, provider: CloudProvider): Promise<Principal | undefined> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const token = m[1]!;
    const principal = deps.tokens.find(token);
    if (principal) return principal;
    if (provider !== 'gcp' || !jwks || !deps.pubsub || token.split('.').length !== 3) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: GOOGLE_ISSUERS, audience: deps.pubsub.audience, algorithms: ['RS256'] });
      const email = typeof payload.email === 'string' ? payload.email : undefined;
      if (deps.pubsub.serviceAccounts.length > 0 && (email === undefined || payload.email_verified !== true || !deps.pubsub.serviceAccounts.includes(email))) return undefined;
      return { name: email ?? 'pubsub', role: 'operator', method: 'token' };
    } catch {
      return undefined;
    }
  }

  for (const provider of CLOUD_PROVIDERS) {
    app.post(
      `/api/ingest/${provider}`,
      {
        // Authorised below: Pub/Sub's own token is not a capwatch token.
        config: { public: true },
        schema: {
          tags: ['ingest'],
          summary: `Receive ${provider === 'aws' ? 'CloudTrail records (EventBridge API destination)' : provider === 'gcp' ? 'Cloud Audit Log entries (Pub/Sub push)' : 'Activity Log records (Event Grid webhook)'}`,
          response: { 200: resultSchema, 400: errorRef, 401: errorRef, 403: errorRef, 413: errorRef },
        },
      },
      async (req, reply) => {
        const body: unknown = req.body;
        const who = await authenticated(req, provider);
        if (!who) return reply.code(401).header('www-authenticate', 'Bearer realm="capwatch"').send({ error: 'authentication required' });
        if (!hasRole(who, 'operator')) return reply.code(403).send({ error: `this needs the operator role (${who.name} is ${who.role})` });
        // Event Grid's handshake is answered only with credentials, like any delivery: a stranger cannot make capwatch
        // accept a subscription of theirs.
        const code = provider === 'azure' ? validationCode(body) : undefined;
        if (code !== undefined) return { validationResponse: code };
        const records = deliveredRecords(provider, body);
        if (records === undefined) return reply.code(400).send({ error: `not a ${provider} delivery: expected ${EXPECTED[provider]}` });
        if (records.length > MAX_RECORDS) return reply.code(413).send({ error: `more than ${MAX_RECORDS} records in one delivery` });
        let detections = 0;
        for (const r of records) detections += deps.ingest(provider, r, req.ip);
        return { records: records.length, detections } satisfies IngestResult;
      },
    );
  }

  // Event Grid's CloudEvents schema validates an endpoint with an OPTIONS request instead.
  app.options('/api/ingest/azure', { config: { role: 'operator' }, schema: { hide: true } }, async (req, reply) => {
    const origin = req.headers['webhook-request-origin'];
    if (typeof origin === 'string' && /^[A-Za-z0-9.-]{1,253}$/.test(origin)) reply.header('WebHook-Allowed-Origin', origin);
    return reply.code(200).send();
  });
}

const EXPECTED: Readonly<Record<CloudProvider, string>> = {
  aws: 'an EventBridge event, a CloudTrail record, {"Records":[…]} or an array of these',
  gcp: 'a Pub/Sub push message ({"message":{"data":…}}), a LogEntry or an array of LogEntries',
  azure: 'an array of Event Grid events, {"records":[…]} or one Activity Log record',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Event Grid's subscription validation: the code to answer with, when the delivery is that event. */
function validationCode(body: unknown): string | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  if (!isObject(first) || first.eventType !== VALIDATION_EVENT || !isObject(first.data)) return undefined;
  const code = first.data.validationCode;
  return typeof code === 'string' && code.length <= 256 ? code : undefined;
}

/** The records a delivery carries; undefined when the body is no delivery of that provider's. */
export function deliveredRecords(provider: CloudProvider, body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (!isObject(body)) return undefined;
  const wrapped = body.Records ?? body.records;
  if (Array.isArray(wrapped)) return wrapped;
  if (provider === 'gcp' && isObject(body.message)) {
    const data = body.message.data;
    if (typeof data !== 'string') return undefined;
    try {
      return [JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown];
    } catch {
      return undefined;
    }
  }
  return [body];
}
