// The HTTP API's shapes, as the contract (notes/api-contract.md) gives them. Every string in here that came
// from a device, a log line or a user is attacker-controlled: render it only through text.tsx.

export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `expected`: every detection is covered by approved or planned work, nobody was paged; `false-positive`: closed as such. */
export const STATUSES = ['open', 'acknowledged', 'resolved', 'expected', 'false-positive'] as const;
export type IncidentStatus = (typeof STATUSES)[number];

// The server's own lists (plain data, bundled in): a kind added there reaches every filter and form here.
import { DETECTION_KINDS as KINDS, type DetectionKind as Kind } from '../../types';
import { WORK_KINDS, type WorkKind } from '../../detect/expected/kinds';
import type { SessionType } from '../../detect/session-types';

export { KINDS, WORK_KINDS, type Kind, type WorkKind };

export type Role = 'viewer' | 'operator' | 'admin';

export interface Session {
  user: { name: string; role: Role; method: 'password' | 'token' | 'oidc' };
  /** null for a bearer token without a session: it needs no CSRF header. */
  csrfToken: string | null;
  expiresAt: string;
  idleTimeoutSeconds: number;
}

export interface AuthMethods {
  password: boolean;
  token: boolean;
  oidc: null | { label: string; url: string };
}

export type ConfirmationStatus = 'active-found' | 'none-found' | 'unsupported' | 'unreachable';

export interface IncidentSummary {
  id: string;
  severity: Severity;
  status: IncidentStatus;
  device: string;
  deviceAddress: string;
  platform?: string;
  user: string | null;
  firstSeen: string;
  lastSeen: string;
  detectionCount: number;
  kinds: Kind[];
  rules: string[];
  headline: { command: string; context: string[]; title: string; kind: Kind; severity: Severity };
  confirmation: null | { status: ConfirmationStatus; checkedAt: string };
}

export interface Counts {
  total: number;
  bySeverity: Record<Severity, number>;
  byStatus: Record<IncidentStatus, number>;
}

export interface Capture {
  name: string;
  active: boolean;
  interfaces: string[];
  direction: 'in' | 'out' | 'both' | null;
  file: string | null;
}

export interface MirrorSession {
  id: string;
  type: string;
  active: boolean;
  sources: string[];
  destinations: string[];
  destinationIp: string | null;
}

export interface Confirmation {
  status: ConfirmationStatus;
  checkedAt: string;
  supported?: boolean;
  captures?: Capture[];
  sessions?: MirrorSession[];
  truncated?: boolean;
  error?: string;
}

/** Why a detection pages no one. `reason` is the server's sentence ("approved by bob (CHG-1): …"). */
export interface Expectation {
  by: 'filter' | 'window' | 'approval';
  /** The filter's title, the window's name, or the approval's id. */
  name: string;
  reason: string;
  until?: string;
}

export interface Detection {
  rule: string;
  title: string;
  severity: Severity;
  kind: Kind;
  technique: string;
  device: string;
  deviceAddress: string;
  platform?: string;
  user: string | null;
  line?: string;
  remoteAddress?: string;
  command: string;
  context: string[];
  time: string;
  receivedAt: string;
  source: 'syslog' | 'tacacs' | 'replay' | 'http' | 'sweep';
  tag?: string;
  facts: Record<string, string>;
  tradecraft: string[];
  why: string;
  raw: string;
  expected?: Expectation;
  /** Expected work nearby that does not cover this hit, and why not. */
  unexpected?: string;
}

export interface Delivery {
  target: string;
  status: 'pending' | 'delivered' | 'failed' | 'digested';
  attempts: number;
  lastError: string | null;
  deliveredAt: string | null;
  /** The storm digest that told the target about this incident. */
  digest: string | null;
}

export interface TimelineEntry {
  at: string;
  event: 'opened' | 'detection' | 'confirmed' | 'acknowledged' | 'resolved' | 'false-positive' | 'comment';
  by?: string;
  text?: string;
}

export interface Comment {
  id: string;
  at: string;
  author: string;
  role: Role;
  text: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  role: Role | null;
  method: string | null;
  address: string | null;
  action: string;
  target: string | null;
  incident: string | null;
  details: Record<string, unknown>;
}

