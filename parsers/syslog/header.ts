// Syslog header parsing: RFC 5424, RFC 3164 and the stack of optional parts real Cisco devices and relays
// print before the `%FAC-SEV-MNEMONIC:` tag. Left to right, one sticky regex per part, so a hostile line costs
// a bounded amount of work before the body, whatever its length.
import type { MessageTag, ParseFailure, SyslogMessage, TimeQuality } from '../types.js';
import { matchAt } from '../sticky.js';
import { readTimestamp, readZoneBeforeColon, withZone, zoneOffset, type TimestampMatch } from './timestamp.js';

/** Longer than any frame the listeners accept (64 KiB): such a line is not a syslog message. */
const MAX_CHARS = 65_536;
/** Header parts before the tag; real stacks have at most seven. */
const MAX_PARTS = 16;
/** How far past the parsed header a tag is still looked for (IOS-XR node ids, ASA device-id prefixes). */
const TAG_WINDOW = 160;

const PRI = /<(\d{1,3})>/y;
const VERSION_5424 = /[1-9]\d{0,2} (?=[-\d])/y;
// Kiwi Syslog Server's relay prefix in front of an RFC 5424 message.
const KIWI_PREFIX = /Original Address=\S{1,64} /y;
const TOKEN = /\S{1,255}/y;
const TAG = /%([A-Za-z0-9_]{1,32})((?:-[A-Za-z0-9_]{1,32}){0,3}?)-([0-7])-([A-Za-z0-9_]{1,64}) ?:/y;
const COUNTER = /\d{1,12}:(?: |$)/y;
const DEVICE_TS_END = / ?:(?: |$)/y;
const IPV4_HOST = /(\d{1,3}(?:\.\d{1,3}){3}) (?=\S)/y;
// IOS-XR node id before its timestamp: `RP/0/RP0/CPU0:`, `LC/0/0/CPU0:`.
const XR_NODE = /[A-Z]{1,4}\/\d{1,3}(?:\/[A-Z0-9]{1,8}){1,3}:/y;
const PROC = /([A-Za-z_][\w./-]{0,47})\[(\d{1,10})\]:(?: |$)/y;
const LABEL = /([^\s:%<>[\]]{1,255}):(?: |$)/y;
const IPV6_LABEL = /([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}):(?: |$)/y;
// ISE / ACS write their category as the 3164 TAG followed by a space, not a colon.
const ISE_APP = /((?:CISE|CSCOacs)_[A-Za-z0-9_]{1,64}) /y;
// Text between the parsed header and a tag found further on must look like header, not like a body
// (key=value, quotes, column padding): a command that contains `%SYS-5-CONFIG_I:` must not become a tag.
const NOT_HEADER_TEXT = /[\t=|"']| {2}/;
// Binary garbage is told by its start: a control byte further on may be attacker-typed text in an accounting
// line (a user or command field), which must still reach the record extractors.
const BINARY_START = /^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]{0,15}[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;

interface State {
  s: string;
  p: number;
  /** Supplies the year of year-less stamps: the receive time, or a header stamp in front of them. */
  ref: Date;
  /** Where the header stack starts (after PRI / 5424 header): an empty `: ` field is only valid there. */
  stackStart: number;
  pri?: number;
  headerTs?: TimestampMatch;
  host?: string;
  deviceTs?: TimestampMatch;
  deviceHostname?: string;
  pendingLabel?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  rfc5424: boolean;
  /** A Cisco part (counter, `host:`, device timestamp) was seen. */
  cisco: boolean;
  /** A relay's own header unwrapped from in front of the device's: its host and stamp. */
  relayHost?: string;
  relayTs?: TimestampMatch;
}

/**
 * Parses one syslog line (or one line of a syslog file). Never throws: an empty, oversized or binary line
 * is a ParseFailure, anything else at least a `bare` message whose body is the whole text.
 * `receivedAt` (or a relay stamp in front of the device's own) supplies the year of year-less stamps.
 */
export function parseSyslog(line: string, receivedAt: Date): SyslogMessage | ParseFailure {
  try {
    return parse(line, receivedAt);
  } catch (err) {
    // Input is hostile: a parser bug must cost one message, not the listener.
    return { error: `header parser failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function parse(line: string, receivedAt: Date): SyslogMessage | ParseFailure {
  if (typeof line !== 'string') return { error: 'not a string' };
  let end = line.length;
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 0) break;
    end--;
  }
  if (end > MAX_CHARS) return { error: `message too long (${end} chars)` };
  const s = end === line.length ? line : line.slice(0, end);
  let start = 0;
  while (start < s.length && s.charCodeAt(start) === 32) start++;
  if (start === s.length) return { error: 'empty message' };

  const st: State = { s, p: start, ref: receivedAt, stackStart: start, rfc5424: false, cisco: false };
  if (s[start] === '<' && !readPri(st)) return bare(st, start);
  parseStack(st);
  return finish(st);
}

/** `<PRI>`, then an RFC 5424 header when a VERSION follows. False when `<` starts no valid PRI. */
function readPri(st: State): boolean {
  const m = matchAt(PRI, st.s, st.p);
  if (!m) return false;
  const pri = Number(m[1]);
  if (pri > 191) return false;
  st.pri = pri;
  st.p = PRI.lastIndex;
  if (st.s[st.p] === ' ') st.p++;
  if (matchAt(KIWI_PREFIX, st.s, st.p)) st.p = KIWI_PREFIX.lastIndex;
  if (matchAt(VERSION_5424, st.s, st.p)) read5424(st, VERSION_5424.lastIndex);
  st.stackStart = st.p;
  return true;
}

/** RFC 5424 `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`; MSG then goes through the Cisco stack. */
function read5424(st: State, from: number): void {
  const s = st.s;
  let p = from;
  let ts: TimestampMatch | null = null;
  if (s[p] === '-') p++;
  else {
    ts = readTimestamp(s, p, st.ref);
    if (!ts || ts.shape !== 'iso') return;
    p = ts.end;
  }
  const fields: (string | undefined)[] = [];
  for (let i = 0; i < 4; i++) {
    if (s[p] !== ' ') return;
    const m = matchAt(TOKEN, s, p + 1);
    if (!m) return;
    fields.push(m[0] === '-' ? undefined : m[0]);
    p = TOKEN.lastIndex;
  }
  if (s[p] !== ' ') return;
  p = skipStructuredData(s, p + 1);
  if (p < 0) return;
  if (s[p] === ' ') p++;
  if (s.charCodeAt(p) === 0xfeff) p++;
  st.rfc5424 = true;
  if (ts) setHeaderTs(st, ts);
  [st.host, st.appName, st.procId, st.msgId] = fields;
  st.p = p;
}

/** Returns the position after `-` or `[…]…` (escapes honoured), or -1. Linear. Kiwi relays omit it. */
function skipStructuredData(s: string, p: number): number {
  if (s[p] === '-') return p + 1;
  if (s[p] !== '[') return p;
  while (s[p] === '[') {
    p++;
    for (;;) {
      if (p >= s.length) return -1;
      const c = s[p];
      if (c === '\\') p += 2;
      else if (c === ']') {
        p++;
        break;
      } else p++;
    }
  }
  return p;
}

/** Consumes the optional Cisco / RFC 3164 header parts, stopping before the tag or the body. */
function parseStack(st: State): void {
  const s = st.s;
  for (let n = 0; n < MAX_PARTS && st.p < s.length; n++) {
    const p = st.p;
    const c = s[p];
    if (c === '%') return;
    if (c === '<') {
      // A relay that wrote its own header in front of the device's `<PRI>` …
      if (st.pri === undefined) {
        if (!readPri(st)) return;
        continue;
      }
      // … or its whole header, PRI and all, in front of the device's whole message (`logger '<189>…'`, rsyslog
      // forwarding the raw message, RFC 3164 inside RFC 5424): the relay's parts are set aside, the device's read.
      if (!unwrapRelay(st)) return;
      continue;
    }
    if (st.deviceTs) {
      // After the device timestamp only an IOS-XR `process[pid]:` can precede the tag.
      if (matchAt(PROC, s, p)) setProc(st);
      return;
    }
    const ts = readTimestamp(s, p, st.ref);
    if (ts) {
      if (!readTimestampPart(st, ts)) return;
      continue;
    }
    if (matchAt(COUNTER, s, p)) {
      resolveLabel(st);
      st.cisco = true;
      st.p = COUNTER.lastIndex;
      continue;
    }
    if (p === st.stackStart && s.startsWith(': ', p)) {
      // `<189>: sw01: …`, `<189>: 2023 …`: an empty counter or host field.
      st.cisco = true;
      st.p = p + 2;
      continue;
    }
    if (st.host === undefined && st.deviceHostname === undefined && st.pendingLabel === undefined) {
      const ip = matchAt(IPV4_HOST, s, p);
      if (ip) {
        st.host = ip[1];
        st.p = IPV4_HOST.lastIndex;
        continue;
      }
    }
    if (matchAt(XR_NODE, s, p)) {
      resolveLabel(st);
      st.p = XR_NODE.lastIndex;
      continue;
    }
    if (matchAt(PROC, s, p)) {
      resolveLabel(st);
      setProc(st);
      return;
    }
    const label = matchAt(LABEL, s, p) ?? matchAt(IPV6_LABEL, s, p);
    if (label) {
      resolveLabel(st);
      st.pendingLabel = label[1];
      st.p = label.index + label[0].length;
      continue;
    }
    return;
  }
}

/** A timestamp is the device's when a colon follows (after an optional zone), else a header's before its host. */
function readTimestampPart(st: State, ts: TimestampMatch): boolean {
  const s = st.s;
  let stamp = ts;
  if (ts.shape !== 'uptime' && !ts.zoned) {
    const zone = readZoneBeforeColon(s, ts.end);
    if (zone) stamp = withZone(ts, zone.end, zone.offsetMin);
  }
  if (matchAt(DEVICE_TS_END, s, stamp.end)) {
    resolveLabel(st);
    st.deviceTs = stamp;
    st.cisco = true;
    st.p = DEVICE_TS_END.lastIndex;
    return true;
  }
  const marked = s[st.p] === '*' || s[st.p] === '.';
  if (marked || ts.shape === 'uptime' || ts.shape === 'ctime') return false;
  const nested = st.headerTs !== undefined && st.host !== undefined && !outerOnly(st);
  if (!nested && (st.headerTs || st.host !== undefined)) return false;
  const host = readHeaderHost(s, ts.end);
  if (!host) return false;
  if (nested) {
    // A second `STAMP HOST` after the first: a relay's header in front of the device's (rsyslog `%msg%` templates).
    st.relayTs = st.headerTs;
    st.relayHost = st.host;
  }
  setHeaderTs(st, ts);
  st.host = host.host;
  st.p = host.end;
  return true;
}

/** Only a header has been read so far: no device part (stamp, counter, `host:`) and no tag or label. */
function outerOnly(st: State): boolean {
  return st.deviceTs !== undefined || st.cisco || st.deviceHostname !== undefined || st.pendingLabel !== undefined || st.relayHost !== undefined;
}

/** Sets a complete relay header aside and reads the `<PRI>` (and header) that follows as the device's. */
function unwrapRelay(st: State): boolean {
  const headerRead = st.rfc5424 || st.headerTs !== undefined || st.host !== undefined;
  if (!headerRead || st.deviceTs !== undefined || st.cisco || st.deviceHostname !== undefined || st.relayHost !== undefined || st.relayTs !== undefined) return false;
  const saved = { ...st };
  st.relayHost = st.host;
  st.relayTs = st.headerTs;
  // The relay's tag (`root:`, `rsyslogd:`) and PRI say nothing about the device.
  st.host = st.headerTs = st.pri = st.appName = st.procId = st.msgId = st.pendingLabel = undefined;
  st.rfc5424 = false;
  if (readPri(st)) return true;
  Object.assign(st, saved);
  return false;
}

/** The header (relay) stamp also dates year-less stamps after it: archives replayed years later keep their year. */
function setHeaderTs(st: State, ts: TimestampMatch): void {
  st.headerTs = ts;
  if (ts.time) st.ref = ts.time;
}

/**
 * The RFC 3164 HOSTNAME after a header timestamp: `host `, `host: ` or `host : ` (NX-OS). A host followed by a
 * TAB or a run of spaces is a column-aligned file (tac_plus accounting), not a syslog header.
 */
function readHeaderHost(s: string, pos: number): { host: string; end: number } | null {
  let q = pos;
  while (s[q] === ' ' && q - pos < 3) q++;
  if (q === pos) return null;
  const m = matchAt(TOKEN, s, q);
  if (!m) return null;
  let host = m[0];
  const e = TOKEN.lastIndex;
  if (host[0] === '%' || host[0] === '<') return null;
  if (host.length > 1 && host.endsWith(':')) {
    host = host.slice(0, -1);
    return { host, end: s[e] === ' ' ? e + 1 : e };
  }
  if (s.startsWith(' : ', e)) return { host, end: e + 3 };
  if (s[e] === ' ' && e + 1 < s.length && s[e + 1] !== ' ' && s[e + 1] !== '\t') return { host, end: e + 1 };
  return null;
}

function setProc(st: State): void {
  const m = matchAt(PROC, st.s, st.p);
  if (!m) return;
  st.appName = m[1];
  st.procId = m[2];
  st.p = PROC.lastIndex;
}

/** A `word:` followed by more header parts is the device's hostname (the first one; later ones are task names). */
function resolveLabel(st: State): void {
  if (st.pendingLabel === undefined) return;
  if (st.deviceHostname === undefined) st.deviceHostname = st.pendingLabel;
  st.pendingLabel = undefined;
  st.cisco = true;
}

function finish(st: State): SyslogMessage | ParseFailure {
  const s = st.s;
  if (st.pendingLabel !== undefined) {
    // `eos Aaa: %ACCOUNTING…`: after a header host, a last `word:` is the RFC 3164 TAG (app name), unless
    // it is the header stamp's zone that a relay pushed behind the host (`Jun 14 11:34:35 host AEST: %…`).
    if (st.host !== undefined) {
      const offset = st.headerTs && !st.deviceTs ? zoneOffset(st.pendingLabel) : undefined;
      if (st.headerTs && offset !== undefined) st.headerTs = withZone(st.headerTs, st.headerTs.end, offset);
      else st.appName ??= st.pendingLabel;
      st.pendingLabel = undefined;
    } else resolveLabel(st);
  }
  let tag: MessageTag | undefined;
  let bodyStart = st.p;
  let t = matchAt(TAG, s, st.p);
  if (!t && st.appName === undefined) {
    const ise = matchAt(ISE_APP, s, st.p);
    if (ise) {
      st.appName = ise[1];
      bodyStart = ISE_APP.lastIndex;
    } else {
      t = findTagNear(s, st.p);
    }
  }
  if (t) {
    tag = { facility: t[1] ?? '', severity: Number(t[3]), mnemonic: t[4] ?? '', text: `${t[1]}${t[2]}-${t[3]}-${t[4]}` };
    bodyStart = TAG.lastIndex;
    if (s[bodyStart] === ' ') bodyStart++;
  }

  const recognised = tag !== undefined || st.cisco || st.host !== undefined || st.appName !== undefined || st.rfc5424;
  if (!recognised) return bare(st, st.stackStart);

  const msg: SyslogMessage = {
    format: st.rfc5424 ? 'rfc5424' : tag || st.cisco ? 'cisco' : 'rfc3164',
    timeQuality: 'unknown',
    body: s.slice(bodyStart),
  };
  setPri(msg, st.pri);
  const hostname = originHost(st.host ?? st.deviceHostname ?? st.relayHost);
  if (hostname !== undefined) msg.hostname = hostname;
  if (st.deviceHostname !== undefined && st.deviceHostname !== hostname) msg.deviceHostname = st.deviceHostname;
  if (st.appName !== undefined) msg.appName = st.appName;
  if (st.procId !== undefined) msg.procId = st.procId;
  if (st.msgId !== undefined) msg.msgId = st.msgId;
  if (tag) msg.tag = tag;
  // The device's own stamp wins; a header stamp in front of it is the relay's clock.
  const own = st.deviceTs ?? st.headerTs;
  if (own) setTime(msg, own.time, own.quality);
  const relay = st.relayTs ?? (st.deviceTs ? st.headerTs : undefined);
  if (relay?.time) msg.relayTime = relay.time;
  return msg;
}

/** syslog-ng's chained `$HOST/$HOST_FROM` (`10.77.9.9/logrelay-dc1`): the first is where the message came from. */
function originHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const slash = host.indexOf('/');
  return slash > 0 ? host.slice(0, slash) : host;
}

/** A tag a little further on, when only header-like text lies between (IOS-XR, ASA device-id, relays). */
function findTagNear(s: string, from: number): RegExpExecArray | null {
  let i = s.indexOf('%', from);
  while (i >= 0 && i - from <= TAG_WINDOW) {
    const m = matchAt(TAG, s, i);
    if (m) return NOT_HEADER_TEXT.test(s.slice(from, i)) ? null : m;
    i = s.indexOf('%', i + 1);
  }
  return null;
}

/** No header recognised: the whole text (after any PRI) is the body; a leading timestamp still dates it. */
function bare(st: State, from: number): SyslogMessage | ParseFailure {
  const s = st.s;
  const text = from === 0 ? s : s.slice(from);
  if (BINARY_START.test(text)) return { error: 'binary data' };
  const msg: SyslogMessage = { format: 'bare', timeQuality: 'unknown', body: text };
  setPri(msg, st.pri);
  const ts = readTimestamp(s, from, st.ref);
  if (ts) setTime(msg, ts.time, ts.quality);
  return msg;
}

function setPri(msg: SyslogMessage, pri: number | undefined): void {
  if (pri === undefined) return;
  msg.pri = pri;
  msg.facility = pri >> 3;
  msg.severity = pri & 7;
}

function setTime(msg: SyslogMessage, time: Date | undefined, quality: TimeQuality): void {
  msg.timeQuality = quality;
  if (time) msg.deviceTime = time;
}
