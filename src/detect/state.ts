// What each device is capturing or mirroring right now, as far as the detections tell us.
// Captures: defined by their parameters, active from start (or %BUFCAP ENABLE) until stop / DISABLE / removal.
// Mirror sessions: active with at least one source and one destination (a destination IP for ERSPAN) and not shut.
// Sessions that have a configuration submode (NX-OS, ERSPAN) are created shut; IOS one-line SPAN sessions never are.
// IP traffic export (RITE) profiles copy traffic once applied to an interface.
// Beside them, per device: the files captured packets went to (followed to the copy that takes them off the box),
// the aliases the device expands, and the variables of its EEM applets, so a command behind one is seen for what it is.
// IOS XR and Junos edit a candidate configuration: their lines change a copy of the device's state, which becomes
// what the device is believed to run at `commit` and is thrown away at `rollback` / `abort`.
import type { DetectionKind } from '../types.js';
import { DeviceActivity, type DeviceActivityJSON } from './activity.js';
import type { RuleAction } from './sigma/types.js';
import { MIRROR_SESSION_TYPES, type SessionType } from './session-types.js';
import { isRemoteUrl } from './urls.js';

export type { SessionType } from './session-types.js';

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

/** A file captured packets were written to (capture `file location`, an on-box export, `write`, `-w`, a copy of one). */
export interface CaptureFileState {
  /** As typed, e.g. `flash:foo.bin`. */
  file: string;
  /** The capture or tool that wrote it, when known. */
  capture?: string;
  lastChange: Date;
}

/** A command alias the device expands: `alias exec NAME TEXT`, `alias configure NAME TEXT`, NX-OS `cli alias name`. */
export interface AliasState {
  /** IOS alias mode (`exec`, `configure`, `interface`…); `any` for NX-OS, whose aliases work in every mode. */
  mode: string;
  name: string;
  /** What NAME stands for, as typed in the definition. */
  command: string;
  lastChange: Date;
}

/** A variable an EEM applet sets (`action 1.0 set cmd "…"`, `append`), for the `$cmd` its later actions use. */
export interface EemVariableState {
  applet: string;
  name: string;
  value: string;
  lastChange: Date;
}

export interface DeviceMirrorView {
  readonly address: string;
  readonly captures: ReadonlyMap<string, Readonly<CaptureState>>;
  readonly sessions: ReadonlyMap<string, Readonly<SessionState>>;
  /** By `filePath()` of the file. */
  readonly files: ReadonlyMap<string, Readonly<CaptureFileState>>;
  readonly lastChange: Date;
  /** Recent capture/mirror work and evasion on the device, for correlation (see activity.ts). */
  readonly activity?: Readonly<DeviceActivity>;
  toJSON(): DeviceMirrorJSON;
}

export interface DeviceMirrorJSON {
  address: string;
  lastChange: Date | string;
  captures: CaptureState[];
  sessions: SessionState[];
  /** Absent in snapshots written before capwatch followed files and resolved aliases. */
  files?: CaptureFileState[];
  aliases?: AliasState[];
  eemVariables?: EemVariableState[];
  activity?: DeviceActivityJSON;
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
  /** The line edits the device's candidate configuration (see `commit`): the active state stays as it is. */
  candidate?: boolean;
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
  /** Sources, destinations or interfaces per object; also capture files, aliases and EEM variables per device. */
  maxEntries?: number;
  /**
   * An alias or an EEM variable was learned or forgotten, or the device's activity changed (a log destination learned,
   * a silence): state no detection reported changed (so it is saved).
   */
  onChange?: (address: string, at: Date) => void;
}

/**
 * The key a capture file is known by: case and the device's spellings folded (`flash:/x`, `bootflash:x` and the
 * bash shell's `/bootflash/x` are one file; IOS-XE routers and Catalyst 9000 alias `flash:` to `bootflash:`).
 */
export function filePath(file: string): string {
  let f = file.trim().toLowerCase();
  const shell = /^\/(bootflash|flash|usb\d*|slot\d+|disk\d+|harddisk|volatile)\/+/.exec(f);
  if (shell) f = `${shell[1]}:${f.slice(shell[0].length)}`;
  const colon = f.indexOf(':');
  if (colon > 0) f = `${f.slice(0, colon + 1)}${f.slice(colon + 1).replace(/^\/+/, '')}`;
  return f.startsWith('flash:') ? `boot${f}` : f;
}

