// Rebuilds the configuration submode of every device session. IOS archive logging and TACACS+ report one line per
// record with no parent: `destination` then `ip address 198.51.100.7` is an ERSPAN export only to someone who
// knows the session is inside `monitor session 1 type erspan-source`. The tracker keeps a mode stack per session
// and replays what IOS does: openers push a mode, `exit` / `end` / `exit-…` leave, and a line the current mode
// does not accept climbs towards global configuration until a mode takes it.
//
// Commands arrive normalised (parsers/command/normalize.ts), so keywords are complete and lower-case.

/** A configuration mode. */
interface Mode {
  /**
   * The lines the mode accepts, by first word after `no` / `default`; a set narrows it by the second word.
   * Undefined for modes with no grammar here (interface, router, …): every line that is not a global command or
   * an ancestor's opener stays in them.
   */
  readonly accepts?: ReadonlyMap<string, ReadonlySet<string> | true>;
  /** Lines that open a child mode from here. */
  readonly opens: readonly Opener[];
}

interface Opener {
  /** Pattern words: `*` one word, `#` a number list, `+` one or more words, else the set of literal alternatives. */
  readonly pattern: readonly (string | ReadonlySet<string>)[];
  readonly mode: Mode;
}

const NUMBER_LIST = /^\d[\d,-]*$/;

function matches(pattern: Opener['pattern'], t: readonly string[], from: number): boolean {
  for (let p = 0; p < pattern.length; p++) {
    const want = pattern[p] as string | ReadonlySet<string>;
    const word = t[from + p];
    if (word === undefined) return false;
    if (want === '+') return true;
    if (want === '#') {
      if (!NUMBER_LIST.test(word)) return false;
    } else if (want !== '*' && typeof want !== 'string' && !want.has(word)) return false;
  }
  return t.length - from === pattern.length;
}

function opener(mode: Mode, t: readonly string[], from = 0): Mode | undefined {
  for (const o of mode.opens) if (matches(o.pattern, t, from)) return o.mode;
  return undefined;
}

function mode(opens: Array<[string, Mode]> = [], accepts?: Record<string, true | string[]>): Mode {
  return {
    opens: opens.map(([p, m]) => ({
      pattern: p.split(' ').map((w) => (w === '*' || w === '#' || w === '+' ? w : new Set(w.split('|')))),
      mode: m,
    })),
    ...(accepts && {
      accepts: new Map(Object.entries(accepts).map(([k, v]) => [k, v === true ? true : new Set(v)] as const)),
    }),
  };
}

// ---- the grammar: what each mirror submode accepts (IOS-XE and NX-OS merged) ----------------------------------------

const ANY = mode();

const ERSPAN_SOURCE_DESTINATION = mode([], {
  'erspan-id': true,
  ip: ['address', 'ttl', 'dscp', 'prec'],
  ipv6: true,
  origin: true,
  vrf: true,
  mtu: true,
});

const ERSPAN_SOURCE = mode([['destination', ERSPAN_SOURCE_DESTINATION]], {
  description: true,
  source: true,
  filter: true,
  shutdown: true,
  shut: true,
  destination: true, // NX-OS `destination ip X`; a bare `destination` opens the submode above
  'erspan-id': true, // NX-OS
  vrf: true,
  mtu: true,
  'header-type': true,
  ip: ['ttl', 'dscp', 'prec'],
  'marker-packet': true,
  plim: true,
  'rate-limit': true,
});

const ERSPAN_DESTINATION_SOURCE = mode([], {
  'erspan-id': true,
  ip: ['address'],
  vrf: true,
});

const ERSPAN_DESTINATION = mode([['source', ERSPAN_DESTINATION_SOURCE]], {
  description: true,
  source: true,
  destination: true,
  filter: true,
  shutdown: true,
  shut: true,
  'erspan-id': true,
  vrf: true,
  mtu: true,
});

/** NX-OS `config-monitor`; Catalyst 6500 `type local|rspan-source|rspan-destination|…`. */
const MONITOR = mode([], {
  description: true,
  source: true,
  destination: true,
  filter: true,
  shutdown: true,
  shut: true,
  mtu: true,
  'rate-limit': true,
});

const VLAN = mode([], {
  name: true,
  'remote-span': true,
  state: true,
  shutdown: true,
  shut: true,
  mtu: true,
  media: true,
  'private-vlan': true,
  'vn-segment': true,
  mode: true,
  are: true,
  backupcrf: true,
  bridge: true,
  parent: true,
  ring: true,
  said: true,
  ste: true,
  stp: true,
  'tb-vlan1': true,
  'tb-vlan2': true,
});

