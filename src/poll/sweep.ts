// Sweeps: check many devices at a bounded concurrency, store each result, compare it with the device's previous
// sweep, and open an incident (source `sweep`) for an active capture or mirror that no open incident explains —
// how capwatch catches what was configured while logging was off.
import { randomUUID } from 'node:crypto';
import type { IncidentUpdate } from '../alerts/incidents.js';
import type { Store } from '../alerts/store.js';
import { assessSeverity, type CollectorNetworks } from '../detect/severity.js';
import type { Logger } from '../log.js';
import type { CaptureFinding, Confirmation, Detection, DetectionKind, DeviceFindings, SessionFinding } from '../types.js';
import { activeItems, checkDevice, confirmationOf, type DeviceCheck, type PollSettings } from './check.js';
import type { CheckStore, FindingChange, StoredCheck, SweepRecord, SweepTrigger } from './check-store.js';
import type { DeviceIndex, InventoryDevice } from './inventory.js';

/** Checks devices, one login per device at a time: a sweep and a confirmation of the same device share one check. */
export class DevicePoller {
  private readonly inFlight = new Map<string, { startedAt: number; result: Promise<DeviceCheck> }>();

  constructor(
    private readonly settings: PollSettings,
    private readonly log: Logger,
    /** Each finished check (metrics). */
    private readonly onChecked: (c: DeviceCheck) => void = () => {},
  ) {}

  /**
   * The device's check: the one in flight, or a new one. `notBefore`: a check that began earlier cannot show what
   * happened since (a confirmation asks about the commands that opened its incident), so it is waited for, then
   * the device is checked again.
   */
  check(d: InventoryDevice, notBefore = 0): Promise<DeviceCheck> {
    const key = d.name.toLowerCase();
    const running = this.inFlight.get(key);
    if (running && running.startedAt >= notBefore) return running.result;
    if (running) return running.result.then(() => this.check(d, notBefore));
    const result = checkDevice(d, this.settings).then((c) => {
      this.inFlight.delete(key);
      if (c.hostKeyRecorded) this.log.warn({ device: d.name, address: d.address, port: d.port, fingerprint: c.hostKeyRecorded }, 'host key recorded on first use');
      this.onChecked(c);
      return c;
    });
    this.inFlight.set(key, { startedAt: Date.now(), result });
    return result;
  }
}

export interface SweepView extends SweepRecord {
  done: number;
  devices: StoredCheck[];
}

export interface SweepDeps {
  poller: DevicePoller;
  checks: CheckStore;
  store: Store;
  /** Files detections as an incident (the app's IncidentBook, so they group and notify like any other). */
  record: (detections: Detection[], confirmation: Confirmation) => IncidentUpdate | undefined;
  collectors: CollectorNetworks;
  log: Logger;
  /** A sweep started, checked a device, or ended (live watchers). */
  progress?: (view: SweepView) => void;
}

export interface SweepRequest {
  trigger: SweepTrigger;
  selection: SweepRecord['selection'];
  concurrency: number;
  /** Each device's result as it arrives (progress bars). */
  onCheck?: (c: StoredCheck, done: number, total: number) => void;
}

export class Sweeper {
  private readonly live = new Map<string, SweepView>();
  private stopped = false;

  constructor(private readonly deps: SweepDeps) {}

  /** Starts no further device; sweeps still running are marked interrupted (their results so far are kept). */
  stop(): void {
    this.stopped = true;
    for (const v of this.live.values()) this.deps.checks.finishSweep(v.id, new Date(), 'interrupted');
  }

  /**
   * Starts a sweep; `finished` resolves when every device has an answer or an error. `index`: the whole inventory the
   * devices come from, to tell which device an incident is about.
   */
  start(devices: readonly InventoryDevice[], index: DeviceIndex, req: SweepRequest): { id: string; finished: Promise<SweepView> } {
    const id = randomUUID();
    const view: SweepView = { id, trigger: req.trigger, status: 'running', selection: req.selection, total: devices.length, startedAt: new Date(), done: 0, devices: [] };
    this.deps.checks.startSweep(view);
    this.live.set(id, view);
    this.deps.log.info({ sweep: id, trigger: req.trigger, devices: devices.length, concurrency: req.concurrency }, 'sweep started');
    this.deps.progress?.(view);
    const finished = this.runAll(view, devices, new Explanations(this.deps.store, index), req)
      .catch((err: unknown) => {
        // Nobody may be waiting (a sweep started over HTTP): a failure is logged and ends the sweep, never the process.
        this.deps.log.error({ sweep: id, err: (err as Error).message }, 'sweep failed');
        view.status = 'interrupted';
        return view;
      })
      .finally(() => {
        this.live.delete(id);
        this.deps.progress?.(view);
      });
    return { id, finished };
  }

