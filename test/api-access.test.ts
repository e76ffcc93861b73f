// Who gets in, and what they may do, through the real service: tokens, password logins with cookies and CSRF,
// roles, Host checking, rate limits, the audit trail; and no secret in any log line or answer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, eventually, sha256, startService, TEST_TOKEN, type Service } from './helpers/service.js';

const VIEWER = 'cw_viewer-token-0123456789abcdefghijklmnopqrstuvwxyz';
const OPERATOR = 'cw_operator-token-0123456789abcdefghijklmnopqrstuvwxy';
const METRICS = 'prometheus-scrape-token-0123456789';
const ALICE_PW = 'alice-has-a-long-password';
const BOB_PW = 'bob-reads-only-but-long';

const ERSPAN = [
  '<189>1: R9: *Dec  4 10:00:00.001: %PARSER-5-CFGLOG_LOGGEDCMD: User:mallory  logged command:monitor session 7 type erspan-source',
  '<189>2: R9: *Dec  4 10:00:00.002: %PARSER-5-CFGLOG_LOGGEDCMD: User:mallory  logged command:destination',
  '<189>3: R9: *Dec  4 10:00:00.003: %PARSER-5-CFGLOG_LOGGEDCMD: User:mallory  logged command:ip address 203.0.113.66',
];

/** `capwatch passwd` as a script would run it: the password on standard input. */
function passwd(password: string): string {
  return execFileSync(process.execPath, [CLI, 'passwd'], { input: `${password}\n` }).toString().trim();
}

