// The pre-filter every received line meets before any parsing. It keys on exact message tags and markers,
// never on the words "monitor" or "capture" (`ip flow monitor`, `terminal monitor`, NetFlow `for monitor FM`
// are everywhere). A false positive costs one parse; a false negative loses a command, so it errs on keeping.
import { CLOUD_MARKERS } from './cloud/index.js';
import { FORTIOS_CONFIG_MARKERS } from './messages/fortios.js';
import { PANOS_MARKERS } from './messages/panos.js';

/** What the pre-filter keys on (exported so the pipeline and docs can show it). */
export const PREFILTER_KEYS = {
  /** Cisco tags, matched right after a `%` (IOS-XR may put `MGBL-` in front of `SYS-`). */
  tags: [
    'PARSER-5-CFGLOG_LOGGEDCMD',
    'BUFCAP-',
    'HA_EM-',
    'AAA-6-AAA_ACCOUNTING_MESSAGE',
    'SYS-5-CONFIG_I',
    'SYS-5-CONFIG_P',
    'VSHD-5-VSHD_SYSLOG_CONFIG_I',
    'ACCOUNTING-6-CMD',
    'INTERACT-6-UI_CMDLINE_READ_LINE',
    'RITE-5-ACTIVATE',
    'SYS-5-CONFIG_E',
    'CONFIG-6-DB_COMMIT',
    'SYS-6-LOGGINGHOST_STARTSTOP',
  ],
  /** NX-OS sudo lines, kept only with `COMMAND=` (bash-shell commands). */
  sudoTag: 'AUTHPRIV-5-SYSTEM_MSG',
  /** ASA command audit `%ASA-n-ID` (also `%PIX-`, `%FTD-`). */
  asaPrefixes: ['ASA-', 'PIX-', 'FTD-'],
  asaIds: ['111008', '111009', '111010'],
  /** Lines without a `%` tag: ISE and Junos (commands, and the commits that make them take effect). */
  markers: ['CISE_TACACS_Accounting', 'UI_CMDLINE_READ_LINE', 'UI_COMMIT'],
  /** Linux sudo lines (SONiC, Cumulus, Junos Evolved): `COMMAND=` with the `sudo` app name before it. */
  sudo: { marker: 'COMMAND=', app: ' sudo' },
  /** FortiGate configuration-change events and PAN-OS CONFIG / audit logs (no `%` tag either), each looked for only
   * when the line has the part all of its markers share (`logid=`; a comma), so chatter pays one scan for each. */
  fortiosGate: 'logid=',
  fortiosMarkers: FORTIOS_CONFIG_MARKERS,
  panosGate: ',',
  panosMarkers: PANOS_MARKERS,
  /** tac_plus / tac_plus-ng accounting files (TAB-separated, or tacacsgui's `|!|`), kept with a start / stop / update column. */
  accountingMarkers: ['task_id=', '\t', '|!|'],
  accountingTypes: ['stop', 'start', 'update'],
  /** NX-OS local accounting log (`…2018:update:…`, `type=update:`, `stop:`). */
  nxosLocalLog: ['update:', 'stop:'],
  /** Cloud audit records (CloudTrail, Cloud Audit Logs, Activity Log) forwarded as a syslog message or a bare JSON
   * line: their mirror markers are looked for only in a line with no Cisco tag that opens a JSON object. */
  cloudGate: '{"',
  cloudMarkers: CLOUD_MARKERS,
} as const;

const K = PREFILTER_KEYS;
const XR_FACILITY = 'MGBL-';
// A message's own tag sits in its header; later tags are body text. Bounds the work a line of `%%%…` costs: a `%`
// that starts no tag (`%%`, `100%`) is skipped without counting, since the header parser skips it too.
const TAG_SEARCH_CHARS = 512;
const TAG_SEARCH_COUNT = 4;

// Every prefix that can follow `%`, grouped by its first letter: a chatter tag (`%LINK-…`) costs one lookup.
const PREFIXES_BY_FIRST = new Map<string, string[]>();
for (const t of [...K.tags, K.sudoTag, ...K.asaPrefixes]) {
  const list = PREFIXES_BY_FIRST.get(t.charAt(0)) ?? [];
  list.push(t);
  PREFIXES_BY_FIRST.set(t.charAt(0), list);
}

/** True when the line may carry an operator command or a capture / config-session event. */
export function mayCarryCommand(line: string): boolean {
  const tag = scanTags(line);
  if (tag === COMMAND_TAG) return true;
  // The untagged formats below put their marker in the header, before the command. A message with some other Cisco
  // tag (`%LINK-3-UPDOWN`) is kept only when a marker comes before that tag: most chatter leaves after scanning its
  // short header, while a command that quotes a tag (`cmd=show log | i %LINK-3-UPDOWN`) is still kept.
  const end = tag === NO_TAG ? line.length : tag;
  if (!mayHoldMarker(line, end)) return false;
  for (const m of K.markers) if (includesBefore(line, m, end)) return true;
  const sudoCommand = end >= K.sudo.marker.length ? line.lastIndexOf(K.sudo.marker, end - K.sudo.marker.length) : -1;
  if (sudoCommand > 0 && line.lastIndexOf(K.sudo.app, sudoCommand) >= 0) return true;
  if (firstBefore(line, K.fortiosGate, end)) for (const m of K.fortiosMarkers) if (includesBefore(line, m, end)) return true;
  if (firstBefore(line, K.panosGate, end)) for (const m of K.panosMarkers) if (includesBefore(line, m, end)) return true;
  if (tag === NO_TAG && line.includes(K.cloudGate)) for (const m of K.cloudMarkers) if (line.includes(m)) return true;
  for (const m of K.accountingMarkers) if (includesBefore(line, m, end)) return includesAny(line, K.accountingTypes);
  for (const m of K.nxosLocalLog) if (includesBefore(line, m, end)) return true;
  return false;
}

