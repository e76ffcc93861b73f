// The HTTP side in one fastify process: security headers, Host checking, rate limits, access control, the OpenAPI
// document, the API routes and the console. Everything the routes need comes in `HttpDeps`; the `http` section of
// the configuration is its only configuration.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { AuditLog } from '../alerts/audit.js';
import type { Changes } from '../alerts/changes.js';
import type { Store } from '../alerts/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Poller } from '../poll/index.js';
import { ConfigError } from '../commands/validate.js';
import type { Activity } from '../alerts/activity.js';
import { activityRoutes } from './activity.js';
import { adminRoutes, type AdminApiDeps } from './admin.js';
import { auditRoutes } from './audit.js';
import { cloudIngestRoutes, type CloudIngestDeps } from './cloud-ingest.js';
import { consoleRoot, consoleRoutes } from './console-routes.js';
import { OIDC_CALLBACK_PATH, OIDC_LOGIN_PATH, oidcRoutes } from './auth/oidc.js';
import { deviceRoutes, type DeviceApiDeps } from './devices.js';
import { expectedRoutes, type ExpectedApiDeps } from './expected.js';
import { authPlugin } from './auth/plugin.js';
import { SessionStore } from './auth/sessions.js';
import { TokenSet } from './auth/tokens.js';
import type { HttpConfig, TokenEntry } from './config.js';
import { healthRoutes, metricsRoute, type HealthDeps } from './health.js';
import { allowedHosts, hostAllowed } from './hosts.js';
import { incidentRoutes, type IncidentApiDeps } from './incidents.js';
import { addSchemas } from './schemas.js';
import { streamRoutes } from './stream.js';
import { sweepRoutes } from './sweeps.js';

export interface HttpDeps extends Omit<IncidentApiDeps, 'audit' | 'store'>, Omit<DeviceApiDeps, 'store' | 'poller'>, Omit<AdminApiDeps, 'store'> {
  activity: Activity;
  expected: Omit<ExpectedApiDeps, 'store' | 'audit' | 'rules'>;
  store: Store;
  audit: AuditLog;
  changes: Changes;
  metrics: Metrics;
  log: Logger;
  health: HealthDeps['health'];
  poller: Poller | undefined;
  sweeps: { maxConcurrency: number; perUserPerMinute: number };
  /** The first-start admin token, when nothing else is configured. */
  bootstrap?: TokenEntry;
  /** Cloud audit records pushed over HTTP, into detection. */
  cloudIngest: CloudIngestDeps['ingest'];
  version: string;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  readonly address: { host: string; port: number; url: string };
  readonly metricsAddress?: { host: string; port: number };
  close(): Promise<void>;
}

/** No inline script or style anywhere: what is on the page came from this server's own files. */
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  upgradeInsecureRequests: null,
};

const SWAGGER_UI_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

