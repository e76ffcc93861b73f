// Azure Activity Log records of virtual network TAPs, NIC tap configurations and Network Watcher packet captures.
// Three shapes carry them: the diagnostic-settings record (`operationName` a string, `resultType`, `identity.claims`,
// `properties.requestbody` as JSON text), the Activity Log REST / Event Hub event (`operationName.value`,
// `status.value`, `caller`, `httpRequest.clientIpAddress`) and the Event Grid resource event (`data.operationName`,
// `data.status`, `data.claims`, `data.httpRequest`). Operation names arrive in any case (storage writes them upper).
import type { ParseFailure } from '../types.js';
import { at, embedded, firstStr, get, obj, str, time, lastSegment, type Obj } from './json.js';
import type { CloudAttributes, CloudCall, CloudObject, CloudVerb, TrafficRule } from './types.js';

interface Kind {
  verb: CloudVerb;
  object: CloudObject;
  name: string;
}

const OPERATIONS: ReadonlyMap<string, Kind> = new Map([
  ['microsoft.network/virtualnetworktaps/write', { verb: 'create', object: 'target', name: 'virtualNetworkTaps/write' }],
  ['microsoft.network/virtualnetworktaps/delete', { verb: 'delete', object: 'target', name: 'virtualNetworkTaps/delete' }],
  ['microsoft.network/networkinterfaces/tapconfigurations/write', { verb: 'create', object: 'mirror', name: 'tapConfigurations/write' }],
  ['microsoft.network/networkinterfaces/tapconfigurations/delete', { verb: 'delete', object: 'mirror', name: 'tapConfigurations/delete' }],
  ['microsoft.network/networkwatchers/packetcaptures/write', { verb: 'create', object: 'capture', name: 'packetCaptures/write' }],
  ['microsoft.network/networkwatchers/packetcaptures/stop/action', { verb: 'stop', object: 'capture', name: 'packetCaptures/stop/action' }],
  ['microsoft.network/networkwatchers/packetcaptures/delete', { verb: 'delete', object: 'capture', name: 'packetCaptures/delete' }],
] as const);