class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}
  async fetch(path: string, init: RequestInit & { json?: unknown; csrf?: string } = {}): Promise<Response> {
    const { json, csrf, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if (json !== undefined) headers.set('content-type', 'application/json');
    if (csrf !== undefined) headers.set('x-csrf-token', csrf);
    const res = await fetch(`${this.base}${path}`, { ...rest, headers, ...(json !== undefined && { body: JSON.stringify(json) }) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, v] = pair!.split('=');
      if (v === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(k!);
      else this.cookies.set(k!, v!);
    }
    return res;
  }
  async login(body: Record<string, string>): Promise<{ res: Response; csrf?: string }> {
    const res = await this.fetch('/api/login', { method: 'POST', json: body });
    const json = (await res.json()) as { csrfToken?: string };
    return { res, ...(json.csrfToken && { csrf: json.csrfToken }) };
  }
}

describe('API access control, end to end', () => {
  let svc: Service;
  let base: string;
  let incidentId: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    svc = await startService({
      config: {
        http: {
          auth: {
            tokens: [
              { name: 'test-admin', role: 'admin', sha256: sha256(TEST_TOKEN) },
              { name: 'grafana', role: 'viewer', sha256: sha256(VIEWER) },
              { name: 'soar', role: 'operator', sha256: sha256(OPERATOR) },
            ],
            users: [
              { name: 'alice', role: 'operator', passwordHash: passwd(ALICE_PW) },
              { name: 'bob', role: 'viewer', passwordHash: passwd(BOB_PW) },
            ],
          },
          metrics: { token: METRICS },
          rateLimit: { loginPerMinute: 8 },
          bodyLimitBytes: 4096,
        },
      },
    });
    base = `http://127.0.0.1:${svc.http}`;
    await svc.sendSyslog(ERSPAN);
    incidentId = (await eventually(async () => (await svc.api('/api/incidents?user=mallory')).incidents[0])).id;
  }, 60_000);
  afterAll(async () => {
    expect(await svc.stop()).toBe(0);
  });

  it('every route in the OpenAPI document but health and login answers 401 without credentials', async () => {
    const doc = await svc.api('/api/openapi.json');
    const open = new Set(['GET /healthz', 'GET /api/auth/methods', 'POST /api/login']);
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const route = `${method.toUpperCase()} ${path}`;
        const url = path.replace(/\{[^}]+\}/g, incidentId);
        const res = await fetch(`${base}${url}`, { method: method.toUpperCase(), ...(method !== 'get' && { headers: { 'content-type': 'application/json' }, body: '{}' }) });
        if (open.has(route)) expect(res.status, route).not.toBe(401);
        else {
          expect(res.status, route).toBe(401);
          expect(await res.json()).toEqual({ error: 'authentication required' });
          checked.push(route);
        }
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['GET /api/incidents', 'PATCH /api/incidents/{id}', 'POST /api/sweeps', 'GET /api/stream', 'GET /metrics', 'GET /api/devices', 'GET /api/audit']));
    // Not in the document, still closed: the API reference and unknown API paths.
    expect((await fetch(`${base}/api/docs`)).status).toBe(401);
    expect((await fetch(`${base}/api/nothing-here`)).status).toBe(401);
    expect((await fetch(`${base}/api/incidents`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/api/incidents`, { headers: { authorization: `Basic ${Buffer.from(`x:${VIEWER}`).toString('base64')}` } })).status).toBe(401);
  });

  it('a role too small gets 403 with a JSON error; reading needs viewer, changing operator, rules and configuration admin', async () => {
    const viewer = bearer(VIEWER);
    expect((await fetch(`${base}/api/incidents/${incidentId}`, { headers: viewer })).status).toBe(200);
    const patch = await fetch(`${base}/api/incidents/${incidentId}`, { method: 'PATCH', headers: { ...viewer, 'content-type': 'application/json' }, body: '{"status":"acknowledged"}' });
    expect(patch.status).toBe(403);
    expect(await patch.json()).toEqual({ error: 'this needs the operator role (grafana is viewer)' });
    for (const [path, body] of [
      [`/api/incidents/${incidentId}/comments`, '{"text":"x"}'],
      ['/api/sweeps', '{}'],
    ] as const) {
      expect((await fetch(`${base}${path}`, { method: 'POST', headers: { ...viewer, 'content-type': 'application/json' }, body })).status, path).toBe(403);
    }
    for (const path of ['/api/rules', '/api/config']) {
      expect((await fetch(`${base}${path}`, { headers: bearer(OPERATOR) })).status, path).toBe(403);
      expect((await fetch(`${base}${path}`, { headers: bearer(TEST_TOKEN) })).status, path).toBe(200);
    }
    expect((await svc.api(`/api/incidents/${incidentId}`)).status).toBe('open');
  });

  it('a person logs in with a password: HttpOnly SameSite=Strict cookie, CSRF token required for changes, audited, logged out', async () => {
    const alice = new Browser(base);
    const { res, csrf } = await alice.login({ username: 'alice', password: ALICE_PW });
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('capwatch_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i); // plain HTTP on loopback: a Secure cookie would never come back
    expect(csrf).toBeTruthy();
    expect(await (await alice.fetch('/api/session')).json()).toMatchObject({ user: { name: 'alice', role: 'operator', method: 'password' }, idleTimeoutSeconds: 1800 });

    // A cookie alone cannot change anything: a forged cross-site request carries the cookie but not the token.
    const forged = await alice.fetch(`/api/incidents/${incidentId}`, { method: 'PATCH', json: { status: 'acknowledged' } });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: string }).error).toMatch(/CSRF/);
    expect((await alice.fetch(`/api/incidents/${incidentId}`, { method: 'PATCH', json: { status: 'acknowledged' }, csrf: 'not-the-token' })).status).toBe(403);
    expect((await svc.api(`/api/incidents/${incidentId}`)).status).toBe('open');

    const ack = await alice.fetch(`/api/incidents/${incidentId}`, { method: 'PATCH', json: { status: 'acknowledged', comment: 'looking into it' }, csrf: csrf! });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as { status: string }).status).toBe('acknowledged');
    const comment = await alice.fetch(`/api/incidents/${incidentId}/comments`, { method: 'POST', json: { text: 'ERSPAN to 203.0.113.66 is not ours' }, csrf: csrf! });
    expect(comment.status).toBe(201);

    const detail = await svc.api(`/api/incidents/${incidentId}`);
    // The comment given with the acknowledgement is one too.
    expect(detail.comments).toEqual([
      expect.objectContaining({ author: 'alice', role: 'operator', text: 'looking into it' }),
      expect.objectContaining({ author: 'alice', role: 'operator', text: 'ERSPAN to 203.0.113.66 is not ours' }),
    ]);
    expect(detail.audit.map((a: { action: string; actor: string }) => `${a.actor} ${a.action}`)).toEqual(['alice incident.acknowledge', 'alice incident.comment']);
    expect(detail.audit[0]).toMatchObject({ role: 'operator', method: 'password', address: '127.0.0.1', details: { from: 'open', to: 'acknowledged', comment: 'looking into it' } });
    expect(detail.timeline.map((t: { event: string; by?: string }) => `${t.event}${t.by ? ` by ${t.by}` : ''}`)).toEqual(['opened', 'detection', 'acknowledged by alice', 'comment by alice']);
    const audit = (await svc.api('/api/audit?actor=alice')).entries.map((e: { action: string }) => e.action);
    expect(audit).toEqual(['incident.comment', 'incident.acknowledge', 'login']);

    // Logging out ends the session on the server, not just in this browser.
    const stolen = alice.cookies.get('capwatch_session')!;
    expect((await alice.fetch('/api/logout', { method: 'POST', csrf: csrf! })).status).toBe(204);
    expect((await fetch(`${base}/api/session`, { headers: { cookie: `capwatch_session=${stolen}` } })).status).toBe(401);
    expect((await fetch(`${base}/api/session`, { headers: { cookie: 'capwatch_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
  });

  it('a viewer logged in can read but not acknowledge; a token can log in to the console; wrong passwords are refused, counted, logged without the password', async () => {
    const bob = new Browser(base);
    const { csrf } = await bob.login({ username: 'bob', password: BOB_PW });
    expect((await bob.fetch('/api/incidents')).status).toBe(200);
    expect((await bob.fetch(`/api/incidents/${incidentId}`, { method: 'PATCH', json: { status: 'resolved' }, csrf: csrf! })).status).toBe(403);

    const machine = new Browser(base);
    const viaToken = await machine.login({ token: OPERATOR });
    expect(viaToken.res.status).toBe(200);
    expect(await (await machine.fetch('/api/session')).json()).toMatchObject({ user: { name: 'soar', role: 'operator', method: 'token' } });

    const wrong = await new Browser(base).login({ username: 'alice', password: 'Guess-Number-One' });
    expect(wrong.res.status).toBe(401);
    expect((await new Browser(base).login({ username: 'nobody', password: 'Guess-Number-Two' })).res.status).toBe(401);
    expect((await new Browser(base).login({ token: 'cw_guessed' })).res.status).toBe(401);
    const metrics = await (await fetch(`${base}/metrics`, { headers: bearer(METRICS) })).text();
    expect(metrics).toMatch(/^capwatch_login_failures_total\{method="password"\} 2$/m);
    expect(metrics).toMatch(/^capwatch_login_failures_total\{method="token"\} 1$/m);
    expect(svc.logs()).toContain('"login failed"');
    const failed = (await svc.api('/api/audit?action=login-failed')).entries;
    expect(failed.map((e: { actor: string }) => e.actor)).toEqual(expect.arrayContaining(['alice', 'nobody', '(token)']));
  });

  it('login is rate-limited per address, and a cross-site login form is refused', async () => {
    const crossSite = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: JSON.stringify({ token: VIEWER }) });
    expect(crossSite.status).toBe(403);
    let status = 0;
    for (let i = 0; i < 10 && status !== 429; i++) status = (await new Browser(base).login({ token: 'cw_flood' })).res.status;
    expect(status).toBe(429);
    // The limit is on logins, not on the API people already logged in use.
    expect((await fetch(`${base}/api/incidents`, { headers: bearer(VIEWER) })).status).toBe(200);
  });

  it('a request naming another Host is refused before anything happens (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: svc.http, path: `/api/incidents/${incidentId}`, method: 'PATCH', headers: { host: 'attacker.example', ...bearer(TEST_TOKEN), 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.once('error', reject);
      req.end('{"status":"resolved"}');
    });
    expect(status).toBe(421);
    expect((await svc.api(`/api/incidents/${incidentId}`)).status).not.toBe('resolved');
  });

  it('security headers: a strict CSP without inline script, no framing, no CORS unless configured; oversized bodies refused', async () => {
    const res = await fetch(`${base}/healthz`, { headers: { origin: 'https://evil.example' } });
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const big = await svc.request(`/api/incidents/${incidentId}/comments`, { method: 'POST', json: { text: 'x'.repeat(8000) } });
    expect(big.status).toBe(413);
  });

  it('/metrics takes its own token, which opens nothing else', async () => {
    expect((await fetch(`${base}/metrics`, { headers: bearer(METRICS) })).status).toBe(200);
    expect((await fetch(`${base}/api/incidents`, { headers: bearer(METRICS) })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: bearer(VIEWER) })).status).toBe(200);
  });

  it('no token, password or hash appears in the log or in the configuration view', async () => {
    const shown = JSON.stringify(await svc.api('/api/config'));
    const logs = svc.logs();
    for (const secret of [TEST_TOKEN, VIEWER, OPERATOR, METRICS, ALICE_PW, BOB_PW, sha256(VIEWER), 'Guess-Number-One', 'Guess-Number-Two']) {
      expect(logs, secret).not.toContain(secret);
      expect(shown, secret).not.toContain(secret);
    }
    expect(shown).not.toContain('$scrypt$');
    expect(shown).toContain('[redacted]');
  });
});

describe('first start without any login configured', () => {
  it('writes a one-time admin token beside the database (mode 0600) that opens the API, and keeps it across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capwatch-test-'));
    try {
      const first = await startService({ dir, config: { http: { auth: { tokens: [] } } } });
      const file = join(dir, 'admin-token');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const token = readFileSync(file, 'utf8').trim();
      expect((await fetch(`http://127.0.0.1:${first.http}/api/incidents`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${first.http}/api/incidents`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect(first.logs()).toContain('admin-token');
      expect(first.logs()).not.toContain(token);
      await first.stop();
      const again = await startService({ dir, config: { http: { auth: { tokens: [] } } } });
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
      expect((await fetch(`http://127.0.0.1:${again.http}/api/session`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      await again.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to listen beyond loopback when nobody could log in', async () => {
    const err = await startService({ config: { http: { host: '0.0.0.0', auth: { tokens: [] } } } }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('http.host: 0.0.0.0 is reachable from other machines, so http.auth needs users, tokens or oidc');
    expect(err?.message).toMatch(/exited with 2/);
  });
});
