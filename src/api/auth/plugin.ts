// Access control for every route: who is asking (bearer token or session cookie), whether their role suffices, and
// CSRF protection for cookie-authenticated changes. Routes declare what they need in their config:
// `{ public: true }` (no credentials), `{ role: 'operator' }` (default: viewer), `{ metricsToken: true }`.
import { timingSafeEqual } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Actor, AuditLog } from '../../alerts/audit.js';
import { excerpt, RateLimitedLog, type Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { UserEntry } from '../config.js';
import { DECOY_HASH, verifyPassword } from './passwords.js';
import { hasRole, ROLES, type AuthMethod, type Principal, type Role } from './roles.js';
import type { Session, SessionStore } from './sessions.js';
import { sha256Hex, type TokenSet } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No credentials needed (health, login, the console's static files). */
    public?: boolean;
    /** The least role that may call the route; viewer when unset. */
    role?: Role;
    /** `http.metrics.token` is accepted here besides the usual credentials. */
    metricsToken?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'capwatch_session';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthOptions {
  tokens: TokenSet;
  users: readonly UserEntry[];
  sessions: SessionStore;
  audit: AuditLog;
  metrics: Metrics;
  log: Logger;
  /** Cookies only over HTTPS (served over TLS, or a public URL behind a TLS proxy). */
  secureCookies: boolean;
  sessionIdleSeconds: number;
  sessionMaxSeconds: number;
  metricsToken?: string;
  loginPerMinute: number;
  /** The SSO button, when an identity provider is configured. */
  oidc?: { label: string; url: string };
}

/** What the audit trail records about the person behind a request. */
export function actorOf(req: FastifyRequest): Actor {
  const p = req.principal;
  return { name: p?.name ?? 'anonymous', ...(p && { role: p.role, method: p.method }), address: req.ip };
}

export interface SessionStarter {
  /** Logs a person in: a new session, its cookie, an audit entry. Returns what `GET /api/session` answers. */
  start(req: FastifyRequest, reply: FastifyReply, who: Omit<Principal, 'sessionId'>): ReturnType<typeof sessionJson>;
  /** Counts, logs and audits a refused login; `reason` must name no secret. */
  failed(req: FastifyRequest, method: AuthMethod, name: string | undefined, reason: string): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    sessionStarter: SessionStarter;
  }
}

function sessionJson(reply: FastifyReply, session: Pick<Session, 'principal' | 'expiresAt'>, idleSeconds: number) {
  const p = session.principal;
  return {
    user: { name: p.name, role: p.role, method: p.method },
    csrfToken: p.sessionId ? reply.generateCsrf({ userInfo: p.sessionId }) : null,
    expiresAt: new Date(session.expiresAt).toISOString(),
    idleTimeoutSeconds: idleSeconds,
  };
}

const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role', 'method'],
  properties: { name: { type: 'string' }, role: { enum: ROLES }, method: { enum: ['token', 'password', 'oidc'] } },
} as const;
export const sessionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['user', 'csrfToken', 'expiresAt', 'idleTimeoutSeconds'],
  properties: {
    user: userSchema,
    csrfToken: { type: ['string', 'null'], description: 'Send as X-CSRF-Token with every state-changing request made with the cookie' },
    expiresAt: { type: 'string', format: 'date-time' },
    idleTimeoutSeconds: { type: 'number' },
  },
} as const;
const errorSchema = { type: 'object', additionalProperties: false, required: ['error'], properties: { error: { type: 'string' } } } as const;

