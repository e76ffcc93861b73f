// Junos interactive-commands: `UI_CMDLINE_READ_LINE: User 'u', command 'set disable '`. The line is logged as
// typed, relative to the current `edit` level, with a trailing space inside the quotes. And the commits that make a
// candidate configuration active: `UI_COMMIT: User 'u' requested 'commit' operation (comment: none)`,
// `UI_COMMIT_COMPLETED:  : commit complete`.
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

/** The Junos messages that report a commit, by name. */
export const JUNOS_COMMITS: ReadonlySet<string> = new Set(['UI_COMMIT', 'UI_COMMIT_COMPLETED']);

const REQUESTED = /^User '([^']{0,64})' requested '([^']{0,64})' operation/;

/**
 * `UI_COMMIT` (a user asked for a commit) or `UI_COMMIT_COMPLETED` (it went through). A `commit check` changes
 * nothing and gives null, as does a body in another shape.
 */
export function junosCommitRecord(name: string, body: string): DeviceRecord | null {
  const rec: DeviceRecord = { type: 'commit', origin: 'device', platform: 'junos', notification: name, command: commandText(body) };
  if (name === 'UI_COMMIT_COMPLETED') return body.includes('commit complete') ? rec : null;
  const m = REQUESTED.exec(body);
  if (!m || !(m[2] ?? '').startsWith('commit') || (m[2] ?? '').startsWith('commit check')) return null;
  const user = field(m[1]);
  if (user !== undefined) rec.user = user;
  return rec;
}
