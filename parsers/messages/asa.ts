// Cisco ASA (and PIX / FTD LINA) command audit: 111008, 111009 and 111010. The command is single-quoted and
// not escaped, so it is cut between fixed markers with indexOf (a crafted quote cannot move the user field).
import type { DeviceRecord } from '../types.js';
import { commandText, field, remoteAddress } from './text.js';

function between(s: string, start: string, end: string, from = 0): { value: string; next: number } | null {
  if (!s.startsWith(start, from)) return null;
  const a = from + start.length;
  const b = s.indexOf(end, a);
  return b < 0 ? null : { value: s.slice(a, b), next: b + end.length };
}

function record(user: string, command: string, remote?: string): DeviceRecord | null {
  const text = commandText(command);
  if (text === '') return null;
  const rec: DeviceRecord = { type: 'command', origin: 'asa', platform: 'asa', command: text };
  const u = field(user);
  if (u !== undefined) rec.user = u;
  const addr = remoteAddress(remote);
  if (addr !== undefined) rec.remoteAddress = addr;
  return rec;
}

/**
 * `111008: User 'u' executed the 'cmd' command.`, `111009: User 'u' executed cmd: cmd`,
 * `111010: User 'u', running 'CLI' from IP a.b.c.d, executed 'cmd'`.
 */
export function asaRecord(mnemonic: string, body: string): DeviceRecord | { error: string } | null {
  const fail = { error: `ASA ${mnemonic} body not in the documented shape` };
  if (mnemonic === '111008') {
    const u = between(body, "User '", "' executed the '");
    const end = body.lastIndexOf("' command");
    return u && end >= u.next ? record(u.value, body.slice(u.next, end)) : fail;
  }
  if (mnemonic === '111009') {
    const u = between(body, "User '", "' executed cmd: ");
    return u ? record(u.value, body.slice(u.next)) : fail;
  }
  const u = between(body, "User '", "', running '");
  const app = u && between(body, '', "' from IP ", u.next);
  const ip = app && between(body, '', ", executed '", app.next);
  const end = body.lastIndexOf("'");
  return u && ip && end >= ip.next ? record(u.value, body.slice(ip.next, end), ip.value) : fail;
}
