// When approved work ends — an approval expires or is removed, a change window closes — capwatch looks whether the
// captures and mirror sessions it covered are still running: on the device itself over SSH when it is in the
// inventory, else in what the logs say (and the alert says which). Anything still on becomes an alert:
// "capture CAP approved until 14:00 is still running at 14:05".
import type { Approval } from './approvals.js';
import type { ChangeWindow } from './windows.js';
import type { Detection, DetectionKind, DeviceFindings, DeviceRef } from '../../types.js';

/** A capture or session that expected work covered, on its device (from the stored detections). */
export interface CoveredObject {
  device: DeviceRef;
  user?: string;
  kind: DetectionKind;
  capture?: string;
  session?: string;
}

/** What is active on a device now: the device's own answer over SSH, or the logs' view when it cannot be asked. */
export type ActiveNow = { source: 'device'; findings: DeviceFindings } | { source: 'logs'; captures: string[]; sessions: string[] } | { source: 'unknown'; why: string };

export interface ExpiryDeps {
  /** Approvals that ended at or before the time given and were not looked at yet; and marking one looked at. */
  dueApprovals(endedBy: Date): Approval[];
  approvalChecked(id: string, at: Date): void;
  /** The change windows in force (they change when the configuration is reloaded). */
  windows: () => readonly ChangeWindow[];
  /** What the detections that an approval (or a window occurrence) covered named. */
  covered(by: 'approval' | 'window', name: string, from: Date, to: Date): CoveredObject[];
  /** Asks the device (SSH) when it can, else reads the state the logs built. */
  activeNow(device: DeviceRef): Promise<ActiveNow>;
  /** Files the alert like any detection. */
  record(detections: Detection[]): void;
  graceMs: number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

const EXPIRED_RULE = 'capwatch-expected-work-still-running';

function hhmm(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export class ExpiryWatch {
  /** Window occurrences ending before this were looked at already. */
  private windowsCheckedTo: Date;

  constructor(
    private readonly deps: ExpiryDeps,
    startedAt: Date,
  ) {
    this.windowsCheckedTo = new Date(startedAt.getTime() - deps.graceMs);
  }

  /** Looks at everything whose end plus the grace has passed by `now`. */
  async run(now: Date): Promise<number> {
    const endedBy = new Date(now.getTime() - this.deps.graceMs);
    let alerts = 0;
    for (const a of this.deps.dueApprovals(endedBy)) {
      const what = `${a.kind ?? 'capture or mirror'}${a.name ? ` ${a.name}` : ''} approved until ${hhmm(a.expiresAt)} (${a.ticket})`;
      alerts += await this.check(this.deps.covered('approval', a.id, a.createdAt, a.expiresAt), what, now);
      this.deps.approvalChecked(a.id, now);
    }
    for (const w of this.deps.windows()) {
      for (const o of w.endsBetween(this.windowsCheckedTo, endedBy)) {
        alerts += await this.check(this.deps.covered('window', w.name, o.start, o.end), `work in change window ${w.name} (until ${hhmm(o.end)})`, now);
      }
    }
    this.windowsCheckedTo = endedBy;
    return alerts;
  }

  private async check(objects: CoveredObject[], what: string, now: Date): Promise<number> {
    let alerts = 0;
    const byDevice = new Map<string, CoveredObject[]>();
    for (const o of objects) {
      const key = `${o.device.address}\0${o.device.hostname ?? ''}`;
      byDevice.set(key, [...(byDevice.get(key) ?? []), o]);
    }
    for (const list of byDevice.values()) {
      const device = list[0]!.device;
      let active: ActiveNow;
      try {
        active = await this.deps.activeNow(device);
      } catch (err) {
        active = { source: 'unknown', why: (err as Error).message };
      }
      for (const o of list) {
        const still = stillRunning(o, active);
        if (!still) continue;
        const thing = o.capture !== undefined ? `capture ${o.capture}` : `session ${o.session}`;
        const how =
          active.source === 'device'
            ? `${device.hostname ?? device.address} shows it active`
            : active.source === 'logs'
              ? `as far as the logs tell: capwatch cannot log into ${device.hostname ?? device.address} to check`
              : `capwatch could not check: ${active.why}`;
        const text = `${thing} (${what}) is still running at ${hhmm(now)}; ${how}`;
        this.deps.record([expiredDetection(o, text, now)]);
        this.deps.log.warn({ device: device.hostname ?? device.address, object: thing }, 'approved work still running after it ended');
        alerts++;
      }
    }
    return alerts;
  }
}

function stillRunning(o: CoveredObject, active: ActiveNow): boolean {
  const same = (a: string, b: string | undefined) => b !== undefined && a.toLowerCase() === b.toLowerCase();
  if (active.source === 'device') {
    const f = active.findings;
    return f.captures.some((c) => c.active && same(c.name, o.capture)) || f.sessions.some((s) => s.active && same(s.id, o.session));
  }
  if (active.source === 'logs') return active.captures.some((c) => same(c, o.capture)) || active.sessions.some((s) => same(s, o.session));
  return false;
}

function expiredDetection(o: CoveredObject, text: string, now: Date): Detection {
  return {
    rule: EXPIRED_RULE,
    title: 'Approved capture or mirror still running after its approval ended',
    kind: o.kind,
    severity: 'high',
    technique: 'T1040',
    facts: { ...(o.capture !== undefined && { capture: o.capture }), ...(o.session !== undefined && { session: o.session }) },
    tradecraft: [],
    why: text,
    unexpected: text,
    event: {
      time: now,
      receivedAt: now,
      device: o.device,
      ...(o.user !== undefined && { user: o.user }),
      command: o.capture !== undefined ? `capture ${o.capture} still active` : `monitor session ${o.session} still active`,
      context: [],
      source: 'expiry',
      raw: text,
    },
  };
}
