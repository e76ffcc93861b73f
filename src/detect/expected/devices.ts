// Which devices a change window or an approval names: by name (hostname or inventory name, short or fully
// qualified), by inventory tag, or by network (CIDR). One rule for both, so "core-rtr1" means the same device in each.
import { isIP } from 'node:net';
import type { DeviceRef } from '../../types.js';
import { cidrContains, parseCidr, type Cidr } from '../sigma/cidr.js';

/** What the inventory knows of a device: its name and tags (undefined when it is not in the inventory). */
export type DeviceDirectory = (device: DeviceRef) => { name: string; tags: readonly string[] } | undefined;

export const NO_DIRECTORY: DeviceDirectory = () => undefined;

export interface DeviceSpec {
  names: ReadonlySet<string>;
  tags: ReadonlySet<string>;
  networks: readonly Cidr[];
}

/** `core-rtr1`, `tag:core`, `10.0.0.0/24`, `192.0.2.1`. Throws naming the entry that is none of them. */
export function parseDeviceSpec(entries: readonly string[]): DeviceSpec {
  const names = new Set<string>();
  const tags = new Set<string>();
  const networks: Cidr[] = [];
  for (const raw of entries) {
    const e = raw.trim();
    if (e.startsWith('tag:')) {
      if (e.length === 4) throw new Error(`"${raw}": a tag needs a name after tag:`);
      tags.add(e.slice(4));
    } else if (e.includes('/') || isIP(e) !== 0) {
      const net = parseCidr(e.includes('/') ? e : `${e}/${isIP(e) === 6 ? 128 : 32}`);
      if (!net) throw new Error(`"${raw}": not an address or CIDR network`);
      networks.push(net);
    } else if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e)) {
      names.add(e.toLowerCase());
    } else {
      throw new Error(`"${raw}": not a device name, tag:NAME, address or CIDR network`);
    }
  }
  return { names, tags, networks };
}

function shortName(name: string): string {
  return name.split('.')[0]!;
}

export function deviceMatches(spec: DeviceSpec, device: DeviceRef, directory: DeviceDirectory): boolean {
  if (spec.names.size > 0) {
    const host = device.hostname?.toLowerCase();
    if (host && (spec.names.has(host) || spec.names.has(shortName(host)))) return true;
    if (spec.names.has(device.address.toLowerCase())) return true;
  }
  if (spec.networks.length > 0 && isIP(device.address) !== 0 && spec.networks.some((n) => cidrContains(n, device.address))) return true;
  if (spec.names.size === 0 && spec.tags.size === 0) return false;
  const known = directory(device);
  if (!known) return false;
  if (spec.names.has(known.name.toLowerCase()) || spec.names.has(shortName(known.name.toLowerCase()))) return true;
  return known.tags.some((t) => spec.tags.has(t));
}
