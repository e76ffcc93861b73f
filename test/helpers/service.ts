// Runs the real `capwatch serve` (the built CLI) on loopback with ephemeral ports, for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { tempDir } from './tmp.js';

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli.js');

/** The API token every test service grants (admin) unless the test configures http.auth itself. */
export const TEST_TOKEN = 'cw_test-admin-token-for-the-end-to-end-tests';
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface Service {
  dir: string;
  dbPath: string;
  http: number;
  udp: number;
  tcp: number;
  tls?: number;
  /** RELP ports, when syslog.relp enables them. */
  relp?: number;
  relpTls?: number;
  /** TACACS+ accounting port, when the config defines clients. */
  tacacs?: number;
  tacacsTls?: number;
  proc: ChildProcess;
  /** Everything the service logged (pino JSON lines). */
  logs: () => string;
  /** GET with the test token; throws on a non-2xx answer. */
  api<T = any>(path: string): Promise<T>;
  /** Any request with the test token (JSON body when `json` is given). */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Writes syslog lines to the TCP listener (LF-framed) from `from` (a loopback address) and waits for the close. */
  sendSyslog(lines: string[], from?: string): Promise<void>;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startService(opts: { config?: Record<string, unknown>; dir?: string } = {}): Promise<Service> {
  // Removed after the test file, not when the service stops: a test may restart a service on the same folder.
  const dir = opts.dir ?? tempDir();
  const dbPath = join(dir, 'capwatch.db');
  const base = {
    syslog: { host: '127.0.0.1', udp: { port: 0 }, tcp: { port: 0 } },
    http: { host: '127.0.0.1', port: 0, auth: { tokens: [{ name: 'test-admin', role: 'admin', sha256: sha256(TEST_TOKEN) }] } },
    storage: { path: dbPath },
    log: { level: 'info' },
  };
  const config = deepMerge(base, opts.config ?? {});
  const configPath = join(dir, 'capwatch.yaml');
  writeFileSync(configPath, JSON.stringify(config)); // JSON is YAML
  const proc = spawn(process.execPath, [CLI, 'serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const listening = await new Promise<any>((resolveP, reject) => {
    const timer = setTimeout(() => reject(new Error(`capwatch did not start:\n${out}`)), 15_000);
    const check = () => {
      for (const line of out.split('\n')) {
        if (line.includes('"capwatch listening"')) {
          clearTimeout(timer);
          resolveP(JSON.parse(line));
          return;
        }
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`capwatch exited with ${code}:\n${out}`));
    });
  });
  const http = listening.http.port as number;
  return {
    dir,
    dbPath,
    http,
    udp: listening.udp?.port,
    tcp: listening.tcp?.port,
    tls: listening.tls?.port,
    relp: listening.relp?.port,
    relpTls: listening.relpTls?.port,
    tacacs: listening.tacacs?.port,
    tacacsTls: listening.tacacsTls?.port,
    proc,
    logs: () => out,
    async api(path) {
      const res = await fetch(`http://127.0.0.1:${http}${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      const text = await res.text();
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text}`);
      return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    },
    request(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set('authorization', `Bearer ${TEST_TOKEN}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`http://127.0.0.1:${http}${path}`, { ...rest, headers, ...(json !== undefined && { body: JSON.stringify(json) }) });
    },
    sendSyslog(lines, from) {
      return new Promise((resolveP, reject) => {
        const socket = connect({ port: listening.tcp.port, host: '127.0.0.1', ...(from && { localAddress: from }) }, () => socket.end(lines.map((l) => `${l}\n`).join('')));
        socket.once('error', reject);
        socket.once('close', () => resolveP());
      });
    },
    stop(signal = 'SIGTERM') {
      return new Promise((resolveP) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolveP(proc.exitCode);
        proc.once('exit', (code) => resolveP(code));
        proc.kill(signal);
      });
    },
  };
}

/** Polls until `fn` returns a truthy value (the thing a user would wait for), or fails with the last value. */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object' ? deepMerge(a[k], v) : v;
  }
  return out;
}
