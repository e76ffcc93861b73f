// FortiGate configuration-change events: `logid="0100044547"` (Object attribute configured) and `"0100044546"`
// (Attribute configured), key=value text with `cfgpath`, `cfgobj`, `cfgattr`, `action`, `user`, `ui`. The event says
// what changed, not what was typed: it becomes the FortiOS CLI that makes the same change, in its `config` / `edit`
// path, e.g. cfgpath="system.switch-interface" cfgobj="Test" cfgattr="span[disable->enable]span-dest-port[->port6]"
// → path [`config system switch-interface`, `edit Test`], command `set span enable; set span-dest-port port6`.
import type { DeviceRecord } from '../types.js';
import { clean, field, remoteAddress } from './text.js';

/** The event log ids that carry a configuration change, as the pre-filter keys on them (quoted or not). */
export const FORTIOS_CONFIG_LOGIDS = ['0100044546', '0100044547'] as const;
/** How those ids appear in a line: quoted (FortiOS 6.2 on) or bare (earlier releases). */
export const FORTIOS_CONFIG_MARKERS = FORTIOS_CONFIG_LOGIDS.flatMap((id) => [`logid="${id}"`, `logid=${id} `]);

const WANTED = new Set(['logid', 'devname', 'user', 'ui', 'action', 'cfgpath', 'cfgobj', 'cfgattr', 'eventtime', 'date', 'time', 'tz']);
const KEY_CHAR = /[A-Za-z0-9_]/;
/** Bounds the work a hostile line costs: a real event has about 25 fields. */
const MAX_FIELDS = 64;
const MAX_ATTRS = 64;

/** The wanted `key=value` / `key="va lue"` fields of a FortiOS log line (`\"` inside quotes is a quote). */
export function fortiFields(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  for (let n = 0; i < body.length && n < MAX_FIELDS; n++) {
    while (body.charCodeAt(i) === 32) i++;
    const k0 = i;
    while (i < body.length && KEY_CHAR.test(body[i]!)) i++;
    if (i === k0 || body[i] !== '=') {
      // not a field: skip the word
      const sp = body.indexOf(' ', i);
      if (sp < 0) break;
      i = sp;
      continue;
    }
    const key = body.slice(k0, i);
    i++;
    let value: string;
    if (body[i] === '"') {
      let j = i + 1;
      let v = '';
      let from = j;
      for (; j < body.length && body[j] !== '"'; j++) {
        if (body[j] === '\\' && j + 1 < body.length) {
          v += body.slice(from, j);
          from = ++j;
        }
      }
      value = v + body.slice(from, j);
      i = j + 1;
    } else {
      const sp = body.indexOf(' ', i);
      const end = sp < 0 ? body.length : sp;
      value = body.slice(i, end);
      i = end;
    }
    if (WANTED.has(key) && !out.has(key)) out.set(key, value);
  }
  return out;
}

/** `name[old->new]name2[value]…` → [name, new value ('' = cleared)] pairs, in order. */
export function fortiAttributes(cfgattr: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < cfgattr.length && out.length < MAX_ATTRS) {
    const open = cfgattr.indexOf('[', i);
    if (open < 0) break;
    // a value may hold brackets (`filter[logid(0103020301)->]`): it ends at the `]` that ends the string or is
    // followed by the next attribute's `name[`
    let close = cfgattr.indexOf(']', open + 1);
    while (close >= 0 && close + 1 < cfgattr.length && !/^[A-Za-z0-9_.-]+\[/.test(cfgattr.slice(close + 1, close + 65))) {
      close = cfgattr.indexOf(']', close + 1);
    }
    if (close < 0) break;
    const name = cfgattr.slice(i, open).trim();
    const value = cfgattr.slice(open + 1, close);
    const arrow = value.indexOf('->');
    if (name !== '') out.push([name, (arrow < 0 ? value : value.slice(arrow + 2)).trim()]);
    i = close + 1;
  }
  return out;
}

/** The CLI line(s) that make the change: `set a v; unset b`, or `delete OBJ`; '' when the event names no change. */
function cliOf(action: string, obj: string | undefined, cfgattr: string | undefined): string {
  if (/^delete$/i.test(action)) return obj !== undefined ? `delete ${obj}` : '';
  const attrs = cfgattr === undefined ? [] : fortiAttributes(cfgattr);
  return attrs.map(([k, v]) => (v === '' ? `unset ${k}` : `set ${k} ${v}`)).join('; ');
}

/** Event time from `eventtime` (s, ms, µs or ns since the epoch, by its length). */
function timeOf(f: Map<string, string>): Date | undefined {
  const et = f.get('eventtime');
  if (et === undefined || !/^\d{10,19}$/.test(et)) return undefined;
  const ms = Number(et.slice(0, 13).padEnd(13, '0'));
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A FortiOS event line (the whole body); null when it is not a configuration change or changes nothing. */
export function fortiosRecord(body: string): DeviceRecord | { error: string } | null {
  const f = fortiFields(body);
  const logid = f.get('logid');
  if (logid === undefined || !(FORTIOS_CONFIG_LOGIDS as readonly string[]).includes(logid)) return null;
  const cfgpath = f.get('cfgpath');
  const action = f.get('action');
  if (cfgpath === undefined || action === undefined || !/^[A-Za-z0-9_.-]+$/.test(cfgpath)) {
    return { error: 'FortiOS configuration event without cfgpath and action' };
  }
  const obj = field(f.get('cfgobj'));
  const command = clean(cliOf(action, obj, f.get('cfgattr'))).trim();
  if (command === '') return null;
  const path = [`config ${cfgpath.replaceAll('.', ' ')}`];
  if (obj !== undefined && !command.startsWith('delete ')) path.push(`edit ${obj}`);
  const rec: DeviceRecord = { type: 'command', origin: 'fortios-config', platform: 'fortios', command, path, configMode: true };
  const user = field(f.get('user'));
  if (user !== undefined) rec.user = user;
  // ui="GUI(10.32.22.115)", "ssh(192.168.82.80)", "jsconsole(10.0.0.1)", "console"
  const ui = f.get('ui');
  if (ui !== undefined) {
    const p = ui.indexOf('(');
    const line = field(p < 0 ? ui : ui.slice(0, p));
    if (line !== undefined) rec.line = line;
    const addr = p < 0 ? undefined : remoteAddress(ui.slice(p + 1, ui.endsWith(')') ? -1 : undefined));
    if (addr !== undefined) rec.remoteAddress = addr;
  }
  const devname = field(f.get('devname'));
  if (devname !== undefined) rec.device = { hostname: devname };
  const time = timeOf(f);
  if (time !== undefined) rec.time = time;
  return rec;
}
