// Arista EOS configuration sessions: `ConfigAgent: %SYS-5-CONFIG_E: Enter configuration mode from console by admin on
// vty3 (192.0.2.50)` opens one, `%SYS-5-CONFIG_I` (read by ios.ts) closes it. eAPI sessions print `FastCapi:` and
// `command-api (unix:)`; event handlers `root on UnknownTty (UnknownIpAddr)`.
import type { DeviceRecord } from '../types.js';
import { field, remoteAddress } from './text.js';

const CONFIG_E = /^Enter configuration mode from \S{1,64} by (\S{1,64})(?: on (\S{1,64})(?: \(([^)\s]{1,64})\))?)?/;
/** The EOS agents that log configuration sessions. */
const EOS_AGENTS: ReadonlySet<string> = new Set(['ConfigAgent', 'FastCapi']);

export function isEosAgent(appName: string | undefined): boolean {
  return appName !== undefined && EOS_AGENTS.has(appName);
}

/** `%SYS-5-CONFIG_E`: the operator entered configuration mode; a body in another shape names nobody. */
export function eosConfigStartRecord(body: string): DeviceRecord {
  const rec: DeviceRecord = { type: 'config-start', origin: 'device', platform: 'eos' };
  const m = CONFIG_E.exec(body);
  if (!m) return rec;
  const user = field(m[1]);
  if (user !== undefined) rec.user = user;
  const line = field(m[2]);
  if (line !== undefined && line !== 'UnknownTty') rec.line = line;
  const addr = remoteAddress(m[3]);
  if (addr !== undefined) rec.remoteAddress = addr;
  return rec;
}
