// The TACACS+ side of `serve`: the accounting journal and the plain (and optional TLS) listeners, from the config.
import { readFileSync } from 'node:fs';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { Listener } from '../types.js';
import { ClientTable } from './clients.js';
import { AccountingJournal } from './journal.js';
import { startTacacs, type AccountingSink } from './server.js';

export interface TacacsService {
  readonly tcp: { host: string; port: number };
  readonly tls?: { host: string; port: number };
  /** Closes the listeners, then commits what is queued and closes the journal. */
  close(): Promise<void>;
}

/** Starts the listeners when `tacacs.enabled`; undefined otherwise. Records are stored in `config.storage.path`. */
export async function startTacacsService(config: Config, deps: { metrics: Metrics; log: Logger; sink: AccountingSink }): Promise<TacacsService | undefined> {
  const t = config.tacacs;
  if (!t.enabled) return undefined;
  const journal = new AccountingJournal(config.storage.path);
  const listeners: Listener[] = [];
  const close = async () => {
    await Promise.allSettled(listeners.map((l) => l.close()));
    journal.close();
  };
  try {
    const common = {
      host: t.host,
      clients: new ClientTable(t.clients),
      maxConnectionsPerClient: t.maxConnectionsPerClient,
      maxConnections: t.maxConnections,
      idleTimeoutMs: t.idleTimeoutSeconds * 1000,
    };
    const tacDeps = { ...deps, journal };
    const tcp = await startTacacs({ ...common, port: t.port }, tacDeps);
    listeners.push(tcp);
    let tls: Listener | undefined;
    if (t.tls.enabled && t.tls.cert && t.tls.key && t.tls.ca) {
      const certs = { cert: readFileSync(t.tls.cert), key: readFileSync(t.tls.key), ca: readFileSync(t.tls.ca) };
      tls = await startTacacs({ ...common, port: t.tls.port, tls: certs }, tacDeps);
      listeners.push(tls);
    }
    return { tcp: tcp.address, ...(tls && { tls: tls.address }), close };
  } catch (err) {
    await close();
    throw err;
  }
}
