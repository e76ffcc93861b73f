// `capwatch sweep --cloud`: list the traffic mirrors that exist now in the configured AWS regions, Google Cloud
// projects and Azure subscriptions; an active one no open incident explains opens an incident, whose alerts the
// running service sends from the shared outbox.
import { buildAlerting } from '../app.js';
import { Store } from '../alerts/store.js';
import { cloudScopes, type CloudConnections } from '../cloud-sweep/index.js';
import { cloudSweepConfigured } from '../cloud-sweep/config.js';
import { sweepCloud, type CloudSweepResult } from '../cloud-sweep/sweep.js';
import type { Config } from '../config.js';
import { cloudDeviceAddress } from '../detect/cloud.js';
import { CollectorNetworks } from '../detect/severity.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { cell, grid } from './table.js';

export interface CloudSweepOptions {
  json: boolean;
  /** The providers' own SDK connections unless given (tests). */
  connections?: CloudConnections;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** Exit status: 0 nothing active, 1 an active mirror found, 3 a scope could not be listed, 2 nothing configured. */
export async function cloudSweepCommand(config: Config, o: CloudSweepOptions): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  if (!cloudSweepConfigured(config.cloud.sweep)) {
    stderr.write('capwatch sweep --cloud: nothing to sweep: list cloud.sweep.aws.regions, cloud.sweep.gcp.projects or cloud.sweep.azure.subscriptions in the configuration\n');
    return 2;
  }
  const log = createLogger({ level: config.log.level === 'debug' || config.log.level === 'trace' ? config.log.level : 'error', destination: stderr });
  const store = new Store(config.storage.path);
  try {
    // The notifier is never started: incidents a sweep opens queue in the outbox, and the running service sends them.
    const { book } = buildAlerting(config, store, log, new Metrics());
    const result = await sweepCloud(cloudScopes(config.cloud.sweep, o.connections), {
      store,
      record: (d, c) => book.record(d, c),
      collectors: new CollectorNetworks(config.detection.collectors),
      log,
    });
    stdout.write(o.json ? `${JSON.stringify(resultJson(result))}\n` : report(result));
    if (result.scopes.some((s) => s.mirrors.some((m) => m.active))) return 1;
    return result.scopes.some((s) => s.error !== undefined) ? 3 : 0;
  } finally {
    store.close();
  }
}

function resultJson(r: CloudSweepResult) {
  return {
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt.toISOString(),
    scopes: r.scopes.map((s) => ({
      provider: s.provider,
      scope: s.scope,
      ...(s.error !== undefined && { error: s.error }),
      mirrors: s.mirrors.map((m) => ({ account: cloudDeviceAddress(m), ...(m.region !== undefined && { region: m.region }), active: m.active, ...m.attrs })),
    })),
    incidents: r.opened,
  };
}

function report(r: CloudSweepResult): string {
  const opened = new Map(r.opened.flatMap((o) => o.mirrors.map((m) => [`${o.account} ${m}`, o.incident] as const)));
  const rows = r.scopes.flatMap((s) =>
    s.error !== undefined
      ? [[s.provider, cell(s.scope), '-', 'NOT LISTED', cell(s.error, 200), '']]
      : s.mirrors.map((m) => {
          const account = cloudDeviceAddress(m);
          const to = m.attrs.targetResource ?? m.attrs.target ?? '?';
          const incident = opened.get(`${account} ${m.attrs.session ?? '?'}`);
          return [s.provider, cell(s.scope), cell(account), m.active ? 'ACTIVE' : 'disabled', cell(`${m.attrs.session ?? '?'}: ${m.attrs.sources ?? '?'} -> ${to}`, 200), incident ? `incident ${incident} opened` : ''];
        }),
  );
  const mirrors = r.scopes.reduce((n, s) => n + s.mirrors.length, 0);
  const failed = r.scopes.filter((s) => s.error !== undefined).length;
  const seconds = (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000;
  return [
    rows.length ? grid(['PROVIDER', 'SCOPE', 'ACCOUNT', 'STATUS', 'MIRROR', 'NOTE'], rows) : 'No traffic mirror found.',
    '',
    `Swept ${r.scopes.length} cloud scope${r.scopes.length === 1 ? '' : 's'} in ${seconds.toFixed(1)} s: ${mirrors} mirror${mirrors === 1 ? '' : 's'}, ${failed} not listed; ${r.opened.length} incident${r.opened.length === 1 ? '' : 's'} opened.`,
    '',
  ].join('\n');
}
