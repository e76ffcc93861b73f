// Cisco ISE relaying TACACS+ accounting as syslog:
// `CISE_TACACS_Accounting <msgid> <nseg> <seg> <date> <time> <tz> <seq> <code> <sev> <class>: <text>, k=v, k=v, …`
// Values are not escaped, so the command is cut out between its markers first and the other fields are only
// looked up outside it: a typed `show run | i , User=admin` must not change who ran it.
import type { DeviceRecord } from '../types.js';
import { readTimestamp } from '../syslog/timestamp.js';
import { setAccountedCommand } from './nxos.js';
import { commandText, deviceRef, field, remoteAddress } from './text.js';

const SEGMENT = /^(\d{1,12}) (\d{1,3}) (\d{1,3}) /;
const AFTER_TIME = / \d{1,12} (\d{3,6}) [A-Z]{1,16} [^:]{1,64}: /y;
const CMD_START = 'CmdSet=[ CmdAV=';
const CMD_END = ' <cr> ]';

/** `<msgid> <nseg> <seg> ` at the start of an ISE body, or null. */
export function iseSegment(body: string): { id: string; total: number; index: number; headerLength: number } | null {
  const m = SEGMENT.exec(body);
  if (!m) return null;
  return { id: m[1] ?? '', total: Number(m[2]), index: Number(m[3]), headerLength: m[0].length };
}

/** The value of `, Key=` up to the next `, `, in whichever of the two texts has it first. */
function valueOf(key: string, texts: readonly string[]): string | undefined {
  const needle = `, ${key}=`;
  for (const t of texts) {
    const i = t.indexOf(needle);
    if (i < 0) continue;
    const from = i + needle.length;
    const end = t.indexOf(', ', from);
    return t.slice(from, end < 0 ? t.length : end);
  }
  return undefined;
}

function accountingFlag(v: string | undefined): DeviceRecord['accounting'] {
  const f = (v ?? '').toLowerCase();
  if (f.startsWith('start')) return 'start';
  if (f.startsWith('stop')) return 'stop';
  if (f.includes('watchdog')) return 'watchdog';
  return undefined;
}

/**
 * A (reassembled) `CISE_TACACS_Accounting` message: a command (3300 "Accounting with Command"), a session end
 * (STOP without a command) or null. A continuation segment on its own gives null.
 */
export function iseRecord(body: string): DeviceRecord | { error: string } | null {
  const seg = iseSegment(body);
  if (!seg) return { error: 'CISE_TACACS_Accounting body without "<msgid> <nseg> <seg>"' };
  if (seg.index !== 0) return null;
  const ts = readTimestamp(body, seg.headerLength, undefined);
  AFTER_TIME.lastIndex = ts ? ts.end : seg.headerLength;
  const head = AFTER_TIME.exec(body);
  if (!head) return { error: 'CISE_TACACS_Accounting header without "<seq> <code> <severity> <class>:"' };
  const text = body.slice(AFTER_TIME.lastIndex);

  let raw: string | undefined;
  let fieldTexts: string[] = [text];
  const cs = text.indexOf(CMD_START);
  if (cs >= 0) {
    const from = cs + CMD_START.length;
    // The real end marker is the last one: an earlier ` <cr> ]` would be inside the typed command.
    let to = text.lastIndexOf(CMD_END);
    if (to < from) to = text.indexOf(' ]', from);
    if (to < from) to = text.length;
    raw = text.slice(from, to).split(' CmdArgAV=').join(' ');
    fieldTexts = [text.slice(0, cs), text.slice(to)];
  }

  const accounting = accountingFlag(valueOf('AcctRequest-Flags', fieldTexts));
  const rec: DeviceRecord = { type: 'command', origin: 'ise' };
  if (accounting) rec.accounting = accounting;
  const user = field(valueOf('User', fieldTexts));
  if (user !== undefined) rec.user = user;
  const line = field(valueOf('Port', fieldTexts));
  if (line !== undefined) rec.line = line;
  const addr = remoteAddress(valueOf('Remote-Address', fieldTexts));
  if (addr !== undefined) rec.remoteAddress = addr;
  const nasIp = deviceRef(valueOf('Device IP Address', fieldTexts));
  const nasName = field(valueOf('NetworkDeviceName', fieldTexts));
  if (nasIp || nasName) rec.device = { ...nasIp, ...(nasName !== undefined && { hostname: nasName }) };
  const taskId = field(valueOf('AVPair=task_id', fieldTexts));
  if (taskId !== undefined) rec.taskId = taskId;
  if (ts?.time) rec.time = ts.time;

  const command = raw === undefined ? '' : commandText(raw);
  if (command === '') {
    if (accounting !== 'stop' || head[1] !== '3302') return null;
    rec.type = 'session-end';
    return rec;
  }
  return setAccountedCommand(rec, command) ? rec : null;
}
