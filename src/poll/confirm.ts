// Confirm on alert: when an incident opens (or grows) on a device in the inventory, log in, look, and attach what
// the device shows to the incident, then tell the chat targets. A burst of commands gets one check, after it.
import type { IncidentUpdate } from '../alerts/incidents.js';
import type { Store } from '../alerts/store.js';
import type { Logger } from '../log.js';
import type { Incident } from '../types.js';
import { confirmationOf } from './check.js';
import type { CheckStore } from './check-store.js';
import type { DeviceIndex } from './inventory.js';
import type { DevicePoller } from './sweep.js';

export interface ConfirmerDeps {
  devices: () => DeviceIndex;
  poller: DevicePoller;
  store: Store;
  checks: CheckStore;
  /** The incident changed (confirmation attached): tell the chat targets. */
  changed: (incident: Incident) => void;
  log: Logger;
  /** Quiet time after the incident's last change before checking (the operator may still be typing). */
  delayMs: number;
  /** A busy incident is checked at the latest this long after its first unchecked change. */
  maxDelayMs: number;
}

interface Pending {
  timer: NodeJS.Timeout;
  /** When the first change not yet checked arrived. */
  since: number;
}

export class Confirmer {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: ConfirmerDeps) {}

  /** Called for every stored incident update. */
  incidentUpdated(u: IncidentUpdate): void {
    if (this.stopped) return;
    // A sweep's incident carries the check that found it.
    if (u.added.every((d) => d.event.source === 'sweep')) return;
    const device = this.deps.devices().find(u.incident.device);
    if (!device) return;
    const id = u.incident.id;
    const now = Date.now();
    const since = this.pending.get(id)?.since ?? now;
    clearTimeout(this.pending.get(id)?.timer);
    const delay = Math.max(0, Math.min(this.deps.delayMs, since + this.deps.maxDelayMs - now));
    const timer = setTimeout(() => {
      this.pending.delete(id);
      const run = this.confirm(u.incident).finally(() => this.running.delete(run));
      this.running.add(run);
    }, delay);
    timer.unref();
    this.pending.set(id, { timer, since });
  }

  /** Drops checks not yet started and waits for those logging in now. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await Promise.allSettled([...this.running]);
  }

  private async confirm(incident: Incident): Promise<void> {
    // Looked up again: the inventory may have changed while the check waited.
    const device = this.deps.devices().find(incident.device);
    if (!device) return;
    // Only a check begun after the incident's latest detection can confirm it.
    const check = await this.deps.poller.check(device, incident.lastSeen.getTime());
    if (this.stopped) return;
    const confirmation = confirmationOf(check);
    try {
      incident.confirmation = confirmation;
      this.deps.store.setConfirmation(incident.id, confirmation);
      this.deps.checks.saveCheck({ ...check, incidentId: incident.id });
    } catch (err) {
      this.deps.log.error({ incident: incident.id, err: (err as Error).message }, 'could not store a confirmation');
      return;
    }
    this.deps.log.info({ incident: incident.id, device: device.name, status: confirmation.status, ...(check.error && { error: check.error }) }, 'incident confirmation');
    // The stored copy has the incident's current status (an operator may have resolved it meanwhile).
    this.deps.changed(this.deps.store.incident(incident.id) ?? incident);
  }
}
