// Incident list logic shared by the list page and the live updates: filters from the route, the same filters
// applied to a live event, and the newest-first order kept as events arrive.
import type { IncidentFilters } from './api';
import { KINDS, SEVERITIES, STATUSES, type IncidentSummary, type Severity } from './types';

export const RANGES = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, all: 0, custom: 0 } as const;
export type Range = keyof typeof RANGES;

export interface ListFilters {
  severity: string;
  status: string;
  device: string;
  user: string;
  kind: string;
  range: Range;
  /** datetime-local values, used when range is custom. */
  from: string;
  to: string;
}

const pick = <T extends string>(value: string | null, allowed: readonly T[]): T | '' => (allowed.includes(value as T) ? (value as T) : '');

export function filtersOf(q: URLSearchParams): ListFilters {
  const range = q.get('range');
  return {
    severity: pick(q.get('severity'), SEVERITIES),
    status: pick(q.get('status'), STATUSES),
    device: q.get('device') ?? '',
    user: q.get('user') ?? '',
    kind: pick(q.get('kind'), KINDS),
    range: range !== null && range in RANGES ? (range as Range) : 'all',
    from: localInput(q.get('from')),
    to: localInput(q.get('to')),
  };
}

/**
 * A datetime-local value. Links from chat digests carry UTC times (`…Z`): they are shown in the viewer's own time, as
 * the input expects.
 */
function localInput(value: string | null): string {
  if (!value || !/(Z|[+-]\d\d:\d\d)$/.test(value)) return value ?? '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function queryOf(f: ListFilters): URLSearchParams {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(f)) if (value && !(key === 'range' && value === 'all')) q.set(key, value);
  if (f.range !== 'custom') { q.delete('from'); q.delete('to'); }
  return q;
}

function iso(local: string): string | undefined {
  const t = local ? new Date(local).getTime() : NaN;
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** The API's filters; a relative range is turned into `since` at the time of the request. */
export function apiFilters(f: ListFilters, now = Date.now()): IncidentFilters {
  const out: IncidentFilters = {};
  if (f.severity) out.severity = f.severity;
  if (f.status) out.status = f.status;
  if (f.device.trim()) out.device = f.device.trim();
  if (f.user.trim()) out.user = f.user.trim();
  if (f.kind) out.kind = f.kind;
  if (f.range === 'custom') {
    const since = iso(f.from);
    const until = iso(f.to);
    if (since) out.since = since;
    if (until) out.until = until;
  } else if (RANGES[f.range]) {
    out.since = new Date(now - RANGES[f.range]).toISOString();
  }
  return out;
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

/** Whether a live incident belongs in a list loaded with these filters (the server's rules: exact device/user). */
export function matches(i: IncidentSummary, f: IncidentFilters): boolean {
  if (f.severity && rank(i.severity) < rank(f.severity as Severity)) return false;
  if (f.status && i.status !== f.status) return false;
  if (f.device && i.device !== f.device && i.deviceAddress !== f.device) return false;
  if (f.user && i.user !== f.user) return false;
  if (f.kind && !i.kinds.includes(f.kind as IncidentSummary['kinds'][number])) return false;
  const last = Date.parse(i.lastSeen);
  if (f.since && last < Date.parse(f.since)) return false;
  if (f.until && last > Date.parse(f.until)) return false;
  return true;
}

/** The list with `incident` put in its newest-first place (or taken out when it no longer matches). */
export function upsert(list: readonly IncidentSummary[], incident: IncidentSummary, keep: boolean, max: number): IncidentSummary[] {
  const rest = list.filter((i) => i.id !== incident.id);
  if (!keep) return rest;
  const t = Date.parse(incident.lastSeen);
  let lo = 0;
  let hi = rest.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Date.parse(rest[mid]!.lastSeen) > t) lo = mid + 1;
    else hi = mid;
  }
  rest.splice(lo, 0, incident);
  return rest.length > max ? rest.slice(0, max) : rest;
}
