// The SSH poller's parts put together for one process: the inventory, one login per device at a time, sweeps
// (on demand and scheduled) and confirmation of incidents. `serve` and `capwatch sweep` both build it here.
import type { IncidentUpdate } from '../alerts/incidents.js';
import type { Store } from '../alerts/store.js';
import type { Config } from '../config.js';
import { CollectorNetworks } from '../detect/severity.js';
import { Counter } from 'prom-client';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Confirmation, Detection, DeviceRef, Incident } from '../types.js';
import { confirmationOf, type DeviceCheck } from './check.js';
import { CheckStore } from './check-store.js';
import { Confirmer } from './confirm.js';
import { ConfigError } from '../commands/validate.js';
import { KnownHosts } from './host-keys.js';
import { InventorySource, selectDevices, type DeviceSelection, type InventorySpec } from './inventory.js';
import { Reloading } from './reloading.js';
import { DevicePoller, Sweeper, type SweepRequest, type SweepView } from './sweep.js';

export interface PollerDeps {
  store: Store;
  log: Logger;
  metrics: Metrics;
  /** Files sweep detections as an incident (IncidentBook.record). */
  record: (detections: Detection[], confirmation: Confirmation) => IncidentUpdate | undefined;
  /** An incident got a confirmation: tell the chat targets. */
  changed: (incident: Incident) => void;
  /** A sweep started, checked a device, or ended. */
  sweepProgress?: (view: SweepView) => void;
}

/** The same devices are being swept already (`id`): a second sweep would log into each of them twice. */
export class SweepBusyError extends Error {
  constructor(readonly id: string) {
    super(`a sweep of the same devices is running (${id})`);
  }
}

export class Poller {
  readonly inventory: InventorySource;
  readonly sweeper: Sweeper;
  readonly confirmer: Confirmer | undefined;
  /** Every check's result (sweeps and confirmations), for the devices view. */
  readonly checks: CheckStore;
  private readonly devicePoller: DevicePoller;
  private schedule: NodeJS.Timeout | undefined;
  private scheduled: Promise<SweepView> | undefined;

  constructor(
    private readonly config: Config,
    spec: InventorySpec,
    deps: PollerDeps,
  ) {
    const log = deps.log;
    const p = config.poll;
    this.inventory = new InventorySource(spec, (err) => log.error({ problems: err.problems }, 'inventory not reloaded: keeping the last good one'));
    const checked = new Counter({
      name: 'capwatch_device_checks_total',
      help: 'Devices checked over SSH (sweeps and confirmations), by outcome, and by error kind when the check failed',
      labelNames: ['status', 'error'] as const,
      registers: [deps.metrics.registry],
    });
    let knownHosts: Reloading<KnownHosts>;
    try {
      knownHosts = new Reloading(p.knownHosts, (f) => KnownHosts.load(f), (err) => log.error({ file: p.knownHosts, err: (err as Error).message }, 'known_hosts not reloaded: keeping what was read before'));
    } catch (err) {
      throw new ConfigError([`poll.knownHosts: ${(err as Error).message}`]);
    }
    const poller = (this.devicePoller = new DevicePoller(
      { connectTimeoutMs: p.connectTimeoutSeconds * 1000, commandTimeoutMs: p.commandTimeoutSeconds * 1000, knownHosts: () => knownHosts.get(), trustOnFirstUse: p.trustOnFirstUse },
      log,
      (c) => checked.inc({ status: confirmationOf(c).status, ...(c.errorKind && { error: c.errorKind }) }),
    ));
    const checks = (this.checks = new CheckStore(deps.store.database));
    this.sweeper = new Sweeper({
      poller,
      checks,
      store: deps.store,
      record: deps.record,
      collectors: new CollectorNetworks(config.detection.collectors),
      log,
      ...(deps.sweepProgress && { progress: deps.sweepProgress }),
    });
    this.confirmer = p.confirmOnAlert
      ? new Confirmer({ devices: () => this.inventory.index(), poller, store: deps.store, checks, changed: deps.changed, log, delayMs: p.confirmDelaySeconds * 1000, maxDelayMs: Math.max(30_000, p.confirmDelaySeconds * 3000) })
      : undefined;
  }

  /**
   * Starts a sweep of the selected devices (all of them by default). Throws SelectionError for an unknown name and
   * SweepBusyError while a sweep of the same selection runs.
   */
  sweep(selection: DeviceSelection, req: Omit<SweepRequest, 'selection' | 'concurrency'> & { concurrency?: number }) {
    const index = this.inventory.index();
    const scope = { ...(selection.names?.length && { devices: [...selection.names] }), ...(selection.tags?.length && { tags: [...selection.tags] }) };
    const busy = this.sweeper.runningWith(scope);
    if (busy !== undefined) throw new SweepBusyError(busy);
    return this.sweeper.start(selectDevices(index.inventory, selection), index, {
      ...req,
      selection: scope,
      concurrency: req.concurrency ?? this.config.poll.concurrency,
    });
  }

  /**
   * Asks a device what it is capturing or mirroring now (one login, shared with any sweep or confirmation under way),
   * and stores the check; undefined when the device is not in the inventory.
   */
  async checkNow(device: DeviceRef): Promise<DeviceCheck | undefined> {
    const d = this.inventory.index().find(device);
    if (!d) return undefined;
    const check = await this.devicePoller.check(d, Date.now());
    this.checks.saveCheck(check);
    return check;
  }

  /** The inventory's name and tags for a device, for telling which devices an approval or window names. */
  describe(device: DeviceRef): { name: string; tags: readonly string[] } | undefined {
    const d = this.inventory.index().find(device);
    return d && { name: d.name, tags: d.tags };
  }

  /**
   * The service's half: sweeps a previous run of the service left running are marked interrupted, and scheduled
   * sweeps start, every `poll.sweepIntervalMinutes`, one at a time (a slow sweep delays the next).
   */
  startService(): void {
    this.checks.interruptServiceSweeps(new Date());
    const minutes = this.config.poll.sweepIntervalMinutes;
    if (minutes <= 0) return;
    this.schedule = setInterval(() => {
      if (this.scheduled) return;
      try {
        this.scheduled = this.sweep({ tags: this.config.poll.sweepTags }, { trigger: 'schedule' }).finished.finally(() => (this.scheduled = undefined));
      } catch (err) {
        // The same devices are being swept on request: that sweep stands for this one.
        if (!(err instanceof SweepBusyError)) throw err;
      }
    }, minutes * 60_000);
    this.schedule.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.schedule);
    this.sweeper.stop();
    await this.confirmer?.stop();
  }
}
