// What each device is capturing or mirroring right now, as far as the detections tell us.
// Captures: defined by their parameters, active from start (or %BUFCAP ENABLE) until stop / DISABLE / removal.
// Mirror sessions: active with at least one source and one destination (a destination IP for ERSPAN) and not shut.
// Sessions that have a configuration submode (NX-OS, ERSPAN) are created shut; IOS one-line SPAN sessions never are.
import type { DetectionKind } from '../types.js';
import type { RuleAction } from './sigma/types.js';

/** `cloud`: a cloud traffic mirror (AWS Traffic Mirror session, GCP packet mirroring, Azure NIC tap configuration). */
export type SessionType = 'span' | 'rspan' | 'erspan-source' | 'erspan-destination' | 'cloud';

export interface CaptureState {
  name: string;
  defined: boolean;
  active: boolean;
  interfaces: string[];
  direction?: string;
  /** The capture's match / access-list / class-map / capture-filter, as typed. */
  filter?: string;
  /** Classic IOS: the capture buffer the point is associated with. */
  buffer?: string;
  file?: string;
  exportUrl?: string;
  lastChange: Date;
}

export interface SessionState {
  id: string;
  type: SessionType;
  /** `GigabitEthernet1/0/1`, `vlan 10`, `remote vlan 900`. */
  sources: string[];
  destinations: string[];
  destinationIp?: string;
  erspanId?: string;
  originIp?: string;
  shut: boolean;
  active: boolean;
  lastChange: Date;
}

export interface DeviceMirrorView {
  readonly address: string;
  readonly captures: ReadonlyMap<string, Readonly<CaptureState>>;
  readonly sessions: ReadonlyMap<string, Readonly<SessionState>>;
  readonly lastChange: Date;
  toJSON(): DeviceMirrorJSON;
}

export interface DeviceMirrorJSON {
  address: string;
  lastChange: Date | string;
  captures: CaptureState[];
  sessions: SessionState[];
}

/** What a detection tells the state. */
export interface MirrorInput {
  /** Device address (the state's key). */
  device: string;
  kind: DetectionKind;
  action: RuleAction;
  facts: Readonly<Record<string, string>>;
  time: Date;
  /** The line was typed inside the session's configuration submode: a session first seen this way starts shut. */
  submode?: boolean;
}

export interface StateChange {
  device: string;
  object: 'capture' | 'session';
  id: string;
  change: 'created' | 'updated' | 'removed';
  wasActive: boolean;
  active: boolean;
  /** The object after the change (for `removed`, as it was). */
  capture?: Readonly<CaptureState>;
  session?: Readonly<SessionState>;
}

export interface MirrorStateLimits {
  maxDevices?: number;
  /** A device's state was dropped to stay within maxDevices (the one unchanged the longest). */
  onEvict?: () => void;
  /** Captures plus sessions per device. */
  maxObjectsPerDevice?: number;
  /** Sources, destinations or interfaces per object. */
  maxEntries?: number;
}

/** Does the session have both ends (ignoring shut)? */
export function hasBothEnds(s: Readonly<SessionState>): boolean {
  switch (s.type) {
    case 'erspan-source':
      return s.sources.length > 0 && s.destinationIp !== undefined;
    case 'erspan-destination':
      return s.erspanId !== undefined && s.destinations.length > 0;
    case 'cloud':
      // A cloud mirror copies from the moment it exists; a patch or modify may not repeat its ends.
      return true;
    default:
      return s.sources.length > 0 && s.destinations.length > 0;
  }
}

const CAPTURE_ACTIONS: ReadonlySet<RuleAction> = new Set(['define', 'start', 'stop', 'clear', 'export', 'remove']);

const SESSION_TYPES: Readonly<Record<string, SessionType>> = {
  local: 'span',
  'rspan-source': 'rspan',
  'rspan-destination': 'rspan',
  'erspan-source': 'erspan-source',
  'erspan-destination': 'erspan-destination',
};
const RESTORED_TYPES: readonly SessionType[] = [...Object.values(SESSION_TYPES), 'cloud'];