  /** The sweep running in this process over exactly this selection, if any: one at a time per scope. */
  runningWith(selection: SweepRecord['selection']): string | undefined {
    const key = scopeKey(selection);
    for (const v of this.live.values()) if (v.status === 'running' && scopeKey(v.selection) === key) return v.id;
    return undefined;
  }

  /** A sweep's progress: live while it runs in this process, else as stored (another process, or finished). */
  view(id: string): SweepView | undefined {
    const live = this.live.get(id);
    if (live) return live;
    const stored = this.deps.checks.sweep(id);
    if (!stored) return undefined;
    const devices = this.deps.checks.checksOfSweep(id);
    return { ...stored, done: devices.length, devices };
  }

  /** The newest sweeps, without their device results. */
  list(limit: number): Array<SweepRecord & { done: number }> {
    return this.deps.checks.sweeps(limit).map((s) => {
      const live = this.live.get(s.id);
      return live ? { ...s, status: live.status, done: live.done } : s;
    });
  }

  private async runAll(view: SweepView, devices: readonly InventoryDevice[], explanations: Explanations, req: SweepRequest): Promise<SweepView> {
    let next = 0;
    const worker = async () => {
      while (next < devices.length && !this.stopped) {
        const d = devices[next++]!;
        const check = await this.deps.poller.check(d);
        if (this.stopped) return;
        const result = this.settle(view.id, check, explanations);
        view.devices.push(result);
        view.done++;
        req.onCheck?.(result, view.done, view.total);
        this.deps.progress?.(view);
      }
    };
    await Promise.all(Array.from({ length: Math.min(req.concurrency, devices.length) }, worker));
    if (this.stopped) {
      view.status = 'interrupted';
      return view;
    }
    view.status = 'done';
    view.finishedAt = new Date();
    this.deps.checks.finishSweep(view.id, view.finishedAt);
    const active = view.devices.filter((c) => confirmationOf(c).status === 'active-found').length;
    const failed = view.devices.filter((c) => c.error !== undefined).length;
    const opened = view.devices.filter((c) => c.openedIncident !== undefined).length;
    this.deps.log.info({ sweep: view.id, devices: view.total, withActive: active, failed, incidentsOpened: opened, seconds: (view.finishedAt.getTime() - view.startedAt.getTime()) / 1000 }, 'sweep finished');
    return view;
  }

  /** Compares with the previous sweep, opens an incident for what nothing explains, stores the result. */
  private settle(sweepId: string, check: DeviceCheck, explanations: Explanations): StoredCheck {
    const result: StoredCheck = { ...check, sweepId };
    try {
      if (check.findings) {
        const previous = this.deps.checks.previousFindings(check.device, sweepId);
        if (previous) result.changes = diffFindings(previous, check.findings);
        const unexplainedItems = unexplained(check.findings, explanations.of(check.device));
        if (unexplainedItems.captures.length + unexplainedItems.sessions.length > 0) {
          const detections = sweepDetections(check, unexplainedItems, this.deps.collectors);
          const update = this.deps.record(detections, confirmationOf(check));
          if (update) result.openedIncident = update.incident.id;
        }
      }
      this.deps.checks.saveCheck(result);
    } catch (err) {
      // A store failure loses this device's record, not the sweep.
      this.deps.log.error({ sweep: sweepId, device: check.device, err: (err as Error).message }, 'could not store a sweep result');
    }
    return result;
  }

}

function scopeKey(s: SweepRecord['selection']): string {
  const norm = (list: string[] | undefined) => [...new Set((list ?? []).map((x) => x.toLowerCase()))].sort();
  return JSON.stringify([norm(s.devices), norm(s.tags)]);
}

interface Unexplained {
  captures: CaptureFinding[];
  sessions: SessionFinding[];
}

/** Capture names and session numbers (lowercase) that open incidents of one device name. */
export interface Named {
  captures: Set<string>;
  sessions: Set<string>;
}

/**
 * What open or acknowledged incidents explain, per inventory device, for the length of one sweep. Read whole once,
 * then only the detections stored since (the store numbers them), so a sweep costs one pass over the open incidents
 * however many devices share an address. An incident resolved during the sweep still counts until the next sweep.
 */
export class Explanations {
  private readonly byDevice = new Map<string, Named>();
  private lastSeq = 0;

  constructor(
    private readonly store: Store,
    private readonly index: DeviceIndex,
  ) {}