/** IOS `ip traffic-export profile NAME` (Router IP Traffic Export): where and what the profile copies. */
const TRAFFIC_EXPORT = mode([], {
  interface: true,
  'mac-address': true,
  bidirectional: true,
  incoming: true,
  outgoing: true,
});

/** IOS XR `monitor-session NAME [ethernet|ipv4|ipv6]` (`config-mon`): where the session's traffic goes. */
const XR_MONITOR = mode([], {
  destination: true,
  mirror: true,
  'inject-interface': true,
  'forward-drops': true,
  description: true,
});

/**
 * `interface …`: no grammar, but on IOS XR `monitor-session NAME ethernet` here attaches the interface to a session
 * (it opens `config-if-mon`) instead of climbing to the global command of the same words.
 */
const INTERFACE = mode([
  ['monitor-session *', ANY],
  ['monitor-session * ethernet|ipv4|ipv6', ANY],
]);

// Modes without a grammar, kept for their children (so that `exit-…` and implicit climbs land where IOS does).
const LISP_INSTANCE = mode([
  ['service *', ANY],
  ['dynamic-eid *', ANY],
]);
const LISP = mode([
  ['locator-set *', ANY],
  ['service *', ANY],
  ['instance-id *', LISP_INSTANCE],
  ['site *', ANY],
]);
const BGP = mode([
  ['address-family +', ANY],
  ['template +', ANY],
]);
const VRF_DEFINITION = mode([['address-family +', ANY]]);
const POLICY_MAP = mode([['class +', ANY]]);

const GLOBAL = mode([
  ['interface +', INTERFACE],
  ['monitor-session *', XR_MONITOR],
  ['monitor-session * ethernet|ipv4|ipv6', XR_MONITOR],
  ['vlan #', VLAN],
  ['vlan configuration|access-map +', ANY],
  ['monitor session * type erspan-source', ERSPAN_SOURCE],
  ['monitor session * type erspan-destination', ERSPAN_DESTINATION],
  ['monitor session * type *', MONITOR],
  ['monitor session #', MONITOR], // NX-OS: `monitor session 1` alone opens config-monitor
  ['router lisp', LISP],
  ['router bgp *', BGP],
  ['router +', ANY],
  ['line +', ANY],
  ['ip access-list extended|standard|role-based *', ANY],
  ['ip access-list *', ANY], // NX-OS
  ['ipv6 access-list +', ANY],
  ['mac access-list +', ANY],
  ['class-map +', ANY],
  ['policy-map +', POLICY_MAP],
  ['vrf definition *', VRF_DEFINITION],
  ['vrf context *', ANY],
  ['ip vrf *', ANY],
  ['aaa group server +', ANY],
  ['tacacs server *', ANY],
  ['radius server *', ANY],
  ['archive', ANY],
  ['spanning-tree mst configuration', ANY],
  ['control-plane', ANY],
  ['redundancy', ANY],
  ['key chain *', ANY],
  ['route-map +', ANY],
  ['ip sla #', ANY],
  ['ip sla monitor #', ANY],
  ['flow monitor|exporter|record *', ANY],
  ['event manager applet +', ANY],
  ['ip traffic-export profile +', TRAFFIC_EXPORT],
  ['ip dhcp pool *', ANY],
  ['parameter-map +', ANY],
  ['object-group +', ANY],
  ['vpc domain *', ANY],
]);

/** Global one-liners that IOS runs from any submode (and so leaves it). */
const GLOBAL_WORDS: ReadonlySet<string> = new Set([
  'monitor', 'hostname', 'username', 'feature', 'snmp-server', 'ntp', 'tacacs-server', 'aaa', 'banner', 'boot',
]);

/**
 * Exec commands: they run without touching the configuration mode (NX-OS accepts them in config mode; on IOS they
 * show that config mode was left unseen, e.g. by Ctrl-Z, which no log records).
 */
const EXEC_WORDS: ReadonlySet<string> = new Set([
  'show', 'ping', 'traceroute', 'copy', 'write', 'dir', 'more', 'debug', 'undebug', 'terminal', 'ethanalyzer',
  'run', 'reload', 'clear', 'delete', 'mkdir', 'configure',
]);

/** `configure …` forms that enter configuration mode (not `configure replace|memory|network|confirm|revert`). */
const CONFIGURE_MODES: ReadonlySet<string> = new Set(['terminal', 'sync', 'session', 'private', 'exclusive']);

const EMPTY: string[] = Object.freeze([]) as unknown as string[];

// ---- sessions -------------------------------------------------------------------------------------------------------

