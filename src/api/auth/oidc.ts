// Single sign-on through an OpenID Connect provider: the authorization-code flow with PKCE (S256), state and nonce.
// openid-client (OpenID-certified) checks the ID token's signature, issuer, audience, nonce and expiry; this file
// only maps the person's groups to the highest capwatch role configured and starts an ordinary capwatch session.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { excerpt, RateLimitedLog, type Logger } from '../../log.js';
import type { OidcConfig } from '../config.js';
import { ROLES, type Role } from './roles.js';

export const OIDC_LOGIN_PATH = '/auth/oidc/login';
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';

// The state, nonce and PKCE verifier travel in an encrypted cookie rather than a table: it ties the callback to the
// browser that started the login (a callback URL handed to someone else finds no cookie: no login CSRF), an abandoned
// or hostile /auth/oidc/login writes nothing to disk, and a restart does not break a login under way. AES-GCM keeps
// the verifier and nonce unreadable as well as unforgeable. The cookie is cleared at the callback whatever happens,
// and the IdP honours a code once, so a replayed callback is refused.
const FLOW_COOKIE = 'capwatch_oidc';
const FLOW_PATH = '/auth/oidc';
const FLOW_SECONDS = 600;
/** A hung IdP should fail a login in seconds, not hold the request for openid-client's default 30. */
const IDP_TIMEOUT_SECONDS = 10;

export interface OidcOptions {
  oidc: OidcConfig;
  publicUrl: string;
  /** A persistent random 32-byte key (`SessionStore.secret`) for the flow cookie. */
  key: Buffer;
  secureCookies: boolean;
  loginPerMinute: number;
  log: Logger;
}

interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  /** Epoch ms after which the flow is refused, whatever the browser kept. */
  expires: number;
}

/** The highest role whose configured claim values include one of the person's; undefined when none does. */
export function roleFor(claim: unknown, roles: OidcConfig['roles']): Role | undefined {
  const values = Array.isArray(claim) ? claim : [claim];
  const have = new Set(values.filter((v): v is string => typeof v === 'string'));
  return [...ROLES].reverse().find((r) => roles[r]?.some((v) => have.has(v)));
}

