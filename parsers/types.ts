// Records produced by the pure parsers. Nothing here knows about sockets, clocks or storage.

export type Platform = 'ios' | 'iosxe' | 'nxos' | 'asa' | 'eos' | 'junos' | 'iosxr' | 'fortios' | 'panos' | CloudPlatform;
/** Cloud providers whose audit logs capwatch reads for traffic mirroring (an account, project or subscription is the "device"). */
export type CloudPlatform = 'aws' | 'gcp' | 'azure';

/** What a parser could not understand. Parsers return this instead of throwing. */
export interface ParseFailure {
  error: string;
}

export function isParseFailure(x: unknown): x is ParseFailure {
  return typeof x === 'object' && x !== null && 'error' in x;
}

/**
 * How far the device's own clock can be trusted.
 * `unsynced` = IOS `*` (never set), `sync-lost` = IOS `.`, `uptime` = `2y10w` style (no date at all).
 */
export type TimeQuality = 'synced' | 'unsynced' | 'sync-lost' | 'uptime' | 'unknown';

/** The Cisco message tag `%FAC[-SUB]-SEV-MNEMONIC:`. */
export interface MessageTag {
  facility: string; // e.g. "PARSER", "AAA", "BUFCAP", "ASA"
  severity: number; // 0..7
  mnemonic: string; // e.g. "CFGLOG_LOGGEDCMD"
  /** The tag as it appeared without `%` and `:`, e.g. "PARSER-5-CFGLOG_LOGGEDCMD". */
  text: string;
}

/** One syslog message after header parsing. */
export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164' | 'cisco' | 'bare';
  pri?: number;
  facility?: number;
  severity?: number;
  /** Host named by the outermost header (relay or device). */
  hostname?: string;
  /** Device hostname from a Cisco `host:` field, when distinct from the relay host. */
  deviceHostname?: string;
  /** RFC 5424 APP-NAME or RFC 3164 TAG (`mgd`, `Aaa`, `CISE_TACACS_Accounting`). */
  appName?: string;
  procId?: string;
  msgId?: string;
  /** Device clock, when a timestamp was present and parsed. */
  deviceTime?: Date;
  timeQuality: TimeQuality;
  /** Stamp a relay or syslog file writer put in front of the device's own header (the relay's clock). */
  relayTime?: Date;
  /** Cisco `%FAC-SEV-MNEMONIC`, when present. */
  tag?: MessageTag;
  /** Text after the tag (`: ` removed), or after the header when there is no tag. Never trimmed of inner spaces. */
  body: string;
}

/** Outcome reported by NX-OS accounting. */
export type CommandResult = 'success' | 'failure' | 'redirect';

/** How a command reached us: which device log feature reported it. */
export type RecordOrigin =
  | 'cfglog' // IOS archive log config
  | 'eem' // EEM applet CLI logging
  | 'nxos-accounting' // %AAA-6-AAA_ACCOUNTING_MESSAGE or the local accounting log
  | 'nxos-sudo' // %AUTHPRIV-5-SYSTEM_MSG ... COMMAND=
  | 'tacplus-log' // tac_plus / tac_plus-ng accounting file lines
  | 'ise' // Cisco ISE CISE_TACACS_Accounting
  | 'asa' // %ASA-x-111008/111009/111010
  | 'eos-accounting' // Arista Aaa: %ACCOUNTING-6-CMD
  | 'junos-cli' // Junos UI_CMDLINE_READ_LINE
  | 'sudo' // a Linux sudo line (`sudo[PID]: user : TTY=… ; COMMAND=…`): SONiC, Cumulus, Junos Evolved shells
  | 'fortios-config' // FortiGate event log 0100044546 / 0100044547 (a configuration change)
  | 'panos-config' // PAN-OS CONFIG log (a configuration change)
  | 'panos-audit' // PAN-OS audit log (an operational command, from the web UI or the CLI)
  | 'tacacs' // a TACACS+ accounting packet capwatch received itself
  | 'device'; // a device notification (BUFCAP, CONFIG_I), not a typed command

/**
 * One thing a device (or a TACACS+ server relaying it) reported about an operator or a capture.
 * `type`:
 *  - `command`: an operator's command line (`command` set)
 *  - `config-end`: the operator left config mode (`%SYS-5-CONFIG_I`, `CONFIG_P`, `VSHD_SYSLOG_CONFIG_I`)
 *  - `capture-point`: `%BUFCAP-6-CREATE|ENABLE|DISABLE` (`capturePoint` set, no user)
 *  - `session-end`: an accounting/exec session closed (`shell terminated`, STOP without cmd)
 *  - `notification`: another device message about copying traffic (`%RITE-5-ACTIVATE`), no user; its body is read
 *  - `config-start`: the operator entered configuration mode (EOS `%SYS-5-CONFIG_E`)
 *  - `commit`: a candidate configuration was committed (IOS XR `%MGBL-CONFIG-6-DB_COMMIT`, Junos `UI_COMMIT`,
 *    `UI_COMMIT_COMPLETED`); `command` holds the message text
 */
export interface DeviceRecord {
  type: 'command' | 'config-end' | 'capture-point' | 'session-end' | 'notification' | 'config-start' | 'commit';
  origin: RecordOrigin;
  platform?: Platform;
  user?: string;
  /** tty / vty / pts/N / ssh.PID */
  line?: string;
  /** operator's client address */
  remoteAddress?: string;
  /** The command exactly as logged (trailing space, `<cr>` and NX-OS result suffix removed). */
  command?: string;
  /** Parent mode path when the record carries it (NX-OS ` ; ` paths), outermost first, `configure terminal` included. */
  path?: string[];
  /** True when the record certainly comes from configuration mode (CFGLOG always; NX-OS paths under `configure`). */
  configMode?: boolean;
  result?: CommandResult;
  capturePoint?: { name: string; action: 'create' | 'enable' | 'disable' };
  /** The record's own timestamp (accounting records carry one). */
  time?: Date;
  /** For records relayed by a TACACS+ server or ISE: the device (NAS) they are about. */
  device?: { address?: string; hostname?: string };
  /** Accounting flavour, when the record carries one. */
  accounting?: 'start' | 'stop' | 'update' | 'watchdog';
  taskId?: string;
  /** Privilege level the command ran at (TACACS+ `priv-lvl` or the request's priv_lvl). */
  privLevel?: number;
  /** The record's `timezone` attribute, as sent. */
  timezone?: string;
  /** A device notification's message name when it has no Cisco tag (Junos `UI_COMMIT_COMPLETED`). */
  notification?: string;
}
