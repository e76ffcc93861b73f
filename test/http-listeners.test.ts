// How the HTTP side is reached: HTTPS with the configured certificate (and Secure cookies), a separate open metrics
// listener for Prometheus, and `capwatch passwd` at a real terminal, where the password is never echoed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/api/auth/passwords.js';
import { CLI, startService, TEST_TOKEN } from './helpers/service.js';
import { requireTool } from './helpers/tools.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function https(port: number, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: { host: 'localhost', ...init.headers }, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

describe('HTTP listeners', () => {
  it('serves the API over HTTPS with http.tls, with Secure session cookies and HSTS', async () => {
    if (!requireTool('openssl')) return;
    const dir = mkdtempSync(join(tmpdir(), 'capwatch-https-'));
    dirs.push(dir);
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    const svc = await startService({ config: { http: { tls: { cert, key } } } });
    try {
      expect(svc.logs()).toContain('"url":"https://127.0.0.1:');
      expect((await https(svc.http, '/healthz')).status).toBe(200);
      const login = await https(svc.http, '/api/login', { method: 'POST', body: JSON.stringify({ token: TEST_TOKEN }), headers: { 'content-type': 'application/json' } });
      expect(login.status).toBe(200);
      const cookies = login.headers['set-cookie'] as string[];
      expect(cookies.find((c) => c.startsWith('capwatch_session='))).toMatch(/; Secure/);
      expect(login.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await svc.stop();
    }
  });

  it('http.metrics.port serves /metrics without credentials on its own listener, while the API port still asks for them', async () => {
    const svc = await startService({ config: { http: { metrics: { port: 0, host: '127.0.0.1' } } } });
    try {
      const port = JSON.parse(svc.logs().split('\n').find((l) => l.includes('"capwatch listening"'))!).metricsHttp.port as number;
      const open = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(open.status).toBe(200);
      expect(await open.text()).toContain('capwatch_messages_received_total');
      expect((await fetch(`http://127.0.0.1:${port}/api/incidents`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${svc.http}/metrics`)).status).toBe(401);
    } finally {
      await svc.stop();
    }
  });
});

describe('capwatch passwd', () => {
  it('at a terminal asks twice without echoing and prints a hash that verifies', async () => {
    if (!requireTool('script')) return;
    const password = 'typed-at-a-real-terminal';
    // util-linux script(1) gives the command a pseudo-terminal; the password is typed into it.
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', `${process.execPath} ${CLI} passwd --name carol --role operator`, '/dev/null']);
      let seen = '';
      let step = 0;
      child.stdout.on('data', (b: Buffer) => {
        seen += b.toString();
        // Type at each prompt, as a person would; close the terminal once the entry is printed.
        if (step === 0 && seen.includes('New password:')) child.stdin.write(`${password}\r`), (step = 1);
        if (step === 1 && seen.includes('Again:')) child.stdin.write(`${password}\r`), (step = 2);
        if (step === 2 && seen.includes('passwordHash')) child.stdin.end(), (step = 3);
      });
      child.once('error', reject);
      child.once('close', () => resolve(seen));
    });
    expect(out).toContain('New password:');
    expect(out).not.toContain(password);
    const hash = /passwordHash: '([^']+)'/.exec(out)?.[1];
    expect(out).toMatch(/- \{ name: carol, role: operator, passwordHash: '\$scrypt\$/);
    expect(await verifyPassword(hash!, password)).toBe(true);
  });

  it('refuses short passwords and unknown roles', () => {
    const run = (args: string[], input: string) => {
      try {
        execFileSync(process.execPath, [CLI, ...args], { input, stdio: 'pipe' });
        return { status: 0, stderr: '' };
      } catch (e) {
        const err = e as { status: number; stderr: Buffer };
        return { status: err.status, stderr: err.stderr.toString() };
      }
    };
    expect(run(['passwd'], 'short\n')).toEqual({ status: 1, stderr: 'capwatch: a password needs at least 10 characters\n' });
    expect(run(['passwd', '--role', 'root'], 'long-enough-password\n').status).toBe(2);
  });
});
