// `npm run bench:sweep`: `capwatch sweep --json` over BENCH_DEVICES simulated IOS-XE devices (bench/ssh-sim.ts, spread
// over BENCH_SIMS simulator processes, each answering every command after BENCH_DELAY_MS) at BENCH_CONCURRENCY, side by
// side with a bare ssh2 client loop doing the same logins and exec commands and nothing else
// (bench/sweep-baseline.ts), on the same simulators. Every device shows an active capture and an ERSPAN session, so
// the first sweep on an empty database opens one incident per device; the second sweep on that database compares
// with the first and opens none. Wall time, peak RSS and CPU of each client process (GNU time), per-device durations,
// errors; ratios against the baseline of the same repeat. Loopback only; every child is stopped by PID at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { firstLine, stopChild } from './children.js';
import { COMMANDS } from '../src/poll/commands.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');
const SIM = join(ROOT, 'dist/bench/ssh-sim.js');
const BASELINE = join(ROOT, 'dist/bench/sweep-baseline.js');
const TIME = '/usr/bin/time';

function int(name: string, dflt: number, min = 1): number {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got ${process.env[name]}`);
  return v;
}
const DEVICES = int('BENCH_DEVICES', 500);
const SIMS = Math.min(int('BENCH_SIMS', 4), DEVICES);
/** Per command. Real IOS-XE answers a show command in ~100–500 ms over SSH; the simulator does not slow its login. */
const DELAY_MS = int('BENCH_DELAY_MS', 300, 0);
const CONCURRENCY = int('BENCH_CONCURRENCY', 50);
const REPEATS = int('BENCH_REPEATS', 3);
/** Each client run is killed after this long (a hung run must not hang the benchmark). */
const RUN_TIMEOUT_S = int('BENCH_RUN_TIMEOUT_S', 600);
// capwatch's defaults, written into its configuration and given to the baseline alike.
const CONNECT_TIMEOUT_S = 15;
const COMMAND_TIMEOUT_S = 30;
const TARGET_S = 60;
/** Active capture "NTP" (`show monitor capture`) and ERSPAN source + destination sessions (`show monitor session all`). */
const FIXTURES = ['iosxe__show_monitor_capture__2.txt', 'iosxe__show_monitor_session_all__3.txt'];
const SHOW = [...COMMANDS.iosxe.show];
/**
 * distinct (default): each device gets its own spelling of 127.0.0.1 in the inventory (127.00.0.1, 127.000.0.1, …:
 * leading zeros, resolved by getaddrinfo), as in an inventory of real routers, where no two devices share an address.
 * shared: every device is 127.0.0.1, ports apart (as behind one bastion or NAT address, or incidents all carrying a
 * syslog relay's address): once quadratic in devices × open incidents, kept as a regression check.
 */
const ADDRESSES = process.env.BENCH_ADDRESSES ?? 'distinct';
if (ADDRESSES !== 'shared' && ADDRESSES !== 'distinct') throw new Error(`BENCH_ADDRESSES must be shared or distinct, got ${ADDRESSES}`);
const address = (i: number) => (ADDRESSES === 'shared' ? '127.0.0.1' : `127.${'0'.repeat(1 + (i % 32))}.${'0'.repeat(1 + (Math.floor(i / 32) % 32))}.${'0'.repeat(Math.floor(i / 1024))}1`);

// ---- children: every process this benchmark starts is tracked and stopped by PID, on success, failure or a signal.

const sims: ChildProcess[] = [];
/** Measured runs (GNU time + node) run in their own process group, stopped as a group. */
const runs = new Set<ChildProcess>();

function stopGroup(p: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (p.exitCode !== null || p.signalCode !== null) return res();
    p.once('exit', () => res());
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-p.pid!, sig);
      } catch {
        // already gone
      }
    };
    kill('SIGTERM');
    setTimeout(() => kill('SIGKILL'), 5000).unref();
  });
}

async function stopAll(): Promise<void> {
  await Promise.all([...[...runs].map(stopGroup), ...sims.map(stopChild)]);
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    interrupted = true;
    console.error(`\n${sig}: stopping the simulators and the client`);
    void stopAll().then(() => process.exit(130));
  });
}
// Last resort if the event loop never gets to stop them; the simulators also stop when their stdin pipe closes.
process.on('exit', () => {
  for (const p of runs) {
    try {
      process.kill(-p.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const p of sims) if (p.exitCode === null) p.kill('SIGKILL');
});

// ---- simulators

interface SimDevice {
  port: number;
  fingerprint: string;
}

async function startSims(): Promise<SimDevice[]> {
  const counts = Array.from({ length: SIMS }, (_, i) => Math.floor(DEVICES / SIMS) + (i < DEVICES % SIMS ? 1 : 0));
  const lists = await Promise.all(
    counts.map(async (count) => {
      // stdin a pipe: a simulator stops by itself when this process goes away, however it ends.
      const p = spawn(process.execPath, [SIM, '--count', String(count), '--platform', 'iosxe', '--delay', String(DELAY_MS), '--fixture', FIXTURES.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
      sims.push(p);
      const line = await firstLine(p, (l) => l.startsWith('{"devices"'));
      return (JSON.parse(line) as { devices: SimDevice[] }).devices;
    }),
  );
  return lists.flat();
}

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
const simCpu = () => sims.reduce((s, p) => s + cpuSeconds(p.pid!), 0);

// ---- one measured client run

interface Measured {
  code: number;
  stdout: string;
  stderr: string;
  wallS: number;
  peakRssMb: number;
  cpuS: number;
  simCpuS: number;
}

let runNo = 0;
/** `node ARGS` under GNU time in its own process group: wall time from spawn to exit, peak RSS and CPU of that process. */
async function measured(dir: string, args: string[]): Promise<Measured> {
  const stats = join(dir, `time-${++runNo}.txt`);
  const sim0 = simCpu();
  const t0 = performance.now();
  const p = spawn(TIME, ['-o', stats, '-f', 'maxrss=%M user=%U sys=%S', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  runs.add(p);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  p.stdout!.on('data', (b: Buffer) => out.push(b));
  p.stderr!.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => {
    console.error(`  run did not finish within ${RUN_TIMEOUT_S} s: stopping it`);
    void stopGroup(p);
  }, RUN_TIMEOUT_S * 1000);
  const code = await new Promise<number>((res, rej) => {
    p.once('error', rej);
    p.once('close', (c, sig) => res(c ?? (sig ? 128 : 1)));
  });
  const wallS = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  runs.delete(p);
  const simCpuS = simCpu() - sim0;
  const t = existsSync(stats) ? readFileSync(stats, 'utf8') : '';
  const num = (re: RegExp) => Number(re.exec(t)?.[1] ?? NaN);
  return {
    code,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
    wallS,
    peakRssMb: num(/maxrss=(\d+)/) / 1024,
    cpuS: num(/user=([\d.]+)/) + num(/sys=([\d.]+)/),
    simCpuS,
  };
}

interface Run {
  client: string;
  repeat: number;
  wallS: number;
  /** The loop itself, from the client's own clock (no process start-up, no configuration or database opening). */
  sweepS: number;
  peakRssMb: number;
  cpuS: number;
  simCpuS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  answered: number;
  errors: number;
  errorSamples: string[];
  incidents?: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

function failed(what: string, m: Measured): Error {
  return new Error(`${what} exited with ${m.code}: ${m.stderr.slice(-2000) || m.stdout.slice(0, 500)}`);
}

interface SweepJson {
  startedAt: string;
  finishedAt: string | null;
  total: number;
  done: number;
  devices: Array<{ name: string; reachable: boolean; error?: string; status: string; durationMs: number; incident?: string }>;
}

/** One client's run from its process measurements and its own report: per-device durations and failures. */
function run(client: string, repeat: number, m: Measured, loop: { startedAt: string; finishedAt?: string | null }, devices: Array<{ durationMs: number; failure?: string }>): Run {
  const failures = devices.filter((d) => d.failure !== undefined).map((d) => d.failure!.replace(/127\.[0.]+1:\d+/g, '127.0.0.1:PORT'));
  const durations = devices.map((d) => d.durationMs).sort((a, b) => a - b);
  return {
    client,
    repeat,
    wallS: m.wallS,
    sweepS: (new Date(loop.finishedAt ?? Date.now()).getTime() - new Date(loop.startedAt).getTime()) / 1000,
    peakRssMb: m.peakRssMb,
    cpuS: m.cpuS,
    simCpuS: m.simCpuS,
    p50Ms: pct(durations, 50),
    p99Ms: pct(durations, 99),
    maxMs: durations.at(-1) ?? NaN,
    answered: devices.length - failures.length,
    errors: failures.length + (DEVICES - devices.length),
    errorSamples: [...new Set(failures)].slice(0, 5),
  };
}

/** `capwatch sweep --json`; exit 1 (an active capture or mirror found) is the expected outcome, 3 means a device failed. */
async function capwatchRun(dir: string, client: string, repeat: number): Promise<Run> {
  const m = await measured(dir, [CLI, 'sweep', '--config', join(dir, 'capwatch.yaml'), '--inventory', join(dir, 'inventory.yaml'), '--concurrency', String(CONCURRENCY), '--json']);
  if (![0, 1, 3].includes(m.code)) throw failed('capwatch sweep', m);
  const v = JSON.parse(m.stdout) as SweepJson;
  const devices = v.devices.map((d) => ({
    durationMs: d.durationMs,
    ...(!d.reachable || d.error !== undefined || d.status !== 'active-found' ? { failure: d.error ?? `status ${d.status}` } : {}),
  }));
  return { ...run(client, repeat, m, v, devices), incidents: v.devices.filter((d) => d.incident !== undefined).length };
}

async function baselineRun(dir: string, repeat: number): Promise<Run> {
  const m = await measured(dir, [BASELINE, join(dir, 'plan.json')]);
  if (m.code !== 0) throw failed('sweep baseline', m);
  const v = JSON.parse(m.stdout) as { startedAt: string; finishedAt: string; devices: Array<{ durationMs: number; error?: string }> };
  return run('bare ssh2 loop', repeat, m, v, v.devices.map((d) => ({ durationMs: d.durationMs, ...(d.error !== undefined && { failure: d.error }) })));
}

// ---- main

const BASE = 'bare ssh2 loop';
const FIRST = 'capwatch sweep, empty DB';
const SECOND = 'capwatch sweep, 2nd on same DB';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} not found: apt-get install time`);
  const root = mkdtempSync(join(tmpdir(), 'capwatch-bench-sweep-'));
  const runsDone: Run[] = [];
  try {
    const t0 = performance.now();
    const devices = await startSims();
    console.error(`${devices.length} simulated devices in ${SIMS} processes (pids ${sims.map((p) => p.pid).join(', ')}) up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const inventory = {
      devices: devices.map((d, i) => ({ name: `sim${String(i + 1).padStart(4, '0')}`, address: address(i), port: d.port, platform: 'iosxe', username: 'admin', password: 'secret', hostKey: d.fingerprint })),
    };
    const plan = (n: number) => ({ devices: devices.slice(0, n).map((d, i) => ({ host: address(i), ...d })), commands: SHOW, concurrency: CONCURRENCY, connectTimeoutMs: CONNECT_TIMEOUT_S * 1000, commandTimeoutMs: COMMAND_TIMEOUT_S * 1000 });
    writeFileSync(join(root, 'plan.json'), JSON.stringify(plan(devices.length)));

    // Warm-up: the simulators' JIT, so the first measured client does not pay for it.
    const warm = join(root, 'warmup');
    mkdirSync(warm);
    writeFileSync(join(warm, 'plan.json'), JSON.stringify(plan(Math.min(devices.length, 2 * CONCURRENCY))));
    const w = await baselineRun(warm, 0);
    console.error(`warm-up: ${w.answered} devices answered in ${w.wallS.toFixed(1)} s`);

    for (let rep = 1; rep <= REPEATS; rep++) {
      // A fresh database per repeat: its first sweep opens an incident per device, its second compares with the first.
      const dir = join(root, `r${rep}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'inventory.yaml'), JSON.stringify(inventory));
      writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan(devices.length)));
      writeFileSync(
        join(dir, 'capwatch.yaml'),
        JSON.stringify({ storage: { path: join(dir, 'capwatch.db') }, log: { level: 'error' }, poll: { connectTimeoutSeconds: CONNECT_TIMEOUT_S, commandTimeoutSeconds: COMMAND_TIMEOUT_S } }),
      );
      const capwatchPair = async () => {
        runsDone.push(await capwatchRun(dir, FIRST, rep));
        log(runsDone.at(-1)!);
        runsDone.push(await capwatchRun(dir, SECOND, rep));
        log(runsDone.at(-1)!);
      };
      const base = async () => {
        runsDone.push(await baselineRun(dir, rep));
        log(runsDone.at(-1)!);
      };
      // Alternate the order so neither client always runs on the warmer machine.
      for (const step of rep % 2 ? [base, capwatchPair] : [capwatchPair, base]) await step();
    }
  } finally {
    await stopAll();
    if (!interrupted) rmSync(root, { recursive: true, force: true });
  }
  report(runsDone);
}

