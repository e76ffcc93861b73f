// The domain records that flow through capwatch (see DESIGN.md "The record that flows").
import type { Platform } from '../parsers/types.js';

export type { Platform } from '../parsers/types.js';

export type EventSource = 'syslog' | 'tacacs' | 'replay' | 'http' | 'sweep';

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
}

export type Severity = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

export type DetectionKind = 'capture' | 'capture-export' | 'span' | 'rspan' | 'erspan' | 'recon' | 'removal';

export interface Detection {
  /** Rule id (Sigma `id`). */
  rule: string;
  title: string;
  kind: DetectionKind;
  severity: Severity;
  technique: 'T1040';
  event: CommandEvent;
  /** Values the rule extracted (named regex groups) plus enrichment (capture, session, url, destinationIp, …). */
  facts: Record<string, string>;
  /** Names of in-the-wild tradecraft this detection matches (e.g. "capture filter targets TACACS+"). */
  tradecraft: string[];
  /** Why this matters, in one sentence for a human. */
  why: string;
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

export interface Incident {
  id: string;
  severity: Severity;
  status: IncidentStatus;
  device: DeviceRef;
  user?: string;
  firstSeen: Date;
  lastSeen: Date;
  detections: Detection[];
}
