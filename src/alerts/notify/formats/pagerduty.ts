// PagerDuty Events API v2: one alert per incident (dedup_key = incident id) — later detections re-trigger the same
// alert, acknowledging or resolving the incident in capwatch does the same there. summary ≤ 1024, dedup_key ≤ 255.
import { deviceName, detectionJson } from '../../json.js';
import { escape } from '../escape.js';
import { attackOf, commandPath, confirmationText, consoleListLink, incidentLink, summarizeDigest } from '../content.js';
import type { DigestFormatter, Formatter } from '../types.js';
import type { Severity } from '../../../types.js';

export const PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
const SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', informational: 'info' };

export const pagerduty: Formatter = (input) => {
  const i = input.incident;
  const base = { routing_key: input.target.secret ?? '', dedup_key: i.id };
  const headers = { 'content-type': 'application/json' };
  if (i.status !== 'open') return { body: JSON.stringify({ ...base, event_action: i.status === 'acknowledged' ? 'acknowledge' : 'resolve' }), headers };
  const last = i.detections[i.detections.length - 1];
  const attack = attackOf(i.detections);
  const summary = `${i.severity.toUpperCase()} ${attack || 'detection'} on ${deviceName(i.device)} by ${i.user ?? 'unknown user'}: ${last ? commandPath(last) : ''}`;
  const link = incidentLink(input.publicUrl, i.id);
  const payload = {
    summary: escape(summary, 'plain', 1024),
    source: escape(deviceName(i.device), 'plain', 255),
    severity: SEVERITY[i.severity],
    timestamp: i.firstSeen.toISOString(),
    ...(i.device.platform && { component: i.device.platform }),
    group: attack || 'other',
    class: [...new Set(i.detections.map((d) => d.kind))].join(','),
    custom_details: {
      user: i.user === undefined ? null : escape(i.user, 'plain', 255),
      deviceAddress: i.device.address,
      confirmation: confirmationText(i.confirmation),
      commands: i.detections.slice(-20).map((d) => {
        const j = detectionJson(d);
        return { kind: j.kind, command: escape(j.command, 'plain', 2000), context: j.context.map((c) => escape(c, 'plain', 500)), why: j.why, time: j.time, receivedAt: j.receivedAt, remoteAddress: j.remoteAddress, line: j.line && escape(j.line, 'plain', 64) };
      }),
      totalCommands: i.detections.length,
    },
  };
  const body = { ...base, event_action: 'trigger', payload, client: 'capwatch', ...(link && { client_url: link, links: [{ href: link, text: 'Incident in capwatch' }] }) };
  return { body: JSON.stringify(body), headers };
};

/** A storm digest is one alert of its own (dedup_key = the digest's id): the incidents it counts are not paged one by one. */
export const pagerdutyDigest: DigestFormatter = (input) => {
  const s = summarizeDigest(input);
  const d = input.digest;
  const link = consoleListLink(input.publicUrl, new Date(d.openedAt));
  const payload = {
    summary: escape(s.title, 'plain', 1024),
    source: 'capwatch',
    severity: SEVERITY[s.severity],
    timestamp: new Date(d.openedAt).toISOString(),
    group: 'T1040',
    class: 'storm-digest',
    custom_details: {
      incidents: d.incidents,
      devices: d.devices,
      users: d.users,
      bySeverity: d.bySeverity,
      from: new Date(d.openedAt).toISOString(),
      to: new Date(d.closesAt).toISOString(),
      samples: s.lines.map((l) => `${l.lead} · ${escape(l.text, 'plain', 500)}`),
    },
  };
  const body = { routing_key: input.target.secret ?? '', dedup_key: `digest-${d.id}`, event_action: 'trigger', payload, client: 'capwatch', ...(link && { client_url: link, links: [{ href: link, text: 'Incidents in capwatch' }] }) };
  return { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
};
