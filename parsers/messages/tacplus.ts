// TACACS+ accounting records as accounting servers write them: tac_plus files (TAB-separated, or shown with
// the TABs expanded to spaces), the tacacsgui `|!|` separator, tac_plus-ng files, and Arista's syslog copy.
import type { DeviceRecord, RecordOrigin } from '../types.js';
import { matchAt } from '../sticky.js';
import { readTimestamp } from '../syslog/timestamp.js';
import { setAccountedCommand } from './nxos.js';
import { commandText, deviceRef, field, remoteAddress } from './text.js';

type Accounting = NonNullable<DeviceRecord['accounting']>;

const TYPES: ReadonlyMap<string, Accounting> = new Map([
  ['start', 'start'],
  ['stop', 'stop'],
  ['update', 'update'],
  ['watchdog', 'watchdog'],
]);
// One AV pair in space-separated text: `key=value`, `key*value` (optional AV), `key="quoted value"`.
const AV_KEY = /([A-Za-z][\w-]{0,31})[=*]/y;
// A TACACS+ request carries at most 255 arguments (one-byte arg_cnt, RFC 8907); more is padding.
const MAX_AVS = 255;
const SPACES = /[ \t]+/y;
const NON_SPACE = /[^ \t]+/y;

export type Av = readonly [key: string, value: string];

/** The fields every accounting record carries, whatever the server (or packet) it came from. */
export interface AccountingFields {
  nas?: string;
  user: string;
  port: string;
  remAddr: string;
  type: string;
  /** tac_plus: the AV pairs as sent. */
  avs?: readonly Av[];
  /** tac_plus-ng default format: the rebuilt command line. */
  cmd?: string;
  time?: Date;
}

/**
 * A tac_plus / tac_plus-ng accounting line (file or relayed body); null when the text is not one.
 * The date prefix is optional: a relayed body starts at the NAS.
 */
export function tacplusRecord(text: string): DeviceRecord | null {
  const f = readAccountingLine(text);
  return f ? accountingRecord(f, 'tacplus-log') : null;
}

/** Splits a server's accounting line into its fields; null when it has no `start|stop|update` type column. */
function readAccountingLine(text: string): AccountingFields | null {
  const ts = readTimestamp(text, 0, undefined);
  if (ts && ts.shape === 'uptime') return null;
  let p = ts ? ts.end : 0;
  let cols: string[];
  let avRegion: string | undefined;
  if (text.includes('\t', p)) {
    if (text[p] === ' ' || text[p] === '\t') p++;
    cols = text.slice(p).split('\t');
  } else if (text.includes('|!|', p)) {
    if (text.startsWith('|!|', p)) p += 3;
    cols = text.slice(p).split('|!|');
  } else {
    // Column-aligned copy (TABs shown as spaces): five space-free columns, then AV pairs to the end.
    cols = [];
    let q = p;
    for (let i = 0; i < 5; i++) {
      if (matchAt(SPACES, text, q)) q = SPACES.lastIndex;
      const m = matchAt(NON_SPACE, text, q);
      if (!m) return null;
      cols.push(m[0]);
      q = NON_SPACE.lastIndex;
    }
    avRegion = text.slice(q);
  }
  const [nas, user, port, remAddr, type] = cols;
  if (nas === undefined || user === undefined || port === undefined || remAddr === undefined || type === undefined) return null;
  if (!TYPES.has(type)) return null;
  const f: AccountingFields = { nas, user, port, remAddr, type };
  if (ts?.time) f.time = ts.time;
  if (avRegion !== undefined) {
    // Every TACACS+ accounting request carries task_id: without it, five words and `stop` are just prose.
    f.avs = spacedAvs(avRegion);
    if (!f.avs.some(([k]) => k === 'task-id')) return null;
  } else {
    const rest = cols.slice(5);
    // tac_plus-ng's default format has `service` then the command instead of AV pairs.
    if (rest.length >= 2 && !(rest[0] ?? '').includes('=')) f.cmd = rest.slice(1).join(' ');
    else f.avs = rest.slice(0, MAX_AVS).map(splitAv);
  }
  return f;
}

/** Arista `Aaa: %ACCOUNTING-6-CMD: user line rem_addr stop AV…` (the body has no NAS). */
export function eosAccountingRecord(body: string): DeviceRecord | { error: string } | null {
  const cols: string[] = [];
  let q = 0;
  for (let i = 0; i < 4; i++) {
    if (matchAt(SPACES, body, q)) q = SPACES.lastIndex;
    const m = matchAt(NON_SPACE, body, q);
    if (!m) return { error: 'ACCOUNTING-6-CMD body is not "user line rem_addr type AV…"' };
    cols.push(m[0]);
    q = NON_SPACE.lastIndex;
  }
  const [user = '', port = '', remAddr = '', type = ''] = cols;
  if (!TYPES.has(type)) return { error: `ACCOUNTING-6-CMD record type "${type.slice(0, 16)}"` };
  const rec = accountingRecord({ user, port, remAddr, type, avs: spacedAvs(body.slice(q)) }, 'eos-accounting');
  if (rec) rec.platform = 'eos';
  return rec;
}

