// `cloud.sweep`: where a cloud sweep looks. Nothing is listed by default; credentials are never configured here, each
// provider's standard chain finds them (environment, shared files, workload identity, managed identity).
import type { AwsSweepConfig } from './aws.js';
import type { AzureSweepConfig } from './azure.js';
import { GCP_PROJECT } from '../../parsers/cloud/gcp.js';
import type { GcpSweepConfig } from './gcp.js';

export interface CloudSweepConfig {
  aws: AwsSweepConfig;
  gcp: GcpSweepConfig;
  azure: AzureSweepConfig;
  /** `serve` sweeps the clouds this often; 0 = only `capwatch sweep --cloud`. */
  intervalMinutes: number;
}

const names = (pattern: string) => ({ type: 'array', uniqueItems: true, default: [], items: { type: 'string', pattern } }) as const;

export function cloudSweepSchema(section: (properties: Record<string, unknown>) => object) {
  return section({
    aws: section({ regions: names('^[a-z]{2}(-[a-z]+)+-\\d{1,2}$') }),
    gcp: section({ projects: names(GCP_PROJECT.source) }),
    azure: section({ subscriptions: names('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$') }),
    intervalMinutes: { type: 'number', minimum: 0, default: 0 },
  });
}

/** Is there anything to sweep? */
export function cloudSweepConfigured(c: CloudSweepConfig): boolean {
  return c.aws.regions.length + c.gcp.projects.length + c.azure.subscriptions.length > 0;
}
