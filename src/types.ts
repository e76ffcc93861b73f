// The domain records that flow through capwatch (see DESIGN.md "The record that flows").
import type { CommandResult, Platform } from '../parsers/types.js';

export type { Platform } from '../parsers/types.js';

/** `expiry`: approved work found still running after it ended. */
export type EventSource = 'syslog' | 'tacacs' | 'replay' | 'http' | 'sweep' | 'expiry' | 'silence'; // silence: a steady device went quiet (the event stands for the gap)

export interface DeviceRef {
  /** Sender address (or the NAS address for relayed records). Always present: the identity of last resort. */
  address: string;
  hostname?: string;
  platform?: Platform;
}

export interface CommandEvent {
  /** Device time if trustworthy, else receive time. */
  time: Date;
  receivedAt: Date;
  device: DeviceRef;
  user?: string;
  line?: string;
  remoteAddress?: string;
  /** As typed, whitespace-normalised and with keywords expanded to their canonical form. */
  command: string;
  /** Config submode path, outermost first, e.g. ["monitor session 1 type erspan-source", "destination"]. */
  context: string[];
  source: EventSource;
  /** The message tag for device notifications and command-carrying messages, e.g. "BUFCAP-6-ENABLE". */
  tag?: string;
  /** The original line or a rendering of the record. */
  raw: string;
  /** Accounting task id, privilege level and time zone, when the record carried them (TACACS+). */
  taskId?: string;
  privLevel?: number;
  timezone?: string;
  /** The command as typed, when `command` is what it stands for: an alias, an EEM applet variable, a `dohost` wrapper. */
  typed?: string;
  /** The device's own outcome of the command, when the record gives one (NX-OS accounting `(FAILURE)`). */
  result?: CommandResult;
  /** What the record itself states as facts (cloud audit records: resource ids, target, account, region). */
  facts?: Readonly<Record<string, string>>;
}

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** What a detection is: the one list every schema, rule loader and the console take their kinds from. */
// `other`: a hit of a Sigma rule from elsewhere (e.g. SigmaHQ) that is not about T1040.
export const DETECTION_KINDS = ['capture', 'capture-export', 'span', 'rspan', 'erspan', 'recon', 'removal', 'other', 'evasion', 'mirror'] as const;
export type DetectionKind = (typeof DETECTION_KINDS)[number];

export interface Detection {
  /** Rule id (Sigma `id`). */
  rule: string;
  title: string;
  kind: DetectionKind;
  severity: Severity;
  /**
   * The rule's ATT&CK techniques, comma-separated: `T1040` for capture and mirroring, an evasion's own (T1690, T1685,
   * T1070.003…), e.g. `T1070.003` for rules from elsewhere.
   */
  technique: string;
  event: CommandEvent;
  /** Values the rule extracted (named regex groups) plus enrichment (capture, session, url, destinationIp, …). */
  facts: Record<string, string>;
  /** Names of in-the-wild tradecraft this detection matches (e.g. "capture filter targets TACACS+"). */
  tradecraft: string[];
  /** Why this matters, in one sentence for a human. */
  why: string;
  /** Approved or otherwise expected work covers this hit: it is kept, but pages no one. */
  expected?: Expectation;
  /** Expected work nearby that does not cover this hit, and why not ("approved capture …, but exported to …"). */
  unexpected?: string;
}

/** What makes a detection expected work rather than an attack. */
export interface Expectation {
  by: 'filter' | 'window' | 'approval';
  /** The filter's title, the window's name, the approval's id. */
  name: string;
  /** For the people reading it: who approved what and why, or the filter's description. */
  reason: string;
  /** When the window or approval ends. */
  until?: Date;
}

/** `expected`: every detection is covered by approved work and nobody was paged; `false-positive`: closed as such. */
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved' | 'expected' | 'false-positive';

export interface Incident {
  id: string;
  severity: Severity;
  status: IncidentStatus;
  device: DeviceRef;
  user?: string;
  firstSeen: Date;
  lastSeen: Date;
  detections: Detection[];
  /** What the device itself showed when capwatch logged in to check (SSH poller). */
  confirmation?: Confirmation;
  /** Why an incident that was expected work (or closed as a false positive) is open again. */
  reopenedBecause?: string;
}

/** A packet capture the device reports (IOS EPC capture point, IOS-XE `monitor capture`, ASA `capture`). */
export interface CaptureFinding {
  name: string;
  /** The device says it is capturing now (Active, Capturing). */
  active: boolean;
  interfaces: string[];
  direction: 'in' | 'out' | 'both' | null;
  /** Buffer or file the packets go to, when shown. */
  file: string | null;
}

/** A SPAN / RSPAN / ERSPAN session the device reports. */
export interface SessionFinding {
  id: string;
  /** As the device names it: `local`, `erspan-source`, `remote-source`, … */
  type: string;
  active: boolean;
  sources: string[];
  destinations: string[];
  /** ERSPAN destination address: where mirrored traffic leaves the box. */
  destinationIp: string | null;
  /** Which traffic of each source is mirrored, as the device lists it (`rx`, `tx`, `both`), when it does. */
  sourceDirections?: Record<string, 'rx' | 'tx' | 'both'>;
}

/** What the show commands of one device revealed. `supported: false` = the device rejected them all. */
export interface DeviceFindings {
  supported: boolean;
  captures: CaptureFinding[];
  sessions: SessionFinding[];
  /** Output ended in a pager prompt or was cut: absence of an item proves nothing. */
  truncated?: boolean;
}

export type ConfirmationStatus = 'active-found' | 'none-found' | 'unsupported' | 'unreachable';

export interface Confirmation {
  status: ConfirmationStatus;
  checkedAt: Date;
  findings?: DeviceFindings;
  /** Why the device could not be checked (never contains credentials). */
  error?: string;
}