/** Does the session have both ends (ignoring shut)? */
export function hasBothEnds(s: Readonly<SessionState>): boolean {
  switch (s.type) {
    case 'erspan-source':
      return s.sources.length > 0 && s.destinationIp !== undefined;
    case 'erspan-destination':
      return s.erspanId !== undefined && s.destinations.length > 0;
    case 'traffic-export':
      // Applying the profile to an interface is what starts the copying (%RITE-5-ACTIVATE).
      return s.sources.length > 0;
    case 'port-mirroring':
      return s.destinations.length > 0 || s.destinationIp !== undefined;
    case 'cloud':
      // A cloud mirror copies from the moment it exists; a patch or modify may not repeat its ends.
      return true;
    default:
      return s.sources.length > 0 && s.destinations.length > 0;
  }
}

const CAPTURE_ACTIONS: ReadonlySet<RuleAction> = new Set(['define', 'start', 'stop', 'clear', 'export', 'remove', 'define-start']);

/** EEM `append` can grow a variable without end: it is a command line, a few KB at most. */
const MAX_EEM_VALUE = 4096;

const SESSION_TYPES: Readonly<Record<string, SessionType>> = {
  local: 'span',
  'rspan-source': 'rspan',
  'rspan-destination': 'rspan',
  'erspan-source': 'erspan-source',
  'erspan-destination': 'erspan-destination',
  'traffic-export': 'traffic-export',
  'port-mirroring': 'port-mirroring',
  analyzer: 'span', // Junos EX/QFX; an `output ip-address` makes it a GRE mirror below
  ethernet: 'span', // IOS XR monitor-session classes
  ipv4: 'span',
  ipv6: 'span',
};

/** Session names (EOS, IOS XR, Junos name theirs); the words that select several sessions are not names. */
const SESSION_NAME = /^[\w.:/-]{1,64}$/;
const NOT_NAMES: ReadonlySet<string> = new Set(['all', 'local', 'remote', 'range']);

class DeviceMirrors implements DeviceMirrorView {
  readonly captures = new Map<string, CaptureState>();
  readonly sessions = new Map<string, SessionState>();
  readonly files = new Map<string, CaptureFileState>();
  /** By `mode NUL name`. */
  readonly aliases = new Map<string, AliasState>();
  /** By `applet NUL variable`. */
  readonly eemVariables = new Map<string, EemVariableState>();
  activity?: DeviceActivity;
  constructor(
    readonly address: string,
    public lastChange: Date,
  ) {}

  get size(): number {
    return this.captures.size + this.sessions.size;
  }

  toJSON(): DeviceMirrorJSON {
    const activity = this.activity && !this.activity.empty ? { activity: this.activity.toJSON() } : {};
    return {
      address: this.address,
      lastChange: this.lastChange,
      captures: [...this.captures.values()],
      sessions: [...this.sessions.values()],
      files: [...this.files.values()],
      aliases: [...this.aliases.values()],
      eemVariables: [...this.eemVariables.values()],
      ...activity,
    };
  }
}

/** Insert or refresh `key` in a map kept in recency order, dropping the oldest past `max`. */
function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as string);
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function cloneDevice(d: DeviceMirrors): DeviceMirrors {
  const c = new DeviceMirrors(d.address, d.lastChange);
  for (const [k, v] of d.captures) c.captures.set(k, { ...v, interfaces: [...v.interfaces] });
  for (const [k, v] of d.sessions) c.sessions.set(k, { ...v, sources: [...v.sources], destinations: [...v.destinations] });
  return c;
}

/** The committed candidate's captures and sessions (and the files its edits wrote) replace those of `active`. */
function adoptConfiguration(active: DeviceMirrors, candidate: DeviceMirrors, maxEntries: number): DeviceMirrors {
  active.captures.clear();
  for (const [k, v] of candidate.captures) active.captures.set(k, v);
  active.sessions.clear();
  for (const [k, v] of candidate.sessions) active.sessions.set(k, v);
  for (const [k, v] of candidate.files) if (!active.files.has(k)) remember(active.files, k, v, maxEntries);
  active.lastChange = candidate.lastChange;
  return active;
}

function sameObject(a: Readonly<CaptureState | SessionState>, b: Readonly<CaptureState | SessionState>): boolean {
  return JSON.stringify({ ...a, lastChange: 0 }) === JSON.stringify({ ...b, lastChange: 0 });
}

