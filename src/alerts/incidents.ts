// Groups detections into incidents (device + user within a window) and drops repeats of one command
// (the same line from syslog and TACACS+, or a relay duplicate). Stored before anything else sees them.
//
// The store is where incidents are; memory only keeps the ones in use, in bounded caches kept in the order they were
// last touched. Every event costs a few map operations whatever the number of open incidents: an incident not in
// memory (evicted by a flood of spoofed names, or still open from before a restart) is found with one indexed query.
import { randomUUID } from 'node:crypto';
import type { Confirmation, Detection, Incident } from '../types.js';
import { maxSeverity } from '../types.js';
import { deviceKey, type Store } from './store.js';

export interface IncidentUpdate {
  incident: Incident;
  added: Detection[];
  isNew: boolean;
  /** Expected work (or a closed false positive) became an alert with this update. */
  reopened?: boolean;
}

export interface IncidentBookOptions {
  windowMs: number;
  dedupeMs: number;
  /** Incidents kept in memory; more are evicted (oldest touch first) and read back from the store when needed. */
  cacheSize?: number;
  /** Commands remembered for the dedupe window; past this the oldest are forgotten (a late duplicate then counts). */
  dedupeSize?: number;
  onSaved?: (update: IncidentUpdate) => void;
  /** A cache dropped an entry to stay within its size (`incidents`, `dedupe`). */
  onEvict?: (cache: 'incidents' | 'dedupe') => void;
}

export class IncidentBook {
  /** device key + NUL + user → the incident collecting there (touch order: the first is the least recently used). */
  private readonly groups = new Map<string, Incident>();
  /** incident id → its key in `groups`. */
  private readonly keyOf = new Map<string, string>();
  /** device key → the key of the group most recently touched there (user-less notifications such as BUFCAP). */
  private readonly lastOnDevice = new Map<string, string>();
  /** command identity → when it was last seen (time order: the first is the oldest). */
  private readonly recent = new Map<string, number>();
  private readonly cacheSize: number;
  private readonly dedupeSize: number;

  constructor(
    private readonly store: Store,
    private readonly opts: IncidentBookOptions,
  ) {
    this.cacheSize = opts.cacheSize ?? 10_000;
    this.dedupeSize = opts.dedupeSize ?? 50_000;
  }

  /**
   * Files the detections of one event (or one device check). Returns the incident they joined (or opened), or
   * undefined when the event repeats one seen within the dedupe window. `confirmation`: what the device showed,
   * when the detections come from looking at it (a sweep).
   */
  record(detections: readonly Detection[], confirmation?: Confirmation): IncidentUpdate | undefined {
    const first = detections[0];
    if (!first) return undefined;
    const event = first.event;
    const at = event.receivedAt.getTime();
    const repeat = this.isRepeat(event, at);
    if (repeat.repeat) return undefined;

    const device = deviceKey(event.device);
    const since = at - this.opts.windowMs;
    let key = groupKey(device, event.user);
    let found = this.collecting(key, device, event.user, since);
    // A device notification has no user: it belongs with whatever the device's operators are doing right now.
    // A sweep's finding is the opposite: something no operator's session explains.
    if (!found && event.user === undefined && event.source !== 'sweep') {
      const latest = this.latestOnDevice(device, since);
      if (latest) [key, found] = latest;
    }
    if (found && at - found.lastSeen.getTime() > this.opts.windowMs) found = undefined;

    const isNew = !found;
    const unexpected = detections.find((d) => !d.expected);
    const incident: Incident = found ?? {
      id: randomUUID(),
      severity: first.severity,
      // Work every hit of which is approved or otherwise expected is kept, and pages no one.
      status: unexpected ? 'open' : 'expected',
      device: { ...event.device },
      ...(event.user !== undefined && { user: event.user }),
      firstSeen: event.time,
      lastSeen: event.receivedAt,
      detections: [],
    };
    // Restored when the store refuses the write: the caller holds the detections and files them again later.
    const before = { ...incident, device: { ...incident.device }, count: incident.detections.length };
    for (const d of detections) incident.severity = maxSeverity(incident.severity, d.severity);
    if (event.receivedAt > incident.lastSeen) incident.lastSeen = event.receivedAt;
    if (!incident.device.hostname && event.device.hostname) incident.device.hostname = event.device.hostname;
    if (!incident.device.platform && event.device.platform) incident.device.platform = event.device.platform;
    incident.detections.push(...detections);
    if (confirmation) incident.confirmation = confirmation;

    // One hit that expected work does not cover turns expected work (or a closed false positive) into an alert.
    const reopened = !isNew && unexpected !== undefined && (incident.status === 'expected' || incident.status === 'false-positive');
    if (reopened) {
      incident.status = 'open';
      incident.reopenedBecause = unexpected.unexpected ?? `${unexpected.title} (${unexpected.event.command}) is not covered by any approval, change window or filter`;
    }