/**
 * An attribute name as matched: devices disagree on case and separator (`Cmd`, `priv_lvl`, `cmd-arg`), RFC 8907
 * spells them lower case with `-` or `_`; here both become `-`.
 */
export function avName(k: string): string {
  return /[A-Z_]/.test(k) ? k.toLowerCase().replaceAll('_', '-') : k;
}

/** `name=value` or `name*value` (the first separator wins; the value may contain more). */
export function splitAv(s: string): Av {
  const m = matchAt(AV_KEY, s, 0);
  return m ? [avName(m[1] ?? ''), s.slice(AV_KEY.lastIndex)] : ['', s];
}

/** AV pairs separated by spaces; `cmd` runs to the end of the line, a quoted value to its closing quote. */
function spacedAvs(s: string): Av[] {
  const avs: Av[] = [];
  let p = 0;
  while (p < s.length && avs.length < MAX_AVS) {
    if (matchAt(SPACES, s, p)) p = SPACES.lastIndex;
    const k = matchAt(AV_KEY, s, p);
    if (!k) {
      const junk = matchAt(NON_SPACE, s, p);
      if (!junk) break;
      p = NON_SPACE.lastIndex;
      continue;
    }
    const key = avName(k[1] ?? '');
    p = AV_KEY.lastIndex;
    let end: number;
    if (key === 'cmd') end = s.length;
    else if (s[p] === '"') {
      const close = s.indexOf('"', p + 1);
      end = close < 0 ? s.length : close + 1;
    } else {
      const m = matchAt(NON_SPACE, s, p);
      end = m ? NON_SPACE.lastIndex : p;
    }
    avs.push([key, s.slice(p, end)]);
    p = end;
  }
  return avs;
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

/**
 * The command a record carries: `cmd` (+ `cmd-arg`s in the split form), FortiGate's `reason` when `cmd` is only
 * a verb category (`cmd=Diagnose reason="diagnose sniffer packet …"`).
 */
function commandOf(f: AccountingFields): string | undefined {
  if (f.cmd !== undefined) return f.cmd;
  let cmd: string | undefined;
  let reason: string | undefined;
  const args: string[] = [];
  for (const [k, v] of f.avs ?? []) {
    if (k === 'cmd' && cmd === undefined) cmd = v;
    else if (k === 'cmd-arg') args.push(v);
    else if (k === 'reason' && reason === undefined) reason = unquote(v);
  }
  if (cmd === undefined) return undefined;
  const verbOnly = !cmd.trim().includes(' ');
  if (reason && verbOnly && args.length === 0) return reason;
  return args.length > 0 ? [cmd, ...args].join(' ') : cmd;
}

/** The first value of attribute `key` (a name as `avName` gives it). */
export function avValue(f: AccountingFields, key: string): string | undefined {
  for (const [k, v] of f.avs ?? []) if (k === key) return v;
  return undefined;
}

/**
 * Any record type may carry a command (IOS sends stop, SR Linux start and stop, NX-OS update): each one that
 * does is a `command` record with `accounting` set, so a consumer can keep one of a start/stop pair. A stop
 * without a command closes the session; anything else gives null.
 */
export function accountingRecord(f: AccountingFields, origin: RecordOrigin): DeviceRecord | null {
  const accounting = TYPES.get(f.type);
  if (!accounting) return null;
  const raw = commandOf(f);
  const rec: DeviceRecord = { type: 'command', origin, accounting };
  const user = field(f.user);
  if (user !== undefined) rec.user = user;
  const line = field(f.port);
  if (line !== undefined) rec.line = line;
  const addr = remoteAddress(f.remAddr);
  if (addr !== undefined) rec.remoteAddress = addr;
  const device = deviceRef(f.nas);
  if (device) rec.device = device;
  const taskId = field(avValue(f, 'task-id'));
  if (taskId !== undefined) rec.taskId = taskId;
  if (f.time) rec.time = f.time;

  const text = raw === undefined ? '' : commandText(raw);
  if (text === '') {
    if (accounting !== 'stop') return null;
    rec.type = 'session-end';
    return rec;
  }
  return setAccountedCommand(rec, text) ? rec : null;
}
