// Telling approved, expected work apart from an attack, on each hit as it is detected: an approval for the person
// and device, a change window, or a Sigma filter. The hit is kept either way; `expected` says why it pages no one,
// `unexpected` why expected work nearby does not cover it. Critical hits are never set apart by a window or an
// approval, nor by a filter unless the filter names the rule and allows it (`capwatch.allowCritical`).
import type { Detection } from '../../types.js';
import type { Filter } from '../sigma/filter.js';
import type { EventView } from '../sigma/view.js';
import { ApprovalIndex, judge } from './approvals.js';
import { NO_DIRECTORY, type DeviceDirectory } from './devices.js';
import { windowCovers, type ChangeWindow } from './windows.js';

export interface ExpectedWorkOptions {
  filters?: readonly Filter[];
  windows?: readonly ChangeWindow[];
  approvals?: ApprovalIndex;
  directory?: DeviceDirectory;
}

export class ExpectedWork {
  private approvals: ApprovalIndex;
  private byRule = new Map<string, Filter[]>();
  private everyRule: Filter[] = [];
  private all: readonly Filter[] = [];
  private windowList: readonly ChangeWindow[];
  private readonly directory: DeviceDirectory;

  constructor(o: ExpectedWorkOptions = {}) {
    this.approvals = o.approvals ?? new ApprovalIndex([]);
    this.windowList = o.windows ?? [];
    this.directory = o.directory ?? NO_DIRECTORY;
    this.setFilters(o.filters ?? []);
  }

  get approvalCount(): number {
    return this.approvals.size;
  }

  get windows(): readonly ChangeWindow[] {
    return this.windowList;
  }

  setWindows(windows: readonly ChangeWindow[]): void {
    this.windowList = windows;
  }

  /** The approvals in the store changed: the next hit is judged against these. */
  setApprovals(index: ApprovalIndex): void {
    this.approvals = index;
  }

  /** The filters in force. */
  get filters(): readonly Filter[] {
    return this.all;
  }

  setFilters(filters: readonly Filter[]): void {
    this.all = filters;
    const byRule = new Map<string, Filter[]>();
    const everyRule: Filter[] = [];
    for (const f of filters) {
      if (f.rules === null) everyRule.push(f);
      else for (const id of f.rules) byRule.set(id, [...(byRule.get(id) ?? []), f]);
    }
    this.byRule = byRule;
    this.everyRule = everyRule;
  }

  /** Marks each of one event's hits expected or not. `view` is the event as the rules saw it (filters test it too). */
  mark(detections: Detection[], view: EventView): void {
    for (const d of detections) {
      const near: string[] = [];
      if (!this.byApproval(d, near) && !this.byWindow(d, near) && !this.byFilter(d, view, near) && near.length > 0) d.unexpected = near[0]!;
    }
  }

  private testFilters(list: readonly Filter[] | undefined, d: Detection, view: EventView, near: string[]): boolean {
    if (!list) return false;
    for (const f of list) {
      if (f.test(view)) continue;
      if (d.severity === 'critical' && !(f.allowCritical && f.rules?.has(d.rule))) {
        near.push(`filter "${f.title}" sets this apart, but it is critical and the filter does not name the rule with allowCritical`);
        continue;
      }
      d.expected = { by: 'filter', name: f.title, reason: f.description };
      return true;
    }
    return false;
  }

  private byApproval(d: Detection, near: string[]): boolean {
    const e = d.event;
    const at = (e.source === 'replay' ? e.time : e.receivedAt).getTime();
    let otherUser: string | undefined;
    for (const c of this.approvals.candidates(e.device, this.directory)) {
      const a = c.approval;
      if (at < a.createdAt.getTime() || at >= a.expiresAt.getTime()) continue;
      const verdict = judge(c, d);
      if (verdict.covered) {
        d.expected = { by: 'approval', name: a.id, reason: `approved by ${a.createdBy} (${a.ticket})${a.reason ? `: ${a.reason}` : ''}`, until: a.expiresAt };
        return true;
      }
      // The same person's approval explains the alert best; someone else's comes after.
      if (e.user !== undefined && a.user.toLowerCase() === e.user.toLowerCase()) near.unshift(verdict.because);
      else otherUser ??= verdict.because;
    }
    if (otherUser !== undefined) near.push(otherUser);
    return false;
  }

  private byWindow(d: Detection, near: string[]): boolean {
    const e = d.event;
    const at = e.source === 'replay' ? e.time : e.receivedAt;
    for (const w of this.windowList) {
      const occurrence = windowCovers(w, e.device, e.user, d.kind, at, this.directory);
      if (!occurrence) continue;
      if (d.severity === 'critical') {
        near.push(`change window ${w.name} is open on ${e.device.hostname ?? e.device.address}, but critical hits are never set apart by a window (${d.title.toLowerCase()})`);
        continue;
      }
      d.expected = { by: 'window', name: w.name, reason: `change window ${w.name}, ${occurrence.start.toISOString()} to ${occurrence.end.toISOString()}`, until: occurrence.end };
      return true;
    }
    return false;
  }

  private byFilter(d: Detection, view: EventView, near: string[]): boolean {
    return this.testFilters(this.byRule.get(d.rule), d, view, near) || this.testFilters(this.everyRule, d, view, near);
  }
}
