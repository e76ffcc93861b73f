// The JSON shapes users and other tools see: one rendering shared by the API and `replay --json`.
import type { Detection, DeviceRef, Incident } from '../types.js';

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
  };
}

export function incidentJson(i: Incident) {
  return {
    id: i.id,
    severity: i.severity,
    status: i.status,
    ...whoWhere(i.device, i.user),
    firstSeen: i.firstSeen.toISOString(),
    lastSeen: i.lastSeen.toISOString(),
    detections: i.detections.map(detectionJson),
  };
}
