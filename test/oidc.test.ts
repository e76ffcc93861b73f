// Single sign-on end to end: the real capwatch service (built CLI) against a real OpenID Connect provider
// (oidc-provider) on loopback, driven the way a browser would: redirects followed by hand, cookies kept in a jar.
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import Provider, { type Account, type KoaContextWithOIDC } from 'oidc-provider';
import { afterEach, describe, expect, it } from 'vitest';
import { configProblems } from './helpers/config.js';
import { eventually, startService, type Service } from './helpers/service.js';

const CLIENT_SECRET = 'oidc-client-secret-that-must-never-be-logged';
/** Each account's `groups` claim; `undefined` releases none at all. */
const GROUPS: Record<string, string[] | undefined> = {
  alice: ['staff', 'capwatch-admins'],
  olga: ['soc-viewers', 'soc-operators'],
  victor: ['staff', 'soc-viewers'],
  mallory: ['staff', 'finance'],
  nobody: undefined,
};
const ROLES = { admin: ['capwatch-admins'], operator: ['soc-operators'], viewer: ['soc-viewers'] };

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A loopback port nothing listens on just now (the redirect URI must be known before either server starts). */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface Idp {
  issuer: string;
  /** Every token the token endpoint handed out (access, ID), to look for in capwatch's log. */
  issued: string[];
}

/**
 * oidc-provider with a confidential client (client_secret_basic) and a public one, PKCE required, and a login step that
 * takes the account from `?account=` (the provider's own interactionFinished API; no password page to parse).
 */
async function startIdp(o: { redirectUri: string; port?: number; groupsInIdToken: boolean }): Promise<Idp> {
  const server = createHttpServer();
  await new Promise<void>((r) => server.listen(o.port ?? 0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'capwatch', client_secret: CLIENT_SECRET, redirect_uris: [o.redirectUri], token_endpoint_auth_method: 'client_secret_basic' },
      { client_id: 'capwatch-public', redirect_uris: [o.redirectUri], token_endpoint_auth_method: 'none' },
    ],
    jwks: { keys: [{ ...jwk, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['test-idp-cookie-key'] },
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email'], groups: ['groups'] },
    findAccount: (_ctx, id): Account | undefined =>
      id in GROUPS ? { accountId: id, claims: () => ({ sub: id, preferred_username: id, email: `${id}@example.test`, ...(GROUPS[id] && { groups: GROUPS[id] }) }) } : undefined,
    // By default the provider releases scope claims from userinfo only, when an access token is issued too.
    conformIdTokenClaims: !o.groupsInIdToken,
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // A first-party client: consent is taken as given, as a company IdP would configure capwatch.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const id = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (id) return ctx.oidc.provider.Grant.find(id);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      return grant;
    },
  });
  const issued: string[] = [];
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object') {
      for (const v of Object.values(ctx.body as Record<string, unknown>)) if (typeof v === 'string' && v.length > 20) issued.push(v);
    }
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (!url.pathname.startsWith('/interaction/')) return void handle(req, res);
    const account = url.searchParams.get('account') ?? '';
    // The account "cancel" stands for a person who gives up at the IdP's login page.
    const result = account === 'cancel' ? { error: 'access_denied', error_description: 'End-User aborted interaction' } : { login: { accountId: account } };
    provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false }).catch((err: Error) => {
      res.statusCode = 500;
      res.end(err.message);
    });
  });
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { issuer, issued };
}

/** Just enough of a browser: cookies by name and path for 127.0.0.1 (as in browsers, ports share them), no redirects of its own. */
class Browser {
  private readonly jar = new Map<string, { name: string; value: string; path: string }>();