export async function startHttp(http: HttpConfig, deps: HttpDeps): Promise<HttpServer> {
  const tls = http.tls.cert && http.tls.key ? { cert: readPem(http.tls.cert, 'http.tls.cert'), key: readPem(http.tls.key, 'http.tls.key') } : undefined;
  const log = deps.log.child({ component: 'http' });
  const app = Fastify({
    ...(tls && { https: tls }),
    loggerInstance: log,
    // Requests are logged below, at debug: a Prometheus scrape every 15 s is not news.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: http.bodyLimitBytes,
    trustProxy: http.trustProxy,
    // Unknown query keys are refused rather than silently ignored; numbers in queries are coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  }) as unknown as FastifyInstance;

  // The OIDC callback's query carries the authorization code: only its path is logged.
  const loggedUrl = (req: FastifyRequest) => (req.routeOptions.url === OIDC_CALLBACK_PATH ? OIDC_CALLBACK_PATH : req.url);
  app.addHook('onResponse', async (req, reply) => {
    const line = { method: req.method, url: loggedUrl(req), status: reply.statusCode, ms: Math.round(reply.elapsedTime), user: req.principal?.name, address: req.ip };
    if (reply.statusCode >= 500) log.warn(line, 'request failed');
    else log.debug(line, 'request');
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      log.error({ err, url: loggedUrl(req) }, 'request error');
      return reply.code(500).send({ error: 'internal error' });
    }
    if (err.code?.startsWith('FST_CSRF')) return reply.code(403).send({ error: 'CSRF token missing or invalid (send X-CSRF-Token from GET /api/session)' });
    // A client's mistake is answered, not logged with a stack: the message names the field.
    return reply.code(status).send({ error: err.validation ? validationText(err.validation[0], err.validationContext) : err.message });
  });

  // DNS rebinding: a page on attacker.example resolved to 127.0.0.1 still says `Host: attacker.example`.
  const hosts = allowedHosts(http, networkInterfaces());
  app.addHook('onRequest', (req, reply, done) => {
    if (hostAllowed(req.headers.host, hosts)) return done();
    reply.code(421).send({ error: 'this Host is not one of the server\'s names (http.publicUrl, http.allowedHosts)' });
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { directives: CSP },
    // The console is same-origin only; nothing here is meant to be embedded or opened cross-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    hsts: tls !== undefined || http.publicUrl?.startsWith('https://') === true,
  });
  await app.register(fastifyRateLimit, {
    max: http.rateLimit.perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, error: `too many requests: retry in ${Math.ceil(ctx.ttl / 1000)} s` }),
  });
  if (http.cors.origins.length > 0) await app.register(fastifyCors, { origin: http.cors.origins, credentials: true });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'capwatch API',
        version: deps.version,
        description: 'Packet capture and traffic mirroring on network devices (MITRE ATT&CK T1040): incidents, devices, sweeps, audit.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from http.auth.tokens' },
          session: { type: 'apiKey', in: 'cookie', name: 'capwatch_session', description: 'From POST /api/login; changes also need X-CSRF-Token' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // helmet's CSP stays in force (the plugin's own is looser), plus the hash of the one <style> Swagger UI writes
  // itself (its syntax highlighter's); no validator badge, which would call swagger.io.
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { docExpansion: 'list', deepLinking: false, validatorUrl: null },
    transformStaticCSP: (header) => header.replace("style-src 'self'", `style-src 'self' '${SWAGGER_UI_STYLE_HASH}'`),
  });
  addSchemas(app);

  const tokens = new TokenSet([...http.auth.tokens, ...(deps.bootstrap ? [deps.bootstrap] : [])]);
  const sessions = new SessionStore(deps.store.database, { idleMs: http.auth.sessionIdleMinutes * 60_000, maxMs: http.auth.sessionMaxHours * 3_600_000 });
  sessions.expire();
  const expiry = setInterval(() => sessions.expire(), 10 * 60_000).unref();
  app.addHook('onClose', async () => clearInterval(expiry));
  const secureCookies = tls !== undefined || http.publicUrl?.startsWith('https://') === true;
  const oidc = http.auth.oidc;
  await app.register(authPlugin, {
    tokens,
    users: http.auth.users,
    sessions,
    audit: deps.audit,
    metrics: deps.metrics,
    log,
    secureCookies,
    sessionIdleSeconds: http.auth.sessionIdleMinutes * 60,
    sessionMaxSeconds: http.auth.sessionMaxHours * 3600,
    ...(http.metrics.token !== undefined && { metricsToken: http.metrics.token }),
    loginPerMinute: http.rateLimit.loginPerMinute,
    ...(oidc && { oidc: { label: oidc.label, url: OIDC_LOGIN_PATH } }),
  });
  if (oidc) {
    // The configuration requires publicUrl with oidc: the redirect URI is built from it.
    await app.register(oidcRoutes, { oidc, publicUrl: http.publicUrl!, key: sessions.secret('oidc-flow'), secureCookies, loginPerMinute: http.rateLimit.loginPerMinute, log });
  }

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { metrics: deps.metrics, health: deps.health });
  await app.register(incidentRoutes, deps);
  await app.register(sweepRoutes, { poller: deps.poller, audit: deps.audit, ...deps.sweeps });
  await app.register(auditRoutes, { audit: deps.audit });
  await app.register(streamRoutes, { changes: deps.changes, store: deps.store });
  await app.register(deviceRoutes, { store: deps.store, seen: deps.seen, poller: deps.poller });
  await app.register(activityRoutes, { activity: deps.activity });
  await app.register(adminRoutes, { store: deps.store, rules: deps.rules, config: deps.config });
  await app.register(expectedRoutes, { ...deps.expected, store: deps.store, audit: deps.audit, rules: deps.rules });
  await app.register(cloudIngestRoutes, { ingest: deps.cloudIngest, tokens, ...(http.ingest.pubsub && { pubsub: http.ingest.pubsub }) });
  await app.register(consoleRoutes, { root: consoleRoot() });

  await app.listen({ host: http.host, port: http.port });
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : http.port;
  const shown = http.host === '0.0.0.0' || http.host === '::' ? 'localhost' : http.host.includes(':') ? `[${http.host}]` : http.host;
  const url = http.publicUrl ?? `${tls ? 'https' : 'http'}://${shown}:${port}/`;

  let metricsServer: FastifyInstance | undefined;
  if (http.metrics.port !== undefined) {
    metricsServer = Fastify({ loggerInstance: log, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
    await metricsServer.register(metricsRoute, { metrics: deps.metrics, open: true });
    await metricsServer.listen({ host: http.metrics.host, port: http.metrics.port });
  }
  const mbound = metricsServer?.server.address();
  return {
    app,
    address: { host: http.host, port, url },
    ...(mbound && typeof mbound === 'object' && { metricsAddress: { host: http.metrics.host, port: mbound.port } }),
    async close() {
      await app.close();
      await metricsServer?.close();
    },
  };
}

/** `ticket: must NOT have fewer than 1 characters`, `devices[0]: must be string`, `colour: unknown field`. */
function validationText(e: NonNullable<FastifyError['validation']>[number] | undefined, context: string | undefined): string {
  if (!e) return 'invalid request';
  const path = e.instancePath.replace(/^\//, '').replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');
  const params = e.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const at = (field: string) => (path ? `${path}.${field}` : field);
  if (params.missingProperty !== undefined) return `${at(params.missingProperty)}: required`;
  if (params.additionalProperty !== undefined) return `${at(params.additionalProperty)}: unknown field`;
  if (params.allowedValues) return `${path || context || 'request'}: must be one of ${params.allowedValues.join(', ')}`;
  return `${path || context || 'request'}: ${e.message ?? 'invalid'}`;
}

function readPem(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError([`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
}
