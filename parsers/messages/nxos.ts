// Cisco NX-OS: command accounting (as syslog and as the local `show accounting log`), end of configuration,
// and the sudo lines that record bash-shell commands.
import type { CommandResult, DeviceRecord } from '../types.js';
import { matchAt } from '../sticky.js';
import { readTimestamp } from '../syslog/timestamp.js';
import { sudoRecord } from './sudo.js';
import { commandText, field, remoteAddress } from './text.js';

type Accounting = 'start' | 'update' | 'stop';

// Record source: `ip@pts/N`, `ip@ssh.PID` (the ip may be IPv6), `vsh.PID`, `ppm.PID (sp-commit)`; then the user.
const SOURCE_AND_USER = /(?:([0-9A-Fa-f:.]{1,45})@([^:\s]{1,32})|([A-Za-z][\w.-]{0,31})(?: \([\w-]{1,32}\))?):([^:]{0,64}):/y;
const TYPE = /(start|update|stop):/y;
// `17882650:Mon Jul 30 13:02:18 2018:update:…` (record number, ctime, then the syslog body's fields).
const LOCAL_NUMBERED = /^\d{1,12}:/;
// `Sun Nov 22 11:30:12 2026:type=update:id=10.9.0.3@pts/0:user=netops:cmd=…` (newer releases).
const LOCAL_KEYED_TYPE = /:type=(start|update|stop):id=/y;
const KEYED_SOURCE_AND_USER = /(?:([0-9A-Fa-f:.]{1,45})@([^:\s]{1,32})|([A-Za-z][\w.-]{0,31})(?: \([\w-]{1,32}\))?):user=([^:]{0,64}):cmd=/y;
const VSHD = /^Configured from (\S{1,64}) by (\S{1,64})(?: on (\S{1,80}))?/;

// `(REDIRECT))` with its doubled parenthesis is a real NX-OS quirk.
const RESULTS: readonly (readonly [string, CommandResult])[] = [
  ['(REDIRECT))', 'redirect'],
  ['(SUCCESS)', 'success'],
  ['(FAILURE)', 'failure'],
  ['(REDIRECT)', 'redirect'],
];

/** An NX-OS accounting command string: the mode path joined by ` ; `, then a result suffix. */
interface NxosCommand {
  command: string;
  path: string[];
  result?: CommandResult;
}

/** Splits `configure terminal ; vlan 501 ; name X (SUCCESS)` into path, command and result. */
function splitNxosCommand(text: string): NxosCommand {
  let t = text.trimEnd();
  let result: CommandResult | undefined;
  for (const [suffix, r] of RESULTS) {
    if (t.endsWith(suffix)) {
      t = t.slice(0, -suffix.length);
      result = r;
      break;
    }
  }
  const parts = t.split(' ; ').map(commandText);
  const command = parts.pop() ?? '';
  return result ? { command, path: parts, result } : { command, path: parts };
}

/** True when the text ends in an NX-OS result suffix, i.e. it is an NX-OS accounting command string. */
function hasNxosResult(text: string): boolean {
  const t = text.trimEnd();
  return RESULTS.some(([suffix]) => t.endsWith(suffix));
}

/**
 * Sets `command` from an accounting command string (any server or device). An NX-OS string (result suffix) is
 * split into path, command and result, and marks the record as NX-OS. False when no command remains.
 */
export function setAccountedCommand(rec: DeviceRecord, text: string): boolean {
  // StarOS accounts "secure or restricted" commands as three asterisks: a redaction, not a command.
  if (text === '***') return false;
  if (!hasNxosResult(text)) {
    rec.command = text;
    return text !== '';
  }
  const c = splitNxosCommand(text);
  if (c.command === '') return false;
  rec.platform = 'nxos';
  rec.command = c.command;
  rec.path = c.path;
  rec.configMode = c.path[0]?.startsWith('configure') ?? false;
  if (c.result) rec.result = c.result;
  return true;
}

interface Who {
  user?: string;
  line?: string;
  remoteAddress?: string;
}

function who(m: RegExpExecArray, userGroup: number): Who {
  const w: Who = {};
  const user = field(m[userGroup]);
  if (user !== undefined) w.user = user;
  const line = field(m[2] ?? m[3]);
  if (line !== undefined) w.line = line;
  const addr = remoteAddress(m[1]);
  if (addr !== undefined) w.remoteAddress = addr;
  return w;
}

