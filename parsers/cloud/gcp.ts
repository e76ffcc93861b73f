// Google Cloud Audit Log entries (LogEntry JSON, as a log sink exports or Pub/Sub pushes them) of Packet Mirroring:
// `v1.compute.packetMirrorings.insert|patch|delete` (and the beta methods). Compute logs a long-running operation
// twice: the first entry (operation.first) carries the request, the last one only says how it ended, so a last entry
// is news only when it failed.
import type { ParseFailure } from '../types.js';
import { at, get, num, obj, str, strings, time, type Obj } from './json.js';
import type { CloudAttributes, CloudCall, CloudVerb } from './types.js';

const METHOD = /^(?:[a-z0-9]+\.)?compute\.packetMirrorings\.(insert|patch|delete)$/;
const VERBS: Readonly<Record<string, CloudVerb>> = { insert: 'create', patch: 'modify', delete: 'delete' };
/** Project ids, including the old domain-scoped ones (`example.com:proj`). */
export const GCP_PROJECT = /^[a-z0-9][a-z0-9.:_-]{0,99}$/i;
const REGION = /\/regions\/([a-z0-9-]{1,40})\//;

export function isLogEntry(entry: Obj): boolean {
  return obj(get(entry, 'protoPayload')) !== undefined;
}

/** The Packet Mirroring call a LogEntry records; null for anything else; a ParseFailure when no project is named. */
export function auditLogCall(entry: Obj): CloudCall | null | ParseFailure {
  const payload = obj(get(entry, 'protoPayload'));
  const method = str(get(payload, 'methodName'), 128);
  const m = method === undefined ? null : METHOD.exec(method);
  if (!m || method === undefined) return null;
  const operation = obj(get(entry, 'operation'));
  const status = obj(get(payload, 'status'));
  const code = num(get(status, 'code'));
  const refused = code !== undefined && code !== 0;
  if (get(operation, 'last') === true && get(operation, 'first') !== true && !refused) return null;

  const resourceName = shortPath(str(get(payload, 'resourceName')));
  const project = str(at(entry, 'resource', 'labels', 'project_id'), 128) ?? projectOf(resourceName) ?? projectOf(str(get(entry, 'logName')));
  if (project === undefined || !GCP_PROJECT.test(project)) return { error: `${method}: no project id` };
  const request = obj(get(payload, 'request'));
  const region = (resourceName && REGION.exec(resourceName)?.[1]) ?? str(at(entry, 'resource', 'labels', 'region'), 40) ?? str(at(entry, 'resource', 'labels', 'location'), 40);

  const attrs: CloudAttributes = {};
  const name = str(get(request, 'name'), 63);
  const session =
    resourceName !== undefined && resourceName.includes('/packetMirrorings/')
      ? resourceName
      : name !== undefined && region !== undefined
        ? `projects/${project}/regions/${region}/packetMirrorings/${name}`
        : resourceName;
  if (session !== undefined) attrs.session = session;
  const collector = shortPath(str(at(request, 'collectorIlb', 'url')));
  if (collector !== undefined) {
    attrs.target = collector;
    attrs.targetType = 'forwarding-rule';
    const owner = projectOf(collector);
    if (owner !== undefined) attrs.targetAccount = owner;
  }
  const mirrored = obj(get(request, 'mirroredResources'));
  const sources = [
    ...urls(get(mirrored, 'subnetworks')),
    ...urls(get(mirrored, 'instances')),
    ...strings(get(mirrored, 'tags')).map((t) => `tag:${t}`),
  ];
  if (sources.length > 0) attrs.sources = sources.join(', ');
  const filter = obj(get(request, 'filter'));
  const cidrs = strings(get(filter, 'cidrRanges'));
  if (cidrs.length > 0) attrs.cidrs = cidrs.join(', ');
  const protocols = strings(get(filter, 'IPProtocols') ?? get(filter, 'ipProtocols')).map((p) => p.toLowerCase());
  if (protocols.length > 0) attrs.protocols = protocols.join(', ');
  const direction = str(get(filter, 'direction'), 16);
  if (direction !== undefined) attrs.direction = direction.toLowerCase();
  const enable = get(request, 'enable');
  if (enable === false || (typeof enable === 'string' && enable.toUpperCase() === 'FALSE')) attrs.enabled = 'false';
  else if (enable === true || (typeof enable === 'string' && enable.toUpperCase() === 'TRUE')) attrs.enabled = 'true';

  const principal = str(at(payload, 'authenticationInfo', 'principalEmail'));
  const metadata = obj(get(payload, 'requestMetadata'));
  const sourceIp = str(get(metadata, 'callerIp'), 128) ?? str(get(metadata, 'callerIP'), 128);
  const userAgent = str(get(metadata, 'callerSuppliedUserAgent'));
  const when = time(get(entry, 'timestamp')) ?? time(get(entry, 'receiveTimestamp'));
  const insertId = str(get(entry, 'insertId'), 128);
  const operationId = str(get(operation, 'id'), 256);
  const error = refused ? (str(get(status, 'message'), 256) ?? `code ${code}`) : undefined;
  const verb = VERBS[m[1]!]!;
  return {
    provider: 'gcp',
    service: 'compute',
    operation: method,
    name: `packetMirrorings.${m[1]}`,
    verb,
    object: 'mirror',
    account: project,
    ...(region !== undefined && { region }),
    ...(when && { time: when }),
    ...(principal !== undefined && { principal, principalType: principal.endsWith('.gserviceaccount.com') ? 'serviceAccount' : 'user' }),
    ...(sourceIp !== undefined && { sourceIp }),
    ...(userAgent !== undefined && { userAgent }),
    ...(insertId !== undefined && { eventId: insertId }),
    ...(operationId !== undefined && { operationId }),
    outcome: refused ? 'refused' : 'succeeded',
    ...(error !== undefined && { errorCode: error }),
    attrs,
    rules: protocols.map((protocol) => ({ protocol, ports: [] })),
  };
}

/** `https://www.googleapis.com/compute/v1/projects/p/regions/r/…` → `projects/p/regions/r/…`. */
export function shortPath(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const i = url.indexOf('projects/');
  return i > 0 ? url.slice(i) : url;
}

export function projectOf(path: string | undefined): string | undefined {
  const m = path === undefined ? null : /(?:^|\/)projects\/([^/]+)/.exec(path);
  return m && GCP_PROJECT.test(m[1]!) ? m[1] : undefined;
}

/** The `url` of each `{url, canonicalUrl}` item, shortened. */
export function urls(v: unknown): string[] {
  const out: string[] = [];
  for (const item of Array.isArray(v) ? v.slice(0, 64) : []) {
    const u = shortPath(str(get(obj(item), 'url')) ?? str(get(obj(item), 'canonicalUrl')));
    if (u !== undefined) out.push(u);
  }
  return out;
}
