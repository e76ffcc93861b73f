// Junos interactive-commands: `UI_CMDLINE_READ_LINE: User 'u', command 'set disable '`. The line is logged as
// typed, relative to the current `edit` level, with a trailing space inside the quotes.
import type { DeviceRecord } from '../types.js';
import { commandText, field } from './text.js';

const USER = "User '";
const COMMAND = "', command '";

/** The text after `UI_CMDLINE_READ_LINE: ` (or the RFC 5424 MSG of that MSGID). */
export function junosRecord(body: string): DeviceRecord | { error: string } | null {
  const c = body.indexOf(COMMAND);
  const end = body.lastIndexOf("'");
  if (!body.startsWith(USER) || c < 0 || end < c + COMMAND.length) {
    return { error: 'UI_CMDLINE_READ_LINE body is not "User \'u\', command \'…\'"' };
  }
  const command = commandText(body.slice(c + COMMAND.length, end));
  if (command === '') return null;
  const rec: DeviceRecord = { type: 'command', origin: 'junos-cli', platform: 'junos', command };
  const user = field(body.slice(USER.length, c));
  if (user !== undefined) rec.user = user;
  return rec;
}
