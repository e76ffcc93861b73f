// From a parsed syslog message to the one thing it reports about an operator or a capture, by message tag,
// then by app name, then by the shape of a bare line (accounting files read by `replay`).
import { isParseFailure, type DeviceRecord, type MessageTag, type ParseFailure, type SyslogMessage } from '../types.js';
import { asaRecord } from './asa.js';
import { eemRecord } from './eem.js';
import { eosConfigStartRecord, isEosAgent } from './eos.js';
import { FORTIOS_CONFIG_MARKERS, fortiosRecord } from './fortios.js';
import { capturePointRecord, cfglogRecord, configEndRecord, loggingHostRecord, trafficExportRecord } from './ios.js';
import { iseRecord } from './ise.js';
import { xrCommitRecord } from './iosxr.js';
import { JUNOS_COMMITS, junosCommitRecord, junosRecord } from './junos.js';
import { PANOS_MARKERS, panosRecord } from './panos.js';
import { nxosAccountingRecord, nxosConfigEndRecord, nxosLocalAccountingRecord, nxosSudoRecord } from './nxos.js';
import { sudoRecord } from './sudo.js';
import { eosAccountingRecord, tacplusRecord } from './tacplus.js';

export interface ExtractOptions {
  /** EEM applet names whose `%HA_EM-6-LOG` lines are CLI logging; empty or absent = every applet. */
  eemApplets?: readonly string[];
}

const JUNOS_CLI = 'UI_CMDLINE_READ_LINE';
const ASA_FACILITIES = new Set(['ASA', 'PIX', 'FTD']);
const SUDO = 'sudo';

/** `UI_COMMIT` or `UI_COMMIT_COMPLETED` when the body starts with one of them and its colon. */
function junosMessageName(body: string): string | undefined {
  if (!body.startsWith('UI_COMMIT')) return undefined;
  const colon = body.indexOf(':');
  const name = colon < 0 ? '' : body.slice(0, colon);
  return JUNOS_COMMITS.has(name) ? name : undefined;
}

/** EOS prints IOS's configuration tags from its own agents: the record is about an EOS device. */
function eosAgent(rec: DeviceRecord | ParseFailure | null, msg: SyslogMessage): DeviceRecord | ParseFailure | null {
  if (rec !== null && !isParseFailure(rec) && rec.origin === 'device' && isEosAgent(msg.appName)) rec.platform = 'eos';
  return rec;
}

/**
 * The DeviceRecord a message carries; null for a valid message that carries nothing for capwatch; a
 * ParseFailure when a message of a known kind is not in its known shape. Never throws.
 */
export function extractRecord(msg: SyslogMessage, opts?: ExtractOptions): DeviceRecord | ParseFailure | null {
  try {
    if (msg.tag) return eosAgent(fromTag(msg.tag, msg.body, opts), msg);
    if (msg.appName === 'CISE_TACACS_Accounting') return iseRecord(msg.body);
    if (msg.msgId === JUNOS_CLI) return junosRecord(msg.body);
    if (msg.body.startsWith(`${JUNOS_CLI}: `)) return junosRecord(msg.body.slice(JUNOS_CLI.length + 2));
    if (msg.msgId !== undefined && JUNOS_COMMITS.has(msg.msgId)) return junosCommitRecord(msg.msgId, msg.body);
    const junosCommit = junosMessageName(msg.body);
    if (junosCommit !== undefined) return junosCommitRecord(junosCommit, msg.body.slice(junosCommit.length + 1).trimStart());
    if (msg.appName === SUDO) return sudoRecord(msg.body, 'sudo');
    if (isFortiosConfig(msg.body)) return fortiosRecord(msg.body);
    if (isPanosAction(msg.body)) return panosRecord(msg.body);
    return nxosLocalAccountingRecord(msg.body) ?? tacplusRecord(msg.body);
  } catch (err) {
    // Input is hostile and the extractors are many: a bug must cost one message, not the pipeline.
    return { error: `extractor failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** A FortiGate configuration-change event: `logid="0100044547"` (or unquoted, as older FortiOS logs it). */
function isFortiosConfig(body: string): boolean {
  for (const m of FORTIOS_CONFIG_MARKERS) if (body.includes(m)) return true;
  return false;
}

/** A PAN-OS CONFIG or audit log: its type column, between commas, in the first columns. */
function isPanosAction(body: string): boolean {
  for (const m of PANOS_MARKERS) {
    const at = body.indexOf(m);
    if (at >= 0 && at < PANOS_TYPE_WITHIN) return true;
  }
  return false;
}
const PANOS_TYPE_WITHIN = 80;

/**
 * The tag exactly as the device prints it (IOS-XR may put `MGBL-` in front), as the pre-filter keys on it: a look-alike
 * such as `%ARSER-5-CFGLOG_LOGGEDCMD` is no device's message, and reading it would make the pre-filter's keys wrong.
 */
function tagIs(tag: MessageTag, text: string): boolean {
  return tag.text === text || tag.text === `MGBL-${text}`;
}

function fromTag(tag: MessageTag, body: string, opts: ExtractOptions | undefined): DeviceRecord | ParseFailure | null {
  switch (tag.mnemonic) {
    case 'CFGLOG_LOGGEDCMD':
      return tagIs(tag, 'PARSER-5-CFGLOG_LOGGEDCMD') ? cfglogRecord(body) : null;
    case 'CONFIG_I':
    case 'CONFIG_P':
      return tagIs(tag, `SYS-5-${tag.mnemonic}`) ? configEndRecord(tag, body) : null;
    case 'CONFIG_E':
      return tag.text === 'SYS-5-CONFIG_E' ? eosConfigStartRecord(body) : null;
    case 'DB_COMMIT':
      return tag.text === 'MGBL-CONFIG-6-DB_COMMIT' ? xrCommitRecord(body) : null;
    case 'AAA_ACCOUNTING_MESSAGE':
      return tagIs(tag, 'AAA-6-AAA_ACCOUNTING_MESSAGE') ? nxosAccountingRecord(body) : null;
    case 'VSHD_SYSLOG_CONFIG_I':
      return tagIs(tag, 'VSHD-5-VSHD_SYSLOG_CONFIG_I') ? nxosConfigEndRecord(body) : null;
    case 'SYSTEM_MSG':
      return tagIs(tag, 'AUTHPRIV-5-SYSTEM_MSG') ? nxosSudoRecord(body) : null;
    case 'LOG':
      return tag.facility === 'HA_EM' ? eemRecord(body, opts?.eemApplets) : null;
    case 'CMD':
      return tagIs(tag, 'ACCOUNTING-6-CMD') ? eosAccountingRecord(body) : null;
    case JUNOS_CLI:
      return junosRecord(body);
    case 'ACTIVATE':
      return tagIs(tag, 'RITE-5-ACTIVATE') ? trafficExportRecord() : null;
    case 'LOGGINGHOST_STARTSTOP':
      return tagIs(tag, 'SYS-6-LOGGINGHOST_STARTSTOP') ? loggingHostRecord() : null;
    case '111008':
    case '111009':
    case '111010':
      return ASA_FACILITIES.has(tag.facility) && tag.text === `${tag.facility}-${tag.severity}-${tag.mnemonic}` ? asaRecord(tag.mnemonic, body) : null;
    default:
      return tag.facility === 'BUFCAP' ? capturePointRecord(tag, body) : null;
  }
}
