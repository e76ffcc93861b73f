// Drives test/helpers/tacacs_client.py: a TACACS+ client built on Debian's python3-scapy (scapy.contrib.tacacs).
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const PYTHON = '/usr/bin/python3';
const DRIVER = resolve(import.meta.dirname, 'tacacs_client.py');

let available: boolean | undefined;

/** True when Debian's scapy imports. Missing: throws under CI=true, else prints why and returns false (skip). */
export function requireScapy(): boolean {
  if (available !== undefined) return available;
  try {
    execFileSync(PYTHON, ['-c', 'import scapy.contrib.tacacs'], { stdio: 'ignore', timeout: 30_000 });
    available = true;
  } catch {
    const why = 'python3-scapy is not installed (Debian package python3-scapy; needs /usr/bin/python3)';
    if (process.env.CI === 'true') throw new Error(`${why}; CI must install it`);
    console.warn(`skipping tests that need scapy: ${why}`);
    available = false;
  }
  return available;
}

export interface PacketSpec {
  kind?: 'acct' | 'authen' | 'raw';
  session_id?: number;
  seq?: number;
  /** Header flags: 0x01 UNENCRYPTED, 0x04 single-connect. */
  flags?: number;
  version?: number;
  type?: number;
  key?: string;
  acct_flags?: number;
  user?: string;
  port?: string;
  rem_addr?: string;
  priv_lvl?: number;
  args?: string[];
  data?: string;
  hex?: string;
}

export type Step = { send: PacketSpec; split?: number[]; pause?: number } | { recv: true } | { expect_close: true };

export interface Reply {
  type: number;
  seq: number;
  flags: number;
  session_id: number;
  length: number;
  version: number;
  decodes?: boolean;
  status?: number;
  server_msg?: string;
}

export interface ClientResult {
  replies: Reply[];
  closed: boolean;
  timeout?: boolean;
  connect_error?: string;
}

export function scapyClient(spec: { port: number; key: string; steps: Step[]; source?: string; timeout?: number }): Promise<ClientResult> {
  const input = JSON.stringify({ host: '127.0.0.1', timeout: 5, ...spec });
  return new Promise((resolveP, reject) => {
    const child = execFile(PYTHON, [DRIVER], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`scapy client failed: ${err.message}\n${stderr}`));
      try {
        resolveP(JSON.parse(stdout) as ClientResult);
      } catch {
        reject(new Error(`scapy client printed no JSON:\n${stdout}\n${stderr}`));
      }
    });
    child.stdin!.end(input);
  });
}

let nextSession = 0x1000;
/** A fresh session id per call (the RFC wants them random; distinct is what the tests need). */
export function sessionId(): number {
  return nextSession++;
}
