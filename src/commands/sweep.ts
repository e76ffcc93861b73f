// `capwatch sweep`: log into the inventory's devices now and list every capture and mirror session that is active.
// Results go to the same SQLite file as the service's (compared with each device's previous sweep); an active item
// no open incident explains opens an incident, whose alerts the running service sends from the shared outbox.
import { SingleBar } from 'cli-progress';
import { sweepJson } from '../alerts/json.js';
import { buildAlerting } from '../app.js';
import { Store } from '../alerts/store.js';
import { cloudSweepCommand } from './cloud-sweep.js';
import type { Config } from '../config.js';
import { createLogger } from '../log.js';
import { Metrics } from '../metrics.js';
import { activeItems, confirmationOf } from '../poll/check.js';
import type { StoredCheck } from '../poll/check-store.js';
import { Poller } from '../poll/index.js';
import { SelectionError, selectDevices, type InventorySpec } from '../poll/inventory.js';
import type { SweepView } from '../poll/sweep.js';
import { cell, findingsTables, grid } from './table.js';

export interface SweepOptions {
  inventory?: string;
  devices: string[];
  tags: string[];
  concurrency?: number;
  json: boolean;
  /** List the configured clouds' traffic mirrors instead of logging into devices. */
  cloud?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/** Exit status: 0 nothing active, 1 an active capture or mirror found, 3 a device could not be checked, 2 usage. */
export async function sweepCommand(config: Config, o: SweepOptions): Promise<number> {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  if (o.cloud) return cloudSweepCommand(config, { json: o.json, stdout, stderr });
  const spec: InventorySpec | undefined = o.inventory !== undefined ? { file: o.inventory } : config.inventory;
  if (!spec) {
    stderr.write('capwatch sweep: no inventory: give --inventory FILE or set `inventory` in the configuration\n');
    return 2;
  }
  // The report says what a run did (a host key recorded on first use included); the log adds only errors.
  const log = createLogger({ level: config.log.level === 'debug' || config.log.level === 'trace' ? config.log.level : 'error', destination: stderr });
  const store = new Store(config.storage.path);
  try {
    // The notifier is never started: incidents a sweep opens queue in the outbox, and the running service sends them.
    const metrics = new Metrics();
    const { book } = buildAlerting(config, store, log, metrics);
    const poller = new Poller(config, spec, { store, log, metrics, record: (d, c) => book.record(d, c), changed: () => {} });
    const order = new Map(poller.inventory.get().devices.map((d, i) => [d.name, i]));
    const bar = !o.json && stderr.isTTY ? new SingleBar({ format: 'sweep [{bar}] {value}/{total} devices  {eta_formatted} left  {last}', stream: stderr, hideCursor: true, clearOnComplete: true }) : undefined;
    const selection = { names: o.devices, tags: o.tags };
    let total: number;
    try {
      total = selectDevices(poller.inventory.get(), selection).length;
    } catch (err) {
      if (!(err instanceof SelectionError)) throw err;
      stderr.write(`capwatch sweep: ${err.message}\n`);
      return 2;
    }
    if (total === 0) {
      stderr.write('capwatch sweep: no device matches the selection\n');
      return 2;
    }
    const sweep = poller.sweep(selection, { trigger: 'cli', ...(o.concurrency && { concurrency: o.concurrency }), onCheck: (c, done) => bar?.update(done, { last: cell(c.device) }) });
    bar?.start(total, 0, { last: '' });
    // Ctrl-C: no further device is started; the ones being checked finish and what is known is printed.
    const interrupt = () => poller.sweeper.stop();
    process.once('SIGINT', interrupt);
    const view = await sweep.finished.finally(() => process.off('SIGINT', interrupt));
    bar?.stop();
    view.devices.sort((a, b) => (order.get(a.device) ?? 0) - (order.get(b.device) ?? 0));
    stdout.write(o.json ? `${JSON.stringify(sweepJson(view))}\n` : report(view));
    return exitStatus(view);
  } finally {
    store.close();
  }
}

function exitStatus(v: SweepView): number {
  if (v.devices.some((c) => confirmationOf(c).status === 'active-found')) return 1;
  if (v.devices.some((c) => !c.findings) || v.done < v.total) return 3;
  return 0;
}

const STATUS_TEXT = { 'active-found': 'ACTIVE FOUND', 'none-found': 'none found', unsupported: 'unsupported', unreachable: 'not checked' } as const;

function activeSummary(c: StoredCheck): string {
  if (!c.findings) return '-';
  const a = activeItems(c.findings);
  const items = [...a.captures.map((x) => `capture ${x.name}`), ...a.sessions.map((s) => `session ${s.id} (${s.type})`)];
  return items.length ? cell(items.join(', '), 120) : '-';
}

function note(c: StoredCheck): string {
  const parts: string[] = [];
  if (c.error) parts.push(c.error);
  if (c.findings?.truncated) parts.push('output cut by a pager: absence proves nothing');
  if (c.openedIncident) parts.push(`incident ${c.openedIncident} opened`);
  if (c.changes?.length) parts.push(`since last sweep: ${c.changes.map((x) => `${x.change} ${x.object} ${x.id}`).join(', ')}`);
  if (c.hostKeyRecorded) parts.push(`host key recorded on first use: ${c.hostKeyRecorded}`);
  // The last column: room for a fingerprint or an incident id in full.
  return parts.length ? cell(parts.join('; '), 300) : '';
}

function report(v: SweepView): string {
  const lines: string[] = [];
  const seconds = ((v.finishedAt ?? new Date()).getTime() - v.startedAt.getTime()) / 1000;
  lines.push(
    grid(
      ['DEVICE', 'ADDRESS', 'PLATFORM', 'STATUS', 'ACTIVE', 'NOTE'],
      v.devices.map((c) => [cell(c.device), cell(c.address), c.platform, STATUS_TEXT[confirmationOf(c).status], activeSummary(c), note(c)]),
    ),
  );
  for (const c of v.devices.filter((d) => d.findings && (d.findings.captures.length || d.findings.sessions.length))) {
    lines.push('', `== ${cell(c.device)} (${cell(c.address)})`, ...findingsTables(c.findings!));
  }
  const count = (s: string) => v.devices.filter((c) => confirmationOf(c).status === s).length;
  const opened = v.devices.filter((c) => c.openedIncident).length;
  lines.push(
    '',
    `Swept ${v.done} of ${v.total} device${v.total === 1 ? '' : 's'} in ${seconds.toFixed(1)} s${v.status === 'interrupted' ? ' (interrupted)' : ''}: ` +
      `${count('active-found')} with an active capture or mirror, ${count('none-found')} none found, ${count('unsupported')} unsupported, ` +
      `${count('unreachable')} not checked; ${opened} incident${opened === 1 ? '' : 's'} opened.`,
  );
  return `${lines.join('\n')}\n`;
}
