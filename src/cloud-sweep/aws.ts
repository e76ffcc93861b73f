// AWS: the Traffic Mirror sessions of one region, each described with its target (where the packets go, and whose it
// is) and its filter (what is copied), through EC2's Describe calls on the SDK's default credential chain.
import type { EC2Client, TrafficMirrorFilter, TrafficMirrorFilterRule, TrafficMirrorSession, TrafficMirrorTarget } from '@aws-sdk/client-ec2';
import type { CloudAttributes } from '../../parsers/cloud/types.js';
import type { CloudMirror, CloudScope } from './types.js';

export interface AwsSweepConfig {
  regions: string[];
}

/** Makes the EC2 client of a region; the default one uses the SDK's standard credential chain. */
export type Ec2ClientFactory = (region: string) => Promise<EC2Client>;

const defaultClient: Ec2ClientFactory = async (region) => {
  // Loaded only when an AWS sweep runs: the EC2 client is large and most installations never use it.
  const { EC2Client } = await import('@aws-sdk/client-ec2');
  return new EC2Client({ region });
};

export function awsScopes(config: AwsSweepConfig, client: Ec2ClientFactory = defaultClient): CloudScope[] {
  return config.regions.map((region) => ({ provider: 'aws', name: region, list: async () => listRegion(await client(region), region) }));
}

async function listRegion(client: EC2Client, region: string): Promise<CloudMirror[]> {
  const sdk = await import('@aws-sdk/client-ec2');
  const sessions: TrafficMirrorSession[] = [];
  const targets = new Map<string, TrafficMirrorTarget>();
  const filters = new Map<string, TrafficMirrorFilter>();
  try {
    for await (const page of sdk.paginateDescribeTrafficMirrorSessions({ client }, {})) sessions.push(...(page.TrafficMirrorSessions ?? []));
    // Targets and filters only describe sessions: none to describe, nothing more to ask.
    if (sessions.length > 0) {
      for await (const page of sdk.paginateDescribeTrafficMirrorTargets({ client }, {})) for (const t of page.TrafficMirrorTargets ?? []) if (t.TrafficMirrorTargetId) targets.set(t.TrafficMirrorTargetId, t);
      for await (const page of sdk.paginateDescribeTrafficMirrorFilters({ client }, {})) for (const f of page.TrafficMirrorFilters ?? []) if (f.TrafficMirrorFilterId) filters.set(f.TrafficMirrorFilterId, f);
    }
  } finally {
    client.destroy();
  }
  const mirrors: CloudMirror[] = [];
  for (const s of sessions) {
    if (!s.TrafficMirrorSessionId || !s.OwnerId) continue;
    const attrs: CloudAttributes = { session: s.TrafficMirrorSessionId };
    if (s.NetworkInterfaceId) attrs.sources = s.NetworkInterfaceId;
    if (s.TrafficMirrorTargetId) Object.assign(attrs, targetAttrs(s.TrafficMirrorTargetId, targets.get(s.TrafficMirrorTargetId)));
    if (s.TrafficMirrorFilterId) Object.assign(attrs, filterAttrs(s.TrafficMirrorFilterId, filters.get(s.TrafficMirrorFilterId)));
    if (s.SessionNumber !== undefined) attrs.sessionNumber = String(s.SessionNumber);
    if (s.PacketLength !== undefined) attrs.packetLength = String(s.PacketLength);
    if (s.VirtualNetworkId !== undefined) attrs.vni = String(s.VirtualNetworkId);
    mirrors.push({ provider: 'aws', account: s.OwnerId, region, attrs, active: true });
  }
  return mirrors;
}

/** A target this account cannot describe (shared from elsewhere and since unshared) is named, but owned by nobody known. */
function targetAttrs(id: string, t: TrafficMirrorTarget | undefined): CloudAttributes {
  const attrs: CloudAttributes = { target: id };
  if (!t) return attrs;
  if (t.Type) attrs.targetType = t.Type;
  const resource = t.NetworkInterfaceId ?? t.NetworkLoadBalancerArn ?? t.GatewayLoadBalancerEndpointId;
  if (resource) attrs.targetResource = resource;
  if (t.OwnerId) attrs.targetAccount = t.OwnerId;
  return attrs;
}

const PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'],
  [6, 'tcp'],
  [17, 'udp'],
]);

/** What the filter's accept rules copy, in the facts the event side gives a CreateTrafficMirrorFilterRule. */
function filterAttrs(id: string, f: TrafficMirrorFilter | undefined): CloudAttributes {
  const attrs: CloudAttributes = { filter: id };
  if (!f) return attrs;
  const accepted = [...(f.IngressFilterRules ?? []), ...(f.EgressFilterRules ?? [])].filter((r) => r.RuleAction === 'accept');
  const directions = unique(accepted.map((r) => r.TrafficDirection));
  const protocols = unique(accepted.map((r) => (r.Protocol === undefined ? undefined : (PROTOCOLS.get(r.Protocol) ?? String(r.Protocol)))));
  const ports = unique(accepted.flatMap((r) => [portText(r.DestinationPortRange), portText(r.SourcePortRange)]));
  const cidrs = unique(accepted.map(cidrText));
  if (directions.length) attrs.direction = directions.join(', ');
  if (protocols.length) attrs.protocols = protocols.join(', ');
  if (ports.length) attrs.ports = ports.join(', ');
  if (cidrs.length) attrs.cidrs = cidrs.join(', ');
  return attrs;
}

function portText(p: TrafficMirrorFilterRule['DestinationPortRange']): string | undefined {
  if (p?.FromPort === undefined) return undefined;
  const to = p.ToPort ?? p.FromPort;
  return p.FromPort === to ? String(to) : `${p.FromPort}-${to}`;
}

function cidrText(r: TrafficMirrorFilterRule): string | undefined {
  if (!r.SourceCidrBlock && !r.DestinationCidrBlock) return undefined;
  return `${r.SourceCidrBlock ?? 'any'} > ${r.DestinationCidrBlock ?? 'any'}`;
}

function unique(values: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