interface Session {
  /** Parallel stacks, outermost first; replaced, never mutated, so a returned context stays valid. */
  modes: readonly Mode[];
  path: string[];
  inConfig: boolean;
  lastSeen: number;
}

export interface ContextTrackerOptions {
  /** Most sessions kept; the least recently used goes first (default 10 000). */
  maxSessions?: number;
  /** A session idle this long starts again from exec mode (default 30 min). */
  idleMs?: number;
  /** A session still in use was dropped to stay within maxSessions. */
  onEvict?: () => void;
}

export interface ContextHint {
  /** The record certainly comes from configuration mode (CFGLOG). */
  configMode?: boolean;
  /** The parent mode path the record carries (NX-OS), outermost first, normalised, `configure …` included. */
  path?: readonly string[];
}

/** Per device session (device + user + line, or device + user: the caller builds the key) config submode stack. */
export class ContextTracker {
  private readonly sessions = new Map<string, Session>();
  private readonly maxSessions: number;
  private readonly onEvict: (() => void) | undefined;
  private readonly idleMs: number;
  private lastKey: string | undefined;

  constructor(opts: ContextTrackerOptions = {}) {
    this.maxSessions = Math.max(1, opts.maxSessions ?? 10_000);
    this.idleMs = opts.idleMs ?? 30 * 60_000;
    this.onEvict = opts.onEvict;
  }

  /**
   * The mode path (outermost first, without `configure terminal`) in which `command` was entered, and the session's
   * stack updated past it. The returned array is shared and frozen: read it, do not change it.
   */
  track(key: string, command: string, hint: ContextHint, nowMs: number): string[] {
    const s = this.session(key, nowMs);
    const t = command.toLowerCase().split(' ');
    const first = t[0] as string;
    // Archive pseudo-lines (`!exec: enable`, `!config: USER TABLE MODIFIED`) are not in any mode.
    if (first === '' || first.startsWith('!')) return EMPTY;
    if (isConfigure(t)) {
      setStack(s, [], EMPTY);
      s.inConfig = true;
      return EMPTY;
    }
    if (hint.path !== undefined) return this.fromPath(s, command, t, hint.path);
    if (hint.configMode === true) s.inConfig = true;
    if (!s.inConfig || EXEC_WORDS.has(first)) return EMPTY;
    return step(s, command, t);
  }

  /** The operator left configuration mode (`%SYS-5-CONFIG_I`) or the session closed. */
  endSession(key: string): void {
    this.sessions.delete(key);
    if (this.lastKey === key) this.lastKey = undefined;
  }

  /** Is the session in configuration mode, as far as its commands tell? (Aliases of exec and configure mode differ.) */
  inConfig(key: string): boolean {
    return this.sessions.get(key)?.inConfig ?? false;
  }

  /** Number of sessions held (for tests and metrics). */
  get size(): number {
    return this.sessions.size;
  }

  /** NX-OS: the record names its parents, so the stack is simply set from them. */
  private fromPath(s: Session, command: string, t: readonly string[], path: readonly string[]): string[] {
    const skip = path.length > 0 && isConfigure((path[0] as string).toLowerCase().split(' ')) ? 1 : 0;
    s.inConfig = path.length > 0;
    if (!samePath(s.path, path, skip)) {
      const modes: Mode[] = [];
      let at = GLOBAL;
      for (let i = skip; i < path.length; i++) {
        const words = (path[i] as string).toLowerCase().split(' ');
        at = opener(at, words) ?? opener(GLOBAL, words) ?? ANY;
        modes.push(at);
      }
      setStack(s, modes, modes.length === 0 ? EMPTY : freeze(path.slice(skip)));
    }
    const context = s.path;
    if (!s.inConfig) return context;
    if (t.length === 1 && (t[0] === 'end' || t[0] === 'exit')) leave(s, t[0]);
    else {
      const child = opener(top(s), t);
      if (child) push(s, child, command);
    }
    return context;
  }

  private session(key: string, nowMs: number): Session {
    let s = this.sessions.get(key);
    if (s !== undefined && nowMs - s.lastSeen > this.idleMs) {
      this.sessions.delete(key);
      s = undefined;
    }
    if (s === undefined) {
      s = { modes: [], path: EMPTY, inConfig: false, lastSeen: nowMs };
      this.sessions.set(key, s);
      this.evict(nowMs);
    } else if (key !== this.lastKey) {
      // Re-insert: Map order is then least recently used first.
      this.sessions.delete(key);
      this.sessions.set(key, s);
    }
    s.lastSeen = nowMs;
    this.lastKey = key;
    return s;
  }

