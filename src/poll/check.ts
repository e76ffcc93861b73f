// One device checked: log in, run the platform's show commands, parse what they say. Never throws: whatever goes
// wrong becomes the check's error, so one bad device cannot stop a sweep.
import { parseShowOutputs } from '../../parsers/show/index.js';
import type { Confirmation, DeviceFindings } from '../types.js';
import { COMMANDS } from './commands.js';
import { verifyHostKey, type KnownHosts } from './host-keys.js';
import type { InventoryDevice, PollPlatform } from './inventory.js';
import { PollError, runDeviceCommands, type PollErrorKind } from './ssh.js';

export interface PollSettings {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** The known_hosts file as it is now (read again when it changes). */
  knownHosts?: () => KnownHosts;
  trustOnFirstUse: boolean;
}

export interface DeviceCheck {
  device: string;
  address: string;
  port: number;
  platform: PollPlatform;
  checkedAt: Date;
  durationMs: number;
  /** capwatch logged in. */
  reachable: boolean;
  transport?: 'exec' | 'shell';
  /** Present when every show command was answered. */
  findings?: DeviceFindings;
  error?: string;
  errorKind?: PollErrorKind | 'internal';
  /** Trust on first use recorded this host key in known_hosts during the check. */
  hostKeyRecorded?: string;
}

export async function checkDevice(d: InventoryDevice, s: PollSettings, now: () => Date = () => new Date()): Promise<DeviceCheck> {
  const checkedAt = now();
  const base = { device: d.name, address: d.address, port: d.port, platform: d.platform, checkedAt };
  let recorded: string | undefined;
  try {
    const run = await runDeviceCommands(
      { host: d.address, port: d.port, username: d.username, ...secrets(d), legacyAlgorithms: d.legacyAlgorithms },
      COMMANDS[d.platform],
      d.transport,
      {
        connectTimeoutMs: s.connectTimeoutMs,
        commandTimeoutMs: s.commandTimeoutMs,
        verifyHostKey: (blob) => {
          const policy = { ...(d.hostKey !== undefined && { pinned: d.hostKey }), ...(s.knownHosts && { knownHosts: s.knownHosts() }), trustOnFirstUse: s.trustOnFirstUse };
          const verdict = verifyHostKey(policy, d.address, d.port, blob);
          if (verdict.ok && verdict.recorded) recorded = verdict.fingerprint;
          return verdict;
        },
      },
    );
    return {
      ...base,
      durationMs: now().getTime() - checkedAt.getTime(),
      reachable: true,
      transport: run.transport,
      findings: parseShowOutputs(d.platform, run.outputs),
      ...(recorded && { hostKeyRecorded: recorded }),
    };
  } catch (err) {
    const e = err instanceof PollError ? err : undefined;
    return {
      ...base,
      durationMs: now().getTime() - checkedAt.getTime(),
      reachable: e?.loggedIn ?? false,
      error: e?.message ?? `internal error: ${(err as Error).message}`,
      errorKind: e?.kind ?? 'internal',
      ...(recorded && { hostKeyRecorded: recorded }),
    };
  }
}

function secrets(d: InventoryDevice) {
  return {
    ...(d.password !== undefined && { password: d.password }),
    ...(d.privateKey !== undefined && { privateKey: d.privateKey }),
    ...(d.passphrase !== undefined && { passphrase: d.passphrase }),
  };
}

/** Active items the device reports: what makes a check "active-found". */
export function activeItems(f: DeviceFindings) {
  return { captures: f.captures.filter((c) => c.active), sessions: f.sessions.filter((s) => s.active) };
}

/** What a check means for an incident: active found, none found, unsupported, or could not be checked. */
export function confirmationOf(c: DeviceCheck): Confirmation {
  if (!c.findings) return { status: 'unreachable', checkedAt: c.checkedAt, error: c.error ?? 'no answer' };
  const active = activeItems(c.findings);
  const status = !c.findings.supported ? 'unsupported' : active.captures.length + active.sessions.length > 0 ? 'active-found' : 'none-found';
  return { status, checkedAt: c.checkedAt, findings: c.findings };
}
