// What a cloud provider's audit log says about one call that builds, changes or removes a traffic mirror or a packet
// capture. Pure records: the parsers in this folder make them from CloudTrail, Cloud Audit Logs and the Azure Activity
// Log; nothing here knows about sockets, clocks or storage.
import type { CloudPlatform } from '../types.js';

export type CloudProvider = CloudPlatform;
export const CLOUD_PROVIDERS: readonly CloudProvider[] = ['aws', 'gcp', 'azure'];

/** What the call did. `share`: a mirror target offered to other accounts (AWS RAM). */
export type CloudVerb = 'create' | 'modify' | 'delete' | 'stop' | 'share';

/**
 * What it did it to:
 * - `mirror`: what copies a source's packets to a target — an AWS Traffic Mirror session, a GCP packet mirroring, an
 *   Azure NIC tap configuration;
 * - `target`: where mirrored packets may go — an AWS Traffic Mirror target, an Azure virtual network TAP;
 * - `filter`, `filter-rule`: what an AWS mirror session copies;
 * - `capture`: an Azure Network Watcher packet capture on a VM, written to a storage account or the VM's disk.
 */
export type CloudObject = 'mirror' | 'target' | 'filter' | 'filter-rule' | 'capture';

/** `refused`: the provider answered with an error — an attempt, not a change. */
export type CloudOutcome = 'succeeded' | 'refused';

export interface PortRange {
  from: number;
  to: number;
}

/** One rule of what is mirrored or captured (AWS filter rule, Network Watcher capture filter). */
export interface TrafficRule {
  /** Lowercase name (`tcp`, `udp`, `icmp`, `any`) or the IP protocol number as given. */
  protocol?: string;
  /** Source and destination ports together: a rule picks traffic out when either end is in one of them. */
  ports: PortRange[];
}

/**
 * Resource attributes, under the keys detections show them as facts (keys are ours, never the log's):
 * session (the mirror's id), target, targetType, targetResource (what a target forwards to), targetAccount (who owns
 * the target or storage), sources, filter, filterRule, direction, protocols, ports, cidrs, enabled ("false" when a
 * GCP packet mirroring is disabled), capture, captureTarget, url (where a capture is written), storageAccount,
 * sharedWith, sessionNumber, packetLength, vni.
 */
export type CloudAttributes = Partial<Record<CloudAttribute, string>>;
export const CLOUD_ATTRIBUTES = [
  'session',
  'capture',
  'target',
  'targetType',
  'targetResource',
  'targetAccount',
  'sources',
  'captureTarget',
  'filter',
  'filterRule',
  'direction',
  'protocols',
  'ports',
  'cidrs',
  'enabled',
  'url',
  'storageAccount',
  'sharedWith',
  'sessionNumber',
  'packetLength',
  'vni',
] as const;
export type CloudAttribute = (typeof CLOUD_ATTRIBUTES)[number];

export interface CloudCall {
  provider: CloudProvider;
  /** `ec2`, `ram`, `compute`, `network`. */
  service: string;
  /** The provider's own name: CreateTrafficMirrorSession, v1.compute.packetMirrorings.insert, Microsoft.Network/virtualNetworkTaps/write. */
  operation: string;
  /** The operation without version or namespace, as rendered: CreateTrafficMirrorSession, packetMirrorings.insert, virtualNetworkTaps/write. */
  name: string;
  verb: CloudVerb;
  object: CloudObject;
  /** AWS account id, GCP project id, Azure subscription id (lowercase). */
  account: string;
  region?: string;
  /** When the provider says the call happened. */
  time?: Date;
  /** IAM principal ARN, Google account e-mail, Entra user principal name or application id. */
  principal?: string;
  principalType?: string;
  sourceIp?: string;
  userAgent?: string;
  /** The log record's own id (CloudTrail eventID, LogEntry insertId, Activity Log eventDataId, Event Grid id). */
  eventId?: string;
  /** The operation several records share (a GCP long-running operation, an Azure correlation id). */
  operationId?: string;
  outcome: CloudOutcome;
  /** The provider's error code or message, when refused (not `error`: that names a ParseFailure). */
  errorCode?: string;
  attrs: CloudAttributes;
  rules: TrafficRule[];
}