  /** Drops sessions over the cap, and a few idle ones from the old end, so memory stays bounded. */
  private evict(nowMs: number): void {
    let idleChecks = 4;
    for (const [key, s] of this.sessions) {
      const over = this.sessions.size > this.maxSessions;
      if (over || (idleChecks-- > 0 && nowMs - s.lastSeen > this.idleMs)) {
        this.sessions.delete(key);
        if (over && nowMs - s.lastSeen <= this.idleMs) this.onEvict?.();
      } else break;
    }
  }
}

// ---- the mode machine -----------------------------------------------------------------------------------------------

function isConfigure(t: readonly string[]): boolean {
  return t[0] === 'configure' && (t.length === 1 || CONFIGURE_MODES.has(t[1] as string));
}

function top(s: Session): Mode {
  return s.modes[s.modes.length - 1] ?? GLOBAL;
}

function freeze(a: string[]): string[] {
  return Object.freeze(a) as unknown as string[];
}

function samePath(current: readonly string[], path: readonly string[], skip: number): boolean {
  if (current.length !== path.length - skip) return false;
  for (let i = 0; i < current.length; i++) if (current[i] !== path[i + skip]) return false;
  return true;
}

function setStack(s: Session, modes: readonly Mode[], path: string[]): void {
  s.modes = modes;
  s.path = path;
}

function truncate(s: Session, depth: number): void {
  if (depth < s.modes.length) setStack(s, s.modes.slice(0, depth), depth === 0 ? EMPTY : freeze(s.path.slice(0, depth)));
}

function push(s: Session, m: Mode, command: string): void {
  setStack(s, [...s.modes, m], freeze([...s.path, command]));
}

/** `end` leaves configuration mode; `exit` leaves one mode, or configuration mode from global. */
function leave(s: Session, how: 'end' | 'exit'): void {
  if (how === 'end' || s.modes.length === 0) {
    setStack(s, [], EMPTY);
    s.inConfig = false;
  } else truncate(s, s.modes.length - 1);
}

/** One configuration line: returns the mode path it was entered in, and moves the session's stack past it. */
function step(s: Session, command: string, t: readonly string[]): string[] {
  const first = t[0] as string;
  if (t.length === 1 && (first === 'end' || first === 'exit')) {
    const context = s.path;
    leave(s, first);
    return context;
  }
  if (first.startsWith('exit-')) {
    const context = s.path;
    exitNamed(s, first.slice(5));
    return context;
  }
  // `no` / `default` forms belong to the mode of the command they negate.
  const from = (first === 'no' || first === 'default') && t.length > 1 ? 1 : 0;
  const global = GLOBAL_WORDS.has(t[from] as string) || opener(GLOBAL, t, from) !== undefined;
  let depth = s.modes.length;
  while (depth > 0) {
    const m = s.modes[depth - 1] as Mode;
    const child = from === 0 ? opener(m, t) : undefined;
    if (child) {
      truncate(s, depth);
      const context = s.path;
      push(s, child, command);
      return context;
    }
    if (m.accepts) {
      if (accepted(m.accepts, t, from)) break;
      depth--; // not valid here: IOS tries the parent mode
      continue;
    }
    if (global) {
      depth = 0;
      break;
    }
    const ancestor = ancestorOpening(s, depth - 1, t, from);
    if (ancestor < 0) break; // a mode without grammar keeps what it does not know
    depth = ancestor;
  }
  truncate(s, depth);
  const context = s.path;
  if (depth === 0 && from === 0) {
    const child = opener(GLOBAL, t);
    if (child) push(s, child, command);
  }
  return context;
}

function accepted(accepts: ReadonlyMap<string, ReadonlySet<string> | true>, t: readonly string[], from: number): boolean {
  const rule = accepts.get(t[from] as string);
  return rule === true || (rule !== undefined && rule.has(t[from + 1] as string));
}

/** Depth at which an ancestor of the mode at `index` opens this line (the line climbs there), or -1. */
function ancestorOpening(s: Session, index: number, t: readonly string[], from: number): number {
  if (from !== 0) return -1;
  for (let i = index - 1; i >= 0; i--) if (opener(s.modes[i] as Mode, t)) return i + 1;
  return -1;
}

/** `exit-locator-set`, `exit-service-ethernet`, `exit-address-family`: leave the innermost mode of that name. */
function exitNamed(s: Session, name: string): void {
  for (let i = s.path.length - 1; i >= 0; i--) {
    const opened = (s.path[i] as string).toLowerCase().replaceAll(' ', '-');
    if (opened.startsWith(name) && (opened.length === name.length || opened[name.length] === '-')) {
      truncate(s, i);
      return;
    }
  }
  if (s.modes.length > 0) truncate(s, s.modes.length - 1);
}
