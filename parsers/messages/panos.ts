// PAN-OS syslog, CSV: the CONFIG log (a configuration change: command, admin, client, configuration path) and the
// audit log (an operational command run from the web UI or the CLI, as the XML request the management plane got:
// `<debug><dataplane><packet-diag><set><capture><on/></capture></set></packet-diag></dataplane></debug>`, which is
// the CLI's `debug dataplane packet-diag set capture on`). Other PAN-OS logs (TRAFFIC, THREAT, SYSTEM…) carry no
// operator command.
import type { CommandResult, DeviceRecord } from '../types.js';
import { clean, field, remoteAddress } from './text.js';

/** The log type columns that carry an operator's action (as the pre-filter keys on them). */
export const PANOS_MARKERS = [',CONFIG,', ',audit,'] as const;

/** A CONFIG line has 17 to 30 columns; more would be no PAN-OS log. */
const MAX_FIELDS = 40;
const MAX_WORDS = 256;

/** CSV columns (`"…"` quoted, `""` a quote inside), at most MAX_FIELDS. */
export function csvFields(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (out.length < MAX_FIELDS) {
    if (s[i] === '"') {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q < 0) {
          v += s.slice(j);
          j = s.length;
          break;
        }
        v += s.slice(j, q);
        if (s[q + 1] === '"') {
          v += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(v);
      i = j;
      if (s[i] === ',') i++;
      else break;
    } else {
      const c = s.indexOf(',', i);
      out.push(c < 0 ? s.slice(i) : s.slice(i, c));
      if (c < 0) break;
      i = c + 1;
    }
  }
  return out;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&apos;': "'" };

function decode(s: string): string {
  return s.replace(/&(?:lt|gt|amp|quot|apos);/g, (e) => ENTITIES[e]!);
}

/**
 * The CLI words of a PAN-OS XML operational request: each element's name, an `<entry name="x">`'s name, and text
 * content (quoted when it has blanks); closing tags add nothing. Undefined when it is not such a request.
 */
export function xmlToCli(xml: string): string | undefined {
  const s = xml.trim();
  if (!s.startsWith('<')) return undefined;
  const words: string[] = [];
  let i = 0;
  while (i < s.length && words.length < MAX_WORDS) {
    const lt = s.indexOf('<', i);
    const text = decode((lt < 0 ? s.slice(i) : s.slice(i, lt)).trim());
    if (text !== '') words.push(/\s/.test(text) ? `"${text}"` : text);
    if (lt < 0) break;
    const gt = s.indexOf('>', lt);
    if (gt < 0) return undefined;
    const tag = s.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/') || tag.startsWith('?') || tag.startsWith('!')) continue;
    const name = /^[A-Za-z0-9_.:-]+/.exec(tag)?.[0];
    if (name === undefined) return undefined;
    const named = name === 'entry' ? /\bname="([^"]*)"/.exec(tag)?.[1] : undefined;
    words.push(named !== undefined ? decode(named) : name);
  }
  return words.length === 0 ? undefined : words.join(' ');
}

const RESULTS: Record<string, CommandResult> = { Succeeded: 'success', Submitted: 'success', Failed: 'failure', Unauthorized: 'failure', success: 'success', failure: 'failure' };

/** PAN-OS `YYYY/MM/DD HH:MM:SS` (the firewall's local time, no zone: read as UTC, as Elastic's pipeline does by default). */
function timeOf(s: string | undefined): Date | undefined {
  const m = s === undefined ? null : /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function withResult(rec: DeviceRecord, result: string | undefined): DeviceRecord {
  const r = result === undefined ? undefined : RESULTS[result.trim()];
  if (r !== undefined) rec.result = r;
  return rec;
}

/**
 * CONFIG: `FUTURE_USE, Receive Time, Serial, CONFIG, Subtype, FUTURE_USE, Generated Time, Host, Vsys, Command, Admin,
 * Client, Result, Configuration Path, …` → `set vsys vsys1 rulebase security rules x` (command and path; the
 * before/after details move between releases and are left in the raw line).
 */
function configRecord(f: string[]): DeviceRecord | { error: string } | null {
  const [, , , , , , generated, host, , cmd, admin, client, result, path] = f;
  if (cmd === undefined || path === undefined) return { error: 'PAN-OS CONFIG log with fewer columns than documented' };
  const command = clean(`${cmd} ${path}`).replace(/\s+/g, ' ').trim();
  if (!/^[a-z-]+ \S/.test(command)) return null; // `commit` and friends name no path: no configuration to judge
  const rec: DeviceRecord = { type: 'command', origin: 'panos-config', platform: 'panos', command, configMode: true };
  const user = field(admin);
  if (user !== undefined) rec.user = user;
  const line = field(client);
  if (line !== undefined) rec.line = line;
  const addr = remoteAddress(host);
  if (addr !== undefined) rec.remoteAddress = addr;
  const time = timeOf(generated);
  if (time !== undefined) rec.time = time;
  return withResult(rec, result);
}

/** audit: `Serial, Time, audit, Code, Type (gui-op…), User, "<xml request>", Result`. */
function auditRecord(f: string[]): DeviceRecord | { error: string } | null {
  const [, time, , , type, user, request, result] = f;
  if (request === undefined) return { error: 'PAN-OS audit log with fewer columns than documented' };
  const cli = xmlToCli(request);
  const command = clean(cli ?? request).replace(/\s+/g, ' ').trim();
  if (command === '') return null;
  const rec: DeviceRecord = { type: 'command', origin: 'panos-audit', platform: 'panos', command };
  const u = field(user);
  if (u !== undefined) rec.user = u;
  const line = field(type);
  if (line !== undefined) rec.line = line;
  const t = timeOf(time);
  if (t !== undefined) rec.time = t;
  return withResult(rec, result);
}

/** A PAN-OS CSV log body; null for the log types that carry no operator action. */
export function panosRecord(body: string): DeviceRecord | { error: string } | null {
  const f = csvFields(body);
  if (f[3] === 'CONFIG') return configRecord(f);
  if (f[2] === 'audit') return auditRecord(f);
  return null;
}
