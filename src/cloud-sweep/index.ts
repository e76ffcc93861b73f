// The scopes a cloud sweep lists, from its configuration; connections are the providers' own unless a caller (a test
// pointing the SDKs at a local server) gives others.
import { awsScopes, type Ec2ClientFactory } from './aws.js';
import { azureScopes, type NetworkClientFactory } from './azure.js';
import type { CloudSweepConfig } from './config.js';
import { gcpScopes, type GcpConnection } from './gcp.js';
import type { CloudScope } from './types.js';

export interface CloudConnections {
  aws?: Ec2ClientFactory;
  gcp?: GcpConnection;
  azure?: NetworkClientFactory;
}

export function cloudScopes(config: CloudSweepConfig, connections: CloudConnections = {}): CloudScope[] {
  return [...awsScopes(config.aws, connections.aws), ...gcpScopes(config.gcp, connections.gcp), ...azureScopes(config.azure, connections.azure)];
}
