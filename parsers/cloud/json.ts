// Reading JSON that anyone may have written: wrong types, missing keys, `__proto__` and `constructor` keys, huge
// arrays and strings. Only own properties are read, every list and string is cut to a bound, nothing throws.

export type Obj = Readonly<Record<string, unknown>>;

/** Longest string value kept from a record (ids, names, URLs, error codes). */
export const MAX_VALUE_CHARS = 512;
/** Most list items read from one field (sources, CIDRs, principals, filter rules). */
export const MAX_ITEMS = 64;

export function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** An own property only: `o.constructor` on a record without one must not be Object's. */
export function get(o: Obj | undefined, key: string): unknown {
  return o !== undefined && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** `get` along a path of keys. */
export function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    cur = get(obj(cur), k);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/**
 * A non-empty string, cut to `max`. Integers are taken as their decimal text (pipelines turn account ids and VNIs into
 * numbers); anything else is absent.
 */
export function str(v: unknown, max = MAX_VALUE_CHARS): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '') return undefined;
  return s.length > max ? s.slice(0, max) : s;
}

/** A number, from a JSON number or its decimal text. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** The first `max` items of an array; a lone value counts as a list of one (XML-born fields are either). */
export function list(v: unknown, max = MAX_ITEMS): readonly unknown[] {
  if (Array.isArray(v)) return v.length > max ? v.slice(0, max) : v;
  return v === undefined || v === null ? [] : [v];
}

/** The strings of a list (each cut), without empties. */
export function strings(v: unknown, max = MAX_ITEMS): string[] {
  const out: string[] = [];
  for (const x of list(v, max)) {
    const s = str(x);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** The first of several keys present as a string (request fields come PascalCase, responses camelCase). */
export function firstStr(o: Obj | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const s = str(get(o, k));
    if (s !== undefined) return s;
  }
  return undefined;
}

/** Longest embedded JSON text parsed (Azure request and response bodies are JSON in a string). */
const MAX_EMBEDDED_JSON = 256 * 1024;

/** A JSON object given as an object or as its text; undefined when neither. */
export function embedded(v: unknown): Obj | undefined {
  if (typeof v !== 'string') return obj(v);
  if (v.length > MAX_EMBEDDED_JSON || v.length < 2 || v.charCodeAt(0) !== 123) return undefined;
  try {
    return obj(JSON.parse(v));
  } catch {
    return undefined;
  }
}

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?\s*(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * An RFC 3339 time, with up to nine fraction digits (Google writes nanoseconds) and without a zone (taken as UTC, as
 * pipelines that re-render CloudTrail's eventTime do); undefined for anything else.
 */
export function time(v: unknown): Date | undefined {
  if (typeof v !== 'string' || v.length > 40) return undefined;
  const m = ISO.exec(v.trim());
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** The last `/`-separated part of a path or URL. */
export function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
