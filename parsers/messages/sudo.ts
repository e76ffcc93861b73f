// sudo's own syslog line, `USER : TTY=pts/0 ; PWD=/home/admin ; USER=root ; COMMAND=/usr/sbin/tcpdump -i eth0`: the one
// record of a command run in a network OS's Linux shell (SONiC, Cumulus, Junos Evolved; NX-OS relays it under its own
// tag). Lines without `COMMAND=` (PAM session lines, authentication failures) carry no command.
import type { DeviceRecord, Platform, RecordOrigin } from '../types.js';
import { clean, commandText, field } from './text.js';

const SUDO_USER = /^\s{0,16}(\S{1,64}) : /;
const SUDO_TTY = /TTY=([^\s;]{1,32})/;

/** The command a sudo line records, with the invoking user and tty; null when the line records none. */
export function sudoRecord(body: string, origin: RecordOrigin, platform?: Platform): DeviceRecord | null {
  const i = body.indexOf('COMMAND=');
  if (i < 0) return null;
  const command = commandText(body.slice(i + 8));
  if (command === '') return null;
  const rec: DeviceRecord = { type: 'command', origin, command };
  if (platform !== undefined) rec.platform = platform;
  const head = body.slice(0, i);
  const user = field(SUDO_USER.exec(head)?.[1]);
  if (user !== undefined) rec.user = user;
  const tty = field(SUDO_TTY.exec(head)?.[1]);
  if (tty !== undefined) rec.line = clean(tty);
  return rec;
}
