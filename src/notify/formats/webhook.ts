// Generic JSON webhook, signed: X-Capwatch-Signature = sha256=hex(HMAC-SHA256(secret, timestamp + "." + raw body)),
// X-Capwatch-Timestamp = Unix seconds (receivers reject old ones: no replay), Idempotency-Key = the delivery id (also
// `id` in the body; a retried delivery keeps it, so receivers drop duplicates).
import { createHmac } from 'node:crypto';
import { detectionJson, incidentJson } from '../../alerts/json.js';
import { incidentLink } from '../content.js';
import type { Formatter } from '../types.js';
import type { Detection } from '../../types.js';

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
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(input.now.getTime() / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-capwatch-timestamp': timestamp,
      'x-capwatch-signature': sign(input.target.secret ?? '', timestamp, body),
      'idempotency-key': input.deliveryId,
    },
  };
};
