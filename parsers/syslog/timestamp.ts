// Timestamps as network devices and log writers print them. Device clocks are untrusted: anything odd
// (unknown zone, impossible date) yields no Date rather than a failure.
import type { TimeQuality } from '../types.js';
import { matchAt } from '../sticky.js';

/** A timestamp found at a position. `time` is undefined when it names no usable instant. */
export interface TimestampMatch {
  end: number;
  time: Date | undefined;
  quality: TimeQuality;
  /** Which shape matched: `uptime` stamps have no date; `ctime` is `Www Mmm dd hh:mm:ss yyyy`. */
  shape: 'month-first' | 'year-first' | 'iso' | 'ctime' | 'uptime';
  /** True when a UTC offset was part of the match (ISO `Z`, `+00:00`, ` +0000`). */
  zoned: boolean;
}

const MONTHS = new Map<string, number>(Object.entries({
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
}));

// Offsets in minutes for the abbreviations devices commonly print. Ambiguous ones (IST) are left out on
// purpose: an unknown zone gives no time, which is better than a time that is hours off.
const ZONES = new Map<string, number>(Object.entries({
  utc: 0, gmt: 0, ut: 0, z: 0, wet: 0, west: 60, bst: 60, cet: 60, cest: 120, met: 60, mest: 120,
  eet: 120, eest: 180, msk: 180, sast: 120, est: -300, edt: -240, cst: -360, cdt: -300, mst: -420,
  mdt: -360, pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600, aest: 600, aedt: 660, acst: 570,
  acdt: 630, awst: 480, nzst: 720, nzdt: 780, jst: 540, kst: 540, hkt: 480, sgt: 480,
}));

// All sticky and bounded: each is tried at one position only, so no scan over the rest of the line.
const MONTH_FIRST = /([A-Za-z]{3}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/y;
const CTIME = /[A-Za-z]{3} ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})/y;
const YEAR_FIRST = /(\d{4}) ([A-Za-z]{3}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/y;
const ISO =
  /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?: ?(?:(Z)|([+-])(\d{2}):?(\d{2})))?/y;
// Cisco `service timestamps log uptime`: `00:00:46`, `1d02h`, `3w2d`, `2y10w`.
const UPTIME = /(?:\d{1,2}:\d{2}:\d{2}(?:\.\d{1,6})?|\d{1,4}[ywd]\d{1,2}[wdh])/y;
// A zone name printed after a device timestamp and before its colon: ` UTC`, ` mdt`, ` UTC+07:30`, ` CET+1`.
const ZONE_BEFORE_COLON = / ([A-Za-z]{1,6})(?:([+-])(\d{1,2})(?::?(\d{2}))?)?(?= ?:)/y;

const DAY_MS = 86_400_000;

/** Offset in minutes of a zone abbreviation, undefined when unknown. */
export function zoneOffset(name: string): number | undefined {
  return ZONES.get(name.toLowerCase());
}

/** `*` = clock never set, `.` = sync lost (IOS `service timestamps`). */
function markerQuality(c: string | undefined): TimeQuality | undefined {
  if (c === '*') return 'unsynced';
  if (c === '.') return 'sync-lost';
  return undefined;
}

interface Fields {
  year: number | undefined;
  month: number;
  day: number;
  h: number;
  m: number;
  s: number;
  frac: string | undefined;
}

/**
 * Builds the instant. `offsetMin` undefined = the zone is unknown (no time). A missing year is taken from
 * `ref`, or the year before when that would put the stamp more than a day in `ref`'s future.
 */
function buildTime(f: Fields, offsetMin: number | undefined, ref: Date | undefined): Date | undefined {
  if (offsetMin === undefined) return undefined;
  if (f.month < 0 || f.month > 11 || f.day < 1 || f.day > 31 || f.h > 23 || f.m > 59 || f.s > 60) return undefined;
  const ms = f.frac ? Math.floor(Number(`0.${f.frac}`) * 1000) : 0;
  const make = (y: number): number | undefined => {
    const t = Date.UTC(y, f.month, f.day, f.h, f.m, Math.min(f.s, 59), ms);
    // Date.UTC rolls Feb 30 over into March: reject instead.
    return new Date(t).getUTCDate() === f.day ? t - offsetMin * 60_000 : undefined;
  };
  let t: number | undefined;
  if (f.year !== undefined) {
    t = make(f.year);
  } else {
    const refMs = ref?.getTime();
    if (refMs === undefined || Number.isNaN(refMs)) return undefined;
    const y = new Date(refMs).getUTCFullYear();
    t = make(y);
    if (t === undefined || t > refMs + DAY_MS) t = make(y - 1);
  }
  return t === undefined || Number.isNaN(t) ? undefined : new Date(t);
}