const SUBSCRIPTION = /\/subscriptions\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `Start`/`Accept`ed records are followed by the outcome record; `Success` (or Event Grid's `Succeeded`) is the news. */
const FAILED = /^(?:failure|failed|canceled|cancelled)$/i;
const PENDING = /^(?:start|started|accept|accepted)$/i;

/** Is this an Activity Log record or Event Grid event (as opposed to a CloudTrail record or LogEntry)? */
export function isActivityRecord(rec: Obj): boolean {
  return get(rec, 'operationName') !== undefined || obj(get(rec, 'data')) !== undefined;
}

/** The mirror or capture call an Activity Log record states; null for anything else; ParseFailure when no subscription. */
export function activityLogCall(input: Obj): CloudCall | null | ParseFailure {
  // Event Grid wraps the Activity Log fields in `data`; the event's own id and time are outside.
  const grid = obj(get(input, 'data'));
  const rec = grid ?? input;
  const opName = str(get(rec, 'operationName'), 160) ?? str(at(rec, 'operationName', 'value'), 160);
  if (opName === undefined) return null;
  const kind = OPERATIONS.get(opName.toLowerCase());
  if (!kind) return null;

  const resourceId = firstStr(rec, 'resourceId', 'resourceUri') ?? str(get(input, 'subject'));
  const status = firstStr(rec, 'resultType', 'status') ?? str(at(rec, 'status', 'value'), 64);
  const eventType = str(get(input, 'eventType'), 128);
  const failed = (status !== undefined && FAILED.test(status)) || (eventType !== undefined && /Failure$/.test(eventType));
  if (!failed && status !== undefined && PENDING.test(status)) return null;
  const subscription = (str(get(rec, 'subscriptionId'), 64) ?? (resourceId && SUBSCRIPTION.exec(resourceId)?.[1]))?.toLowerCase();
  if (subscription === undefined || !GUID.test(subscription)) return { error: `${kind.name}: no subscription id` };

  const props = obj(get(rec, 'properties'));
  const body = embedded(get(props, 'requestbody')) ?? embedded(get(props, 'requestBody')) ?? embedded(get(props, 'responseBody'));
  const bodyProps = obj(get(body, 'properties'));
  const attrs: CloudAttributes = {};
  const rules: TrafficRule[] = [];
  if (resourceId !== undefined) READERS[kind.object](resourceId, bodyProps, attrs, rules, subscription);

  const claims = obj(get(rec, 'claims')) ?? obj(at(rec, 'identity', 'claims'));
  const principal =
    str(get(claims, 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn')) ??
    str(get(claims, 'upn')) ??
    str(get(rec, 'caller')) ??
    str(get(claims, 'appid'));
  const sourceIp =
    str(get(rec, 'callerIpAddress'), 128) ?? str(at(rec, 'httpRequest', 'clientIpAddress'), 128) ?? str(get(claims, 'ipaddr'), 128);
  const region = str(get(rec, 'location'), 40)?.toLowerCase();
  const when = time(get(input, 'eventTime')) ?? time(get(rec, 'time')) ?? time(get(rec, 'eventTimestamp'));
  const eventId = str(get(input, 'id'), 128) ?? str(get(rec, 'eventDataId'), 128);
  const operationId = str(get(rec, 'correlationId'), 128);
  const error = failed ? (str(get(props, 'statusCode'), 64) ?? str(get(rec, 'resultSignature'), 64) ?? status ?? 'Failure') : undefined;
  return {
    provider: 'azure',
    service: 'network',
    operation: opName,
    name: kind.name,
    verb: kind.verb,
    object: kind.object,
    account: subscription,
    ...(region !== undefined && region !== 'global' && /^[a-z0-9]+$/.test(region) && { region }),
    ...(when && { time: when }),
    ...(principal !== undefined && { principal, principalType: principal.includes('@') ? 'user' : GUID.test(principal) ? 'application' : 'unknown' }),
    ...(sourceIp !== undefined && { sourceIp }),
    ...(eventId !== undefined && { eventId }),
    ...(operationId !== undefined && { operationId }),
    outcome: failed ? 'refused' : 'succeeded',
    ...(error !== undefined && { errorCode: error }),
    attrs,
    rules,
  };
}

/** The subscription in an Azure resource id, lowercased; undefined when it names none. */
export function subscriptionOf(id: string | undefined): string | undefined {
  return id === undefined ? undefined : SUBSCRIPTION.exec(id)?.[1]?.toLowerCase();
}

/** `/subscriptions/…/networkInterfaces/nic1/ipConfigurations/ipconfig1` → the NIC's resource id. */
export function parentOf(id: string, child: string): string {
  const i = id.toLowerCase().lastIndexOf(`/${child.toLowerCase()}/`);
  return i > 0 ? id.slice(0, i) : id;
}

type Reader = (resourceId: string, body: Obj | undefined, attrs: CloudAttributes, rules: TrafficRule[], subscription: string) => void;

const READERS: Readonly<Record<CloudObject, Reader>> = {
  target(resourceId, body, attrs, _rules, subscription) {
    attrs.target = resourceId;
    attrs.targetType = 'virtual-network-tap';
    const nic = str(at(body, 'destinationNetworkInterfaceIPConfiguration', 'id'));
    const lb = str(at(body, 'destinationLoadBalancerFrontEndIPConfiguration', 'id'));
    const dest = nic ?? lb;
    if (dest !== undefined) {
      attrs.targetResource = dest;
      attrs.targetAccount = subscriptionOf(dest) ?? subscription;
    }
  },
  mirror(resourceId, body, attrs) {
    attrs.session = resourceId;
    attrs.sources = parentOf(resourceId, 'tapConfigurations');
    const tap = str(at(body, 'virtualNetworkTap', 'id'));
    if (tap !== undefined) {
      attrs.target = tap;
      attrs.targetType = 'virtual-network-tap';
      const owner = subscriptionOf(tap);
      if (owner !== undefined) attrs.targetAccount = owner;
    }
  },
  capture(resourceId, body, attrs, rules) {
    attrs.capture = resourceId;
    const target = str(get(body, 'target'));
    if (target !== undefined) attrs.captureTarget = target;
    const location = obj(get(body, 'storageLocation'));
    const storageId = str(get(location, 'storageId'));
    const url = str(get(location, 'storagePath')) ?? str(get(location, 'filePath')) ?? str(get(location, 'localPath'));
    if (url !== undefined) attrs.url = url;
    if (storageId !== undefined) {
      attrs.storageAccount = lastSegment(storageId);
      const owner = subscriptionOf(storageId);
      if (owner !== undefined) attrs.targetAccount = owner;
    }
    const ports: string[] = [];
    for (const f of Array.isArray(get(body, 'filters')) ? (get(body, 'filters') as unknown[]).slice(0, 64) : []) {
      const filter = obj(f);
      const protocol = str(get(filter, 'protocol'), 16)?.toLowerCase();
      const ranges = [str(get(filter, 'localPort'), 64), str(get(filter, 'remotePort'), 64)].filter((p): p is string => p !== undefined);
      const parsed = ranges.flatMap(portList);
      ports.push(...parsed.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)));
      rules.push({ ...(protocol !== undefined && { protocol }), ports: parsed });
    }
    if (ports.length > 0) attrs.ports = ports.join(', ');
  },
  filter() {},
  'filter-rule'() {},
};

/** Network Watcher filter ports: `80`, `80-443`, `80;443;1000-2000`. */
function portList(text: string): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (const part of text.split(/[;,]/).slice(0, 32)) {
    const m = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from <= to && to <= 65535) out.push({ from, to });
  }
  return out;
}
