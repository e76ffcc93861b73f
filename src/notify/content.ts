// What every message says, independent of markup: who, what, where, when, confirmation, link.
// Values here are raw (attacker-controlled) text; each formatter escapes them for its own markup.
import { deviceName } from '../alerts/json.js';
import type { Confirmation, Detection, Incident } from '../types.js';
import type { RenderInput } from './types.js';

/** Commands listed per message; the rest are counted, and the link shows them all. */
export const MAX_LISTED = 10;

export interface Fact {
  label: string;
  value: string;
}

export interface Summary {
  /** e.g. "HIGH: packet capture / traffic mirroring (T1040) on core-rtr1" */
  title: string;
  /** "New incident", "3 more commands", "Resolved", "Acknowledged", "Updated". */
  change: string;
  facts: Fact[];
  commands: Detection[];
  /** Fresh commands not listed. */
  more: number;
  link?: string;
}

export function incidentLink(publicUrl: string | undefined, id: string): string | undefined {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/api/incidents/${encodeURIComponent(id)}` : undefined;
}

export function confirmationText(c: Confirmation | undefined): string {
  if (!c) return 'not checked yet';
  const at = c.checkedAt.toISOString();
  switch (c.status) {
    case 'active-found': {
      const f = c.findings;
      const what = f ? [...f.captures.filter((x) => x.active).map((x) => `capture ${x.name}`), ...f.sessions.filter((s) => s.active).map((s) => `session ${s.id}`)] : [];
      return `CONFIRMED: the device shows ${what.length ? what.join(', ') : 'an active capture or mirror session'} (checked ${at})`;
    }
    case 'none-found':
      return `the device shows no active capture or mirror session (checked ${at}${c.findings?.truncated ? ', output was truncated' : ''})`;
    case 'unsupported':
      return `the device does not support the show commands (checked ${at})`;
    case 'unreachable':
      return `could not check the device${c.error ? `: ${c.error}` : ''} (${at})`;
  }
}

export function changeText(input: RenderInput): string {
  const { incident, first, fresh } = input;
  if (incident.status === 'resolved') return 'Resolved';
  if (incident.status === 'false-positive') return 'Closed as a false positive';
  // Nothing was sent while it was expected work: its first message says why it alerts now.
  if (incident.reopenedBecause !== undefined && first) return 'No longer expected work';
  if (incident.status === 'acknowledged' && fresh.length === 0) return 'Acknowledged';
  if (first) return 'New incident';
  if (fresh.length) return `${fresh.length} more command${fresh.length === 1 ? '' : 's'}`;
  return 'Updated';
}

export function summarize(input: RenderInput): Summary {
  const i = input.incident;
  const shown = input.first ? i.detections : input.fresh;
  const last = i.detections[i.detections.length - 1];
  const e = last?.event;
  const facts: Fact[] = [
    { label: 'Who', value: i.user ?? 'unknown user' },
    ...(e?.remoteAddress !== undefined || e?.line !== undefined
      ? [{ label: 'From', value: [e.remoteAddress, e.line && `line ${e.line}`].filter(Boolean).join(', ') }]
      : []),
    { label: 'Device', value: [deviceName(i.device), i.device.hostname ? i.device.address : undefined, i.device.platform].filter(Boolean).join(' · ') },
    { label: 'When', value: e ? `device time ${e.time.toISOString()}, received ${e.receivedAt.toISOString()}` : i.firstSeen.toISOString() },
    { label: 'Severity', value: `${i.severity} · status ${i.status} · ${i.detections.length} command${i.detections.length === 1 ? '' : 's'} · MITRE ATT&CK T1040` },
    { label: 'Confirmation', value: confirmationText(i.confirmation) },
    ...(i.reopenedBecause !== undefined ? [{ label: 'Why it alerts', value: i.reopenedBecause }] : []),
    { label: 'Incident', value: i.id },
  ];
  const link = incidentLink(input.publicUrl, i.id);
  return {
    title: `${i.severity.toUpperCase()}: packet capture / traffic mirroring (T1040) on ${deviceName(i.device)}`,
    change: changeText(input),
    facts,
    commands: shown.slice(-MAX_LISTED),
    more: Math.max(0, shown.length - MAX_LISTED),
    ...(link && { link }),
  };
}

/** A command as typed, under its config submodes: "monitor session 1 type erspan-source > destination > ip address …". */
export function commandPath(d: Detection): string {
  return [...d.event.context, d.event.command].join(' > ');
}