function log(r: Run): void {
  console.error(
    `  #${r.repeat} ${r.client}: ${r.answered}/${DEVICES} answered in ${r.wallS.toFixed(1)} s (loop ${r.sweepS.toFixed(1)} s), peak RSS ${r.peakRssMb.toFixed(0)} MB, CPU ${r.cpuS.toFixed(1)} s, simulators CPU ${r.simCpuS.toFixed(1)} s` +
      `${r.incidents !== undefined ? `, ${r.incidents} incidents opened` : ''}${r.errors ? `, ${r.errors} errors: ${r.errorSamples.join(' | ')}` : ''}`,
  );
}

function report(all: Run[]): void {
  const by = (c: string) => all.filter((r) => r.client === c);
  const base = by(BASE);
  const ratio = (c: string, f: (r: Run) => number) => by(c).map((r) => f(r) / f(base.find((b) => b.repeat === r.repeat)!));
  const list = (xs: number[], d: number) => (xs.length > 1 ? ` [${xs.map((x) => x.toFixed(d)).join(', ')}]` : '');

  console.table(
    all.map((r) => ({
      repeat: r.repeat,
      client: r.client,
      'wall s': +r.wallS.toFixed(2),
      'loop s': +r.sweepS.toFixed(2),
      'devices/s': +(DEVICES / r.wallS).toFixed(1),
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'peak RSS MB': +r.peakRssMb.toFixed(0),
      'CPU s': +r.cpuS.toFixed(1),
      'sims CPU s': +r.simCpuS.toFixed(1),
      errors: r.errors,
      ...(r.incidents !== undefined && { incidents: r.incidents }),
    })),
  );

  const floor = Math.ceil(DEVICES / CONCURRENCY) * SHOW.length * (DELAY_MS / 1000);
  console.log(
    `\ncapwatch sweep benchmark: ${DEVICES} simulated IOS-XE devices in ${SIMS} ssh-sim processes (inventory addresses: ${ADDRESSES === 'shared' ? 'all 127.0.0.1' : 'a distinct spelling of 127.0.0.1 each'}), every command answered after ${DELAY_MS} ms ` +
      `(real IOS-XE: ~100–500 ms per show command; the simulator's login is not delayed, a real one takes 0.5–2 s), ` +
      `${SHOW.length} commands per device over exec channels (${SHOW.map((c) => `\`${c}\``).join(', ')}), concurrency ${CONCURRENCY}, ` +
      `${REPEATS} repeat${REPEATS > 1 ? 's (medians, [each repeat])' : ''}; ${cpus().length} cores shared by the simulators, the client and this script, Node ${process.versions.node}. ` +
      `The answer delays alone take ${floor.toFixed(1)} s at this concurrency.\n`,
  );
  const rows = [
    '| client | devices | concurrency | delay | wall s | devices/s | per device p50 / p99 | peak RSS | CPU s | errors | time × baseline | RSS × baseline |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of [BASE, FIRST, SECOND]) {
    const xs = by(c);
    if (!xs.length) continue;
    const wall = xs.map((r) => r.wallS);
    const t = c === BASE ? [] : ratio(c, (r) => r.wallS);
    const m = c === BASE ? [] : ratio(c, (r) => r.peakRssMb);
    rows.push(
      `| ${c} | ${DEVICES} | ${CONCURRENCY} | ${DELAY_MS} ms | ${median(wall).toFixed(1)}${list(wall, 1)} | ${(DEVICES / median(wall)).toFixed(1)} | ` +
        `${median(xs.map((r) => r.p50Ms)).toFixed(0)} / ${median(xs.map((r) => r.p99Ms)).toFixed(0)} ms | ${median(xs.map((r) => r.peakRssMb)).toFixed(0)} MB${list(xs.map((r) => r.peakRssMb), 0)} | ` +
        `${median(xs.map((r) => r.cpuS)).toFixed(1)} | ${xs.reduce((s, r) => s + r.errors, 0)} | ${t.length ? `${median(t).toFixed(2)}${list(t, 2)}` : ''} | ${m.length ? `${median(m).toFixed(2)}${list(m, 2)}` : ''} |`,
    );
  }
  console.log(rows.join('\n'));
  const worst = Math.max(...by(FIRST).map((r) => r.wallS), ...by(SECOND).map((r) => r.wallS));
  const errors = all.reduce((s, r) => s + r.errors, 0);
  const opened = by(FIRST).map((r) => r.incidents);
  console.log(
    `\ncapwatch: slowest sweep ${worst.toFixed(1)} s (target < ${TARGET_S} s: ${worst < TARGET_S ? 'met' : 'MISSED'}); ` +
      `incidents opened by the first sweep [${opened.join(', ')}] of ${DEVICES}, by the second [${by(SECOND).map((r) => r.incidents).join(', ')}]; ${errors} errors in all runs.`,
  );
  const samples = [...new Set(all.flatMap((r) => r.errorSamples.map((s) => `${r.client}: ${s}`)))];
  if (samples.length) console.log(`errors, e.g.:\n  ${samples.slice(0, 10).join('\n  ')}`);
  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `sweep-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ devices: DEVICES, sims: SIMS, delayMs: DELAY_MS, concurrency: CONCURRENCY, addresses: ADDRESSES, runs: all }, null, 2));
  if (errors || worst >= TARGET_S) process.exitCode = 1;
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exitCode = 1;
});
