// Severity policy, applied after the rule matched and the state was updated. The rule's level is the floor; what
// the command does (exports off the box, mirrors to an unknown collector, starts recording) and tradecraft seen in
// the wild (CISA AA25-239A, Salt Typhoon) raise it.
import { SEVERITIES, maxSeverity, severityRank, type DetectionKind, type Severity } from '../types.js';
import { cidrContains, parseCidr, type Cidr } from './sigma/cidr.js';
import type { RuleAction } from './sigma/types.js';
import { portTradecraft } from './cloud.js';
import { hasBothEnds, type CaptureState, type SessionState } from './state.js';
import { isRemoteUrl } from './urls.js';

/** A cloud account named as a collector: `aws:123456789012`, `gcp:project-id`, `azure:<subscription id>`. */
const CLOUD_COLLECTOR = /^(?:aws:\d{12}|gcp:[a-z][a-z0-9.:-]{3,99}|azure:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export function isCloudCollector(entry: string): boolean {
  return CLOUD_COLLECTOR.test(entry.trim());
}

/** The networks where ERSPAN/GRE collectors are approved, and the cloud accounts where mirror targets may live. */
export class CollectorNetworks {
  private readonly nets: readonly Cidr[];
  /** Account ids, project ids, subscription ids (lowercase), without their provider prefix. */
  private readonly accounts: ReadonlySet<string>;

  /** Throws an Error naming the first entry that is not an address, CIDR or cloud account. */
  constructor(networks: readonly string[]) {
    const accounts = new Set<string>();
    const nets: Cidr[] = [];
    for (const n of networks) {
      if (isCloudCollector(n)) {
        accounts.add(n.trim().slice(n.trim().indexOf(':') + 1).toLowerCase());
        continue;
      }
      const c = parseCidr(n.trim());
      if (!c) throw new Error(`collector network '${n}' is not an IPv4/IPv6 address or CIDR`);
      nets.push(c);
    }
    this.nets = nets;
    this.accounts = accounts;
  }

  contains(ip: string): boolean {
    return this.nets.some((c) => cidrContains(c, ip));
  }

  /** How many networks are listed (none: nothing can be told apart). */
  get size(): number {
    return this.nets.length;
  }

  /** Is this cloud account (or one of a comma-separated list of account ids and ARNs) an approved collector's? */
  containsAccount(account: string): boolean {
    return account.split(',').every((a) => {
      const id = a.trim().toLowerCase();
      const arnAccount = /^arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12}):/.exec(id)?.[1];
      return this.accounts.has(arnAccount ?? id);
    });
  }
}

export interface SeverityInput {
  level: Severity;
  kind: DetectionKind;
  action: RuleAction;
  command: string;
  facts: Readonly<Record<string, string>>;
  /** The capture / session the detection touched, after the state was updated. */
  capture?: Readonly<CaptureState>;
  session?: Readonly<SessionState>;
}

export interface Assessment {
  severity: Severity;
  /** Named in-the-wild tradecraft, in a stable order. */
  tradecraft: string[];
  /** Facts the policy relied on that the rule did not extract (e.g. the session's destinationIp). */
  facts: Record<string, string>;
  /** A cloud mirror target or capture file in another account that is not an approved collector's. */
  elsewhere?: boolean;
}

export { isRemoteUrl } from './urls.js';
const CLEARTEXT_URL = /^(?:tftp|ftp):/i;

/** Capture filters, ACL and capture names aimed at AAA and management traffic (CISA AA25-239A: TACACS+-focused captures). */
const TARGETS: readonly { name: string; re: RegExp }[] = [
  { name: 'capture targets TACACS+ (TCP 49)', re: /\b(?:eq|port|range)\s+(?:49|tacacs)\b|tacacs/i },
  { name: 'capture targets RADIUS (1812/1813)', re: /\b(?:eq|port|range)\s+(?:1812|1813|1645|1646|radius)\b|radius/i },
  { name: 'capture targets SNMP (161/162)', re: /\b(?:eq|port|range)\s+(?:161|162|snmp|snmptrap)\b|snmp/i },
  { name: 'capture targets SSH (TCP 22)', re: /\b(?:eq|port|range)\s+(?:22|ssh)\b|\bssh\b/i },
  { name: 'capture targets LDAP (389/636)', re: /\b(?:eq|port|range)\s+(?:389|636|ldaps?)\b|\bldaps?\b/i },
  { name: 'capture targets Kerberos (88)', re: /\b(?:eq|port|range)\s+(?:88|kerberos)\b|kerberos/i },
  { name: 'capture targets BGP (TCP 179)', re: /\b(?:eq|port|range)\s+(?:179|bgp)\b|\bbgp\b/i },
];