function month(name: string | undefined): number {
  return MONTHS.get((name ?? '').toLowerCase()) ?? -1;
}

function result(
  end: number,
  f: Fields,
  offsetMin: number | undefined,
  ref: Date | undefined,
  marker: TimeQuality | undefined,
  shape: TimestampMatch['shape'],
  zoned: boolean,
): TimestampMatch {
  const time = buildTime(f, offsetMin, ref);
  const quality: TimeQuality = time === undefined ? 'unknown' : (marker ?? 'synced');
  return { end, time, quality, shape, zoned };
}

/**
 * Reads a timestamp starting exactly at `pos` (an IOS `*`/`.` marker included), without a trailing zone
 * name (see {@link readZoneBeforeColon}). Zone-less stamps are taken as UTC. Returns null when none starts there.
 */
export function readTimestamp(s: string, pos: number, ref: Date | undefined): TimestampMatch | null {
  const marker = markerQuality(s[pos]);
  const p = marker ? pos + 1 : pos;
  const c = s.charCodeAt(p);
  const isDigit = c >= 48 && c <= 57;
  if (isDigit) {
    let m = matchAt(ISO, s, p);
    if (m) {
      const zoned = m[8] !== undefined || m[9] !== undefined;
      const offset = m[9] ? (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) : 0;
      const f = { year: Number(m[1]), month: Number(m[2]) - 1, day: Number(m[3]), h: Number(m[4]), m: Number(m[5]), s: Number(m[6]), frac: m[7] };
      return result(ISO.lastIndex, f, offset, ref, marker, 'iso', zoned);
    }
    m = matchAt(YEAR_FIRST, s, p);
    if (m) {
      const f = { year: Number(m[1]), month: month(m[2]), day: Number(m[3]), h: Number(m[4]), m: Number(m[5]), s: Number(m[6]), frac: m[7] };
      return result(YEAR_FIRST.lastIndex, f, 0, ref, marker, 'year-first', false);
    }
    if (matchAt(UPTIME, s, p)) {
      return { end: UPTIME.lastIndex, time: undefined, quality: 'uptime', shape: 'uptime', zoned: false };
    }
    return null;
  }
  let m = matchAt(MONTH_FIRST, s, p);
  if (m && month(m[1]) >= 0) {
    const f = { year: m[3] ? Number(m[3]) : undefined, month: month(m[1]), day: Number(m[2]), h: Number(m[4]), m: Number(m[5]), s: Number(m[6]), frac: m[7] };
    return result(MONTH_FIRST.lastIndex, f, 0, ref, marker, 'month-first', false);
  }
  m = matchAt(CTIME, s, p);
  if (m && month(m[1]) >= 0) {
    const f = { year: Number(m[7]), month: month(m[1]), day: Number(m[2]), h: Number(m[3]), m: Number(m[4]), s: Number(m[5]), frac: m[6] };
    return result(CTIME.lastIndex, f, 0, ref, marker, 'ctime', false);
  }
  return null;
}

/**
 * Reads ` ZONE` when it is followed by the colon that ends a Cisco device timestamp. `offsetMin` is
 * undefined for a zone name it does not know (a device's own `clock timezone` label).
 */
export function readZoneBeforeColon(s: string, pos: number): { end: number; offsetMin: number | undefined } | null {
  const m = matchAt(ZONE_BEFORE_COLON, s, pos);
  if (!m) return null;
  const base = zoneOffset(m[1] ?? '');
  if (base === undefined) return { end: ZONE_BEFORE_COLON.lastIndex, offsetMin: undefined };
  const shift = m[2] ? (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4] ?? 0)) : 0;
  return { end: ZONE_BEFORE_COLON.lastIndex, offsetMin: base + shift };
}

/** Applies a zone read by {@link readZoneBeforeColon} to a stamp that was read as UTC. */
export function withZone(ts: TimestampMatch, zoneEnd: number, offsetMin: number | undefined): TimestampMatch {
  if (ts.time === undefined || ts.zoned) return { ...ts, end: zoneEnd };
  if (offsetMin === undefined) return { ...ts, end: zoneEnd, time: undefined, quality: 'unknown' };
  return { ...ts, end: zoneEnd, time: new Date(ts.time.getTime() - offsetMin * 60_000) };
}
