// The keyword trees that command normalisation expands abbreviations over. Only the commands capwatch reasons
// about are modelled (captures, mirror sessions and their submodes, `show monitor`, the everyday `monitor` look-alikes);
// a line that leaves the tree is passed through as typed.
//
// Ambiguity is what matters most: `mo` is `more` or `monitor` in exec mode, so it must stay as typed. Every node
// therefore lists its real sibling keywords (`also`) even when it does not model them. The top-level sets are taken
// from the IOS / IOS-XE / NX-OS command references as remembered, NOT exhaustive: a sibling missing here makes an
// abbreviation look unique when the device would reject it (a benign over-expansion); an extra one hides a real
// command, so when in doubt a keyword was left out (e.g. `mode` / `module` at the global config level).

export type ArgKind =
  | 'word' // one token, kept as typed (names, numbers, URLs, addresses)
  | 'iface' // one interface, canonicalised (`gi 1/0/1` → `GigabitEthernet1/0/1`)
  | 'ifaces' // an interface list with `,` and `-` (`Gi1/0/1 , Gi1/0/3 - 4`)
  | 'list' // a number list (`10`, `10,20-30`, `10 , 20 - 30`)
  | 'quoted'; // a `"…"` string that may span tokens (ethanalyzer filters)

/** Platform families whose keyword sets differ. */
export type Family = 'ios' | 'nxos';

/** What follows a keyword or an argument: a node, nothing (`end`), or any tokens kept as typed (`rest`). */
export type Next = GNode | 'end' | 'rest';

export interface GNode {
  /** Modelled keywords and what follows each. */
  readonly kw: Map<string, Next>;
  /** Real keywords here that are not modelled: they only make abbreviations ambiguous. */
  readonly also: readonly string[];
  /** Keywords that exist on one platform family only (`shut` is NX-OS's). */
  readonly only: Map<string, Family>;
  /** When no keyword matches: an argument slot, then `next`. */
  readonly arg?: ArgKind;
  readonly next?: Next;
  /** When nothing here matches, the same token is retried there (optional words inside a repeating list). */
  fallback?: GNode;
  /** Also read the token as the argument when it is a keyword (classic `monitor capture buffer` vs a capture named so). */
  readonly alt: boolean;
  /** The line cannot end here (`show` alone is not a command). */
  readonly needsMore: boolean;
  /** Filled by `compile`: lower-case prefix → keyword ('' = ambiguous), per view (any, ios, nxos). */
  lookup: Map<string, string>[];
}

interface Opts {
  also?: readonly string[];
  arg?: ArgKind;
  next?: Next;
  fallback?: GNode;
  alt?: boolean;
  needsMore?: boolean;
}

/** `kw` keys may carry a family: `'shut@nxos'`. */
function node(kw: Record<string, Next>, o: Opts = {}): GNode {
  const n: GNode = {
    kw: new Map(),
    also: o.also ?? [],
    only: new Map(),
    alt: o.alt ?? false,
    needsMore: o.needsMore ?? false,
    lookup: [],
    ...(o.arg !== undefined && { arg: o.arg, next: o.next ?? 'end' }),
    ...(o.fallback !== undefined && { fallback: o.fallback }),
  };
  return add(n, kw);
}

function add(n: GNode, kw: Record<string, Next>): GNode {
  for (const [key, next] of Object.entries(kw)) {
    const [word, family] = key.split('@') as [string, Family | undefined];
    n.kw.set(word, next);
    if (family) n.only.set(word, family);
  }
  return n;
}

function arg(kind: ArgKind, next: Next = 'end'): GNode {
  return node({}, { arg: kind, next });
}

// ---- SPAN / RSPAN / ERSPAN: `monitor session N …` one-liners and the session submodes ----------------------------

const spanDirection = node({ both: 'end', rx: 'end', tx: 'end' });

const spanSource = node(
  {
    interface: arg('ifaces', spanDirection),
    vlan: arg('list', spanDirection),
    remote: node({ vlan: arg('list') }),
    ip: arg('word'), // NX-OS erspan-destination: `source ip 198.51.100.7`
  },
  { also: ['cpu', 'exception'] },
);