/**
 * One accounting record. `start` gives null; `stop` ends the session; `update` is a command when it carries a
 * result suffix, and free text (`added user test`) gives null.
 */
function accountingRecord(type: Accounting, w: Who, text: string, time: Date | undefined): DeviceRecord | null {
  if (type === 'start') return null;
  const base = { origin: 'nxos-accounting' as const, platform: 'nxos' as const, ...w, ...(time && { time }) };
  if (type === 'stop') return { type: 'session-end', ...base, accounting: 'stop' };
  if (!hasNxosResult(text)) return null;
  const rec: DeviceRecord = { type: 'command', ...base, accounting: 'update' };
  return setAccountedCommand(rec, text) ? rec : null;
}

/** `%AAA-6-AAA_ACCOUNTING_MESSAGE: update:10.1.1.1@pts/0:admin:configure terminal ; vlan 5 (SUCCESS)`. */
export function nxosAccountingRecord(body: string): DeviceRecord | { error: string } | null {
  const t = matchAt(TYPE, body, 0);
  const m = t ? matchAt(SOURCE_AND_USER, body, TYPE.lastIndex) : null;
  if (!t || !m) return { error: 'AAA_ACCOUNTING_MESSAGE body is not "type:source:user:text"' };
  return accountingRecord(t[1] as Accounting, who(m, 4), body.slice(SOURCE_AND_USER.lastIndex), undefined);
}

/**
 * A line of the local accounting log (read from a file by `replay`), in either form; null when the text is
 * neither. The record keeps the line's own time (device local time, read as UTC).
 */
export function nxosLocalAccountingRecord(text: string): DeviceRecord | null {
  const numbered = LOCAL_NUMBERED.exec(text);
  const ts = readTimestamp(text, numbered ? numbered[0].length : 0, undefined);
  if (!ts || ts.shape !== 'ctime') return null;
  if (numbered) {
    if (text[ts.end] !== ':') return null;
    const t = matchAt(TYPE, text, ts.end + 1);
    const m = t ? matchAt(SOURCE_AND_USER, text, TYPE.lastIndex) : null;
    if (!t || !m) return null;
    return accountingRecord(t[1] as Accounting, who(m, 4), text.slice(SOURCE_AND_USER.lastIndex), ts.time);
  }
  const t = matchAt(LOCAL_KEYED_TYPE, text, ts.end);
  const m = t ? matchAt(KEYED_SOURCE_AND_USER, text, LOCAL_KEYED_TYPE.lastIndex) : null;
  if (!t || !m) return null;
  return accountingRecord(t[1] as Accounting, who(m, 4), text.slice(KEYED_SOURCE_AND_USER.lastIndex), ts.time);
}

/** `%VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by admin on 172.20.240.105@pts/0`. */
export function nxosConfigEndRecord(body: string): DeviceRecord {
  const rec: DeviceRecord = { type: 'config-end', origin: 'device', platform: 'nxos' };
  const m = VSHD.exec(body);
  if (!m) return rec;
  const user = field(m[2]);
  if (user !== undefined) rec.user = user;
  const on = m[3] ?? '';
  const atSign = on.lastIndexOf('@');
  const line = field(atSign >= 0 ? on.slice(atSign + 1) : on);
  if (line !== undefined) rec.line = line;
  const addr = atSign >= 0 ? remoteAddress(on.slice(0, atSign)) : undefined;
  if (addr !== undefined) rec.remoteAddress = addr;
  return rec;
}

/**
 * `%AUTHPRIV-5-SYSTEM_MSG:    admin : TTY=pts/0 ; PWD=… ; USER=root ; COMMAND=/usr/bin/tcpdump … - sudo`:
 * a bash-shell command run through sudo. Other AUTHPRIV messages (PAM, logins) give null.
 */
export function nxosSudoRecord(body: string): DeviceRecord | null {
  // NX-OS appends ` - <process>` to SYSTEM_MSG text.
  const text = body.trimEnd();
  return sudoRecord(text.endsWith(' - sudo') ? text.slice(0, -7) : text, 'nxos-sudo', 'nxos');
}