/**
 * One pass over line[0, end) for what every marker below has in it: `_`, `=`, `,`, a TAB, `|`, or `e:` / `p:`
 * (`update:`, `stop:`). A Cisco header before its tag (`<189>12: sw1: 12: Nov 22 10:01:00.000 UTC: `) has none, so
 * chatter skips the dozen marker searches; a line that has one only pays them as before.
 */
function mayHoldMarker(line: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 95 || c === 61 || c === 44 || c === 9 || c === 124) return true;
    if (c === 58 && i > 0) {
      const before = line.charCodeAt(i - 1);
      if (before === 101 || before === 112) return true;
    }
  }
  return false;
}

/** True when `needle` occurs wholly within line[0, end): a backward search from `end`, so no scan past it. */
function includesBefore(line: string, needle: string, end: number): boolean {
  return end >= needle.length && line.lastIndexOf(needle, end - needle.length) >= 0;
}

/** includesBefore for a needle chatter seldom has: a forward indexOf, which V8 runs about three times faster than a
 * backward lastIndexOf over a Cisco header; the first occurrence is before `end` when any is. */
function firstBefore(line: string, needle: string, end: number): boolean {
  const at = line.indexOf(needle);
  return at >= 0 && at + needle.length <= end;
}

const COMMAND_TAG = -2;
const NO_TAG = -1;

/** A command-carrying tag near the start of the line (COMMAND_TAG), else where the first other Cisco tag is, or NO_TAG. */
function scanTags(line: string): number {
  let i = line.indexOf('%');
  let first = NO_TAG;
  for (let n = 0; i >= 0 && i < TAG_SEARCH_CHARS && n < TAG_SEARCH_COUNT; i = line.indexOf('%', i + 1)) {
    if (tagAt(line, i + 1)) return COMMAND_TAG;
    if (!isCiscoTag(line, i + 1)) continue;
    if (first === NO_TAG) first = i;
    n++;
  }
  return first;
}

/**
 * True when one of the command-carrying tags is in the line: a line that has one but whose parsed header has no tag
 * was misread, not uninteresting (the pipeline counts it as a parse error rather than dropping it unseen).
 */
export function hasCommandTag(line: string): boolean {
  return scanTags(line) === COMMAND_TAG;
}

const MAX_TAG_CHARS = 80;

/**
 * `FAC(-SUB)*-SEV-MNEMONIC:` at `at` (just past a `%`): segments of A–Z, 0–9, `_`; a later one a single
 * severity digit 0–7 with a mnemonic after it. A linear scan, not a regex: crafted input cannot make it backtrack.
 */
function isCiscoTag(line: string, at: number): boolean {
  const end = Math.min(line.length, at + MAX_TAG_CHARS);
  let segment = 0;
  let segLen = 0;
  let segFirst = 0;
  let sevAt = -1;
  let p = at;
  for (; p < end; p++) {
    const c = line.charCodeAt(p);
    if (c === 45) {
      if (segLen === 0) return false;
      if (segment > 0 && segLen === 1 && segFirst >= 48 && segFirst <= 55) sevAt = segment;
      segment++;
      segLen = 0;
    } else if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) {
      if (segLen === 0) segFirst = c;
      if (segment === 0 && segLen === 0 && (c < 65 || c > 90)) return false;
      segLen++;
    } else break;
  }
  // As in the header parser, a tag ends at its colon (`%LINK-3-UPDOWN:`, `%ASA-6-302013 :`); `%A-5-B%…` is no tag.
  const colon = line.charCodeAt(p) === 58 || (line.charCodeAt(p) === 32 && line.charCodeAt(p + 1) === 58);
  return colon && sevAt > 0 && (sevAt < segment - 1 || segLen > 0);
}

function tagAt(line: string, at: number): boolean {
  // IOS-XR puts a facility in front: `%MGBL-SYS-5-CONFIG_I`.
  const p = line.startsWith(XR_FACILITY, at) ? at + XR_FACILITY.length : at;
  const candidates = PREFIXES_BY_FIRST.get(line.charAt(p));
  if (!candidates) return false;
  for (const t of candidates) {
    if (!line.startsWith(t, p)) continue;
    if (t === K.sudoTag) return line.includes('COMMAND=', p);
    if ((K.asaPrefixes as readonly string[]).includes(t)) return isAsaAudit(line, p + t.length);
    return true;
  }
  return false;
}

/** After `%ASA-`: one severity digit, a dash, then an audit message id. */
function isAsaAudit(line: string, p: number): boolean {
  if (line.charCodeAt(p + 1) !== 45) return false;
  for (const id of K.asaIds) if (line.startsWith(id, p + 2)) return true;
  return false;
}

function includesAny(line: string, needles: readonly string[]): boolean {
  for (const n of needles) if (line.includes(n)) return true;
  return false;
}
