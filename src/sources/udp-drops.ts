// The kernel's count of datagrams it dropped on one UDP socket (receive buffer full): column `drops` of
// /proc/net/udp and /proc/net/udp6. UDP loss that nobody can see is the most common syslog complaint.
import { readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { endianness } from 'node:os';

export interface BoundUdp {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

/** Drops of the sockets bound to `local` (one per syslog reader thread, summed), or undefined when there is no such row or no /proc (not Linux). */
export function readUdpDrops(local: BoundUdp): number | undefined {
  let table: string;
  try {
    table = readFileSync(local.family === 'IPv6' ? '/proc/net/udp6' : '/proc/net/udp', 'latin1');
  } catch {
    return undefined;
  }
  return udpDropsFrom(table, local);
}

/** Parses the text of /proc/net/udp{,6}. Exported for tests: the table format is the kernel's, the rows are not. */
export function udpDropsFrom(table: string, local: BoundUdp, byteOrder: 'LE' | 'BE' = endianness()): number | undefined {
  const wanted = new BlockList();
  wanted.addAddress(local.address, local.family === 'IPv6' ? 'ipv6' : 'ipv4');
  const portHex = `:${local.port.toString(16).toUpperCase().padStart(4, '0')}`;
  let total: number | undefined;
  for (const line of table.split('\n')) {
    // "  12: 0100007F:3C7B 00000000:0000 07 … inode ref pointer drops"
    const fields = line.trim().split(/\s+/);
    const localField = fields[1];
    if (fields.length < 13 || !localField?.endsWith(portHex)) continue;
    const address = procAddress(localField.slice(0, -portHex.length), byteOrder);
    if (address === undefined || !wanted.check(address, local.family === 'IPv6' ? 'ipv6' : 'ipv4')) continue;
    const drops = Number(fields[fields.length - 1]);
    if (Number.isSafeInteger(drops)) total = (total ?? 0) + drops;
  }
  return total;
}

/** The kernel prints addresses as 32-bit words in host byte order: 0100007F is 127.0.0.1 on x86. */
function procAddress(hex: string, byteOrder: 'LE' | 'BE'): string | undefined {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(byteOrder === 'LE' ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
