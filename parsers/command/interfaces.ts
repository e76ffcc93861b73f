// Interface names as the device prints them: `gi 1/0/1`, `Gi1/0/1` and `GigabitEthernet1/0/1` are one interface.
// Abbreviations resolve by unique prefix over the interface types below, as the IOS / NX-OS parser does; a prefix
// shared by two types (`t`, `tw`, `f`) stays as typed.

/** Canonical type names (IOS / IOS-XE spelling). */
const TYPES: readonly string[] = [
  'AppGigabitEthernet',
  'Async',
  'BDI',
  'BVI',
  'Cellular',
  'Dialer',
  'Ethernet',
  'FastEthernet',
  'FiveGigabitEthernet',
  'FortyGigabitEthernet',
  'GigabitEthernet',
  'HundredGigE',
  'Loopback',
  'mgmt',
  'Multilink',
  'Null',
  'nve',
  'Port-channel',
  'Serial',
  'sup-eth',
  'TenGigabitEthernet',
  'Tunnel',
  'TwentyFiveGigE',
  'TwoGigabitEthernet',
  'Vlan',
  'Virtual-Template',
];

/** NX-OS prints these types in lower case (`port-channel1`, `loopback0`). */
const NXOS_SPELLING: Readonly<Record<string, string>> = { 'Port-channel': 'port-channel', Loopback: 'loopback' };

const AMBIGUOUS = '';

function prefixMap(nxos: boolean): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of TYPES) {
    const name = (nxos && NXOS_SPELLING[t]) || t;
    const lower = t.toLowerCase();
    for (let i = 1; i <= lower.length; i++) {
      const p = lower.slice(0, i);
      m.set(p, m.has(p) ? AMBIGUOUS : name);
    }
  }
  // A full type name wins over longer names it prefixes (none today, but it is the device's rule).
  for (const t of TYPES) m.set(t.toLowerCase(), (nxos && NXOS_SPELLING[t]) || t);
  return m;
}

const IOS_TYPES = prefixMap(false);
const NXOS_TYPES = prefixMap(true);

/** Length of the leading type part (`Gi`, `port-channel`, `sup-eth`): letters and inner hyphens. */
function typeLength(tok: string): number {
  let i = 0;
  while (i < tok.length) {
    const c = tok.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!letter && !(c === 45 && i > 0)) break;
    i++;
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The canonical type for a typed type prefix, or undefined when unknown or ambiguous. */
export function interfaceType(typed: string, nxos: boolean): string | undefined {
  const t = (nxos ? NXOS_TYPES : IOS_TYPES).get(typed.toLowerCase());
  return t === AMBIGUOUS ? undefined : t;
}

/** One comma-free piece: `gi1/0/1` → `GigabitEthernet1/0/1`; anything else unchanged. */
function canonicalPiece(piece: string, nxos: boolean): string {
  const n = typeLength(piece);
  if (n === 0 || n === piece.length || !isDigit(piece.charCodeAt(n))) return piece;
  const type = interfaceType(piece.slice(0, n), nxos);
  return type === undefined ? piece : type + piece.slice(n);
}

/** A token that names one interface or a comma list of them (`Gi1/0/1,Gi1/0/3`). */
export function canonicalInterfaceToken(tok: string, nxos: boolean): string {
  if (tok.indexOf(',') < 0) return canonicalPiece(tok, nxos);
  return tok
    .split(',')
    .map((p) => canonicalPiece(p, nxos))
    .join(',');
}

/**
 * The canonical type when `tok` is a bare type (`Gi`, `GigabitEthernet`) that the device joins with the number in
 * the next token (`Gi 1/0/1`); undefined otherwise.
 */
export function bareInterfaceType(tok: string, next: string | undefined, nxos: boolean): string | undefined {
  if (next === undefined || !isDigit(next.charCodeAt(0))) return undefined;
  if (typeLength(tok) !== tok.length) return undefined;
  return interfaceType(tok, nxos);
}

/** True when the token starts like an interface name of a known type (used to extend interface lists). */
export function looksLikeInterface(tok: string, nxos: boolean): boolean {
  const n = typeLength(tok);
  return n > 0 && n < tok.length && isDigit(tok.charCodeAt(n)) && interfaceType(tok.slice(0, n), nxos) !== undefined;
}