const spanDestination = node(
  {
    interface: arg('ifaces', node({ encapsulation: 'rest', ingress: 'rest' })),
    remote: node({ vlan: arg('list') }),
    ip: arg('word'), // NX-OS erspan-source: `destination ip 198.51.100.7`
  },
  { also: ['analysis-module', 'format'] },
);

const spanFilter = node({
  vlan: arg('list'),
  'access-group': arg('word'),
  ip: node({ 'access-group': arg('word') }),
  ipv6: node({ 'access-group': arg('word') }),
  mac: node({ 'access-group': arg('word') }),
});

const sessionType = node({
  'erspan-source': 'end',
  'erspan-destination': 'end',
  'rspan-source': 'end',
  'rspan-destination': 'end',
  local: 'end',
  'local-tx': 'end',
  capture: 'end',
  'service-module': 'end',
});

/**
 * The one-liner `monitor session N …`: Catalyst IOS / IOS-XE take `destination`, `filter`, `source` and `type`
 * (Catalyst 2950/3560/3750/4500 command references), NX-OS `shut` and `type`. `description` exists only inside
 * the session submodes, so `monitor session 1 des int …` is `destination` here.
 */
const sessionId = node({
  source: spanSource,
  destination: spanDestination,
  filter: spanFilter,
  type: sessionType,
  shutdown: 'end',
  'shut@nxos': 'end',
});

const erspanGlobal = node({
  origin: node({ 'ip-address': arg('word', node({ global: 'end' })) }),
  'switch-id': arg('word'),
  granularity: 'rest',
});

const configMonitor = node({
  session: arg('word', sessionId),
  erspan: erspanGlobal,
  'event-trace': 'rest',
});

// ---- Embedded Packet Capture (exec mode) ---------------------------------------------------------------------------

/** IOS-XE `monitor capture NAME …`: the attachment points and options may follow each other on one line. */
const captureName = node({});
const captureDirection = node({ both: captureName, in: captureName, out: captureName }, { fallback: captureName });
const captureBuffer = node({}, { fallback: captureName });
add(captureBuffer, { size: arg('word', captureBuffer), circular: captureBuffer });
const captureFile = node({}, { fallback: captureName });
add(captureFile, {
  location: arg('word', captureFile),
  'buffer-size': arg('word', captureFile),
  ring: arg('word', captureFile),
  size: arg('word', captureFile),
});
const captureLimit = node({}, { fallback: captureName });
add(captureLimit, {
  pps: arg('word', captureLimit),
  duration: arg('word', captureLimit),
  packets: arg('word', captureLimit),
  'packet-len': arg('word', captureLimit),
  every: arg('word', captureLimit),
});
add(captureName, {
  'access-list': arg('word', captureName),
  buffer: captureBuffer,
  'class-map': arg('word', captureName),
  clear: 'end',
  'control-plane': captureDirection,
  // Catalyst 9000 / IOS-XE 17 write the on-box form as `export location flash:X`, older releases `export URL`.
  export: node({ location: arg('word') }, { arg: 'word' }),
  file: captureFile,
  interface: arg('iface', captureDirection),
  limit: captureLimit,
  match: node({ any: captureName, ipv4: 'rest', ipv6: 'rest', mac: 'rest', 'pktlen-range': 'rest' }),
  start: node({ display: 'rest' }),
  stop: 'end',
  stop_export: 'end',
  vlan: arg('list', captureDirection),
});

/** Classic IOS EPC: `monitor capture buffer BUF …` and `monitor capture point …`. */
const classicBuffer = node({});
add(classicBuffer, {
  size: arg('word', classicBuffer),
  'max-size': arg('word', classicBuffer),
  linear: classicBuffer,
  circular: classicBuffer,
  filter: node({ 'access-list': arg('word') }),
  limit: 'rest',
  export: arg('word'),
  clear: 'end',
});
const pointDirection = node({ both: 'end', in: 'end', out: 'end', 'from-us': 'end' });
const pointSwitching = node({
  cef: arg('word', arg('iface', pointDirection)),
  'process-switched': arg('word', pointDirection),
});
const capturePoint = node({
  ip: pointSwitching,
  ipv6: pointSwitching,
  associate: arg('word', arg('word')),
  disassociate: arg('word', 'rest'),
  start: arg('word'),
  stop: arg('word'),
});