    const update: IncidentUpdate = { incident, added: [...detections], isNew, ...(reopened && { reopened }) };
    const onSaved = this.opts.onSaved;
    try {
      // The hook runs inside the save's transaction: what it queues is durable exactly when the incident is.
      this.store.saveIncident(incident, detections, isNew, onSaved && (() => onSaved(update)), reopened);
    } catch (err) {
      const { count, detections: _all, ...fields } = before;
      if (!('reopenedBecause' in fields)) delete incident.reopenedBecause;
      if (!('confirmation' in fields)) delete incident.confirmation;
      Object.assign(incident, fields);
      incident.detections.length = count;
      repeat.undo();
      throw err;
    }
    this.touch(key, incident);
    this.lastOnDevice.delete(device);
    this.lastOnDevice.set(device, key);
    if (this.lastOnDevice.size > this.cacheSize) this.lastOnDevice.delete(this.lastOnDevice.keys().next().value!);
    return update;
  }

  /**
   * An operator acknowledged or resolved an incident (API). Acknowledged: it keeps collecting, and what is sent about
   * it says so. Resolved: it is closed; the next detection there opens a new incident rather than reopening this one.
   * A false positive keeps collecting quietly: unexpected activity in its window opens it again.
   */
  statusChanged(id: string, status: Incident['status']): void {
    const key = this.keyOf.get(id);
    const incident = key === undefined ? undefined : this.groups.get(key);
    if (!incident || key === undefined) return;
    incident.status = status;
    if (status === 'resolved') this.forget(key);
  }

  /** The incident collecting at `key`: in memory, or read back from the store. */
  private collecting(key: string, device: string, user: string | undefined, since: number): Incident | undefined {
    const cached = this.groups.get(key);
    if (cached) return cached;
    return this.store.openIncidentOf(device, user, new Date(since));
  }

  private latestOnDevice(device: string, since: number): [string, Incident] | undefined {
    const key = this.lastOnDevice.get(device);
    const cached = key === undefined ? undefined : this.groups.get(key);
    if (key !== undefined && cached) return [key, cached];
    const stored = this.store.latestOpenIncidentOn(device, new Date(since));
    return stored && [groupKey(device, stored.user), stored];
  }

  /** Incidents held in memory now (at most the cache size). */
  get cached(): number {
    return this.groups.size;
  }

  /** Marks the incident most recently used, evicting the least recently used past the cache size. */
  private touch(key: string, incident: Incident): void {
    const old = this.groups.get(key);
    if (old && old.id !== incident.id) this.keyOf.delete(old.id);
    this.groups.delete(key);
    this.groups.set(key, incident);
    this.keyOf.set(incident.id, key);
    if (this.groups.size > this.cacheSize) {
      this.forget(this.groups.keys().next().value!);
      this.opts.onEvict?.('incidents');
    }
  }

  private forget(key: string): void {
    const incident = this.groups.get(key);
    if (incident) this.keyOf.delete(incident.id);
    this.groups.delete(key);
  }

  /** Whether the event repeats one seen within the dedupe window; `undo` forgets that it was seen (a failed save). */
  private isRepeat(event: Detection['event'], at: number): { repeat: boolean; undo: () => void } {
    if (this.opts.dedupeMs <= 0) return { repeat: false, undo: () => {} };
    const what = `${event.user ?? ''}\0${event.command}\0${event.context.join('\0')}`;
    const key = `${deviceKey(event.device)}\0${what}`;
    const previous = this.recent.get(key);
    let last = previous;
    // A TACACS+ record that came before any syslog from its device knew only the address: it still counts.
    if (event.device.hostname !== undefined) {
      const byAddress = this.recent.get(`${event.device.address}\0${what}`);
      if (byAddress !== undefined && (last === undefined || byAddress > last)) last = byAddress;
    }
    // Re-set at the end: the map stays in time order, so what has aged out is always at its front.
    this.recent.delete(key);
    this.recent.set(key, at);
    for (const [k, t] of this.recent) {
      if (at - t <= this.opts.dedupeMs && this.recent.size <= this.dedupeSize) break;
      this.recent.delete(k);
      if (at - t <= this.opts.dedupeMs) this.opts.onEvict?.('dedupe');
    }
    return {
      repeat: last !== undefined && at - last <= this.opts.dedupeMs,
      undo: () => {
        this.recent.delete(key);
        if (previous !== undefined) this.recent.set(key, previous);
      },
    };
  }
}

function groupKey(device: string, user: string | undefined): string {
  return `${device}\0${user ?? ''}`;
}
