// Generic JSON webhook, signed: X-Capwatch-Signature = sha256=hex(HMAC-SHA256(secret, timestamp + "." + raw body)),
// X-Capwatch-Timestamp = Unix seconds (receivers reject old ones: no replay), Idempotency-Key = the delivery id (also
// `id` in the body; a retried delivery keeps it, so receivers drop duplicates).
import { createHmac } from 'node:crypto';
import { detectionJson, deviceName, incidentJson } from '../../json.js';
import { consoleListLink, incidentLink } from '../content.js';
import type { DigestFormatter, Formatter, Rendered } from '../types.js';
import type { Detection } from '../../../types.js';

/** Command and raw text beyond this are cut (and flagged): one message must not carry megabytes. */
const TEXT_MAX = 8192;

export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function clipped(d: Detection) {
  const j = detectionJson(d);
  const cut = j.command.length > TEXT_MAX || j.raw.length > TEXT_MAX;
  return { ...j, command: j.command.slice(0, TEXT_MAX), raw: j.raw.slice(0, TEXT_MAX), ...(cut && { truncated: true }) };
}

export const webhook: Formatter = (input) => {
  const i = input.incident;
  const event =
    i.status === 'resolved'
      ? 'incident.resolved'
      : i.status === 'false-positive'
        ? 'incident.false-positive'
        : i.status === 'acknowledged' && input.fresh.length === 0
          ? 'incident.acknowledged'
          : input.first
            ? 'incident.opened'
            : 'incident.updated';
  const link = incidentLink(input.publicUrl, i.id);
  const payload = {
    id: input.deliveryId,
    event,
    sentAt: input.now.toISOString(),
    incident: {
      ...incidentJson(i),
      detections: i.detections.slice(-50).map(clipped),
      totalDetections: i.detections.length,
      confirmation: i.confirmation ? { ...i.confirmation, checkedAt: i.confirmation.checkedAt.toISOString() } : null,
      ...(link && { url: link }),
    },
    new: input.fresh.slice(-50).map(clipped),
  };
  return signed(payload, input.target.secret, input.now, input.deliveryId);
};

/** `incidents.digest`: a storm of incidents from never-seen devices, counted, with the first few as samples. */
export const webhookDigest: DigestFormatter = (input) => {
  const d = input.digest;
  const link = consoleListLink(input.publicUrl, new Date(d.openedAt));
  const payload = {
    id: input.deliveryId,
    event: 'incidents.digest',
    sentAt: input.now.toISOString(),
    digest: {
      id: d.id,
      from: new Date(d.openedAt).toISOString(),
      to: new Date(d.closesAt).toISOString(),
      incidents: d.incidents,
      devices: d.devices,
      users: d.users,
      bySeverity: d.bySeverity,
      ...(link && { url: link }),
      samples: input.samples.map((i) => {
        const last = i.detections[i.detections.length - 1];
        return { id: i.id, device: deviceName(i.device), user: i.user ?? null, severity: i.severity, ...(last && { detection: clipped(last) }) };
      }),
    },
  };
  return signed(payload, input.target.secret, input.now, input.deliveryId);
};

function signed(payload: unknown, secret: string | undefined, now: Date, deliveryId: string): Rendered {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-capwatch-timestamp': timestamp,
      'x-capwatch-signature': sign(secret ?? '', timestamp, body),
      'idempotency-key': deliveryId,
    },
  };
}
