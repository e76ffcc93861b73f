// The devices allowed to send accounting: networks with their key(s), chosen by longest-prefix match of the peer.
import { cidrContains, parseCidr, type Cidr } from '../../detect/sigma/cidr.js';

export interface TacacsClientConfig {
  network: string;
  key?: string;
  /** Several keys during a rotation: each is tried, the first that decodes is kept for the connection. */
  keys?: string[];
}

export interface TacacsClient {
  /** The configured network, as written: safe to log (keys are not). */
  readonly network: string;
  readonly cidr: Cidr;
  readonly keys: readonly Buffer[];
}

export class ClientTable {
  /** Longest prefix first, so the first network that contains an address is its most specific one. */
  private readonly clients: TacacsClient[];

  /** Throws naming the entry (never its key) when a network does not parse or a client has no key. */
  constructor(configs: readonly TacacsClientConfig[]) {
    this.clients = configs.map((c, i) => {
      const cidr = parseCidr(c.network);
      if (!cidr) throw new Error(`tacacs.clients[${i}].network: not a CIDR network or address (got ${JSON.stringify(c.network.slice(0, 64))})`);
      const keys = [...(c.key !== undefined ? [c.key] : []), ...(c.keys ?? [])].map((k) => Buffer.from(k, 'utf8'));
      if (keys.length === 0 || keys.some((k) => k.length === 0)) throw new Error(`tacacs.clients[${i}]: needs a non-empty key or keys`);
      return { network: c.network, cidr, keys };
    });
    this.clients.sort((a, b) => b.cidr.prefix - a.cidr.prefix);
  }

  get size(): number {
    return this.clients.length;
  }

  /** The client an address belongs to; undefined for an address no configured network contains. */
  match(address: string): TacacsClient | undefined {
    for (const c of this.clients) if (cidrContains(c.cidr, address)) return c;
    return undefined;
  }
}