  async get(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const headers = new Headers(init.headers);
    const sent = [...this.jar.values()].filter((c) => u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`));
    if (sent.length > 0) headers.set('cookie', sent.map((c) => `${c.name}=${c.value}`).join('; '));
    const res = await fetch(u, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(line);
    return res;
  }

  cookie(name: string): string | undefined {
    return [...this.jar.values()].find((c) => c.name === name)?.value;
  }

  private store(line: string) {
    const [pair = '', ...rest] = line.split(';').map((s) => s.trim());
    const attrs = new Map(rest.map((a) => [a.split('=')[0]!.toLowerCase(), a.slice(a.indexOf('=') + 1)]));
    const name = pair.slice(0, pair.indexOf('='));
    const path = attrs.get('path') ?? '/';
    const expires = attrs.get('expires');
    const gone = Number(attrs.get('max-age') ?? 1) <= 0 || (expires !== undefined && Date.parse(expires) <= Date.now());
    if (gone) this.jar.delete(`${name} ${path}`);
    else this.jar.set(`${name} ${path}`, { name, value: pair.slice(name.length + 1), path });
  }
}

/** Follows redirects as a browser would, logging in as `account` at the IdP, until the next URL is capwatch's callback. */
async function toCallback(b: Browser, authorize: URL, account: string): Promise<URL> {
  let url = authorize;
  for (let hop = 0; hop < 10; hop++) {
    if (url.pathname.startsWith('/interaction/')) url.searchParams.set('account', account);
    const res = await b.get(url);
    const location = res.headers.get('location');
    if (location === null) throw new Error(`${url.pathname}: HTTP ${res.status} ${await res.text()}`);
    url = new URL(location, url);
    if (url.pathname === '/auth/oidc/callback') return url;
  }
  throw new Error('too many redirects');
}

interface SignIn {
  /** capwatch's answer to GET /auth/oidc/login. */
  login: Response;
  authorize: URL;
  callback: URL;
  /** capwatch's answer to the IdP's redirect back. */
  result: Response;
}

async function signIn(b: Browser, base: string, account: string): Promise<SignIn> {
  const login = await b.get(`${base}/auth/oidc/login`);
  expect(login.status).toBe(302);
  const authorize = new URL(login.headers.get('location')!);
  const callback = await toCallback(b, authorize, account);
  return { login, authorize, callback, result: await b.get(callback) };
}

interface Setup {
  svc: Service;
  idp: Idp;
  base: string;
}

async function setup(o: { groupsInIdToken?: boolean; publicClient?: boolean } = {}): Promise<Setup> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const idp = await startIdp({ redirectUri: `${base}/auth/oidc/callback`, groupsInIdToken: o.groupsInIdToken ?? false });
  const svc = await serve(port, idp.issuer, o.publicClient === true);
  return { svc, idp, base };
}

async function serve(port: number, issuer: string, publicClient: boolean, extra: Record<string, unknown> = {}): Promise<Service> {
  const client = publicClient ? { clientId: 'capwatch-public' } : { clientId: 'capwatch', clientSecret: CLIENT_SECRET };
  const svc = await startService({
    config: {
      http: { port, publicUrl: `http://127.0.0.1:${port}`, ...extra, auth: { oidc: { issuer, ...client, scopes: ['openid', 'profile', 'groups'], roles: ROLES, label: 'Company SSO' } } },
      // Debug logs every request: the callback's code must stay out of even those.
      log: { level: 'debug' },
    },
  });
  cleanups.push(() => svc.stop());
  return svc;
}

async function session(b: Browser, base: string): Promise<{ status: number; body: any }> {
  const res = await b.get(`${base}/api/session`);
  return { status: res.status, body: await res.json() };
}

/** Opens an incident the way a device would: archive logging of an ERSPAN session over syslog TCP. */
async function openIncident(svc: Service): Promise<string> {
  await svc.sendSyslog(['<189>12: *Nov 22 10:01:00.812 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor session 10 type erspan-source']);
  return eventually(async () => (await svc.api('/api/incidents')).incidents[0]?.id as string | undefined);
}