/** What turning `from` into `to` changes, objects by name (created, updated, removed). */
function differences(from: DeviceMirrors | undefined, to: DeviceMirrors): StateChange[] {
  const out: StateChange[] = [];
  const dev = to.address;
  for (const [id, c] of to.captures) {
    const was = from?.captures.get(id);
    if (!was) out.push({ device: dev, object: 'capture', id, change: 'created', wasActive: false, active: c.active, capture: c });
    else if (!sameObject(was, c)) out.push({ device: dev, object: 'capture', id, change: 'updated', wasActive: was.active, active: c.active, capture: c });
  }
  for (const [id, s] of to.sessions) {
    const was = from?.sessions.get(id);
    if (!was) out.push({ device: dev, object: 'session', id, change: 'created', wasActive: false, active: s.active, session: s });
    else if (!sameObject(was, s)) out.push({ device: dev, object: 'session', id, change: 'updated', wasActive: was.active, active: s.active, session: s });
  }
  for (const [id, c] of from?.captures ?? []) {
    if (!to.captures.has(id)) out.push({ device: dev, object: 'capture', id, change: 'removed', wasActive: c.active, active: false, capture: c });
  }
  for (const [id, s] of from?.sessions ?? []) {
    if (!to.sessions.has(id)) out.push({ device: dev, object: 'session', id, change: 'removed', wasActive: s.active, active: false, session: s });
  }
  return out;
}

