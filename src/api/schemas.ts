// JSON Schemas of the shapes the API returns, registered once (`app.addSchema`) and referenced by the routes: they
// serialise the responses and become the OpenAPI document's components. Keep them in step with alerts/json.ts.
import type { FastifyInstance } from 'fastify';
import { DETECTION_KINDS as KINDS, SEVERITIES } from '../types.js';

export { KINDS };
export const STATUSES = ['open', 'acknowledged', 'resolved', 'expected', 'false-positive'] as const;
const CHECK_STATUSES = ['active-found', 'none-found', 'unsupported', 'unreachable'] as const;

const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const strings = { type: 'array', items: str } as const;
// Type lists rather than anyOf wherever the schema allows: the serialiser checks every anyOf branch per item, which
// made a list of 10,000 summaries take twice as long to send.
const optStr = { type: ['string', 'null'] } as const;
const optTime = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableRef = (id: string) => ({ anyOf: [ref(id), { type: 'null' }] });
function object(properties: Record<string, unknown>, required: string[] = Object.keys(properties)) {
  return { type: 'object', additionalProperties: false, required, properties } as const;
}

export const ref = (id: string) => ({ $ref: `${id}#` });
export const errorRef = ref('Error');

/** The device and operator fields every record shows alike (alerts/json.ts `whoWhere`). */
const whoWhere = { device: str, deviceAddress: str, platform: str, user: optStr };

/** What every rendering of an incident starts with (alerts/json.ts `incidentHead`). */
const incidentHead = { id: str, severity: { enum: SEVERITIES }, status: { enum: STATUSES }, ...whoWhere, firstSeen: time, lastSeen: time };
const incidentProps = {
  ...incidentHead,
  detections: { type: 'array', items: ref('Detection') },
  confirmation: nullableRef('Confirmation'),
  reopenedBecause: { ...str, description: 'Why an incident that was expected work (or closed as a false positive) alerts again' },
};
const INCIDENT_REQUIRED = ['id', 'severity', 'status', 'device', 'deviceAddress', 'user', 'firstSeen', 'lastSeen', 'detections', 'confirmation'];

const SCHEMAS = [
  { $id: 'Error', ...object({ error: str }) },
  {
    $id: 'Expectation',
    description: 'Why a detection is expected work: an approval, a change window or a filter covers it',
    ...object({ by: { enum: ['filter', 'window', 'approval'] }, name: str, reason: str, until: time }, ['by', 'name', 'reason']),
  },
  {
    $id: 'Capture',
    description: 'A packet capture the device showed',
    ...object({ name: str, active: { type: 'boolean' }, interfaces: strings, direction: { type: ['string', 'null'], enum: ['in', 'out', 'both', null] }, file: optStr }),
  },
  {
    $id: 'MirrorSession',
    description: 'A SPAN / RSPAN / ERSPAN session the device showed',
    ...object(
      {
        id: str,
        type: str,
        active: { type: 'boolean' },
        sources: strings,
        destinations: strings,
        destinationIp: optStr,
        sourceDirections: { type: 'object', additionalProperties: { enum: ['rx', 'tx', 'both'] } },
      },
      ['id', 'type', 'active', 'sources', 'destinations', 'destinationIp'],
    ),
  },
  {
    $id: 'Confirmation',
    description: 'What the device showed when capwatch logged in to check',
    ...object(
      {
        status: { enum: CHECK_STATUSES },
        checkedAt: time,
        supported: { type: 'boolean' },
        captures: { type: 'array', items: ref('Capture') },
        sessions: { type: 'array', items: ref('MirrorSession') },
        truncated: { type: 'boolean' },
        error: str,
      },
      ['status', 'checkedAt'],
    ),
  },
  {
    $id: 'Detection',
    description: 'A rule hit on one command',
    ...object(
      {
        rule: str,
        title: str,
        severity: { enum: SEVERITIES },
        kind: { enum: KINDS },
        technique: str,
        ...whoWhere,
        line: str,
        remoteAddress: str,
        command: str,
        context: { ...strings, description: 'Configuration submodes the command was typed in, outermost first' },
        time,
        receivedAt: time,
        source: { enum: ['syslog', 'tacacs', 'replay', 'http', 'sweep', 'expiry', 'silence'] },
        tag: str,
        facts: { type: 'object', additionalProperties: str, description: 'capture, session, interfaces, url (export), destinationIp (ERSPAN), …' },
        tradecraft: strings,
        why: str,
        raw: { ...str, description: 'The log line or record as received' },
        expected: ref('Expectation'),
        unexpected: { ...str, description: 'Expected work nearby that does not cover this hit, and why not' },
      },
      ['rule', 'title', 'severity', 'kind', 'technique', 'device', 'deviceAddress', 'user', 'command', 'context', 'time', 'receivedAt', 'source', 'facts', 'tradecraft', 'why', 'raw'],
    ),
  },
  {
    $id: 'Incident',
    description: 'The detections of one device and operator session',
    ...object(incidentProps, INCIDENT_REQUIRED),
  },
  {
    $id: 'IncidentDetail',
    description: 'An incident with its chat deliveries, timeline, comments and audit entries',
    ...object(
      {
        ...incidentProps,
        deliveries: { type: 'array', items: ref('Delivery') },
        timeline: { type: 'array', items: ref('TimelineEntry') },
        comments: { type: 'array', items: ref('Comment') },
        audit: { type: 'array', items: ref('AuditEntry') },
      },
      [...INCIDENT_REQUIRED, 'deliveries', 'timeline', 'comments', 'audit'],
    ),
  },
  {
    $id: 'IncidentSummary',
    description: 'An incident without its detections, for lists',
    ...object(
      {
        ...incidentHead,
        detectionCount: { type: 'integer' },
        kinds: { type: 'array', items: { enum: KINDS } },
        rules: strings,
        headline: object({ command: str, context: strings, title: str, kind: { enum: KINDS }, severity: { enum: SEVERITIES } }),
        confirmation: { ...object({ status: { enum: CHECK_STATUSES }, checkedAt: time }), type: ['object', 'null'] },
        reopenedBecause: str,
      },
      ['id', 'severity', 'status', 'device', 'deviceAddress', 'user', 'firstSeen', 'lastSeen', 'detectionCount', 'kinds', 'rules', 'headline', 'confirmation'],
    ),
  },
  {
    $id: 'AuditEntry',
    description: 'Who did what, when, from where',
    ...object({
      id: { type: 'integer' },
      at: time,
      actor: str,
      role: optStr,
      method: optStr,
      address: optStr,
      action: str,
      target: optStr,
      incident: optStr,
      details: { type: 'object', additionalProperties: true },
    }),
  },
  { $id: 'Comment', ...object({ id: { type: 'integer' }, at: time, author: str, role: optStr, text: str }) },
  {
    $id: 'Delivery',
    description:
      'A chat or webhook notification of the incident: a message of its own, or the storm digest that counted it (digest set; its status is the digest message\'s). digested: its own first message was replaced by a digest before it was sent',
    ...object({
      target: str,
      status: { enum: ['pending', 'delivered', 'failed', 'digested'] },
      attempts: { type: 'integer' },
      lastError: optStr,
      deliveredAt: optTime,
      digest: optStr,
    }),
  },
  {
    $id: 'TimelineEntry',
    ...object(
      { at: time, event: { enum: ['opened', 'detection', 'confirmed', 'acknowledged', 'resolved', 'false-positive', 'comment'] }, by: str, text: str },
      ['at', 'event'],
    ),
  },
];

export function addSchemas(app: FastifyInstance): void {
  for (const s of SCHEMAS) app.addSchema(s);
}
