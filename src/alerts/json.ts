// The JSON shapes users and other tools see: one rendering shared by the API and `replay --json`.
import { confirmationOf } from '../poll/check.js';
import type { StoredCheck, SweepRecord } from '../poll/check-store.js';
import type { SweepView } from '../poll/sweep.js';
import type { Confirmation, Detection, DeviceFindings, DeviceRef, Expectation, Incident } from '../types.js';
import type { AuditEntry } from './audit.js';
import type { IncidentSummary } from './store.js';

export function deviceName(device: DeviceRef): string {
  return device.hostname ?? device.address;
}

/** The device and operator fields every record shows the same way. */
function whoWhere(device: DeviceRef, user: string | undefined) {
  return {
    device: deviceName(device),
    deviceAddress: device.address,
    ...(device.platform && { platform: device.platform }),
    user: user ?? null,
  };
}

export function detectionJson(d: Detection) {
  const e = d.event;
  return {
    rule: d.rule,
    title: d.title,
    severity: d.severity,
    kind: d.kind,
    technique: d.technique,
    ...whoWhere(e.device, e.user),
    ...(e.line !== undefined && { line: e.line }),
    ...(e.remoteAddress !== undefined && { remoteAddress: e.remoteAddress }),
    command: e.command,
    context: e.context,
    time: e.time.toISOString(),
    receivedAt: e.receivedAt.toISOString(),
    source: e.source,
    ...(e.tag !== undefined && { tag: e.tag }),
    facts: d.facts,
    tradecraft: d.tradecraft,
    why: d.why,
    raw: e.raw,
    ...(d.expected && { expected: expectationJson(d.expected) }),
    ...(d.unexpected !== undefined && { unexpected: d.unexpected }),
  };
}

export function expectationJson(x: Expectation) {
  return { by: x.by, name: x.name, reason: x.reason, ...(x.until && { until: x.until.toISOString() }) };
}

/** What every rendering of an incident starts with. */
function incidentHead(i: Omit<Incident, 'detections'>) {
  return {
    id: i.id,
    severity: i.severity,
    status: i.status,
    ...whoWhere(i.device, i.user),
    firstSeen: i.firstSeen.toISOString(),
    lastSeen: i.lastSeen.toISOString(),
  };
}

export function incidentJson(i: Incident) {
  return {
    ...incidentHead(i),
    detections: i.detections.map(detectionJson),
    confirmation: i.confirmation ? confirmationJson(i.confirmation) : null,
    ...(i.reopenedBecause !== undefined && { reopenedBecause: i.reopenedBecause }),
  };
}

/** An incident in a list: counts and its most severe command instead of every detection. */
export function incidentSummaryJson(s: IncidentSummary) {
  // Written out rather than spread from incidentHead: a screen of 10,000 rows renders this 10,000 times.
  return {
    id: s.id,
    severity: s.severity,
    status: s.status,
    device: deviceName(s.device),
    deviceAddress: s.device.address,
    platform: s.device.platform,
    user: s.user ?? null,
    firstSeen: s.firstSeen.toISOString(),
    lastSeen: s.lastSeen.toISOString(),
    detectionCount: s.detectionCount,
    kinds: s.kinds,
    rules: s.rules,
    headline: s.headline,
    confirmation: s.confirmation ? { status: s.confirmation.status, checkedAt: s.confirmation.checkedAt.toISOString() } : null,
    reopenedBecause: s.reopenedBecause,
  };
}

export function auditJson(e: AuditEntry) {
  return {
    id: e.id,
    at: e.at.toISOString(),
    actor: e.actor.name,
    role: e.actor.role ?? null,
    method: e.actor.method ?? null,
    address: e.actor.address ?? null,
    action: e.action,
    target: e.target ?? null,
    incident: e.incident ?? null,
    details: e.details,
  };
}

type TimelineEvent = 'opened' | 'detection' | 'confirmed' | 'acknowledged' | 'resolved' | 'false-positive' | 'comment';

/**
 * An incident's story in time order: opened, each later detection, the device check, and what people did (from the
 * audit trail, the one record of it).
 */
