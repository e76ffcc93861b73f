// Change windows: maintenance slots in which capture and mirror work on named devices is expected. Either one
// stretch of time (`from`/`until`, ISO 8601 with a zone) or a recurring slot (a cron expression for its start, in a
// named time zone, and a duration), which cron-parser keeps on local time across daylight-saving changes.
import { CronExpressionParser } from 'cron-parser';
import type { DetectionKind, DeviceRef } from '../../types.js';
import { deviceMatches, parseDeviceSpec, type DeviceDirectory, type DeviceSpec } from './devices.js';
import { kindCovered, type WorkKind } from './kinds.js';

export interface WindowConfig {
  name: string;
  devices: string[];
  users?: string[];
  kinds?: WorkKind[];
  from?: string;
  until?: string;
  cron?: string;
  durationMinutes?: number;
  timezone?: string;
}

export interface ChangeWindow {
  readonly name: string;
  readonly devices: DeviceSpec;
  readonly users: ReadonlySet<string> | null;
  readonly kinds: readonly WorkKind[] | undefined;
  /** The occurrence that contains `at`, if one does. */
  occurrence(at: Date): { start: Date; end: Date } | undefined;
  /** Occurrences that end in [from, to): when to look at the devices again. */
  endsBetween(from: Date, to: Date): Array<{ start: Date; end: Date }>;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Throws plain Errors naming the field, for the configuration loader to prefix with the window's key. */
export function compileWindow(w: WindowConfig): ChangeWindow {
  let devices: DeviceSpec;
  try {
    devices = parseDeviceSpec(w.devices);
  } catch (err) {
    throw new Error(`devices: ${(err as Error).message}`);
  }
  const users = w.users?.length ? new Set(w.users.map((u) => u.toLowerCase())) : null;
  const base = { name: w.name, devices, users, kinds: w.kinds };
  if (w.cron !== undefined) {
    if (w.from !== undefined || w.until !== undefined) throw new Error('a window has either cron (recurring) or from/until (once), not both');
    if (w.durationMinutes === undefined) throw new Error('durationMinutes: a recurring window needs its length');
    const tz = w.timezone ?? 'UTC';
    if (!validZone(tz)) throw new Error(`timezone: unknown time zone "${tz}"`);
    try {
      CronExpressionParser.parse(w.cron, { tz });
    } catch (err) {
      throw new Error(`cron: ${(err as Error).message}`);
    }
    const lengthMs = w.durationMinutes * 60_000;
    const cron = w.cron;
    return {
      ...base,
      occurrence(at) {
        // The last start at or before `at` (cron-parser's prev() is strictly before its current date).
        const start = CronExpressionParser.parse(cron, { tz, currentDate: new Date(at.getTime() + 1) }).prev().toDate();
        return at.getTime() < start.getTime() + lengthMs ? { start, end: new Date(start.getTime() + lengthMs) } : undefined;
      },
      endsBetween(from, to) {
        const out: Array<{ start: Date; end: Date }> = [];
        const it = CronExpressionParser.parse(cron, { tz, currentDate: new Date(from.getTime() - lengthMs) });
        for (let i = 0; i < 1000; i++) {
          const start = it.next().toDate();
          const end = new Date(start.getTime() + lengthMs);
          if (end >= to) break;
          if (end >= from) out.push({ start, end });
        }
        return out;
      },
    };
  }
  if (w.from === undefined || w.until === undefined) throw new Error('a window needs from and until (ISO 8601 with a zone), or cron, durationMinutes and timezone');
  for (const [key, v] of [['from', w.from], ['until', w.until]] as const) {
    if (!ISO_WITH_ZONE.test(v) || Number.isNaN(Date.parse(v))) throw new Error(`${key}: not an ISO 8601 time with a zone (got ${JSON.stringify(v)})`);
  }
  const start = new Date(w.from);
  const end = new Date(w.until);
  if (end <= start) throw new Error('until: must be after from');
  return {
    ...base,
    occurrence: (at) => (at >= start && at < end ? { start, end } : undefined),
    endsBetween: (from, to) => (end >= from && end < to ? [{ start, end }] : []),
  };
}

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Does the window cover work of this kind by this user on this device at this time? */
export function windowCovers(w: ChangeWindow, device: DeviceRef, user: string | undefined, kind: DetectionKind, at: Date, directory: DeviceDirectory) {
  if (!kindCovered(w.kinds, kind)) return undefined;
  if (w.users && (user === undefined || !w.users.has(user.toLowerCase()))) return undefined;
  if (!deviceMatches(w.devices, device, directory)) return undefined;
  return w.occurrence(at);
}
