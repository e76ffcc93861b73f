// Simulated SSH network devices for benchmarks: N devices (test/helpers/ssh-device.ts) in this one process on
// 127.0.0.1 ephemeral ports, sharing one host key and the same output strings. Prints one JSON line
// {"devices":[{"port":…,"fingerprint":"SHA256:…"}]} once all listen, then serves until SIGTERM, SIGINT or the end of
// a piped stdin. Login admin / secret.
//
// Options (flag or environment variable):
//   --count N         SIM_COUNT      devices (default 1)
//   --platform P      SIM_PLATFORM   ios | iosxe | nxos | asa | junos (default: the first fixture's prefix, else iosxe)
//   --delay MS        SIM_DELAY_MS   wait before each answer (default 0)
//   --fixture F[,F…]  SIM_FIXTURE    fixtures/show files to answer with (default iosxe__show_monitor_session_all__1.txt);
//                                    each answers the command its name spells: iosxe__show_monitor_session_all__1.txt
//                                    answers "show monitor session all"
//   --command C       SIM_COMMAND    the command a single fixture answers instead
import { fstatSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fixtureOutput, startSimDevice, type SimDevice, type SimPlatform } from '../test/helpers/ssh-device.js';

const PLATFORMS: readonly SimPlatform[] = ['ios', 'iosxe', 'nxos', 'asa', 'junos'];

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: process.env.SIM_COUNT ?? '1' },
    platform: { type: 'string', default: process.env.SIM_PLATFORM },
    delay: { type: 'string', default: process.env.SIM_DELAY_MS ?? '0' },
    fixture: { type: 'string', default: process.env.SIM_FIXTURE ?? 'iosxe__show_monitor_session_all__1.txt' },
    command: { type: 'string', default: process.env.SIM_COMMAND },
  },
});

const count = Number(values.count);
const delayMs = Number(values.delay);
const fixtures = values.fixture.split(',').filter(Boolean);
if (!Number.isInteger(count) || count < 1) throw new Error(`count must be a positive integer, got ${values.count}`);
if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`delay must be a number of ms >= 0, got ${values.delay}`);
if (values.command !== undefined && fixtures.length !== 1) throw new Error('--command needs exactly one fixture');

/** "iosxe__show_monitor_session_all__1.txt" → ["iosxe", "show monitor session all"]. */
function fixtureName(file: string): [string, string] {
  const m = /^([^_]+)__(.+)__\d+\.txt$/.exec(file);
  if (!m) throw new Error(`fixture name not <platform>__<command>__<n>.txt: ${file}`);
  return [m[1]!, m[2]!.replace(/_/g, ' ')];
}

const platform = (values.platform ?? fixtureName(fixtures[0]!)[0]) as SimPlatform;
if (!PLATFORMS.includes(platform)) throw new Error(`platform must be one of ${PLATFORMS.join(', ')}, got ${platform}`);

// One outputs object for every device: they all hold references to the same strings.
const outputs: Record<string, string> = {};
for (const file of fixtures) outputs[values.command ?? fixtureName(file)[1]] = fixtureOutput(file);

const devices: SimDevice[] = [];
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(devices.map((d) => d.close()));
  process.exit(0);
}
// Before the listening line: a parent may signal as soon as it has read it.
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Spawned with stdin ignored, stdin is /dev/null and ends at once; only a pipe or a terminal closing means "stop".
const stdin = fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket() || process.stdin.isTTY) process.stdin.on('end', stop).resume();

devices.push(...(await Promise.all(Array.from({ length: count }, (_, i) => startSimDevice({ hostname: `r${i + 1}`, platform, delayMs, outputs })))));
process.stdout.write(`${JSON.stringify({ devices: devices.map((d) => ({ port: d.port, fingerprint: d.fingerprint })) })}\n`);
