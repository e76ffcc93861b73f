// The names this server answers to. A browser tricked by DNS rebinding sends the attacker's name in `Host`, so a
// request naming anything else is refused, whatever address it reached.
import type { NetworkInterfaceInfo } from 'node:os';
import type { HttpConfig } from './config.js';

export function allowedHosts(http: Pick<HttpConfig, 'host' | 'publicUrl' | 'allowedHosts'>, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Set<string> {
  const hosts = new Set(['localhost', '127.0.0.1', '::1']);
  if (http.publicUrl) hosts.add(normalise(new URL(http.publicUrl).hostname));
  for (const h of http.allowedHosts) hosts.add(normalise(h));
  if (http.host === '0.0.0.0' || http.host === '::') {
    // Bound everywhere: each of the machine's own addresses is a name it was reached by, not a rebinding.
    for (const list of Object.values(interfaces)) for (const i of list ?? []) hosts.add(normalise(i.address));
  } else {
    hosts.add(normalise(http.host));
  }
  return hosts;
}

export function hostAllowed(header: string | undefined, hosts: ReadonlySet<string>): boolean {
  if (!header) return false;
  let name: string;
  if (header.startsWith('[')) {
    const end = header.indexOf(']');
    if (end < 0) return false;
    name = header.slice(1, end);
  } else {
    const colon = header.indexOf(':');
    name = colon < 0 ? header : header.slice(0, colon);
  }
  return hosts.has(normalise(name));
}

function normalise(host: string): string {
  return host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}
