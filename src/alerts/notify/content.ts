// What every message says, independent of markup: who, what, where, when, confirmation, link.
// Values here are raw (attacker-controlled) text; each formatter escapes them for its own markup.
import { deviceName } from '../json.js';
import { SEVERITIES, type Confirmation, type Detection, type Incident, type Severity } from '../../types.js';
import type { DigestInput, RenderInput } from './types.js';

/** Commands listed per message; the rest are counted, and the link shows them all. */
export const MAX_LISTED = 10;

export interface Fact {
  label: string;
  value: string;
}

/** One listed item: a command (its kind, the command path, why it matters) or a digest's sample incident. */
export interface Line {
  lead: string;
  text: string;
  note?: string;
}

export interface Summary {
  /** e.g. "HIGH: packet capture / traffic mirroring (T1040) on core-rtr1" */
  title: string;
  /** "New incident", "3 more commands", "Resolved", "Acknowledged", "Updated", "Storm digest". */
  change: string;
  facts: Fact[];
  lines: Line[];
  /** Items not listed. */
  more: number;
  link?: string;
  severity: Severity;
  /** The message's own time (the incident's last detection, the digest's close). */
  time: Date;
  /** Messages about one thing share a thread where the service threads (Google Chat). */
  threadKey: string;
  /** Words for the link and the card header. */
  noun: string;
  /** The ATT&CK techniques it is about, e.g. `T1040`, or `T1070.003` for a SigmaHQ rule's hit. */
  attack: string;
}

export function incidentLink(publicUrl: string | undefined, id: string): string | undefined {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/api/incidents/${encodeURIComponent(id)}` : undefined;
}

/** The console's incident list from `since`: where a digest's incidents are, one per row. */
export function consoleListLink(publicUrl: string | undefined, since: Date): string | undefined {
  if (!publicUrl) return undefined;
  // The minute it began, in UTC: the console shows it in the viewer's time.
  const q = new URLSearchParams({ range: 'custom', from: `${since.toISOString().slice(0, 16)}Z` });
  return `${publicUrl.replace(/\/+$/, '')}/#/incidents?${q.toString()}`;
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
    { label: 'Severity', value: `${i.severity} · status ${i.status} · ${i.detections.length} command${i.detections.length === 1 ? '' : 's'}${attackText(i.detections)}` },
    { label: 'Confirmation', value: confirmationText(i.confirmation) },
    ...(i.reopenedBecause !== undefined ? [{ label: 'Why it alerts', value: i.reopenedBecause }] : []),
    { label: 'Incident', value: i.id },
  ];
  const link = incidentLink(input.publicUrl, i.id);
  return {
    title: `${i.severity.toUpperCase()}: ${headline(i.detections)} on ${deviceName(i.device)}`,
    change: changeText(input),
    facts,
    lines: shown.slice(-MAX_LISTED).map((d) => ({ lead: d.kind, text: commandPath(d), note: d.why })),
    more: Math.max(0, shown.length - MAX_LISTED),
    ...(link && { link }),
    severity: i.severity,
    time: i.lastSeen,
    threadKey: i.id,
    noun: 'incident',
    attack: attackOf(i.detections),
  };
}

/** The ATT&CK techniques of the detections, each once, in order of first appearance. */
function techniquesOf(detections: readonly Detection[]): string[] {
  return [...new Set(detections.flatMap((d) => (d.technique === '' ? [] : d.technique.split(', '))))];
}

/** Techniques named in a title; the message lists the rest. */
const TITLE_TECHNIQUES = 3;

/** The techniques of an incident in a few characters, for titles, headers and paging summaries; '' when none. */
export function attackOf(detections: readonly Detection[]): string {
  const all = techniquesOf(detections);
  return all.slice(0, TITLE_TECHNIQUES).join(', ') + (all.length > TITLE_TECHNIQUES ? ', …' : '');
}

function attackText(detections: readonly Detection[]): string {
  const all = techniquesOf(detections);
  return all.length > 0 ? ` · MITRE ATT&CK ${all.join(', ')}` : '';
}

/** What the incident is about: capture and mirroring (T1040), or, for rules from elsewhere, the first rule's title. */
function headline(detections: readonly Detection[]): string {
  if (detections.every((d) => d.technique === 'T1040')) return 'packet capture / traffic mirroring (T1040)';
  const shown = attackOf(detections);
  const what = techniquesOf(detections).includes('T1040') ? 'packet capture / traffic mirroring' : (detections[0]?.title ?? 'detection');
  return `${what}${detections.length > 1 ? ' and other commands' : ''}${shown ? ` (${shown})` : ''}`;
}

/**
 * A storm digest: many incidents from devices never heard from before, at once (as a spoofed flood looks), told in
 * one message with counts and a few samples instead of one message each.
 */
export function summarizeDigest(input: DigestInput): Summary {
  const d = input.digest;
  const severities = Object.entries(d.bySeverity)
    .sort(([a], [b]) => severityRankOf(b) - severityRankOf(a))
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const top = (Object.keys(d.bySeverity) as Severity[]).sort((a, b) => severityRankOf(b) - severityRankOf(a))[0] ?? 'medium';
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  const facts: Fact[] = [
    { label: 'Incidents', value: `${plural(d.incidents, 'incident')}${severities ? ` (${severities})` : ''}` },
    { label: 'Devices', value: `${plural(d.devices, 'device')} capwatch had not heard from before, ${plural(d.users, 'user')}` },
    { label: 'When', value: `${new Date(d.openedAt).toISOString()} to ${new Date(d.closesAt).toISOString()}` },
    {
      label: 'Why one message',
      value: 'So many incidents from never-seen devices at once look like spoofed messages; each is stored and listed in capwatch, and incidents on known devices are still sent on their own, first.',
    },
    { label: 'Digest', value: d.id },
  ];
  const lines = input.samples.map((i) => {
    const last = i.detections[i.detections.length - 1];
    return { lead: i.severity, text: `${deviceName(i.device)} · ${i.user ?? 'unknown user'} · ${last ? commandPath(last) : ''}` };
  });
  const link = consoleListLink(input.publicUrl, new Date(d.openedAt));
  return {
    title: `${top.toUpperCase()}: storm of ${plural(d.incidents, 'T1040 incident')} from ${plural(d.devices, 'never-seen device')}`,
    change: 'Storm digest',
    facts,
    lines,
    more: Math.max(0, d.incidents - lines.length),
    ...(link && { link }),
    severity: top,
    time: new Date(d.closesAt),
    threadKey: d.id,
    noun: 'incidents',
    attack: 'T1040',
  };
}

function severityRankOf(s: string): number {
  return SEVERITIES.indexOf(s as Severity);
}

/** A command as typed, under its config submodes: "monitor session 1 type erspan-source > destination > ip address …". */
export function commandPath(d: Detection): string {
  return [...d.event.context, d.event.command].join(' > ');
}