const execCapture = node(
  { buffer: arg('word', classicBuffer), point: capturePoint },
  { arg: 'word', next: captureName, alt: true },
);

const execMonitor = node({ capture: execCapture, 'event-trace': 'rest' });

// ---- show, ethanalyzer, bash, terminal, configure, logging --------------------------------------------------------

/** IOS-XE `show monitor capture CAP buffer [brief | detailed | dump | display-filter …]`, then any `| …`. */
const showCaptureBuffer = node({ brief: 'rest', detailed: 'rest', dump: 'rest', 'display-filter': 'rest' }, { arg: 'word', next: 'rest' });
/** Classic IOS `show monitor capture buffer BUF [dump | filter … | parameters]`. */
const showClassicBuffer = node({ dump: 'rest', filter: 'rest', parameters: 'rest' }, { arg: 'word', next: 'rest' });

const showMonitor = node({
  capture: node(
    { file: arg('word', 'rest'), buffer: arg('word', showClassicBuffer), point: 'rest' },
    { arg: 'word', next: node({ buffer: showCaptureBuffer, parameter: 'end' }) },
  ),
  session: 'rest',
  'event-trace': 'rest',
});

const show = node(
  { monitor: showMonitor },
  {
    needsMore: true,
    also: [
      'aaa', 'access-lists', 'accounting', 'archive', 'arp', 'cdp', 'clock', 'configuration', 'controllers', 'cts',
      'debugging', 'environment', 'event', 'file', 'flash', 'history', 'hosts', 'interfaces', 'inventory', 'ip',
      'ipv6', 'lisp', 'license', 'line', 'lldp', 'logging', 'mac', 'mac-address-table', 'macro', 'memory', 'mka',
      'mls', 'module', 'mpls', 'ntp', 'platform', 'policy-map', 'port-channel', 'power', 'privilege', 'processes',
      'running-config', 'sessions', 'snmp', 'spanning-tree', 'ssh', 'startup-config', 'switch', 'system',
      'tacacs', 'tech-support', 'terminal', 'users', 'version', 'vlan', 'vrf', 'vtp',
    ],
  },
);

const ethanalyzerOptions = node({});
add(ethanalyzerOptions, {
  'capture-filter': arg('quoted', ethanalyzerOptions),
  'display-filter': arg('quoted', ethanalyzerOptions),
  'limit-captured-frames': arg('word', ethanalyzerOptions),
  'limit-frame-size': arg('word', ethanalyzerOptions),
  autostop: node({
    duration: arg('word', ethanalyzerOptions),
    filesize: arg('word', ethanalyzerOptions),
    files: arg('word', ethanalyzerOptions),
  }),
  write: arg('word', ethanalyzerOptions),
  detail: ethanalyzerOptions,
  brief: ethanalyzerOptions,
  'dump-pkt': ethanalyzerOptions,
  mirror: ethanalyzerOptions,
  raw: ethanalyzerOptions,
});

const ethanalyzer = node({
  local: node({
    interface: node(
      {
        inband: ethanalyzerOptions,
        'inband-in': ethanalyzerOptions,
        'inband-out': ethanalyzerOptions,
        mgmt: ethanalyzerOptions,
        'front-panel': ethanalyzerOptions,
      },
      // Platforms differ in the interface list (`eth`, `netstack`, …): take anything, canonicalise real names.
      { arg: 'iface', next: ethanalyzerOptions },
    ),
    read: arg('word', 'rest'),
  }),
});

const terminal = node(
  { monitor: 'end', no: node({ monitor: 'end' }, { also: ['length', 'width'] }), length: arg('word'), width: arg('word') },
  { also: ['dont-ask', 'escape-character', 'exec', 'history', 'ip', 'session-timeout', 'terminal-type'] },
);

const configure = node({
  terminal: 'end',
  memory: 'end',
  network: 'rest',
  'overwrite-network': 'rest',
  replace: 'rest',
  revert: 'rest',
  confirm: 'end',
  session: 'rest',
  sync: 'end',
  private: 'end',
  exclusive: 'end',
});

const logging = node(
  { monitor: 'rest', host: 'rest', buffered: 'rest', console: 'rest', trap: 'rest' },
  {
    also: ['discriminator', 'event', 'facility', 'file', 'history', 'level', 'logfile', 'on', 'origin-id', 'rate-limit', 'server', 'source-interface', 'timestamp'],
  },
);

