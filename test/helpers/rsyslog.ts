// rsyslogd run in the foreground, from Debian's packages as .ci/run unpacks them (/opt/rsyslog-relp, or
// CAPWATCH_RSYSLOG_ROOT) or from an installed rsyslog: the real omrelp, librelp's RELP client, for the RELP tests.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { requireTool } from './tools.js';

const UNPACKED = join(process.env.CAPWATCH_RSYSLOG_ROOT ?? '/opt/rsyslog-relp', 'usr/sbin');

function binary(): string | undefined {
  for (const dir of [UNPACKED, ...(process.env.PATH ?? '').split(delimiter)]) {
    try {
      accessSync(join(dir, 'rsyslogd'), constants.X_OK);
      return join(dir, 'rsyslogd');
    } catch {
      // not in this one
    }
  }
  return undefined;
}

/** The folder with omrelp.so beside rsyslogd (`<prefix>/lib/<multiarch>/rsyslog`). */
function moduleDir(rsyslogd: string): string | undefined {
  const lib = join(dirname(dirname(rsyslogd)), 'lib');
  if (!existsSync(lib)) return undefined;
  return readdirSync(lib)
    .map((arch) => join(lib, arch, 'rsyslog'))
    .find((dir) => existsSync(join(dir, 'omrelp.so')));
}

/** True when rsyslogd and its omrelp module are there. Missing: throws under CI=true, else prints why (skip). */
export function requireRsyslog(): boolean {
  if (!requireTool('rsyslogd', [UNPACKED])) return false;
  if (moduleDir(binary()!)) return true;
  const why = 'rsyslogd has no omrelp module (Debian package rsyslog-relp)';
  if (process.env.CI === 'true') throw new Error(`${why}; CI must install it`);
  console.warn(`skipping tests that need omrelp: ${why}`);
  return false;
}

export interface Rsyslog {
  /** Where its imtcp input listens (127.0.0.1). */
  tcpPort: number;
  /** What rsyslogd printed (its own errors, e.g. omrelp's). */
  logs(): string;
  /** SIGTERM and wait for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Starts `rsyslogd -n` with its work files in `dir`: an imtcp input on a free loopback port, and `rules` (what to do
 * with what imtcp receives, e.g. an omrelp action). Resolves once the input listens.
 */
export async function startRsyslog(dir: string, rules: string): Promise<Rsyslog> {
  const rsyslogd = binary()!;
  const modules = moduleDir(rsyslogd)!;
  const portFile = join(dir, 'imtcp.port');
  const conf = join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${dir}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="${portFile}")
module(load="omrelp")
if $inputname == "imtcp" then {
${rules}
}
`,
  );
  // The unpacked librelp (and the libraries rsyslogd needs that the system lacks) sit one level above the modules.
  const env = { ...process.env, LD_LIBRARY_PATH: [dirname(modules), process.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter) };
  const proc = spawn(rsyslogd, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid'), '-M', modules], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + 10_000;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8').trim() === '') {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`rsyslogd did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { tcpPort: Number(readFileSync(portFile, 'utf8').trim()), logs: () => out, stop };
}
