// Google Cloud: the packet mirrorings of one project, every region at once, through Compute Engine's documented REST
// call `packetMirrorings.aggregatedList`, authorised by google-auth-library's Application Default Credentials. (The
// generated @google-cloud/compute client brings 147 MB of protobuf definitions for this one call.)
import type { AuthClient } from 'google-auth-library';
import { projectOf, shortPath, urls } from '../../parsers/cloud/gcp.js';
import { at, get, lastSegment, obj, str, strings, type Obj } from '../../parsers/cloud/json.js';
import type { CloudAttributes } from '../../parsers/cloud/types.js';
import type { CloudMirror, CloudScope } from './types.js';

export interface GcpSweepConfig {
  projects: string[];
}

export interface GcpConnection {
  /** An authorised client; by default Application Default Credentials with the read-only Compute scope. */
  auth: () => Promise<AuthClient>;
  /** Compute Engine API root. */
  endpoint: string;
}

const READ_ONLY_SCOPE = 'https://www.googleapis.com/auth/compute.readonly';
/** Pages followed at most per project: 500 mirrorings each, far past Compute's quota of them. */
const MAX_PAGES = 100;

let adc: Promise<AuthClient> | undefined;
const DEFAULT_CONNECTION: GcpConnection = {
  auth: () =>
    (adc ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [READ_ONLY_SCOPE] }).getClient() as Promise<AuthClient>).catch((err: unknown) => {
      adc = undefined;
      throw err;
    })),
  endpoint: 'https://compute.googleapis.com',
};

export function gcpScopes(config: GcpSweepConfig, connection: GcpConnection = DEFAULT_CONNECTION): CloudScope[] {
  return config.projects.map((project) => ({ provider: 'gcp', name: project, list: () => listProject(connection, project) }));
}

async function listProject(connection: GcpConnection, project: string): Promise<CloudMirror[]> {
  const client = await connection.auth();
  const url = `${connection.endpoint}/compute/v1/projects/${encodeURIComponent(project)}/aggregated/packetMirrorings`;
  const mirrors: CloudMirror[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.request<unknown>({ url, method: 'GET', params: { maxResults: 500, ...(pageToken !== undefined && { pageToken }) } });
    const body = obj(res.data);
    const items = obj(get(body, 'items'));
    for (const scope of Object.keys(items ?? {})) {
      const list = get(obj(get(items, scope)), 'packetMirrorings');
      for (const item of Array.isArray(list) ? list : []) {
        const m = mirrorOf(obj(item), project);
        if (m) mirrors.push(m);
      }
    }
    pageToken = str(get(body, 'nextPageToken'), 4096);
    if (pageToken === undefined) return mirrors;
  }
  throw new Error(`more than ${MAX_PAGES} pages of packet mirrorings in ${project}`);
}

/** One PacketMirroring resource, described with the facts the audit-log side gives packetMirrorings.insert (paths as audit logs name them). */
function mirrorOf(pm: Obj | undefined, project: string): CloudMirror | undefined {
  const session = shortPath(str(get(pm, 'selfLink')));
  if (session === undefined) return undefined;
  const regionUrl = str(get(pm, 'region'));
  const region = regionUrl === undefined ? undefined : lastSegment(regionUrl);
  const attrs: CloudAttributes = { session };
  const collector = shortPath(str(at(pm, 'collectorIlb', 'url')) ?? str(at(pm, 'collectorIlb', 'canonicalUrl')));
  if (collector !== undefined) {
    attrs.target = collector;
    attrs.targetType = 'forwarding-rule';
    const owner = projectOf(collector);
    if (owner !== undefined) attrs.targetAccount = owner;
  }
  const mirrored = obj(get(pm, 'mirroredResources'));
  const sources = [...urls(get(mirrored, 'subnetworks')), ...urls(get(mirrored, 'instances')), ...strings(get(mirrored, 'tags')).map((t) => `tag:${t}`)];
  if (sources.length > 0) attrs.sources = sources.join(', ');
  const filter = obj(get(pm, 'filter'));
  const cidrs = strings(get(filter, 'cidrRanges'));
  if (cidrs.length > 0) attrs.cidrs = cidrs.join(', ');
  const protocols = strings(get(filter, 'IPProtocols')).map((p) => p.toLowerCase());
  if (protocols.length > 0) attrs.protocols = protocols.join(', ');
  const direction = str(get(filter, 'direction'), 16);
  if (direction !== undefined) attrs.direction = direction.toLowerCase();
  // `enable` is an enum, TRUE by default: only FALSE stops the copying.
  const enabled = str(get(pm, 'enable'), 8)?.toUpperCase() !== 'FALSE';
  attrs.enabled = String(enabled);
  return { provider: 'gcp', account: project, ...(region !== undefined && { region }), attrs, active: enabled };
}
