// IPv4/IPv6 networks for the Sigma `cidr` modifier and the ERSPAN collector allowlist.
// Addresses are parsed into eight 16-bit words (IPv4 in the last two), without allocating per check.

export interface Cidr {
  readonly v6: boolean;
  readonly words: Uint16Array;
  /** Prefix length counted over the family's own width (≤ 32 for IPv4, ≤ 128 for IPv6). */
  readonly prefix: number;
  readonly text: string;
}

const scratch = new Uint16Array(8);

function parseV4(text: string, out: Uint16Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  const b: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return false;
    const n = Number(p);
    if (n > 255) return false;
    b.push(n);
  }
  out[at] = (b[0]! << 8) | b[1]!;
  out[at + 1] = (b[2]! << 8) | b[3]!;
  return true;
}

function parseV6(text: string, out: Uint16Array): boolean {
  const dbl = text.indexOf('::');
  if (dbl !== text.lastIndexOf('::')) return false;
  const head = dbl < 0 ? text : text.slice(0, dbl);
  const tail = dbl < 0 ? '' : text.slice(dbl + 2);
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups: number[] = [];
  const all = [...h, ...t];
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (i === all.length - 1 && g.includes('.')) {
      const v4 = new Uint16Array(2);
      if (!parseV4(g, v4, 0)) return false;
      groups.push(v4[0]!, v4[1]!);
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return false;
    groups.push(parseInt(g, 16));
  }
  const headCount = h.length;
  const tailCount = groups.length - headCount;
  if (dbl < 0 ? groups.length !== 8 : groups.length > 7) return false;
  out.fill(0);
  for (let i = 0; i < headCount; i++) out[i] = groups[i]!;
  for (let i = 0; i < tailCount; i++) out[8 - tailCount + i] = groups[headCount + i]!;
  return true;
}

/** Parses an address into `out`; returns its family (4 or 6) or 0. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as 4. */
export function parseIp(text: string, out: Uint16Array): 0 | 4 | 6 {
  if (text.length === 0 || text.length > 45) return 0;
  if (!text.includes(':')) {
    out.fill(0);
    return parseV4(text, out, 6) ? 4 : 0;
  }
  if (!parseV6(text, out)) return 0;
  const mapped = out[0] === 0 && out[1] === 0 && out[2] === 0 && out[3] === 0 && out[4] === 0 && out[5] === 0xffff;
  if (mapped) {
    out[5] = 0;
    return 4;
  }
  return 6;
}

/** `198.51.100.0/24`, `2001:db8::/32`, or a bare address (a host route). Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const words = new Uint16Array(8);
  const fam = parseIp(addr, words);
  if (fam === 0) return null;
  const width = fam === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > width) return null;
    prefix = Number(p);
  }
  return { v6: fam === 6, words, prefix, text };
}

/** Is `ip` (text) inside the network? False for unparsable text or the other family. */
export function cidrContains(c: Cidr, ip: string): boolean {
  const fam = parseIp(ip, scratch);
  if (fam === 0 || (fam === 6) !== c.v6) return false;
  // IPv4 lives in words 6..7: compare from there.
  let bits = c.prefix;
  for (let i = c.v6 ? 0 : 6; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((scratch[i]! & mask) !== (c.words[i]! & mask)) return false;
  }
  return true;
}
