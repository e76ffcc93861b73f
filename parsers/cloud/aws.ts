// AWS CloudTrail records of VPC Traffic Mirroring calls (eventSource ec2.amazonaws.com) and of mirror targets shared
// through AWS RAM (ram.amazonaws.com). Shapes as CloudTrail writes them: EC2's newer query APIs wrap their request
// and response (`requestParameters.CreateTrafficMirrorSessionRequest`, `responseElements.…Response`) with PascalCase
// request and camelCase response fields; pipelines that re-render records turn ids into numbers and drop the `T`
// from eventTime. Both are read.
import type { ParseFailure } from '../types.js';
import { firstStr, get, num, obj, str, strings, time, type Obj } from './json.js';
import type { CloudAttributes, CloudCall, CloudObject, CloudVerb, PortRange, TrafficRule } from './types.js';

/** What EC2's mirroring calls act on (captures are Azure's). */
type Ec2Object = Exclude<CloudObject, 'capture'>;

interface Kind {
  verb: CloudVerb;
  object: Ec2Object;
}

const EC2_CALLS: ReadonlyMap<string, Kind> = new Map([
  ['CreateTrafficMirrorTarget', { verb: 'create', object: 'target' }],
  ['DeleteTrafficMirrorTarget', { verb: 'delete', object: 'target' }],
  ['CreateTrafficMirrorFilter', { verb: 'create', object: 'filter' }],
  ['DeleteTrafficMirrorFilter', { verb: 'delete', object: 'filter' }],
  ['CreateTrafficMirrorFilterRule', { verb: 'create', object: 'filter-rule' }],
  ['ModifyTrafficMirrorFilterRule', { verb: 'modify', object: 'filter-rule' }],
  ['DeleteTrafficMirrorFilterRule', { verb: 'delete', object: 'filter-rule' }],
  ['CreateTrafficMirrorSession', { verb: 'create', object: 'mirror' }],
  ['ModifyTrafficMirrorSession', { verb: 'modify', object: 'mirror' }],
  ['DeleteTrafficMirrorSession', { verb: 'delete', object: 'mirror' }],
] as const);

/** RAM calls that offer resources to other principals; they matter here when a Traffic Mirror target is among them. */
const RAM_SHARES: ReadonlySet<string> = new Set(['CreateResourceShare', 'AssociateResourceShare']);

