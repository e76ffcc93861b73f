// Simulated devices that answer the poller's commands with real show outputs (fixtures/show), and inventory entries
// that point at them. The answer is the output alone: a fixture that is a transcript has its prompt and echo removed.
import { parseShowOutputs, splitTranscript } from '../../parsers/show/index.js';
import type { InventoryDevice, PollPlatform } from '../../src/poll/inventory.js';
import type { DeviceFindings } from '../../src/types.js';
import { fixtureOutput, startSimDevice, type SimDevice, type SimDeviceOptions } from './ssh-device.js';

/** The device's answer in a saved fixture: the last output in it (the show command the file is named after). */
export function answer(fixture: string): string {
  const outputs = splitTranscript(fixtureOutput(fixture));
  return outputs[outputs.length - 1]!.output;
}

/** What `capwatch inspect` makes of the same fixtures: what a poll of a device answering with them must find. */
export function inspected(platform: PollPlatform, fixtures: string[]): DeviceFindings {
  return parseShowOutputs(platform, fixtures.flatMap((f) => splitTranscript(fixtureOutput(f))));
}

/** Real answers per platform, keyed by the command the poller sends. */
export const ANSWERS = {
  // Capture NTP active on Gi0/0/0; ERSPAN source session 10 to 10.1.1.1, admin enabled.
  iosxe: { 'show monitor capture': 'iosxe__show_monitor_capture__2.txt', 'show monitor session all': 'iosxe__show_monitor_session_all__3.txt' },
  // Capture point POINT active (classic EPC on a Catalyst 2960-CX); a local SPAN session Gi0/1 → Gi0/2.
  ios: {
    'show monitor capture point all': 'ios__show_monitor_capture_point_POINT__4.txt',
    'show monitor capture buffer all parameters': 'ios__show_monitor_capture_buffer_BUF_parameters__2.txt',
    'show monitor session all': 'ios__show_monitor_session_1__1.txt',
  },
  // ERSPAN source session 2 up, to 9.1.1.2.
  nxos: { 'show monitor session all': 'nxos__show_monitor_session_2__1.txt' },
  // capture-2 capturing, capture-1 buffer full.
  asa: { 'show capture': 'asa__show_capture__2.txt' },
  junos: { 'show forwarding-options analyzer': 'junos__show_forwarding-options_analyzer__1.txt', 'show forwarding-options port-mirroring': 'junos__show_forwarding-options_port-mirroring__1.txt' },
} as const satisfies Record<PollPlatform, Record<string, string>>;

export function outputsFor(platform: PollPlatform): Record<string, string> {
  return Object.fromEntries(Object.entries(ANSWERS[platform]).map(([command, fixture]) => [command, answer(fixture)]));
}

export function fixturesFor(platform: PollPlatform): string[] {
  return Object.values(ANSWERS[platform]);
}

/** A simulated device of the platform answering with its real outputs. */
export function simDevice(platform: PollPlatform, o: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  return startSimDevice({ hostname: `${platform}-lab1`, platform, outputs: outputsFor(platform), ...o });
}

/** The inventory entry for a simulated device, its host key pinned. */
export function inventoryEntry(sim: SimDevice, platform: PollPlatform, o: Partial<InventoryDevice> = {}): InventoryDevice {
  return { name: `${platform}-lab1`, address: sim.host, port: sim.port, platform, username: 'admin', password: 'secret', hostKey: sim.fingerprint, tags: [], transport: 'auto', legacyAlgorithms: false, ...o };
}