// ---- mode tops ------------------------------------------------------------------------------------------------------

const EXEC_ALSO = [
  'access-enable', 'access-template', 'archive', 'attach', 'auto', 'bfe', 'calendar', 'cd', 'clear', 'clock', 'cns',
  'connect', 'copy', 'crypto', 'debug', 'delete', 'diagnostic', 'dir', 'disable', 'disconnect', 'dot1x', 'echo',
  'enable', 'end', 'erase', 'event', 'exit', 'format', 'fsck', 'guestshell', 'help', 'hw-module', 'install', 'ip',
  'ipv6', 'license', 'lock', 'logout', 'mkdir', 'more', 'mrinfo', 'mstat', 'mtrace', 'name-connection', 'ping',
  'pwd', 'rcommand', 'release', 'reload', 'rename', 'renew', 'request', 'resume', 'rmdir', 'rsh', 'send', 'set',
  'setup', 'sleep', 'slip', 'squeeze', 'ssh', 'start-chat', 'systat', 'tac-pac', 'tail', 'tclsh', 'telnet', 'test',
  'traceroute', 'tunnel', 'udld', 'undebug', 'upgrade', 'verify', 'where', 'write', 'x28', 'x3',
];

const CONFIG_ALSO = [
  'aaa', 'access-list', 'alias', 'archive', 'arp', 'banner', 'boot', 'bridge', 'call-home', 'cdp', 'class-map',
  'clock', 'config-register', 'control-plane', 'crypto', 'cts', 'define', 'dial-peer', 'dot1x', 'enable', 'end',
  'errdisable', 'event', 'exit', 'feature', 'file', 'flow', 'help', 'hostname', 'ip', 'ipv6', 'key', 'license',
  'line', 'lldp', 'login', 'mac', 'mac-address-table', 'macro', 'map-class', 'map-list', 'mka', 'mls', 'mpls',
  'multilink', 'netconf', 'ntp', 'object-group', 'parameter-map', 'platform', 'policy-map', 'port-channel',
  'privilege', 'redundancy', 'restconf', 'rmon', 'route-map', 'router', 'service', 'shell', 'snmp-server',
  'spanning-tree', 'switch', 'system', 'tacacs', 'tacacs-server', 'track', 'udld', 'username', 'vpc', 'vrf', 'vtp',
  'wireless',
];

/** Every submode also has `end` and `do` (so `e`, `en`, `d` stay ambiguous as on the device); `exit` is modelled. */
const SUBMODE_ALSO = ['end', 'do'];

export const EXEC: GNode = node(
  { monitor: execMonitor, show, ethanalyzer, run: node({ bash: 'rest', guestshell: 'rest', python: 'rest' }), terminal, configure },
  { also: EXEC_ALSO },
);
add(EXEC, { no: EXEC }); // IOS-XE `no monitor capture CAP` is an exec command

export const CONFIG: GNode = node(
  {
    monitor: configMonitor,
    interface: node({ range: arg('ifaces', 'rest') }, { arg: 'ifaces', next: 'rest' }),
    vlan: node(
      { configuration: 'rest', 'access-map': 'rest', filter: 'rest', internal: 'rest', dot1q: 'rest', group: 'rest' },
      { arg: 'list' },
    ),
    logging,
  },
  { also: CONFIG_ALSO },
);
add(CONFIG, { no: CONFIG, default: CONFIG });

const ipTuning = { ttl: arg('word'), dscp: arg('word'), prec: arg('word') };
const ipDestination = node({ address: arg('word', 'rest'), ...ipTuning });

function submode(kw: Record<string, Next>, also: readonly string[] = []): GNode {
  const n = node({ ...kw, exit: 'end' }, { also: [...SUBMODE_ALSO, ...also] });
  return add(n, { no: n, default: n });
}

/** `monitor session N type erspan-source` (IOS-XE `config-mon-erspan-src`, NX-OS `config-erspan-src`). */
export const ERSPAN_SOURCE: GNode = submode(
  {
    description: 'rest',
    source: spanSource,
    filter: spanFilter,
    destination: spanDestination, // IOS: bare, opens the destination submode; NX-OS: `destination ip X`
    shutdown: 'end',
    'shut@nxos': 'end',
    'erspan-id': arg('word'),
    vrf: arg('word'),
    mtu: arg('word'),
    'header-type': arg('word'),
    ip: node(ipTuning),
  },
  ['marker-packet', 'plim', 'rate-limit'],
);

