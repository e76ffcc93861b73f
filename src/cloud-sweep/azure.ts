// Azure: the NIC tap configurations of one subscription (what copies a VM's traffic) and the virtual network TAPs they
// copy to (where it goes), through @azure/arm-network on DefaultAzureCredential (environment, workload or managed
// identity, Azure CLI login).
import type { NetworkManagementClient, VirtualNetworkTap } from '@azure/arm-network';
import { parentOf, subscriptionOf } from '../../parsers/cloud/azure.js';
import type { CloudAttributes } from '../../parsers/cloud/types.js';
import type { CloudMirror, CloudScope } from './types.js';

export interface AzureSweepConfig {
  subscriptions: string[];
}

/** Makes the network client of a subscription; the default one authenticates with DefaultAzureCredential. */
export type NetworkClientFactory = (subscription: string) => Promise<NetworkManagementClient>;

const defaultClient: NetworkClientFactory = async (subscription) => {
  // Loaded only when an Azure sweep runs: the network client alone is 70 MB.
  const [{ NetworkManagementClient }, { DefaultAzureCredential }] = await Promise.all([import('@azure/arm-network'), import('@azure/identity')]);
  return new NetworkManagementClient(new DefaultAzureCredential(), subscription);
};

export function azureScopes(config: AzureSweepConfig, client: NetworkClientFactory = defaultClient): CloudScope[] {
  return config.subscriptions.map((subscription) => ({ provider: 'azure', name: subscription, list: async () => listSubscription(await client(subscription), subscription.toLowerCase()) }));
}

async function listSubscription(client: NetworkManagementClient, subscription: string): Promise<CloudMirror[]> {
  const taps = new Map<string, VirtualNetworkTap>();
  for await (const tap of client.virtualNetworkTaps.listAll()) if (tap.id) taps.set(tap.id.toLowerCase(), tap);
  // Every tap configuration once, with the TAP it copies to: from the NICs of this subscription (whichever TAP they copy
  // to, here or elsewhere), and from this subscription's TAPs (whichever subscription the tapped NIC is in).
  const configs = new Map<string, { id: string; tapId?: string }>();
  for await (const nic of client.networkInterfaces.listAll()) {
    for (const c of nic.tapConfigurations ?? []) if (c.id) configs.set(c.id.toLowerCase(), { id: c.id, ...(c.virtualNetworkTap?.id !== undefined && { tapId: c.virtualNetworkTap.id }) });
  }
  for (const tap of taps.values()) {
    for (const c of tap.networkInterfaceTapConfigurations ?? []) if (c.id && !configs.has(c.id.toLowerCase())) configs.set(c.id.toLowerCase(), { id: c.id, tapId: tap.id! });
  }

  const mirrors: CloudMirror[] = [];
  for (const { id, tapId } of configs.values()) {
    const attrs: CloudAttributes = { session: id, sources: parentOf(id, 'tapConfigurations') };
    const tap = tapId === undefined ? undefined : taps.get(tapId.toLowerCase());
    if (tapId !== undefined) {
      attrs.target = tapId;
      attrs.targetType = 'virtual-network-tap';
      const destination = tap?.destinationNetworkInterfaceIPConfiguration?.id ?? tap?.destinationLoadBalancerFrontEndIPConfiguration?.id;
      if (destination !== undefined) attrs.targetResource = destination;
      const owner = subscriptionOf(destination) ?? subscriptionOf(tapId);
      if (owner !== undefined) attrs.targetAccount = owner;
    }
    mirrors.push({ provider: 'azure', account: subscriptionOf(id) ?? subscription, ...(tap?.location !== undefined && { region: tap.location.toLowerCase() }), attrs, active: true });
  }
  return mirrors;
}
