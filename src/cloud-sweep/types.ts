// What a cloud sweep finds: the traffic mirrors that exist now in an AWS region, a Google Cloud project or an Azure
// subscription, described with the same facts the audit-log side gives its events, so both land in one incident.
import type { CloudAttributes, CloudProvider } from '../../parsers/cloud/types.js';

export interface CloudMirror {
  provider: CloudProvider;
  /** AWS account id, GCP project id, Azure subscription id (lowercase): with the provider, the "device". */
  account: string;
  region?: string;
  /** session (the mirror's id as audit records name it), sources, target, targetType, targetResource, targetAccount, filter, … */
  attrs: CloudAttributes;
  /** False when the mirror exists but copies nothing (a GCP packet mirroring with `enable: FALSE`). */
  active: boolean;
}

/** One place a sweep lists: an AWS region, a GCP project, an Azure subscription. */
export interface CloudScope {
  provider: CloudProvider;
  /** The region, project or subscription as configured. */
  name: string;
  list(): Promise<CloudMirror[]>;
}

/** What listing one scope gave. `error`: why it could not be listed (the provider's error code and message). */
export interface ScopeResult {
  provider: CloudProvider;
  scope: string;
  mirrors: CloudMirror[];
  error?: string;
}