/** IOS `destination` under an ERSPAN source session (`config-mon-erspan-src-dst`). */
export const ERSPAN_SOURCE_DESTINATION: GNode = submode({
  'erspan-id': arg('word'),
  ip: ipDestination,
  ipv6: ipDestination, // an IPv6 collector: `ipv6 address 2001:db8::7`
  origin: node({ ip: node({ address: arg('word', 'rest') }), ipv6: node({ address: arg('word', 'rest') }) }),
  vrf: arg('word'),
  mtu: arg('word'),
});

/** `monitor session N type erspan-destination`. */
export const ERSPAN_DESTINATION: GNode = submode({
  description: 'rest',
  source: spanSource, // IOS: bare, opens the source submode; NX-OS: `source ip X`
  destination: spanDestination,
  filter: spanFilter,
  shutdown: 'end',
  'shut@nxos': 'end',
  'erspan-id': arg('word'),
  vrf: arg('word'),
  mtu: arg('word'),
});

/** IOS `source` under an ERSPAN destination session. */
export const ERSPAN_DESTINATION_SOURCE: GNode = submode({
  'erspan-id': arg('word'),
  ip: ipDestination,
  vrf: arg('word'),
});

/** NX-OS `monitor session N` (`config-monitor`) and Catalyst 6500 `type local|rspan-…` sessions. */
export const MONITOR: GNode = submode(
  {
    description: 'rest',
    source: spanSource,
    destination: spanDestination,
    filter: spanFilter,
    shutdown: 'end',
    'shut@nxos': 'end',
    mtu: arg('word'),
  },
  ['rate-limit'],
);

/** `vlan N` (`remote-span` makes it an RSPAN VLAN). */
export const VLAN: GNode = submode(
  {
    name: 'rest',
    'remote-span': 'end',
    state: node({ active: 'end', suspend: 'end' }),
    shutdown: 'end',
    mtu: arg('word'),
  },
  ['are', 'backupcrf', 'bridge', 'media', 'mode', 'parent', 'private-vlan', 'ring', 'said', 'ste', 'stp', 'tb-vlan1', 'tb-vlan2', 'vn-segment'],
);

/** Every mode a logged line may have been typed in: a line is expanded only if all readings that fit agree. */
export const MODE_TOPS: readonly GNode[] = [
  EXEC,
  CONFIG,
  ERSPAN_SOURCE,
  ERSPAN_SOURCE_DESTINATION,
  ERSPAN_DESTINATION,
  ERSPAN_DESTINATION_SOURCE,
  MONITOR,
  VLAN,
];

// ---- compilation: prefix tables ------------------------------------------------------------------------------------

export const AMBIGUOUS = '';
/** Indexes into `GNode.lookup`. */
export const VIEW_ANY = 0;
export const VIEW_IOS = 1;
export const VIEW_NXOS = 2;

function prefixTable(words: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const w of words) {
    for (let i = 1; i < w.length; i++) {
      const p = w.slice(0, i);
      const seen = m.get(p);
      m.set(p, seen === undefined || seen === w ? w : AMBIGUOUS);
    }
  }
  for (const w of words) m.set(w, w); // a complete keyword is never ambiguous (`ip` next to `ipv6`)
  return m;
}

function compileNode(n: GNode): void {
  const all = [...n.kw.keys(), ...n.also];
  const any = prefixTable(all);
  if (n.only.size === 0) {
    n.lookup = [any, any, any];
    return;
  }
  const view = (f: Family) => prefixTable(all.filter((w) => (n.only.get(w) ?? f) === f));
  n.lookup = [any, view('ios'), view('nxos')];
}

function compile(tops: readonly GNode[]): void {
  const seen = new Set<GNode>();
  const todo = [...tops];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    compileNode(n);
    const nexts = [...n.kw.values(), n.next, n.fallback];
    for (const x of nexts) if (typeof x === 'object') todo.push(x);
  }
}

compile(MODE_TOPS);
