// The JSON shapes users and other tools see: one rendering shared by the API and `replay --json`.
import type { Detection, DeviceRef, Incident } from '../types.js';

export function deviceName(device: DeviceRef): string {
  return device.hostname ?? device.address;
}

export function detectionJson(d: Detection) {
  const e = d.event;
  return {
    rule: d.rule,
    title: d.title,
    severity: d.severity,
    kind: d.kind,
    technique: d.technique,
    device: deviceName(e.device),
    deviceAddress: e.device.address,
    ...(e.device.platform && { platform: e.device.platform }),
    user: e.user ?? null,
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
    device: deviceName(i.device),
    deviceAddress: i.device.address,
    ...(i.device.platform && { platform: i.device.platform }),
    user: i.user ?? null,
    firstSeen: i.firstSeen.toISOString(),
    lastSeen: i.lastSeen.toISOString(),
    detections: i.detections.map(detectionJson),
  };
}
