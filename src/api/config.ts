// The `http` configuration section: listener, TLS, who may get in (tokens, local users, OIDC), limits.
// Problems name the key, never a secret or a hash.
import { isIP } from 'node:net';
import { ROLES, type Role } from './auth/roles.js';

export interface HttpConfig {
  host: string;
  port: number;
  /** Where people reach the console (links in alerts, the OIDC redirect, an allowed Host). */
  publicUrl?: string;
  /** Extra Host names the API answers to (DNS rebinding protection refuses the rest). */
  allowedHosts: string[];
  /** Believe X-Forwarded-For / -Proto from a reverse proxy in front. */
  trustProxy: boolean;
  bodyLimitBytes: number;
  tls: { cert?: string; key?: string };
  /** Origins allowed to call the API from a browser; none by default (no CORS headers at all). */
  cors: { origins: string[] };
  rateLimit: { perMinute: number; loginPerMinute: number };
  metrics: {
    /** A bearer token Prometheus may use for /metrics only. */
    token?: string;
    /** A second listener serving /metrics with no credentials (e.g. 127.0.0.1:9464). */
    port?: number;
    host: string;
  };
  auth: AuthConfig;
  ingest: { pubsub?: PubSubAuthConfig };
}

/** Pub/Sub push subscriptions that sign their requests with a Google OIDC token instead of sending a capwatch token. */
export interface PubSubAuthConfig {
  /** The audience set on the push subscription (by default its push endpoint URL). */
  audience: string;
  /** Service accounts the push subscription signs as; empty = any Google-signed token for the audience. */
  serviceAccounts: string[];
  /** Where Google publishes its signing keys. */
  jwksUrl: string;
}

export interface TokenEntry {
  name: string;
  role: Role;
  /** Hex SHA-256 of the token: the configuration never holds a token. */
  sha256: string;
}

export interface UserEntry {
  name: string;
  role: Role;
  /** `$scrypt$…` from `capwatch passwd`. */
  passwordHash: string;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  /** The ID token / userinfo claim holding the person's groups or roles. */
  roleClaim: string;
  /** Claim values granting each role; the highest match wins. */
  roles: Partial<Record<Role, string[]>>;
  nameClaim: string;
  /** The login button's text. */
  label: string;
}

export interface AuthConfig {
  tokens: TokenEntry[];
  users: UserEntry[];
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  oidc?: OidcConfig;
}

const strings = { type: 'array', items: { type: 'string', minLength: 1 }, default: [] } as const;
const role = { enum: ROLES } as const;
const name = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' } as const;

export function httpSchema(section: (p: Record<string, unknown>) => unknown, port: unknown) {
  const entry = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', additionalProperties: false, required, properties });
  return section({
    host: { type: 'string', default: '127.0.0.1' },
    port: { ...(port as object), default: 8080 },
    publicUrl: { type: 'string', pattern: '^https?://' },
    allowedHosts: strings,
    trustProxy: { type: 'boolean', default: false },
    bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 },
    tls: section({ cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } }),
    cors: section({ origins: strings }),
    rateLimit: section({
      perMinute: { type: 'integer', minimum: 1, default: 1200 },
      loginPerMinute: { type: 'integer', minimum: 1, default: 10 },
    }),
    metrics: section({
      token: { type: 'string', minLength: 16 },
      port: port,
      host: { type: 'string', default: '127.0.0.1' },
    }),
    ingest: section({
      pubsub: entry(
        {
          audience: { type: 'string', minLength: 1 },
          serviceAccounts: strings,
          jwksUrl: { type: 'string', pattern: '^https?://', default: 'https://www.googleapis.com/oauth2/v3/certs' },
        },
        ['audience'],
      ),
    }),
    auth: section({
      tokens: { type: 'array', default: [], items: entry({ name, role, sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } }, ['name', 'role', 'sha256']) },
      users: { type: 'array', default: [], items: entry({ name, role, passwordHash: { type: 'string', pattern: '^\\$scrypt\\$' } }, ['name', 'role', 'passwordHash']) },
      sessionIdleMinutes: { type: 'number', exclusiveMinimum: 0, default: 30 },
      sessionMaxHours: { type: 'number', exclusiveMinimum: 0, default: 12 },
      oidc: entry(
        {
          issuer: { type: 'string', pattern: '^https?://' },
          clientId: { type: 'string', minLength: 1 },
          clientSecret: { type: 'string', minLength: 1 },
          scopes: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['openid', 'profile', 'email'] },
          roleClaim: { type: 'string', minLength: 1, default: 'groups' },
          roles: { type: 'object', additionalProperties: false, default: {}, properties: Object.fromEntries(ROLES.map((r) => [r, strings])) },
          nameClaim: { type: 'string', minLength: 1, default: 'preferred_username' },
          label: { type: 'string', minLength: 1, maxLength: 80, default: 'Single sign-on' },
        },
        ['issuer', 'clientId'],
      ),
    }),
  });
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Anyone configured at all: tokens, users or an identity provider. */
export function hasAuth(a: AuthConfig): boolean {
  return a.tokens.length > 0 || a.users.length > 0 || a.oidc !== undefined;
}

/** Cross-field checks of the http section. */
export function httpProblems(h: HttpConfig): string[] {
  const problems: string[] = [];
  if (!isLoopback(h.host) && !hasAuth(h.auth)) {
    problems.push(`http.host: ${h.host} is reachable from other machines, so http.auth needs users, tokens or oidc (or bind 127.0.0.1)`);
  }
  if (Boolean(h.tls.cert) !== Boolean(h.tls.key)) problems.push('http.tls: needs both cert and key (PEM file paths)');
  for (const [list, key] of [
    [h.auth.tokens, 'tokens'],
    [h.auth.users, 'users'],
  ] as const) {
    const seen = new Set<string>();
    for (const [i, e] of list.entries()) {
      if (seen.has(e.name)) problems.push(`http.auth.${key}[${i}].name: "${e.name}" is used twice`);
      seen.add(e.name);
    }
  }
  const oidc = h.auth.oidc;
  if (oidc) {
    if (!h.publicUrl) problems.push('http.auth.oidc: needs http.publicUrl (the redirect URI is <publicUrl>/auth/oidc/callback)');
    if (!ROLES.some((r) => (oidc.roles[r]?.length ?? 0) > 0)) problems.push('http.auth.oidc.roles: map at least one claim value to a role (admin, operator or viewer)');
    // Over plain http the code, the tokens and the client secret would cross the network readable by anyone on the path.
    const issuer = URL.canParse(oidc.issuer) ? new URL(oidc.issuer) : undefined;
    if (!issuer) problems.push('http.auth.oidc.issuer: not a URL');
    else if (issuer.protocol === 'http:' && !isLoopback(issuer.hostname.replace(/^\[(.*)\]$/, '$1'))) {
      problems.push('http.auth.oidc.issuer: http:// is accepted only for an identity provider on this machine (127.0.0.1, ::1, localhost); use https://');
    }
  }
  if (h.metrics.port !== undefined && h.metrics.port === h.port && h.port !== 0) problems.push('http.metrics.port: must differ from http.port');
  return problems;
}
