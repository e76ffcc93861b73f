// Groups detections into incidents (device + user within a window) and drops repeats of one command
// (the same line from syslog and TACACS+, or a relay duplicate). Stored before anything else sees them.
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

interface OpenGroup {
  incident: Incident;
}

const MAX_DEDUPE_KEYS = 50_000;
const MAX_OPEN_GROUPS = 50_000;

export class IncidentBook {
  /** device key + NUL + user → the incident that is still collecting. */
  private readonly groups = new Map<string, OpenGroup>();
  /** device key → the group most recently touched there (for user-less device notifications such as BUFCAP). */
  private readonly lastOnDevice = new Map<string, OpenGroup>();
  /** command identity → when it was last seen. */
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly opts: { windowMs: number; dedupeMs: number; onSaved?: (update: IncidentUpdate) => void },
  ) {
    const since = new Date(Date.now() - opts.windowMs);
    for (const incident of store.recentOpenIncidents(since)) this.remember(incident);
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
    let group = this.groups.get(groupKey(device, event.user));
    // A device notification has no user: it belongs with whatever the device's operators are doing right now.
    // A sweep's finding is the opposite: something no operator's session explains.
    if (!group && event.user === undefined && event.source !== 'sweep') group = this.lastOnDevice.get(device);
    if (group && at - group.incident.lastSeen.getTime() > this.opts.windowMs) group = undefined;

    const isNew = !group;
    const unexpected = detections.find((d) => !d.expected);
    const incident: Incident = group?.incident ?? {
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
    if (isNew) this.remember(incident);
    return update;
  }

  /**
   * An operator acknowledged or resolved an incident (API). Acknowledged: it keeps collecting, and what is sent about
   * it says so. Resolved: it is closed; the next detection there opens a new incident rather than reopening this one.
   * A false positive keeps collecting quietly: unexpected activity in its window opens it again.
   */
  statusChanged(id: string, status: Incident['status']): void {
    for (const [key, group] of this.groups) {
      if (group.incident.id !== id) continue;
      group.incident.status = status;
      if (status === 'resolved') this.groups.delete(key);
    }
    for (const [key, group] of this.lastOnDevice) {
      if (group.incident.id === id && status === 'resolved') this.lastOnDevice.delete(key);
    }
  }

  private remember(incident: Incident): void {
    const device = deviceKey(incident.device);
    const group = { incident };
    if (this.groups.size >= MAX_OPEN_GROUPS) this.expire(Date.now());
    this.groups.set(groupKey(device, incident.user), group);
    this.lastOnDevice.set(device, group);
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
    if (this.recent.size >= MAX_DEDUPE_KEYS) this.expire(at);
    this.recent.set(key, at);
    return {
      repeat: last !== undefined && at - last <= this.opts.dedupeMs,
      undo: () => (previous === undefined ? this.recent.delete(key) : this.recent.set(key, previous)),
    };
  }

  /** Forgets groups whose window has passed and dedupe keys older than the dedupe window. */
  private expire(now: number): void {
    for (const [k, t] of this.recent) if (now - t > this.opts.dedupeMs) this.recent.delete(k);
    for (const [k, g] of this.groups) if (now - g.incident.lastSeen.getTime() > this.opts.windowMs) this.groups.delete(k);
    for (const [k, g] of this.lastOnDevice) if (now - g.incident.lastSeen.getTime() > this.opts.windowMs) this.lastOnDevice.delete(k);
  }
}

function groupKey(device: string, user: string | undefined): string {
  return `${device}\0${user ?? ''}`;
}