export interface Incident {
  id: string;
  severity: Severity;
  status: IncidentStatus;
  device: string;
  deviceAddress: string;
  platform?: string;
  user: string | null;
  firstSeen: string;
  lastSeen: string;
  detections: Detection[];
  confirmation: Confirmation | null;
  /** Why expected work (or a closed false positive) alerts again. */
  reopenedBecause?: string;
  deliveries: Delivery[];
  timeline: TimelineEntry[];
  comments: Comment[];
  audit: AuditEntry[];
}

export interface BelievedCapture {
  name: string;
  active: boolean;
  interfaces: string[];
  direction?: string;
  filter?: string;
  file?: string;
  exportUrl?: string;
  lastChange: string;
}

export interface BelievedSession {
  id: string;
  type: SessionType;
  active: boolean;
  sources: string[];
  destinations: string[];
  destinationIp?: string;
  shut: boolean;
  lastChange: string;
}

export interface DeviceCheck {
  status: ConfirmationStatus;
  checkedAt: string;
  sweepId: string | null;
  captures: Capture[];
  sessions: MirrorSession[];
  truncated?: boolean;
  error?: string;
}

export interface Device {
  name: string;
  address: string;
  hostname: string | null;
  platform: string | null;
  lastMessageAt: string | null;
  messages: number;
  parseErrors: number;
  lastParseErrorAt: string | null;
  lastParseError: string | null;
  inInventory: boolean;
  tags: string[];
  believed: { captures: BelievedCapture[]; sessions: BelievedSession[] };
  lastCheck: DeviceCheck | null;
  disagrees: boolean;
  openIncidents: number;
}

export interface DeviceDetail extends Device {
  checks: DeviceCheck[];
  incidents: IncidentSummary[];
}

export type SweepStatus = 'running' | 'done' | 'interrupted';

export interface SweepDeviceResult {
  name: string;
  address: string;
  platform: string | null;
  reachable: boolean;
  error?: string;
  status: ConfirmationStatus;
  checkedAt: string;
  durationMs: number;
  supported?: boolean;
  truncated?: boolean;
  captures: Capture[];
  sessions: MirrorSession[];
  changes?: { object: 'capture' | 'session'; id: string; change: 'new' | 'gone' | 'activated' | 'deactivated' | 'changed' }[];
  incident?: string;
}

export interface Sweep {
  id: string;
  trigger: 'api' | 'schedule' | 'cli';
  status: SweepStatus;
  selection: { devices?: string[]; tags?: string[] };
  startedAt: string;
  finishedAt: string | null;
  total: number;
  done: number;
  devices?: SweepDeviceResult[];
}

export interface SweepEvent {
  id: string;
  status: SweepStatus;
  total: number;
  done: number;
}

export interface Series {
  metric: 'received' | 'dropped' | 'kernelDrops' | 'parseErrors' | 'detections';
  labels: Record<string, string>;
  unit: 'per_second' | 'per_hour';
  /** The service sends the step per series (the contract had it once per answer). */
  stepSeconds?: number;
  /** Only the steps that had something: a missing step is zero. */
  points: [number, number][];
}

export interface Activity {
  range: 'hour' | 'day';
  stepSeconds?: number;
  from: string;
  to: string;
  series: Series[];
}

export interface Rule {
  id: string;
  title: string;
  level: Severity;
  kind: Kind;
  description: string;
  file: string;
  hits: number;
  lastHit: string | null;
}

export interface Approval {
  id: string;
  devices: string[];
  user: string;
  kind?: WorkKind;
  /** A regular expression the command must match (case-insensitive). */
  pattern?: string;
  /** The capture name or mirror session id. */
  name?: string;
  /** Where the traffic may go: an address, network or host. */
  destination?: string;
  ticket: string;
  reason?: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  removedAt?: string;
  removedBy?: string;
  state: 'active' | 'ended' | 'removed';
}

export interface ApprovalInput {
  devices: string[];
  user: string;
  ticket: string;
  kind?: WorkKind;
  pattern?: string;
  name?: string;
  destination?: string;
  reason?: string;
  ttlMinutes?: number;
  until?: string;
}

export interface ChangeWindow {
  name: string;
  devices: string[];
  users?: string[];
  kinds?: string[];
  /** from–until, or the cron expression, its length and time zone. */
  schedule: string;
  /** The occurrence open now, if one is. */
  current: { start: string; end: string } | null;
}

export interface ExpectedWork {
  approvals: Approval[];
  windows: ChangeWindow[];
}