/** File names from the Salt Typhoon reporting: tac.pcap, mycap.pcap, 1.pcap. */
const TRADECRAFT_FILE = /^(?:tac|mycap|\d+)\.pcap$/i;

function basename(pathOrUrl: string): string {
  return pathOrUrl.slice(Math.max(pathOrUrl.lastIndexOf('/'), pathOrUrl.lastIndexOf(':')) + 1);
}

function raise(s: Severity): Severity {
  return maxSeverity('high', SEVERITIES[Math.min(severityRank(s) + 1, SEVERITIES.length - 1)]!);
}

function tradecraftOf(i: SeverityInput): string[] {
  const f = i.facts;
  const found: string[] = [];
  // Foreground sniffers and EEM actions carry their filter inline in the command.
  const inline = i.action === 'run' || i.action === 'automate' ? i.command : undefined;
  const text = [f.filter, i.capture?.filter, f.capture, f.buffer, i.capture?.name, inline].filter((x) => x !== undefined).join('\n');
  for (const t of TARGETS) if (t.re.test(text)) found.push(t.name);
  const url = f.url ?? i.capture?.exportUrl;
  const files = new Set([f.file, i.capture?.file, url].filter((x): x is string => x !== undefined).map(basename));
  for (const name of files) if (TRADECRAFT_FILE.test(name)) found.push(`capture file name used by Salt Typhoon (${name})`);
  if (f.ports !== undefined) found.push(...portTradecraft(f.ports));
  if (url !== undefined && i.action === 'export' && CLEARTEXT_URL.test(url)) found.push('capture exported over cleartext TFTP/FTP');
  return found;
}

export function assessSeverity(i: SeverityInput, collectors: CollectorNetworks): Assessment {
  const facts: Record<string, string> = {};
  // Listing, removing, evasion, refused cloud calls and rules from elsewhere (action none: no capture or mirror
  // changed) keep the rule's level.
  if (i.kind === 'removal' || i.kind === 'recon' || i.kind === 'evasion' || i.action === 'none' || i.action === 'attempt') return { severity: i.level, tradecraft: [], facts };
  let severity = i.level;

  // Cloud: a target or capture file in another account, or a target shared with one, unless it is an approved collector's.
  const f = i.facts;
  const foreign = f.targetAccount !== undefined && f.account !== undefined && f.targetAccount.toLowerCase() !== f.account.toLowerCase();
  const elsewhere = (foreign && !collectors.containsAccount(f.targetAccount!)) || (f.sharedWith !== undefined && !collectors.containsAccount(f.sharedWith));
  if (elsewhere) severity = 'critical';

  if (i.action === 'export' && i.facts.url !== undefined && isRemoteUrl(i.facts.url)) severity = 'critical';

  const leavesOverIp = i.session?.type === 'erspan-source' || i.session?.type === 'port-mirroring';
  const destinationIp = i.facts.destinationIp ?? (leavesOverIp ? i.session?.destinationIp : undefined);
  if (destinationIp !== undefined) {
    if (i.facts.destinationIp === undefined) facts.destinationIp = destinationIp;
    severity = maxSeverity(severity, collectors.contains(destinationIp) ? 'high' : 'critical');
  }

  if (i.action === 'start' || i.action === 'run' || i.action === 'define-start') severity = maxSeverity(severity, 'high');
  if (i.session && hasBothEnds(i.session)) severity = maxSeverity(severity, 'high');

  const tradecraft = tradecraftOf(i);
  if (tradecraft.length > 0) severity = raise(severity);
  return { severity, tradecraft, facts, ...(elsewhere && { elsewhere }) };
}
