// Sigma rules written for a SIEM (SigmaHQ's, a SOC's own) rather than for capwatch: no `capwatch:` section. Their
// log source says which events they are about; where capwatch receives those events (Cisco command accounting) the
// rule's keywords and field names are mapped onto the CommandEvent and it runs like any rule. Every other log source
// (routing-protocol messages, Zeek, DNS, firewalls, FortiGate) is refused with the reason, and so is anything the
// engine cannot evaluate; the loader reports those rules as skipped, it does not stop.
import type { DetectionKind, Platform } from '../../types.js';
import { assembleRule, compileDetection, map, ruleHeader, str } from './compile.js';
import type { FieldDialect } from './selection.js';
import { FIELDS, type FieldName, type Rule } from './types.js';
import type { EventView } from './view.js';

interface MappedLogsource {
  readonly receivedAs: string;
  /** Events of these platforms are the rule's; so are events of unknown platform (TACACS+ records name none). */
  readonly platforms: readonly Platform[];
  /** Field names besides capwatch's own (FIELDS) that the log's records have, and the event field each is. */
  readonly fields: Readonly<Record<string, FieldName>>;
}

/** The log sources capwatch receives, keyed `product/service`. */
const MAPPED: Readonly<Record<string, MappedLogsource>> = {
  'cisco/aaa': {
    receivedAs:
      'Cisco command accounting: TACACS+ accounting (its own listener, tac_plus and ISE logs), IOS archive log config (%PARSER-5-CFGLOG_LOGGEDCMD), NX-OS accounting (%AAA-6-AAA_ACCOUNTING_MESSAGE)',
    platforms: ['ios', 'iosxe', 'nxos', 'asa'],
    // The TACACS+ accounting record's own names (RFC 8907 §6.2, §8): cmd=, and the port and rem_addr of its header.
    fields: { cmd: 'command', port: 'line', rem_addr: 'remoteAddress' },
  },
};

/** Log sources capwatch never receives, and why; matched on `product/service`, then `product`, then `category`. */
const NOT_RECEIVED: readonly { readonly match: string; readonly reason: string }[] = [
  ...['cisco/bgp', 'cisco/ldp', 'huawei/bgp', 'juniper/bgp'].map((match) => ({
    match,
    reason:
      'routing-protocol messages (BGP/LDP authentication failures), not operator commands: capwatch reads only the messages that carry commands and drops the rest before parsing',
  })),
  { match: 'zeek', reason: 'Zeek network-sensor logs (conn, dns, http, smb, dce_rpc…): capwatch reads device commands, not traffic logs' },
  { match: 'fortigate', reason: 'FortiGate event logs (action, cfgpath fields): capwatch reads no FortiGate messages' },
  { match: 'category:dns', reason: 'DNS query logs (query, answer fields): capwatch reads device commands, not DNS logs' },
  { match: 'category:firewall', reason: 'firewall connection logs (dst_port, action fields): capwatch reads device commands, not traffic logs' },
];

function logsourceName(ls: Readonly<Record<string, string>>): string {
  if (ls.product !== undefined) return ls.service !== undefined ? `${ls.product}/${ls.service}` : ls.product;
  if (ls.category !== undefined) return `category:${ls.category}`;
  return ls.service !== undefined ? `service:${ls.service}` : '(none)';
}

function notReceivedReason(ls: Readonly<Record<string, string>>): string {
  const keys = [ls.product !== undefined && ls.service !== undefined ? `${ls.product}/${ls.service}` : undefined, ls.product, ls.category && `category:${ls.category}`];
  for (const key of keys) {
    const known = key !== undefined && NOT_RECEIVED.find((n) => n.match === key);
    if (known) return `logsource ${logsourceName(ls)}: ${known.reason}`;
  }
  return `logsource ${logsourceName(ls)} is not a log capwatch receives (it maps ${Object.keys(MAPPED).join(', ')})`;
}

function dialectOf(name: string, mapped: MappedLogsource, used: Map<string, FieldName>): FieldDialect {
  const accepted = [...FIELDS, ...Object.keys(mapped.fields)];
  return {
    resolve(field) {
      const own = (FIELDS as readonly string[]).includes(field) ? (field as FieldName) : mapped.fields[field];
      if (own !== undefined) used.set(field, own);
      return own;
    },
    unknown: (field) => `field '${field}' is not in ${name} events as capwatch receives them (fields: ${accepted.join(', ')})`,
    keywordsInRaw: false,
  };
}

/** T1040 is what capwatch is about: a rule tagged with it is a capture (its most general kind); any other is `other`. */
function kindOf(techniques: readonly string[]): { kind: DetectionKind; kindFrom: string } {
  return techniques.some((t) => t === 'T1040' || t.startsWith('T1040.'))
    ? { kind: 'capture', kindFrom: 'tagged attack.t1040 (network sniffing)' }
    : { kind: 'other', kindFrom: 'no attack.t1040 tag' };
}

export type ForeignResult = { readonly rule: Rule } | { readonly skipped: string };

/**
 * A Sigma rule without a `capwatch:` section → a Rule, or why it cannot run on what capwatch receives (the loader
 * reports it as skipped). A document that is not a Sigma rule at all (no title, logsource or detection) is an error,
 * thrown as a plain Error: that file is broken, whoever wrote it.
 */
export function compileForeignRule(doc: Record<string, unknown>, file: string): ForeignResult {
  if (doc.correlation !== undefined) return { skipped: 'a correlation rule: capwatch evaluates one event at a time' };
  if (doc.filter !== undefined && doc.detection === undefined) return { skipped: 'a Sigma filter, not a rule: filters go in detection.filters' };
  str(doc, 'title', true);
  map(doc.logsource, 'logsource');
  const block = map(doc.detection, 'detection');
  if (block.condition === undefined) throw new Error("missing field 'detection.condition'");
  try {
    const header = ruleHeader(doc);
    const name = logsourceName(header.logsource);
    const mapped = MAPPED[name];
    if (mapped === undefined) return { skipped: notReceivedReason(header.logsource) };
    const used = new Map<string, FieldName>();
    const detection = compileDetection(block, 'detection', [], dialectOf(name, mapped, used));
    const hasKeywords = [...detection.sels.values()].some((s) => s.type === 'keywords');
    const fields = [...(hasKeywords ? ['keywords → command'] : []), ...[...used].map(([from, to]) => `${from} → ${to}`)];
    const { kind, kindFrom } = kindOf(header.techniques);
    const platforms = new Set<string>(mapped.platforms);
    const gate = (v: EventView): boolean => {
      const p = v.event.device.platform;
      return p === undefined || platforms.has(p);
    };
    return { rule: assembleRule(header, { kind, action: 'none', detection, gate, foreign: { logsource: name, receivedAs: mapped.receivedAs, fields, kindFrom } }, file) };
  } catch (err) {
    // Valid Sigma that capwatch cannot evaluate (a modifier or field it lacks, an aggregation, no level…).
    return { skipped: (err as Error).message };
  }
}