  of(device: string): Named {
    for (const row of this.store.namedObjects(this.lastSeq)) {
      this.lastSeq = row.seq;
      const d = this.index.find(row);
      if (!d) continue;
      let named = this.byDevice.get(d.name);
      if (!named) this.byDevice.set(d.name, (named = { captures: new Set(), sessions: new Set() }));
      if (row.capture !== null) named.captures.add(String(row.capture).toLowerCase());
      if (row.session !== null) named.sessions.add(String(row.session).toLowerCase());
    }
    return this.byDevice.get(device) ?? { captures: new Set(), sessions: new Set() };
  }
}

/** Active items that no detection of an open incident names (by capture name or session id). */
export function unexplained(f: DeviceFindings, named: Named): Unexplained {
  const active = activeItems(f);
  return {
    captures: active.captures.filter((c) => !named.captures.has(c.name.toLowerCase())),
    sessions: active.sessions.filter((s) => !named.sessions.has(s.id.toLowerCase())),
  };
}

/** What changed since the previous sweep. Absence counts only when neither output was cut short by a pager. */
export function diffFindings(before: DeviceFindings, after: DeviceFindings): FindingChange[] {
  const changes: FindingChange[] = [];
  const complete = !before.truncated && !after.truncated;
  const compare = <T extends { active: boolean }>(object: FindingChange['object'], a: Map<string, T>, b: Map<string, T>) => {
    for (const [id, now] of b) {
      const then = a.get(id);
      if (!then) changes.push({ object, id, change: 'new' });
      else if (then.active !== now.active) changes.push({ object, id, change: now.active ? 'activated' : 'deactivated' });
      else if (JSON.stringify(then) !== JSON.stringify(now)) changes.push({ object, id, change: 'changed' });
    }
    if (complete) for (const id of a.keys()) if (!b.has(id)) changes.push({ object, id, change: 'gone' });
  };
  compare('capture', new Map(before.captures.map((c) => [c.name, c])), new Map(after.captures.map((c) => [c.name, c])));
  compare('session', new Map(before.sessions.map((s) => [`${s.id} ${s.type}`, s])), new Map(after.sessions.map((s) => [`${s.id} ${s.type}`, s])));
  return changes;
}

const WHY = 'The device reports it active, but no logged command explains it: it may have been set up while logging or accounting was off, or before capwatch listened.';

function sessionKind(type: string): DetectionKind {
  if (/erspan/i.test(type)) return 'erspan';
  if (/remote|rspan/i.test(type)) return 'rspan';
  return 'span';
}

/** Detections (source `sweep`) for the active items no incident explains, with the severity policy of typed commands. */
export function sweepDetections(check: DeviceCheck, items: Unexplained, collectors: CollectorNetworks): Detection[] {
  const device = { address: check.address, hostname: check.device, platform: check.platform };
  const event = (command: string, raw: unknown) => ({ time: check.checkedAt, receivedAt: check.checkedAt, device, command, context: [], source: 'sweep' as const, raw: JSON.stringify(raw) });
  const detections: Detection[] = [];
  for (const c of items.captures) {
    const facts: Record<string, string> = { capture: c.name };
    if (c.interfaces.length) facts.interfaces = c.interfaces.join(', ');
    if (c.direction) facts.direction = c.direction;
    if (c.file) facts.file = c.file;
    const command = `capture ${c.name} active${facts.interfaces ? ` on ${facts.interfaces}` : ''}${c.direction ? ` (${c.direction})` : ''}${c.file ? ` to ${c.file}` : ''}`;
    const a = assessSeverity({ level: 'high', kind: 'capture', action: 'start', command, facts }, collectors);
    detections.push({ rule: 'capwatch-sweep-active-capture', title: 'Active packet capture found by SSH sweep', kind: 'capture', severity: a.severity, technique: 'T1040', event: event(command, c), facts: { ...facts, ...a.facts }, tradecraft: a.tradecraft, why: WHY });
  }
  for (const s of items.sessions) {
    const facts: Record<string, string> = { session: s.id, sessionType: s.type };
    if (s.sources.length) facts.interfaces = s.sources.join(', ');
    if (s.destinations.length) facts.destinations = s.destinations.join(', ');
    if (s.destinationIp) facts.destinationIp = s.destinationIp;
    const to = s.destinationIp ?? (s.destinations.join(', ') || 'unknown destination');
    const command = `monitor session ${s.id} (${s.type}) active: ${facts.interfaces ?? 'no source listed'} to ${to}`;
    const kind = sessionKind(s.type);
    const a = assessSeverity({ level: 'high', kind, action: 'session', command, facts }, collectors);
    detections.push({ rule: 'capwatch-sweep-active-session', title: 'Active mirror session found by SSH sweep', kind, severity: a.severity, technique: 'T1040', event: event(command, s), facts: { ...facts, ...a.facts }, tradecraft: a.tradecraft, why: WHY });
  }
  return detections;
}