export function timelineJson(i: Incident, audit: readonly AuditEntry[]) {
  const items: Array<{ at: Date; event: TimelineEvent; by?: string; text?: string }> = [];
  const first = i.detections[0];
  items.push({ at: i.firstSeen, event: 'opened', ...(first && { text: `${first.title}: ${first.event.command}` }) });
  for (const d of i.detections.slice(1)) items.push({ at: d.event.receivedAt, event: 'detection', text: `${d.title}: ${d.event.command}` });
  if (i.confirmation) items.push({ at: i.confirmation.checkedAt, event: 'confirmed', text: i.confirmation.status });
  for (const e of audit) {
    const event = AUDIT_EVENTS[e.action];
    if (!event) continue;
    const text = typeof e.details.text === 'string' ? e.details.text : typeof e.details.comment === 'string' ? e.details.comment : undefined;
    items.push({ at: e.at, event, by: e.actor.name, ...(text !== undefined && { text }) });
  }
  // Stable: equal times keep the order above (opened before what followed it).
  return items.sort((a, b) => a.at.getTime() - b.at.getTime()).map((t) => ({ ...t, at: t.at.toISOString() }));
}

const AUDIT_EVENTS: Partial<Record<AuditEntry['action'], TimelineEvent>> = {
  'incident.acknowledge': 'acknowledged',
  'incident.resolve': 'resolved',
  'incident.false-positive': 'false-positive',
  'incident.comment': 'comment',
};

/** What people wrote on an incident: comments, and the comments given with a status change. */
export function isComment(e: AuditEntry): boolean {
  return e.action === 'incident.comment' || typeof e.details.comment === 'string';
}

export function commentJson(e: AuditEntry) {
  return { id: e.id, at: e.at.toISOString(), author: e.actor.name, role: e.actor.role ?? null, text: String(e.details.text ?? e.details.comment ?? '') };
}

/** What the device showed when capwatch logged in to check (null in an incident: not checked yet). */
export function confirmationJson(c: Confirmation) {
  return {
    status: c.status,
    checkedAt: c.checkedAt.toISOString(),
    ...(c.findings && findingsJson(c.findings)),
    ...(c.error !== undefined && { error: c.error }),
  };
}

/** The documented shape, keys in order; `truncated` only when true (extra key, same shape). */
export function findingsJson(f: DeviceFindings): Record<string, unknown> {
  const json: Record<string, unknown> = {
    supported: f.supported,
    captures: f.captures.map((c) => ({ name: c.name, active: c.active, interfaces: c.interfaces, direction: c.direction, file: c.file })),
    sessions: f.sessions.map((s) => {
      const item: Record<string, unknown> = { id: s.id, type: s.type, active: s.active, sources: s.sources, destinations: s.destinations, destinationIp: s.destinationIp };
      if (s.sourceDirections) item.sourceDirections = s.sourceDirections;
      return item;
    }),
  };
  if (f.truncated) json.truncated = true;
  return json;
}

/** One device of a sweep (`capwatch sweep --json`, `GET /api/sweeps/:id`): the findings shape of `inspect --json`. */
export function checkJson(c: StoredCheck) {
  return {
    name: c.device,
    address: c.address,
    platform: c.platform,
    reachable: c.reachable,
    ...(c.error !== undefined && { error: c.error }),
    status: confirmationOf(c).status,
    checkedAt: c.checkedAt.toISOString(),
    durationMs: c.durationMs,
    ...(c.transport && { transport: c.transport }),
    // No answer: empty lists (the shape stays the same) and no `supported`, which only an answer can tell.
    ...(c.findings ? findingsJson(c.findings) : { captures: [], sessions: [] }),
    ...(c.changes && { changes: c.changes }),
    ...(c.openedIncident !== undefined && { incident: c.openedIncident }),
  };
}

/** A sweep without its device results (`GET /api/sweeps`). */
export function sweepSummaryJson(v: SweepRecord & { done: number }) {
  return {
    id: v.id,
    trigger: v.trigger,
    status: v.status,
    selection: v.selection,
    startedAt: v.startedAt.toISOString(),
    finishedAt: v.finishedAt?.toISOString() ?? null,
    total: v.total,
    done: v.done,
  };
}

export function sweepJson(v: SweepView) {
  return { ...sweepSummaryJson(v), devices: v.devices.map(checkJson) };
}
