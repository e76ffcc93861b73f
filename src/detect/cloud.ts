// A cloud audit record's mirroring call as the CommandEvent every rule, state, severity and alert already knows: the
// account (project, subscription) is the device, the principal the user, the call's name the command, and what the
// record states about the resources the event's own facts.
import type { CloudCall } from '../../parsers/cloud/index.js';
import type { CommandEvent, EventSource, Platform } from '../types.js';

/** Rendering of the record kept as the event's raw text; audit records run to hundreds of kB. */
const MAX_RAW_CHARS = 16 * 1024;

const CLOUD_PLATFORMS: ReadonlySet<Platform> = new Set<Platform>(['aws', 'gcp', 'azure']);

export function isCloudPlatform(p: Platform | undefined): boolean {
  return p !== undefined && CLOUD_PLATFORMS.has(p);
}

/** How a cloud account is addressed as a device: `aws:123456789012`, `gcp:my-project`, `azure:<subscription id>`. */
export function cloudDeviceAddress(call: Pick<CloudCall, 'provider' | 'account'>): string {
  return `${call.provider}:${call.account}`;
}

/** The command text rules match: the call's name, and ` refused <error>` when the provider said no. */
export function cloudCommand(call: CloudCall): string {
  return call.outcome === 'refused' ? `${call.name} refused ${call.errorCode ?? ''}`.trim() : call.name;
}

export function cloudEvent(call: CloudCall, raw: string, source: EventSource, receivedAt: Date): CommandEvent {
  const facts: Record<string, string> = { ...call.attrs, account: call.account, operation: call.operation };
  if (call.region !== undefined) facts.region = call.region;
  if (call.principalType !== undefined) facts.principalType = call.principalType;
  if (call.userAgent !== undefined) facts.userAgent = call.userAgent;
  if (call.eventId !== undefined) facts.eventId = call.eventId;
  if (call.operationId !== undefined) facts.operationId = call.operationId;
  if (call.errorCode !== undefined) facts.error = call.errorCode;
  return {
    // Providers stamp their records with synced clocks; archived and delayed deliveries keep their own time.
    time: call.time ?? receivedAt,
    receivedAt,
    device: { address: cloudDeviceAddress(call), platform: call.provider },
    ...(call.principal !== undefined && { user: call.principal }),
    ...(call.sourceIp !== undefined && { remoteAddress: call.sourceIp }),
    command: cloudCommand(call),
    context: [],
    source,
    raw: raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…` : raw,
    facts,
  };
}

const NAMES: Readonly<Record<string, string>> = { aws: 'AWS account', gcp: 'Google Cloud project', azure: 'Azure subscription' };

/** Why a cloud detection matters, in one sentence (facts are the event's, already cut and trimmed). */
export function cloudWhy(action: string, event: CommandEvent, f: Readonly<Record<string, string>>, outsideCollectors: boolean): string {
  const where = `${NAMES[event.device.platform ?? ''] ?? 'cloud account'} ${f.account ?? event.device.address}${f.region ? ` (${f.region})` : ''}`;
  const who = event.user ? ` by ${event.user}` : '';
  const elsewhere = outsideCollectors && f.targetAccount ? `, owned by ${f.targetAccount}, outside the approved collectors` : '';
  switch (action) {
    case 'attempt':
      return `An attempt${who} to ${event.command.split(' ')[0]} in ${where} was refused (${f.error ?? 'error'}); whoever tried may try again with other rights.`;
    case 'mirror':
      return f.enabled === 'false'
        ? `Traffic mirror ${f.session ?? '?'} in ${where} was changed${who} and is disabled.`
        : `Traffic mirror ${f.session ?? '?'} in ${where}${who} copies the packets of ${f.sources ?? 'its sources'} to ${f.target ?? 'a collector'}${elsewhere}.`;
    case 'destination':
      if (f.sharedWith) return `Traffic mirror target ${f.target ?? '?'} of ${where} was shared${who} with ${f.sharedWith}, who can now mirror traffic into it or receive it.`;
      return `A traffic mirror target ${f.target ?? ''} was made in ${where}${who}${f.targetResource ? `, sending mirrored packets to ${f.targetResource}` : ''}${elsewhere}.`.replace('  ', ' ');
    case 'define':
      return `A traffic mirror filter ${f.filter ?? ''} in ${where} was set${who}${f.ports ? ` to copy ports ${f.ports}` : ''}${f.protocols ? ` (${f.protocols})` : ''}.`.replace('  ', ' ');
    case 'start':
      return `A packet capture ran on ${f.captureTarget ?? 'a VM'} in ${where}${who}${f.url ? `, written to ${f.url}` : ''}${elsewhere}.`;
    case 'stop':
      return `Packet capture ${f.capture ?? '?'} in ${where} was stopped${who}; the file it wrote stays where it was written.`;
    case 'remove':
      return `${event.command} removed ${f.session ?? f.capture ?? f.target ?? f.filter ?? 'a mirror resource'} from ${where}${who}.`;
    default:
      return `${event.command} in ${where}${who}.`;
  }
}

/** Ports and services that mirrors are set to pick out in the wild to harvest credentials. */
const AUTH_PORTS: readonly { port: number; name: string }[] = [
  { port: 49, name: 'TACACS+ (TCP 49)' },
  { port: 1812, name: 'RADIUS (1812)' },
  { port: 22, name: 'SSH (TCP 22)' },
  { port: 389, name: 'LDAP (389)' },
  { port: 88, name: 'Kerberos (88)' },
  { port: 445, name: 'SMB (445)' },
];
/** A range this wide copies everything: it picks nothing out. */
const NARROW = 1024;

/** `mirror filter targets TACACS+ (TCP 49)` for each authentication port a narrow range in `ports` covers. */
export function portTradecraft(ports: string): string[] {
  const found: string[] = [];
  const ranges: { from: number; to: number }[] = [];
  for (const part of ports.split(',').slice(0, 64)) {
    const m = /^\s*(\d{1,5})(?:-(\d{1,5}))?\s*$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to - from < NARROW) ranges.push({ from, to });
  }
  for (const { port, name } of AUTH_PORTS) if (ranges.some((r) => r.from <= port && port <= r.to)) found.push(`mirror filter targets ${name}`);
  return found;
}