const ACCOUNT = /^\d{12}$/;
/** Account ids as written; anonymised samples and numeric re-renderings lose leading zeros. */
const ACCOUNT_TEXT = /^\d{1,12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const MIRROR_TARGET_ARN = /^arn:aws[a-z-]*:ec2:([a-z0-9-]*):(\d{12}):traffic-mirror-target\/(tmt-[0-9a-f]+)$/;

/** Is this CloudTrail record (or EventBridge detail) one capwatch reads? Cheap: two own-property reads. */
export function isCloudTrailRecord(rec: Obj): boolean {
  return typeof get(rec, 'eventName') === 'string' && typeof get(rec, 'eventSource') === 'string';
}

/**
 * The traffic-mirroring call a CloudTrail record describes; null when it is about something else (nearly every record
 * is); a ParseFailure when it is a mirroring call capwatch cannot attribute to an account.
 */
export function cloudTrailCall(rec: Obj): CloudCall | null | ParseFailure {
  const name = get(rec, 'eventName');
  const source = get(rec, 'eventSource');
  if (typeof name !== 'string' || typeof source !== 'string') return null;
  const ec2 = source === 'ec2.amazonaws.com' ? EC2_CALLS.get(name) : undefined;
  const ram = source === 'ram.amazonaws.com' && RAM_SHARES.has(name);
  if (!ec2 && !ram) return null;

  const identity = obj(get(rec, 'userIdentity'));
  const account = accountText(get(rec, 'recipientAccountId')) ?? accountText(get(identity, 'accountId'));
  if (account === undefined) return { error: `${name}: no AWS account id (recipientAccountId)` };
  const request = section(get(rec, 'requestParameters'), `${name}Request`);
  const response = section(get(rec, 'responseElements'), `${name}Response`);
  const errorCode = str(get(rec, 'errorCode'), 128);

  let kind: { verb: CloudVerb; object: CloudObject };
  let attrs: CloudAttributes;
  let rules: TrafficRule[] = [];
  if (ec2) {
    kind = ec2;
    const read = EC2_READERS[ec2.object](request, response, account, ec2.verb);
    attrs = read.attrs;
    rules = read.rules;
  } else {
    const shared = mirrorTargetsShared(request);
    // Sharing anything but a Traffic Mirror target is not capwatch's business.
    if (!shared) return null;
    kind = { verb: 'share', object: 'target' };
    attrs = shared;
  }

  const region = str(get(rec, 'awsRegion'), 32);
  const eventTime = time(get(rec, 'eventTime'));
  const principal = principalOf(identity, account);
  const principalType = str(get(identity, 'type'), 64);
  const sourceIp = str(get(rec, 'sourceIPAddress'), 128);
  const userAgent = str(get(rec, 'userAgent'));
  const eventId = str(get(rec, 'eventID'), 128);
  return {
    provider: 'aws',
    service: ec2 ? 'ec2' : 'ram',
    operation: name,
    name,
    verb: kind.verb,
    object: kind.object,
    account,
    ...(region !== undefined && REGION.test(region) && { region }),
    ...(eventTime && { time: eventTime }),
    ...(principal !== undefined && { principal }),
    ...(principalType !== undefined && { principalType }),
    ...(sourceIp !== undefined && { sourceIp }),
    ...(userAgent !== undefined && { userAgent }),
    ...(eventId !== undefined && { eventId }),
    outcome: errorCode === undefined ? 'succeeded' : 'refused',
    ...(errorCode !== undefined && { errorCode }),
    attrs,
    rules,
  };
}

/** `requestParameters` / `responseElements`, unwrapped from the `<Name>Request` / `<Name>Response` EC2 puts around them. */
function section(v: unknown, wrapper: string): Obj | undefined {
  const o = obj(v);
  return obj(get(o, wrapper)) ?? o;
}

/** A field under its request name (PascalCase) or its response name (camelCase). */
function field(o: Obj | undefined, pascal: string): string | undefined {
  return firstStr(o, pascal, pascal[0]!.toLowerCase() + pascal.slice(1));
}

function child(o: Obj | undefined, camel: string): Obj | undefined {
  return obj(get(o, camel));
}

function principalOf(identity: Obj | undefined, account: string): string | undefined {
  const arn = str(get(identity, 'arn'));
  if (arn !== undefined) return arn;
  if (get(identity, 'type') === 'Root') return `arn:aws:iam::${account}:root`;
  return str(get(identity, 'principalId')) ?? str(get(identity, 'invokedBy'));
}

/** Whose an id is when the log gives it as a number (`ownerId: 1.23123123123e+11`) or text. */
function accountText(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : undefined;
  const s = n !== undefined && Number.isSafeInteger(n) && n >= 0 ? String(n) : str(v, 16);
  if (s === undefined || !ACCOUNT_TEXT.test(s)) return undefined;
  const padded = s.padStart(12, '0');
  return ACCOUNT.test(padded) ? padded : undefined;
}

interface Read {
  attrs: CloudAttributes;
  rules: TrafficRule[];
}

const TARGET_TYPES: ReadonlyArray<[string, string]> = [
  ['NetworkInterfaceId', 'network-interface'],
  ['NetworkLoadBalancerArn', 'network-load-balancer'],
  ['GatewayLoadBalancerEndpointId', 'gateway-load-balancer-endpoint'],
];

const EC2_READERS: Readonly<Record<Ec2Object, (req: Obj | undefined, res: Obj | undefined, account: string, verb: CloudVerb) => Read>> = {
  target(req, res, account, verb) {
    const made = child(res, 'trafficMirrorTarget');
    const attrs: CloudAttributes = {};
    const id = field(made, 'TrafficMirrorTargetId') ?? field(req, 'TrafficMirrorTargetId') ?? field(res, 'TrafficMirrorTargetId');
    if (id !== undefined) attrs.target = id;
    for (const [key, type] of TARGET_TYPES) {
      const resource = field(req, key) ?? field(made, key);
      if (resource === undefined) continue;
      attrs.targetType = str(get(made, 'type'), 64) ?? type;
      attrs.targetResource = resource;
      break;
    }
    // A target belongs to the account that makes it; the response says so too.
    if (verb === 'create') attrs.targetAccount = accountText(get(made, 'ownerId')) ?? account;
    return { attrs, rules: [] };
  },
  filter(req, res) {
    const id = field(child(res, 'trafficMirrorFilter'), 'TrafficMirrorFilterId') ?? field(req, 'TrafficMirrorFilterId') ?? field(res, 'TrafficMirrorFilterId');
    return { attrs: id === undefined ? {} : { filter: id }, rules: [] };
  },
  'filter-rule'(req, res) {
    const made = child(res, 'trafficMirrorFilterRule');
    const attrs: CloudAttributes = {};
    const filter = field(req, 'TrafficMirrorFilterId') ?? field(made, 'TrafficMirrorFilterId');
    const ruleId = field(made, 'TrafficMirrorFilterRuleId') ?? field(req, 'TrafficMirrorFilterRuleId') ?? field(res, 'TrafficMirrorFilterRuleId');
    if (filter !== undefined) attrs.filter = filter;
    if (ruleId !== undefined) attrs.filterRule = ruleId;
    const direction = field(req, 'TrafficDirection') ?? field(made, 'TrafficDirection');
    if (direction !== undefined) attrs.direction = direction.toLowerCase();
    const protocol = protocolName(get(req, 'Protocol') ?? get(made, 'protocol'));
    if (protocol !== undefined) attrs.protocols = protocol;
    const ports = [portRange(get(req, 'DestinationPortRange') ?? get(made, 'destinationPortRange')), portRange(get(req, 'SourcePortRange') ?? get(made, 'sourcePortRange'))].filter(
      (p): p is PortRange => p !== undefined,
    );
    if (ports.length > 0) attrs.ports = ports.map((p) => (p.from === p.to ? String(p.from) : `${p.from}-${p.to}`)).join(', ');
    const cidrs = [field(req, 'SourceCidrBlock') ?? field(made, 'SourceCidrBlock'), field(req, 'DestinationCidrBlock') ?? field(made, 'DestinationCidrBlock')];
    if (cidrs[0] !== undefined || cidrs[1] !== undefined) attrs.cidrs = `${cidrs[0] ?? 'any'} > ${cidrs[1] ?? 'any'}`;
    const action = field(req, 'RuleAction') ?? field(made, 'RuleAction');
    // A reject rule keeps traffic out of the mirror: it selects nothing.
    const rules = action?.toLowerCase() === 'reject' ? [] : [{ ...(protocol !== undefined && { protocol }), ports }];
    return { attrs, rules };
  },
  mirror(req, res) {
    const made = child(res, 'trafficMirrorSession');
    const attrs: CloudAttributes = {};
    const pick = (key: string) => field(req, key) ?? field(made, key);
    const id = field(made, 'TrafficMirrorSessionId') ?? field(req, 'TrafficMirrorSessionId') ?? field(res, 'TrafficMirrorSessionId');
    if (id !== undefined) attrs.session = id;
    const source = pick('NetworkInterfaceId');
    if (source !== undefined) attrs.sources = source;
    const target = pick('TrafficMirrorTargetId');
    if (target !== undefined) attrs.target = target;
    const filter = pick('TrafficMirrorFilterId');
    if (filter !== undefined) attrs.filter = filter;
    for (const [key, attr] of [
      ['SessionNumber', 'sessionNumber'],
      ['PacketLength', 'packetLength'],
      ['VirtualNetworkId', 'vni'],
    ] as const) {
      const n = num(get(req, key) ?? get(made, key[0]!.toLowerCase() + key.slice(1)));
      if (n !== undefined && Number.isSafeInteger(n)) attrs[attr] = String(n);
    }
    return { attrs, rules: [] };
  },
};

const PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [1, 'icmp'],
  [6, 'tcp'],
  [17, 'udp'],
]);