async function auth(app: FastifyInstance, o: AuthOptions): Promise<void> {
  const users = new Map(o.users.map((u) => [u.name, u]));
  const warn = new RateLimitedLog(o.log);
  const failures = o.metrics.shared('capwatch_login_failures_total', () => new Counter({
    name: 'capwatch_login_failures_total',
    help: 'Failed logins, by method (password, token, oidc)',
    labelNames: ['method'] as const,
    registers: [o.metrics.registry],
  }));
  const denied = o.metrics.shared('capwatch_http_denied_total', () => new Counter({
    name: 'capwatch_http_denied_total',
    help: 'API requests refused, by reason (unauthenticated, forbidden; csrf is counted where the error is answered)',
    labelNames: ['reason'] as const,
    registers: [o.metrics.registry],
  }));
  const metricsDigest = o.metricsToken === undefined ? undefined : Buffer.from(sha256Hex(o.metricsToken), 'hex');
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: o.secureCookies };

  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'capwatch_csrf',
    cookieOpts,
    getUserInfo: (req) => req.principal?.sessionId ?? '',
    getToken: (req) => req.headers['x-csrf-token'] as string | undefined,
    csrfOpts: { hmacKey: o.sessions.secret('csrf-hmac'), userInfo: true },
  });

  /** A session still stands only while what granted it does: a removed user or token ends it, a new role applies. */
  function current(p: Principal): Principal | undefined {
    if (p.method === 'password') {
      const u = users.get(p.name);
      return u && { ...p, role: u.role };
    }
    if (p.method === 'token') {
      const role = o.tokens.roleOf(p.name);
      return role && { ...p, role };
    }
    return p;
  }

  function authenticate(req: FastifyRequest, metricsRoute: boolean): Principal | undefined {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return undefined;
      const token = m[1]!;
      if (metricsRoute && metricsDigest && timingSafeEqual(Buffer.from(sha256Hex(token), 'hex'), metricsDigest)) {
        return { name: 'metrics', role: 'viewer', method: 'token' };
      }
      return o.tokens.find(token);
    }
    const id = req.cookies[SESSION_COOKIE];
    if (id === undefined) return undefined;
    const session = o.sessions.get(id);
    return session && current(session.principal);
  }

  // Callback style: the CSRF check answers 403 itself and calls `done` only when the token is right.
  app.addHook('onRequest', (req, reply, done) => {
    const cfg = req.routeOptions.config;
    if (cfg.public) return done();
    const principal = authenticate(req, cfg.metricsToken === true);
    if (!principal) {
      denied.inc({ reason: 'unauthenticated' });
      reply.code(401).header('www-authenticate', 'Bearer realm="capwatch"').send({ error: 'authentication required' });
      return;
    }
    req.principal = principal;
    const needed = cfg.role ?? 'viewer';
    if (!hasRole(principal, needed)) {
      denied.inc({ reason: 'forbidden' });
      reply.code(403).send({ error: `this needs the ${needed} role (${principal.name} is ${principal.role})` });
      return;
    }
    if (principal.sessionId !== undefined && UNSAFE.has(req.method)) return app.csrfProtection(req, reply, done);
    done();
  });

  const starter: SessionStarter = {
    start(req, reply, who) {
      const { id, session } = o.sessions.create(who, req.ip);
      reply.setCookie(SESSION_COOKIE, id, { ...cookieOpts, maxAge: o.sessionMaxSeconds });
      o.audit.record({ actor: { name: who.name, role: who.role, method: who.method, address: req.ip }, action: 'login', details: {} });
      // The CSRF token is bound to the new session: the request's own principal is the caller, not the new session.
      req.principal = session.principal;
      return sessionJson(reply, session, o.sessionIdleSeconds);
    },
    failed: loginFailed,
  };
  app.decorate('sessionStarter', starter);

  function loginFailed(req: FastifyRequest, method: AuthMethod, name: string | undefined, reason: string) {
    failures.inc({ method });
    const who = name === undefined ? undefined : excerpt(name, 64);
    warn.warn('http:login-failed', { method, user: who, address: req.ip, reason }, 'login failed');
    o.audit.record({ actor: { name: who ?? `(${method})`, address: req.ip, method }, action: 'login-failed', details: { reason } });
  }

  app.get('/api/auth/methods', {
    config: { public: true },
    schema: {
      tags: ['session'],
      summary: 'How one may log in (for the login page)',
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['password', 'token', 'oidc'],
          properties: {
            password: { type: 'boolean' },
            token: { type: 'boolean' },
            oidc: { anyOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, required: ['label', 'url'], properties: { label: { type: 'string' }, url: { type: 'string' } } }] },
          },
        },
      },
    },
  }, async () => ({ password: users.size > 0, token: o.tokens.size > 0, oidc: o.oidc ?? null }));

  app.post<{ Body: { username?: string; password?: string; token?: string } }>(
    '/api/login',
    {
      config: { public: true, rateLimit: { max: o.loginPerMinute, timeWindow: 60_000 } },
      schema: {
        tags: ['session'],
        summary: 'Log in with a user name and password, or an API token; sets the session cookie',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 128 },
            password: { type: 'string', minLength: 1, maxLength: 1024 },
            token: { type: 'string', minLength: 1, maxLength: 512 },
          },
          oneOf: [{ required: ['username', 'password'] }, { required: ['token'] }],
        },
        response: { 200: sessionSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (req, reply) => {
      // SameSite cookies do not stop a forged login; the browser's own account of where the request came from does.
      if (req.headers['sec-fetch-site'] === 'cross-site') return reply.code(403).send({ error: 'cross-site login refused' });
      const b = req.body;
      if (b.token !== undefined) {
        const p = o.tokens.find(b.token);
        if (!p) {
          loginFailed(req, 'token', undefined, 'unknown token');
          return reply.code(401).send({ error: 'invalid credentials' });
        }
        return starter.start(req, reply, p);
      }
      const user = users.get(b.username!);
      const ok = await verifyPassword(user?.passwordHash ?? DECOY_HASH, b.password!);
      if (!user || !ok) {
        loginFailed(req, 'password', b.username, user ? 'wrong password' : 'unknown user');
        return reply.code(401).send({ error: 'invalid credentials' });
      }
      return starter.start(req, reply, { name: user.name, role: user.role, method: 'password' });
    },
  );

  app.get('/api/session', { schema: { tags: ['session'], summary: 'Who is logged in, and the CSRF token for changes', response: { 200: sessionSchema } } }, async (req, reply) => {
    const p = req.principal!;
    const session = p.sessionId === undefined ? undefined : o.sessions.get(p.sessionId);
    return sessionJson(reply, { principal: p, expiresAt: session?.expiresAt ?? Date.now() + o.sessionMaxSeconds * 1000 }, o.sessionIdleSeconds);
  });

  app.post('/api/logout', { schema: { tags: ['session'], summary: 'End the session', response: { 204: { type: 'null' } } } }, async (req, reply) => {
    const p = req.principal!;
    if (p.sessionId !== undefined) o.sessions.delete(p.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    o.audit.record({ actor: actorOf(req), action: 'logout', details: {} });
    return reply.code(204).send();
  });
}

export const authPlugin = fp(auth, { name: 'capwatch-auth' });