class DeviceMirrors implements DeviceMirrorView {
  readonly captures = new Map<string, CaptureState>();
  readonly sessions = new Map<string, SessionState>();
  constructor(
    readonly address: string,
    public lastChange: Date,
  ) {}

  get size(): number {
    return this.captures.size + this.sessions.size;
  }

  toJSON(): DeviceMirrorJSON {
    return { address: this.address, lastChange: this.lastChange, captures: [...this.captures.values()], sessions: [...this.sessions.values()] };
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Session ids a removal names: `3`, `all`, `local`, `remote`, `range 1-3,5`. */
function removalTargets(dev: DeviceMirrors, id: string): string[] {
  const ids = [...dev.sessions.keys()];
  if (id === 'all') return ids;
  if (id === 'local') return ids.filter((k) => dev.sessions.get(k)!.type === 'span');
  if (id === 'remote') return ids.filter((k) => dev.sessions.get(k)!.type !== 'span');
  if (id.startsWith('range ')) {
    const want = new Set<string>();
    for (const part of splitList(id.slice(6))) {
      const [a, b] = part.split('-').map(Number);
      if (a === undefined || !Number.isInteger(a)) continue;
      for (let n = a; n <= (b !== undefined && Number.isInteger(b) ? Math.min(b, a + 1024) : a); n++) want.add(String(n));
    }
    return ids.filter((k) => want.has(k));
  }
  return dev.sessions.has(id) ? [id] : [];
}

export class MirrorState {
  private readonly byDevice = new Map<string, DeviceMirrors>();
  private readonly maxDevices: number;
  private readonly onEvict: (() => void) | undefined;
  private readonly maxObjects: number;
  private readonly maxEntries: number;

  constructor(limits: MirrorStateLimits = {}) {
    this.maxDevices = limits.maxDevices ?? 10_000;
    this.onEvict = limits.onEvict;
    this.maxObjects = limits.maxObjectsPerDevice ?? 256;
    this.maxEntries = limits.maxEntries ?? 64;
  }

  get(address: string): DeviceMirrorView | undefined {
    return this.byDevice.get(address);
  }

  devices(): DeviceMirrorView[] {
    return [...this.byDevice.values()];
  }

  /** Applies one detection's effect; returns the objects it created, changed or removed (empty when none). */
  apply(input: MirrorInput): StateChange[] {
    const f = input.facts;
    const capture = f.capture ?? f.buffer;
    const onCapture = input.kind === 'capture' || input.kind === 'capture-export' || (input.kind === 'removal' && capture !== undefined);
    if (onCapture && capture !== undefined) return this.applyCapture(input, capture);
    if (f.session !== undefined && input.kind !== 'capture' && input.kind !== 'capture-export') return this.applySession(input, f.session);
    return [];
  }

  // ---- captures ------------------------------------------------------------------------------------------

  private applyCapture(input: MirrorInput, name: string): StateChange[] {
    const f = input.facts;
    const { action, time } = input;
    if (!CAPTURE_ACTIONS.has(action)) return [];
    const dev = this.existing(input.device);
    if ((action === 'start' || action === 'stop') && name.toLowerCase() === 'all') {
      if (!dev) return [];
      return [...dev.captures.values()].map((c) => this.setActive(dev, c, action === 'start', time));
    }
    // Classic IOS exports and removes by buffer name: find the point associated with that buffer.
    const key = f.capture === undefined && dev ? ([...dev.captures.values()].find((c) => c.buffer === name)?.name ?? name) : name;
    if (action === 'remove') {
      const c = dev?.captures.get(key);
      if (!dev || !c) return [];
      dev.captures.delete(key);
      this.touch(dev, time);
      return [{ device: dev.address, object: 'capture', id: key, change: 'removed', wasActive: c.active, active: false, capture: c }];
    }
    const d = dev ?? this.device(input.device, time);
    let c = d.captures.get(key);
    const created = c === undefined;
    if (!c) {
      this.makeRoom(d);
      c = { name: key, defined: false, active: false, interfaces: [], lastChange: time };
      d.captures.set(key, c);
    }
    const wasActive = c.active;
    if (action === 'define') {
      c.defined = true;
      if (f.interfaces !== undefined) this.addEntries(c.interfaces, splitList(f.interfaces));
      if (f.direction !== undefined) c.direction = f.direction;
      if (f.filter !== undefined) c.filter = f.filter;
      if (f.file !== undefined) c.file = f.file;
      if (f.capture !== undefined && f.buffer !== undefined) this.associate(d, c, f.buffer);
    } else if (action === 'start') c.active = true;
    else if (action === 'stop') c.active = false;
    else if (action === 'export' && f.url !== undefined) c.exportUrl = f.url;
    c.lastChange = time;
    this.touch(d, time);
    return [{ device: d.address, object: 'capture', id: key, change: created ? 'created' : 'updated', wasActive, active: c.active, capture: c }];
  }

  /** Classic IOS `associate POINT BUF`: the buffer's own entry (from `monitor capture buffer BUF …`) folds into the point. */
  private associate(d: DeviceMirrors, point: CaptureState, buffer: string): void {
    point.buffer = buffer;
    const b = d.captures.get(buffer);
    if (!b || b === point) return;
    point.filter ??= b.filter;
    point.exportUrl ??= b.exportUrl;
    d.captures.delete(buffer);
  }

  private setActive(d: DeviceMirrors, c: CaptureState, active: boolean, time: Date): StateChange {
    const wasActive = c.active;
    c.active = active;
    c.lastChange = time;
    this.touch(d, time);
    return { device: d.address, object: 'capture', id: c.name, change: 'updated', wasActive, active, capture: c };
  }

  // ---- mirror sessions -----------------------------------------------------------------------------------

  private applySession(input: MirrorInput, id: string): StateChange[] {
    const { action, time } = input;
    if (action === 'remove') return this.removeSession(input, id);
    if (action === 'mirror') return [this.cloudMirror(input, id)];
    if ((action === 'enable' || action === 'shutdown') && id === 'all') {
      const dev = this.existing(input.device);
      if (!dev) return [];
      return [...dev.sessions.keys()].map((k) => this.updateSession(input, dev, k, false));
    }
    if (!/^\d+$/.test(id)) return [];
    const createdShut = action === 'session' || input.submode === true;
    return [this.updateSession(input, this.device(input.device, time), id, createdShut)];
  }

  private updateSession(input: MirrorInput, d: DeviceMirrors, id: string, createdShut: boolean): StateChange {
    const f = input.facts;
    let s = d.sessions.get(id);
    const created = s === undefined;
    if (!s) {
      this.makeRoom(d);
      s = { id, type: 'span', sources: [], destinations: [], shut: createdShut, active: false, lastChange: input.time };
      d.sessions.set(id, s);
    }
    const wasActive = s.active;
    const typed = f.sessionType !== undefined ? SESSION_TYPES[f.sessionType.toLowerCase()] : undefined;
    if (typed) s.type = typed;
    else if (input.kind === 'rspan' && s.type === 'span') s.type = 'rspan';
    const vlan = f.vlan === undefined ? [] : [`${input.kind === 'rspan' ? 'remote ' : ''}vlan ${f.vlan}`];
    const entries = f.interfaces !== undefined ? splitList(f.interfaces) : vlan;
    switch (input.action) {
      case 'source':
        this.addEntries(s.sources, entries);
        break;
      case 'destination':
        this.addEntries(s.destinations, entries);
        if (f.destinationIp !== undefined) s.destinationIp = f.destinationIp;
        break;
      case 'enable':
        s.shut = false;
        break;
      case 'shutdown':
        s.shut = true;
        break;
      case 'erspan-id':
        if (f.erspanId !== undefined) s.erspanId = f.erspanId;
        break;
      case 'origin':
        if (f.originIp !== undefined) s.originIp = f.originIp;
        break;
    }
    s.active = hasBothEnds(s) && !s.shut;
    s.lastChange = input.time;
    this.touch(d, input.time);
    return { device: d.address, object: 'session', id, change: created ? 'created' : 'updated', wasActive, active: s.active, session: s };
  }

  /** A cloud mirror is made (or changed) whole in one call; what the call does not say stays as it was. */
  private cloudMirror(input: MirrorInput, id: string): StateChange {
    const f = input.facts;
    const d = this.device(input.device, input.time);
    let s = d.sessions.get(id);
    const created = s === undefined;
    if (!s) {
      this.makeRoom(d);
      s = { id, type: 'cloud', sources: [], destinations: [], shut: false, active: false, lastChange: input.time };
      d.sessions.set(id, s);
    }
    const wasActive = s.active;
    if (f.sources !== undefined) s.sources.splice(0, s.sources.length, ...splitList(f.sources).slice(0, this.maxEntries));
    if (f.target !== undefined) s.destinations.splice(0, s.destinations.length, f.target);
    if (f.enabled !== undefined) s.shut = f.enabled === 'false';
    s.active = !s.shut;
    s.lastChange = input.time;
    this.touch(d, input.time);
    return { device: d.address, object: 'session', id, change: created ? 'created' : 'updated', wasActive, active: s.active, session: s };
  }

  private removeSession(input: MirrorInput, id: string): StateChange[] {
    const dev = this.existing(input.device);
    if (!dev) return [];
    const f = input.facts;
    const part = f.part?.toLowerCase();
    const out: StateChange[] = [];
    for (const k of removalTargets(dev, id)) {
      const s = dev.sessions.get(k)!;
      const wasActive = s.active;
      if (part === undefined) {
        dev.sessions.delete(k);
        out.push({ device: dev.address, object: 'session', id: k, change: 'removed', wasActive, active: false, session: s });
        continue;
      }
      // Partial removal: the named entries, or the whole end when none is named.
      const named = f.interfaces !== undefined ? splitList(f.interfaces) : f.vlan !== undefined ? [`vlan ${f.vlan}`, `remote vlan ${f.vlan}`] : [];
      const list = part === 'source' ? s.sources : s.destinations;
      const keep = named.length === 0 && f.destinationIp === undefined ? [] : list.filter((e) => !named.includes(e));
      list.splice(0, list.length, ...keep);
      if (part === 'destination' && (named.length === 0 || f.destinationIp !== undefined)) delete s.destinationIp;
      s.active = hasBothEnds(s) && !s.shut;
      s.lastChange = input.time;
      out.push({ device: dev.address, object: 'session', id: k, change: 'updated', wasActive, active: s.active, session: s });
    }
    if (out.length > 0) this.touch(dev, input.time);
    return out;
  }

  // ---- bookkeeping -------------------------------------------------------------------------------------

  private existing(address: string): DeviceMirrors | undefined {
    return this.byDevice.get(address);
  }

  private device(address: string, time: Date): DeviceMirrors {
    let d = this.byDevice.get(address);
    if (!d) {
      d = new DeviceMirrors(address, time);
      this.byDevice.set(address, d);
      // Map order is recency order (touch re-inserts): the first device is the one unchanged the longest.
      if (this.byDevice.size > this.maxDevices) {
        this.byDevice.delete(this.byDevice.keys().next().value!);
        this.onEvict?.();
      }
    }
    return d;
  }

  private touch(d: DeviceMirrors, time: Date): void {
    d.lastChange = time;
    this.byDevice.delete(d.address);
    this.byDevice.set(d.address, d);
  }

  /** Before adding an object to a full device: drop the oldest inactive object, or the oldest one. */
  private makeRoom(d: DeviceMirrors): void {
    if (d.size < this.maxObjects) return;
    let victim: { map: Map<string, CaptureState | SessionState>; key: string; o: CaptureState | SessionState } | undefined;
    for (const map of [d.captures, d.sessions] as Map<string, CaptureState | SessionState>[]) {
      for (const [key, o] of map) {
        const better = !victim || (victim.o.active && !o.active) || (victim.o.active === o.active && o.lastChange < victim.o.lastChange);
        if (better) victim = { map, key, o };
      }
    }
    if (victim) victim.map.delete(victim.key);
  }

  private addEntries(list: string[], entries: readonly string[]): void {
    for (const e of entries) if (list.length < this.maxEntries && !list.includes(e)) list.push(e);
  }

  // ---- persistence -------------------------------------------------------------------------------------

  toJSON(): { version: 1; devices: DeviceMirrorJSON[] } {
    return { version: 1, devices: [...this.byDevice.values()].map((d) => d.toJSON()) };
  }

  /**
   * Loads a snapshot: the output of `toJSON()`, or one device's `toJSON()` (as stored per device). Malformed parts
   * are skipped, never thrown on: a damaged database row must not stop start-up. Returns the devices restored.
   */
  restore(snapshot: unknown): number {
    if (typeof snapshot !== 'object' || snapshot === null) return 0;
    const o = snapshot as Record<string, unknown>;
    const list = Array.isArray(o.devices) ? (o.devices as unknown[]) : 'address' in o ? [o] : [];
    let n = 0;
    for (const item of list) if (this.restoreDevice(item)) n++;
    return n;
  }

  private restoreDevice(item: unknown): boolean {
    if (typeof item !== 'object' || item === null) return false;
    const o = item as Record<string, unknown>;
    const time = toDate(o.lastChange);
    if (typeof o.address !== 'string' || !time) return false;
    const d = new DeviceMirrors(o.address, time);
    for (const c of Array.isArray(o.captures) ? o.captures : []) {
      const cap = toCapture(c);
      if (cap && d.size < this.maxObjects) d.captures.set(cap.name, cap);
    }
    for (const s of Array.isArray(o.sessions) ? o.sessions : []) {
      const ses = toSession(s);
      if (ses && d.size < this.maxObjects) d.sessions.set(ses.id, ses);
    }
    this.byDevice.delete(d.address);
    this.byDevice.set(d.address, d);
    if (this.byDevice.size > this.maxDevices) this.byDevice.delete(this.byDevice.keys().next().value!);
    return true;
  }
}

function toDate(v: unknown): Date | undefined {
  if (typeof v !== 'string' && !(v instanceof Date)) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function optString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function toCapture(v: unknown): CaptureState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const lastChange = toDate(o.lastChange);
  if (typeof o.name !== 'string' || !lastChange) return undefined;
  const c: CaptureState = { name: o.name, defined: o.defined === true, active: o.active === true, interfaces: strings(o.interfaces), lastChange };
  for (const k of ['direction', 'filter', 'buffer', 'file', 'exportUrl'] as const) {
    const s = optString(o[k]);
    if (s !== undefined) c[k] = s;
  }
  return c;
}

function toSession(v: unknown): SessionState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const lastChange = toDate(o.lastChange);
  const type = RESTORED_TYPES.find((t) => t === o.type);
  if (typeof o.id !== 'string' || !lastChange || !type) return undefined;
  const s: SessionState = { id: o.id, type, sources: strings(o.sources), destinations: strings(o.destinations), shut: o.shut === true, active: false, lastChange };
  for (const k of ['destinationIp', 'erspanId', 'originIp'] as const) {
    const x = optString(o[k]);
    if (x !== undefined) s[k] = x;
  }
  s.active = hasBothEnds(s) && !s.shut;
  return s;
}