function protocolName(v: unknown): string | undefined {
  const n = num(v);
  if (n === undefined) return str(v, 16)?.toLowerCase();
  return PROTOCOLS.get(n) ?? String(n);
}

function portRange(v: unknown): PortRange | undefined {
  const o = obj(v);
  const from = num(get(o, 'FromPort') ?? get(o, 'fromPort'));
  const to = num(get(o, 'ToPort') ?? get(o, 'toPort')) ?? from;
  if (from === undefined || to === undefined || from < 0 || to > 65535 || from > to) return undefined;
  return { from, to };
}

/** The Traffic Mirror targets a RAM share call offers, with their owner and whom they go to; undefined when none. */
function mirrorTargetsShared(req: Obj | undefined): CloudAttributes | undefined {
  const targets: string[] = [];
  let owner: string | undefined;
  for (const arn of strings(get(req, 'resourceArns'))) {
    const m = MIRROR_TARGET_ARN.exec(arn);
    if (!m) continue;
    targets.push(m[3]!);
    owner ??= m[2];
  }
  if (targets.length === 0) return undefined;
  const attrs: CloudAttributes = { target: targets.join(', '), targetType: 'traffic-mirror-target' };
  if (owner !== undefined) attrs.targetAccount = owner;
  const principals = strings(get(req, 'principals'));
  if (principals.length > 0) attrs.sharedWith = principals.join(', ');
  return attrs;
}