function seal(flow: Flow, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(FLOW_COOKIE));
  const body = Buffer.concat([cipher.update(JSON.stringify(flow), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function unseal(value: string | undefined, key: Buffer, now: number): Flow | undefined {
  if (value === undefined) return undefined;
  const raw = Buffer.from(value, 'base64url');
  if (raw.length < 29) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(Buffer.from(FLOW_COOKIE));
    decipher.setAuthTag(raw.subarray(12, 28));
    const flow = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as Flow;
    return flow.expires > now ? flow : undefined;
  } catch {
    return undefined;
  }
}

/** What went wrong, for the log and the audit trail: library and IdP error codes, never the values compared. */
function reasonOf(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError) return `the identity provider answered ${excerpt(err.error, 64)}`;
  if (err instanceof client.ResponseBodyError) return `the token endpoint answered ${excerpt(err.error, 64)}`;
  if (!(err instanceof Error)) return 'unknown error';
  // openid-client wraps oauth4webapi's specific message ("unexpected "state" response parameter value") as the cause.
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? ` (${err.cause.message})` : '';
  return excerpt(`${err.message}${cause}`, 200);
}

/** Failures to reach the IdP (down, refused, timed out), as against answers it gave. */
function unreachable(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
}

export async function oidcRoutes(app: FastifyInstance, o: OidcOptions): Promise<void> {
  const { oidc } = o;
  const warn = new RateLimitedLog(o.log);
  const redirectUri = `${o.publicUrl.replace(/\/+$/, '')}${OIDC_CALLBACK_PATH}`;
  // A public client (no secret) relies on PKCE alone; client_secret_basic is OIDC's default method otherwise.
  const auth = oidc.clientSecret === undefined ? client.None() : client.ClientSecretBasic(oidc.clientSecret);
  // The configuration accepts http:// only for a loopback issuer (see httpProblems).
  const insecure = new URL(oidc.issuer).protocol === 'http:';
  const cookieOpts = { path: FLOW_PATH, httpOnly: true, sameSite: 'lax' as const, secure: o.secureCookies };
  const rateLimit = { max: o.loginPerMinute, timeWindow: 60_000 };

  // Discovered at the first login, not at start-up, so an IdP that is down then does not keep capwatch from starting;
  // a failed discovery is forgotten and the next login tries again.
  let discovered: Promise<client.Configuration> | undefined;
  function idp(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(new URL(oidc.issuer), oidc.clientId, undefined, auth, { timeout: IDP_TIMEOUT_SECONDS, ...(insecure && { execute: [client.allowInsecureRequests] }) })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  }

  function page(reply: FastifyReply, status: number, text: string) {
    return reply.code(status).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(`${text}\n`);
  }

  function refuse(req: FastifyRequest, reply: FastifyReply, status: number, name: string | undefined, reason: string, text: string) {
    app.sessionStarter.failed(req, 'oidc', name, reason);
    return page(reply, status, `Sign-in refused: ${text}`);
  }

  app.get(OIDC_LOGIN_PATH, { config: { public: true, rateLimit }, schema: { tags: ['session'], summary: 'Start single sign-on: redirects to the identity provider' } }, async (req, reply) => {
    let config: client.Configuration;
    try {
      config = await idp();
    } catch (err) {
      warn.warn('http:oidc-discovery', { issuer: oidc.issuer, error: reasonOf(err) }, 'identity provider discovery failed');
      return page(reply, 503, 'The identity provider cannot be reached just now; try again in a moment.');
    }
    const flow: Flow = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), expires: Date.now() + FLOW_SECONDS * 1000 };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    reply.setCookie(FLOW_COOKIE, seal(flow, o.key), { ...cookieOpts, maxAge: FLOW_SECONDS });
    return reply.header('cache-control', 'no-store').redirect(url.href);
  });

  app.get(OIDC_CALLBACK_PATH, { config: { public: true, rateLimit }, schema: { tags: ['session'], summary: "The identity provider's redirect back: starts the session" } }, async (req, reply) => {
    const flow = unseal(req.cookies[FLOW_COOKIE], o.key, Date.now());
    reply.clearCookie(FLOW_COOKIE, cookieOpts);
    if (!flow) return refuse(req, reply, 400, undefined, 'no sign-in under way in this browser (state cookie missing, expired or used)', 'this sign-in has expired or was already used; start again from the login page.');

    // The library takes the redirect URI from this URL, so it is rebuilt from the public URL, not from the Host header.
    const current = new URL(redirectUri);
    current.search = new URL(req.url, 'http://capwatch.invalid').search;
    let config: client.Configuration;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      config = await idp();
      tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    } catch (err) {
      if (unreachable(err)) return refuse(req, reply, 502, undefined, `identity provider unreachable: ${reasonOf(err)}`, 'the identity provider cannot be reached just now; try again in a moment.');
      // Cancelled or denied at the IdP: an OAuth error code, which says what happened without saying anything secret.
      if (err instanceof client.AuthorizationResponseError) return refuse(req, reply, 403, undefined, reasonOf(err), `the identity provider did not sign you in (${excerpt(err.error, 64)}).`);
      return refuse(req, reply, 400, undefined, reasonOf(err), 'the identity provider\'s answer was not accepted; start again from the login page.');
    }

    // expectedNonce makes the ID token mandatory, so its claims are there and already validated.
    const idClaims: Record<string, unknown> = tokens.claims() ?? {};
    let claims = idClaims;
    if (idClaims[oidc.roleClaim] === undefined || idClaims[oidc.nameClaim] === undefined) {
      // Many providers release groups only from the userinfo endpoint; what the ID token says wins.
      try {
        if (config.serverMetadata().userinfo_endpoint !== undefined) claims = { ...(await client.fetchUserInfo(config, tokens.access_token, String(idClaims.sub))), ...idClaims };
      } catch (err) {
        warn.warn('http:oidc-userinfo', { error: reasonOf(err) }, 'identity provider userinfo failed');
      }
    }
    const nameClaim = claims[oidc.nameClaim];
    const who = typeof nameClaim === 'string' && nameClaim !== '' ? nameClaim : String(idClaims.sub);
    const name = excerpt(who, 64);
    const role = roleFor(claims[oidc.roleClaim], oidc.roles);
    if (!role) {
      const values = [claims[oidc.roleClaim]].flat().filter((v) => typeof v === 'string').slice(0, 20);
      return refuse(req, reply, 403, who, `no capwatch role for ${oidc.roleClaim} ${excerpt(JSON.stringify(values), 300)}`, `${name} has no capwatch role: none of your ${oidc.roleClaim} is mapped in http.auth.oidc.roles.`);
    }
    app.sessionStarter.start(req, reply, { name, role, method: 'oidc' });
    return reply.header('cache-control', 'no-store').redirect('/');
  });
}
