// Baseline for `npm run bench:sweep`: a bare ssh2 client loop over the same devices at the same concurrency as
// `capwatch sweep` — verify the pinned host key, log in with the password, run the same show commands one after the
// other over exec channels, drop the output, log out. No parsing, no storage, no comparison, no incidents: what the
// SSH part of a sweep costs on this machine by itself.
//
// Usage: node dist/bench/sweep-baseline.js PLAN.json, with PLAN = {devices: [{host, port, fingerprint}], commands,
// concurrency, connectTimeoutMs, commandTimeoutMs}. Prints one JSON line: {startedAt, finishedAt, devices: [{port,
// durationMs, bytes, error?}]}.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { Client as SshClient } from 'ssh2';

const { Client } = ssh2;

interface Plan {
  devices: Array<{ host: string; port: number; fingerprint: string }>;
  commands: string[];
  concurrency: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}
interface Result {
  port: number;
  durationMs: number;
  bytes: number;
  error?: string;
}

const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;

function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function login(host: string, port: number, expected: string): Promise<SshClient> {
  return new Promise((res, rej) => {
    const c = new Client();
    c.once('ready', () => res(c));
    c.once('error', (err) => {
      c.end();
      rej(err);
    });
    c.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => 'secret')));
    c.connect({
      host,
      port,
      username: 'admin',
      password: 'secret',
      tryKeyboard: true,
      readyTimeout: plan.connectTimeoutMs,
      hostVerifier: (key: Buffer) => fingerprint(key) === expected,
    });
  });
}

/** Runs one command and counts its output bytes; resolves when the channel closes. */
function exec(c: SshClient, command: string): Promise<number> {
  return new Promise((res, rej) => {
    c.exec(command, (err, stream) => {
      if (err) return rej(err);
      let bytes = 0;
      const timer = setTimeout(() => {
        stream.close();
        rej(new Error(`no answer to "${command}" within ${plan.commandTimeoutMs} ms`));
      }, plan.commandTimeoutMs);
      stream.on('data', (d: Buffer) => (bytes += d.length));
      stream.stderr.on('data', (d: Buffer) => (bytes += d.length));
      stream.on('error', () => {});
      stream.once('close', () => {
        clearTimeout(timer);
        res(bytes);
      });
    });
  });
}

async function one(d: Plan['devices'][number]): Promise<Result> {
  const t0 = performance.now();
  let bytes = 0;
  try {
    const c = await login(d.host, d.port, d.fingerprint);
    try {
      for (const command of plan.commands) {
        const n = await exec(c, command);
        if (n === 0) throw new Error(`"${command}" printed nothing`);
        bytes += n;
      }
    } finally {
      c.end();
    }
    return { port: d.port, durationMs: Math.round(performance.now() - t0), bytes };
  } catch (err) {
    return { port: d.port, durationMs: Math.round(performance.now() - t0), bytes, error: (err as Error).message };
  }
}

const startedAt = new Date();
const results: Result[] = [];
let next = 0;
const worker = async () => {
  while (next < plan.devices.length) results.push(await one(plan.devices[next++]!));
};
await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.devices.length) }, worker));
process.stdout.write(`${JSON.stringify({ startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), devices: results })}\n`);