/** Session ids a removal names: `3`, `all`, `local`, `remote`, `range 1-3,5` (numbered sessions), or a profile name. */
function removalTargets(dev: DeviceMirrors, id: string): string[] {
  if (dev.sessions.get(id)?.type === 'traffic-export') return [id];
  const ids = [...dev.sessions.keys()].filter((k) => dev.sessions.get(k)!.type !== 'traffic-export');
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
  /** Candidate configurations not yet committed, by device: a copy of the active state with the edits applied. */
  private readonly candidates = new Map<string, DeviceMirrors>();
  /** The states one `apply` works on: the active ones, or the candidates. */
  private book = this.byDevice;
  private readonly maxDevices: number;
  private readonly onEvict: (() => void) | undefined;
  private readonly maxObjects: number;
  private readonly maxEntries: number;
  private readonly onChange: ((address: string, at: Date) => void) | undefined;

  constructor(limits: MirrorStateLimits = {}) {
    this.maxDevices = limits.maxDevices ?? 10_000;
    this.onEvict = limits.onEvict;
    this.maxObjects = limits.maxObjectsPerDevice ?? 256;
    this.maxEntries = limits.maxEntries ?? 64;
    this.onChange = limits.onChange;
  }

  get(address: string): DeviceMirrorView | undefined {
    return this.byDevice.get(address);
  }

  devices(): DeviceMirrorView[] {
    return [...this.byDevice.values()];
  }

  /** The device's recent activity, to read and record correlation marks in (created on first use). */
  activity(address: string, time: Date): DeviceActivity {
    const d = this.existing(address) ?? this.device(address, time);
    // Recently used, without changing when its captures or sessions last changed.
    this.byDevice.delete(d.address);
    this.byDevice.set(d.address, d);
    return (d.activity ??= new DeviceActivity());
  }

  /** The device's activity changed without a detection that would have it saved. */
  activityChanged(address: string, at: Date): void {
    this.onChange?.(address, at);
  }

  /** The device's uncommitted candidate, when one is waiting: what a commit would make active. */
  candidate(address: string): DeviceMirrorView | undefined {
    return this.candidates.get(address);
  }

  /**
   * Applies one detection's effect; returns the objects it created, changed or removed (empty when none). A candidate
   * edit changes the device's candidate, and what it returns is the object as the commit would make it.
   */
  apply(input: MirrorInput): StateChange[] {
    this.book = input.candidate === true ? this.candidateBook(input.device, input.time) : this.byDevice;
    try {
      return this.applyHere(input);
    } finally {
      this.book = this.byDevice;
    }
  }

  /** The candidate becomes what the device runs; returns what that changed (empty when nothing was waiting). */
  commit(address: string, time: Date): StateChange[] {
    const candidate = this.candidates.get(address);
    if (!candidate) return [];
    this.candidates.delete(address);
    const active = this.byDevice.get(address);
    const changes = differences(active, candidate);
    if (changes.length === 0) return [];
    candidate.lastChange = time;
    // Recent activity (correlation marks, log destinations), capture files, aliases and EEM variables are the device's
    // own, kept up to date on the active record while the candidate waited: the commit brings only the configuration.
    const committed = active ? adoptConfiguration(active, candidate, this.maxEntries) : candidate;
    this.byDevice.delete(address);
    this.byDevice.set(address, committed);
    if (this.byDevice.size > this.maxDevices) {
      this.byDevice.delete(this.byDevice.keys().next().value!);
      this.onEvict?.();
    }
    return changes;
  }

  /** The candidate is thrown away (`rollback`, `abort`); returns the edits that never took effect. */
  discard(address: string): StateChange[] {
    const candidate = this.candidates.get(address);
    if (!candidate) return [];
    this.candidates.delete(address);
    return differences(this.byDevice.get(address), candidate);
  }

  private candidateBook(address: string, time: Date): Map<string, DeviceMirrors> {
    if (!this.candidates.has(address)) {
      const active = this.byDevice.get(address);
      this.candidates.set(address, active ? cloneDevice(active) : new DeviceMirrors(address, time));
      if (this.candidates.size > this.maxDevices) this.candidates.delete(this.candidates.keys().next().value!);
    }
    return this.candidates;
  }

  private applyHere(input: MirrorInput): StateChange[] {
    const f = input.facts;
    if (input.kind === 'capture' || input.kind === 'capture-export') this.noteFiles(input);
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
      // ASA `no capture NAME interface IF` detaches one interface; the capture ends with its last one.
      if (f.interfaces !== undefined && c.interfaces.length > 0) {
        const gone = new Set(splitList(f.interfaces).map((x) => x.toLowerCase()));
        const keep = c.interfaces.filter((x) => !gone.has(x.toLowerCase()));
        if (keep.length > 0) {
          const wasActive = c.active;
          c.interfaces.splice(0, c.interfaces.length, ...keep);
          c.lastChange = time;
          this.touch(dev, time);
          return [{ device: dev.address, object: 'capture', id: key, change: 'updated', wasActive, active: c.active, capture: c }];
        }
      }
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
    if (action === 'define' || action === 'define-start') {
      c.defined = true;
      if (action === 'define-start') c.active = true;
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

  // ---- capture files ----------------------------------------------------------------------------------

  /** The capture file `file` names on the device, if captured packets were seen going there. */
  captureFile(address: string, file: string): Readonly<CaptureFileState> | undefined {
    return this.byDevice.get(address)?.files.get(filePath(file));
  }

  /**
   * Files a capture writes: `file location` and `write` / `-w` (the `file` fact), and the local target of an export
   * or a copy (`export location flash:x`, `copy flash:cap.pcap flash:x.bin`).
   */
  private noteFiles(input: MirrorInput): void {
    const f = input.facts;
    const written = input.action === 'export' ? f.url : input.action === 'define' || input.action === 'run' ? f.file : undefined;
    if (written === undefined || isRemoteUrl(written)) return;
    const d = this.device(input.device, input.time);
    const owner = f.capture ?? f.buffer ?? (f.file !== undefined ? d.files.get(filePath(f.file))?.capture : undefined);
    const file: CaptureFileState = { file: written, lastChange: input.time, ...(owner !== undefined && { capture: owner }) };
    remember(d.files, filePath(written), file, this.maxEntries);
  }

  // ---- aliases and EEM variables ---------------------------------------------------------------------

  /** The alias `name` in `mode` on the device. */
  alias(address: string, mode: string, name: string): Readonly<AliasState> | undefined {
    return this.byDevice.get(address)?.aliases.get(`${mode}\0${name.toLowerCase()}`);
  }

  /** True when the device has any alias (a map lookup: most devices have none, and most commands stop here). */
  hasAliases(address: string): boolean {
    return (this.byDevice.get(address)?.aliases.size ?? 0) > 0;
  }

  /** Records an alias definition; `command` undefined forgets it (`no alias exec NAME`). */
  setAlias(address: string, mode: string, name: string, command: string | undefined, time: Date): void {
    const key = `${mode}\0${name.toLowerCase()}`;
    if (command === undefined) {
      const d = this.byDevice.get(address);
      if (!d?.aliases.delete(key)) return;
      this.changed(d, time);
      return;
    }
    const d = this.device(address, time);
    remember(d.aliases, key, { mode, name, command, lastChange: time }, this.maxEntries);
    this.changed(d, time);
  }

  /** The value an EEM applet gave `name`. */
  eemVariable(address: string, applet: string, name: string): string | undefined {
    return this.byDevice.get(address)?.eemVariables.get(`${applet}\0${name}`)?.value;
  }

  /** Records `set` (or `append`, with `append: true`) of an applet variable. */
  setEemVariable(address: string, applet: string, name: string, value: string, append: boolean, time: Date): void {
    const d = this.device(address, time);
    const key = `${applet}\0${name}`;
    const before = append ? (d.eemVariables.get(key)?.value ?? '') : '';
    const joined = before + value;
    remember(d.eemVariables, key, { applet, name, value: joined.length > MAX_EEM_VALUE ? joined.slice(0, MAX_EEM_VALUE) : joined, lastChange: time }, this.maxEntries);
    this.changed(d, time);
  }

  /** Forgets the variables of a removed applet (`no event manager applet NAME`). */
  forgetApplet(address: string, applet: string, time: Date): void {
    const d = this.byDevice.get(address);
    if (!d) return;
    let n = 0;
    for (const [key, v] of d.eemVariables) if (v.applet === applet && d.eemVariables.delete(key)) n++;
    if (n > 0) this.changed(d, time);
  }

  private changed(d: DeviceMirrors, time: Date): void {
    this.touch(d, time);
    this.onChange?.(d.address, time);
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
    const profile = input.facts.sessionType !== undefined && SESSION_TYPES[input.facts.sessionType.toLowerCase()] === 'traffic-export';
    if (!SESSION_NAME.test(id) || NOT_NAMES.has(id.toLowerCase())) return [];
    // Candidate-configuration platforms have no shutdown: a session copies traffic once committed with both ends.
    const createdShut = !profile && input.candidate !== true && (action === 'session' || input.submode === true);
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
    // A destination address makes a mirror one that leaves the box over IP (EOS GRE tunnel, Junos analyzer to an IP).
    if (s.type === 'span' && s.destinationIp !== undefined) s.type = 'erspan-source';
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
    return this.book.get(address);
  }

  private device(address: string, time: Date): DeviceMirrors {
    let d = this.book.get(address);
    if (!d) {
      d = new DeviceMirrors(address, time);
      this.book.set(address, d);
      // Map order is recency order (touch re-inserts): the first device is the one unchanged the longest.
      if (this.book.size > this.maxDevices) {
        this.book.delete(this.book.keys().next().value!);
        this.onEvict?.();
      }
    }
    return d;
  }

  private touch(d: DeviceMirrors, time: Date): void {
    d.lastChange = time;
    this.book.delete(d.address);
    this.book.set(d.address, d);
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
    for (const v of Array.isArray(o.files) ? o.files : []) {
      const file = toFile(v);
      if (file) remember(d.files, filePath(file.file), file, this.maxEntries);
    }
    for (const v of Array.isArray(o.aliases) ? o.aliases : []) {
      const alias = toAlias(v);
      if (alias) remember(d.aliases, `${alias.mode}\0${alias.name.toLowerCase()}`, alias, this.maxEntries);
    }
    for (const v of Array.isArray(o.eemVariables) ? o.eemVariables : []) {
      const eem = toEemVariable(v);
      if (eem) remember(d.eemVariables, `${eem.applet}\0${eem.name}`, eem, this.maxEntries);
    }
    const activity = DeviceActivity.from(o.activity);
    if (activity) d.activity = activity;
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

function toFile(v: unknown): CaptureFileState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const lastChange = toDate(o.lastChange);
  if (typeof o.file !== 'string' || o.file === '' || !lastChange) return undefined;
  const capture = optString(o.capture);
  return { file: o.file, lastChange, ...(capture !== undefined && { capture }) };
}

function toAlias(v: unknown): AliasState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const lastChange = toDate(o.lastChange);
  if (typeof o.mode !== 'string' || typeof o.name !== 'string' || typeof o.command !== 'string' || o.name === '' || !lastChange) return undefined;
  return { mode: o.mode, name: o.name, command: o.command, lastChange };
}

function toEemVariable(v: unknown): EemVariableState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const lastChange = toDate(o.lastChange);
  if (typeof o.applet !== 'string' || typeof o.name !== 'string' || typeof o.value !== 'string' || !lastChange) return undefined;
  return { applet: o.applet, name: o.name, value: o.value.slice(0, MAX_EEM_VALUE), lastChange };
}

function toSession(v: unknown): SessionState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const lastChange = toDate(o.lastChange);
  const type = MIRROR_SESSION_TYPES.find((t) => t === o.type);
  if (typeof o.id !== 'string' || !lastChange || !type) return undefined;
  const s: SessionState = { id: o.id, type, sources: strings(o.sources), destinations: strings(o.destinations), shut: o.shut === true, active: false, lastChange };
  for (const k of ['destinationIp', 'erspanId', 'originIp'] as const) {
    const x = optString(o[k]);
    if (x !== undefined) s[k] = x;
  }
  s.active = hasBothEnds(s) && !s.shut;
  return s;
}