function patchIncident(b: Browser, base: string, id: string, csrf: string): Promise<Response> {
  return b.get(`${base}/api/incidents/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ status: 'acknowledged' }) });
}

function expectNoSecretsLogged(svc: Service, idp: Idp, codes: string[]) {
  const logs = svc.logs();
  expect(idp.issued.length).toBeGreaterThan(0);
  for (const secret of [CLIENT_SECRET, ...codes, ...idp.issued]) expect(logs).not.toContain(secret);
}

describe('single sign-on (OIDC)', () => {
  it('an admin-group account signs in with PKCE and gets an admin session; the audit trail shows it; the callback cannot be replayed', async () => {
    const { svc, idp, base } = await setup({ groupsInIdToken: true });
    expect(await (await fetch(`${base}/api/auth/methods`)).json()).toMatchObject({ oidc: { label: 'Company SSO', url: '/auth/oidc/login' } });

    const b = new Browser();
    const { login, authorize, callback, result } = await signIn(b, base, 'alice');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'capwatch',
      redirect_uri: `${base}/auth/oidc/callback`,
      scope: 'openid profile groups',
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      state: expect.any(String),
      nonce: expect.any(String),
    });
    // The flow cookie must come back on the IdP's cross-site redirect (Lax, not Strict), and only to /auth/oidc.
    expect(login.headers.getSetCookie().join('\n')).toMatch(/^capwatch_oidc=[^;]+; Max-Age=600; Path=\/auth\/oidc; HttpOnly; SameSite=Lax$/m);

    expect(result.status).toBe(302);
    expect(result.headers.get('location')).toBe('/');
    expect(result.headers.getSetCookie().join('\n')).toMatch(/^capwatch_session=[^;]+;.*HttpOnly; SameSite=Strict/m);
    const { status, body } = await session(b, base);
    expect(status).toBe(200);
    expect(body.user).toEqual({ name: 'alice', role: 'admin', method: 'oidc' });

    // An admin may act on incidents with the session and its CSRF token.
    const id = await openIncident(svc);
    expect((await patchIncident(b, base, id, body.csrfToken)).status).toBe(200);

    const [entry] = (await svc.api('/api/audit?action=login')).entries;
    expect(entry).toMatchObject({ action: 'login', actor: 'alice', role: 'admin', method: 'oidc', address: '127.0.0.1' });

    // The same callback again, from the same browser: the flow is spent, and no second session appears.
    const replay = await b.get(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/^Sign-in refused: this sign-in has expired or was already used/);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('capwatch_session='))).toBe(false);
    expect((await svc.api('/api/audit?action=login')).entries).toHaveLength(1);
    expect((await svc.api('/api/audit?action=login-failed')).entries[0]).toMatchObject({ actor: '(oidc)', method: 'oidc' });

    expectNoSecretsLogged(svc, idp, [callback.searchParams.get('code')!]);
  });

  it('roles come from the userinfo groups when the ID token has none; a viewer cannot change incidents; the highest mapped role wins', async () => {
    const { svc, idp, base } = await setup({ groupsInIdToken: false });
    const viewer = new Browser();
    const v = await signIn(viewer, base, 'victor');
    expect(v.result.status).toBe(302);
    const vs = await session(viewer, base);
    expect(vs.body.user).toEqual({ name: 'victor', role: 'viewer', method: 'oidc' });
    const id = await openIncident(svc);
    expect((await viewer.get(`${base}/api/incidents/${id}`)).status).toBe(200);
    const refused = await patchIncident(viewer, base, id, vs.body.csrfToken);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'this needs the operator role (victor is viewer)' });
    expect((await svc.api(`/api/incidents/${id}`)).status).toBe('open');

    const operator = new Browser();
    const o = await signIn(operator, base, 'olga');
    expect((await session(operator, base)).body.user).toEqual({ name: 'olga', role: 'operator', method: 'oidc' });

    expectNoSecretsLogged(svc, idp, [v.callback, o.callback].map((u) => u.searchParams.get('code')!));
  });

  it('an account with no mapped group, or no groups at all, or one that cancels at the IdP, is refused and gets no session', async () => {
    const { svc, idp, base } = await setup({ groupsInIdToken: true });
    for (const account of ['mallory', 'nobody']) {
      const b = new Browser();
      const { result } = await signIn(b, base, account);
      expect(result.status).toBe(403);
      expect(await result.text()).toBe(`Sign-in refused: ${account} has no capwatch role: none of your groups is mapped in http.auth.oidc.roles.\n`);
      expect(b.cookie('capwatch_session')).toBeUndefined();
      expect((await session(b, base)).status).toBe(401);
    }
    // Giving up at the IdP is refused too, and said so.
    const quitter = new Browser();
    const { result } = await signIn(quitter, base, 'cancel');
    expect(result.status).toBe(403);
    expect(await result.text()).toBe('Sign-in refused: the identity provider did not sign you in (access_denied).\n');
    expect(quitter.cookie('capwatch_session')).toBeUndefined();

    const failed = (await svc.api('/api/audit?action=login-failed')).entries;
    expect(failed.map((e: { actor: string; method: string }) => `${e.actor} ${e.method}`).sort()).toEqual(['(oidc) oidc', 'mallory oidc', 'nobody oidc']);
    expect(failed.find((e: { actor: string }) => e.actor === '(oidc)').details.reason).toBe('the identity provider answered access_denied');
    expect(failed.find((e: { actor: string }) => e.actor === 'mallory').details.reason).toBe('no capwatch role for groups ["staff","finance"]');
    expect((await svc.api('/api/audit?action=login')).entries).toEqual([]);
    expect(await svc.api('/metrics')).toMatch(/^capwatch_login_failures_total\{method="oidc"\} 3$/m);
    expect(idp.issued.length).toBeGreaterThan(0);
  });

  it('a callback with a forged state, or carried to another browser, is refused', async () => {
    const { svc, idp, base } = await setup({ groupsInIdToken: true });
    const b = new Browser();
    const login = await b.get(`${base}/auth/oidc/login`);
    const callback = await toCallback(b, new URL(login.headers.get('location')!), 'alice');
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    const res = await b.get(forged);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/^Sign-in refused: the identity provider's answer was not accepted/);
    expect(b.cookie('capwatch_session')).toBeUndefined();
    expect((await svc.api('/api/audit?action=login-failed')).entries[0].details.reason).toMatch(/"state"/);

    // Login CSRF: someone hands a victim the callback URL of a sign-in they started themselves.
    const attacker = new Browser();
    const started = await attacker.get(`${base}/auth/oidc/login`);
    const handed = await toCallback(attacker, new URL(started.headers.get('location')!), 'mallory');
    const victim = new Browser();
    const planted = await victim.get(handed);
    expect(planted.status).toBe(400);
    expect(victim.cookie('capwatch_session')).toBeUndefined();

    expect((await svc.api('/api/audit?action=login')).entries).toEqual([]);
    expect(svc.logs()).not.toContain(CLIENT_SECRET);
    expect(svc.logs()).not.toContain(callback.searchParams.get('code')!);
    expect(idp.issued).toEqual([]);
  });

  it('an IdP that is down when capwatch starts is found at a later login (public client, PKCE only); the login route is rate-limited', async () => {
    const port = await freePort();
    const idpPort = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const svc = await serve(port, `http://127.0.0.1:${idpPort}`, true, { rateLimit: { loginPerMinute: 3 } });
    const b = new Browser();
    const down = await b.get(`${base}/auth/oidc/login`);
    expect(down.status).toBe(503);
    expect(await down.text()).toMatch(/identity provider cannot be reached/);

    const idp = await startIdp({ port: idpPort, redirectUri: `${base}/auth/oidc/callback`, groupsInIdToken: true });
    const { authorize, callback, result } = await signIn(b, base, 'alice');
    expect(authorize.searchParams.get('client_id')).toBe('capwatch-public');
    expect(result.status).toBe(302);
    expect((await session(b, base)).body.user).toEqual({ name: 'alice', role: 'admin', method: 'oidc' });

    expect((await b.get(`${base}/auth/oidc/login`)).status).toBe(302);
    expect((await b.get(`${base}/auth/oidc/login`)).status).toBe(429);
    expectNoSecretsLogged(svc, idp, [callback.searchParams.get('code')!]);
  });

  it('http:// issuers are accepted only on this machine', () => {
    const http = (issuer: string) => ({ http: { publicUrl: 'https://capwatch.example', auth: { oidc: { issuer, clientId: 'capwatch', roles: ROLES } } } });
    for (const ok of ['http://127.0.0.1:9000', 'http://localhost:9000/realms/x', 'http://[::1]:9000', 'https://idp.example']) expect(configProblems(http(ok))).toEqual([]);
    expect(configProblems(http('http://idp.example'))).toEqual([
      'http.auth.oidc.issuer: http:// is accepted only for an identity provider on this machine (127.0.0.1, ::1, localhost); use https://',
    ]);
  });
});
