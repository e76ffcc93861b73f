// Incidents over HTTP: list (full or summary), counts, one with its deliveries, timeline and audit, status changes
// and comments (operator), and exports (CSV, NDJSON) that page through the store instead of loading it.
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../alerts/audit.js';
import { auditJson, commentJson, detectionJson, incidentJson, incidentSummaryJson, isComment, timelineJson } from '../alerts/json.js';
import type { IncidentQuery, Store } from '../alerts/store.js';
import type { DetectionKind, Incident, IncidentStatus, Severity } from '../types.js';
import { SEVERITIES } from '../types.js';
import { actorOf } from './auth/plugin.js';
import { errorRef, KINDS, ref, STATUSES } from './schemas.js';

export interface IncidentApiDeps {
  store: Store;
  audit: AuditLog;
  /** Chat deliveries of an incident. */
  deliveries: (incidentId: string) => unknown[];
  /** An incident was acknowledged or resolved here: tell the incident book, the chat targets and live watchers. */
  statusChanged: (incident: Incident) => void;
  /** A comment was added (live watchers). */
  commented: (incidentId: string) => void;
}

interface Filters {
  device?: string;
  user?: string;
  kind?: DetectionKind;
  severity?: Severity;
  status?: IncidentStatus;
  since?: string;
  until?: string;
}

const filterProps = {
  device: { type: 'string', maxLength: 255, description: 'Hostname or address' },
  user: { type: 'string', maxLength: 255 },
  kind: { enum: KINDS },
  severity: { enum: SEVERITIES, description: 'Minimum severity' },
  status: { enum: STATUSES },
  since: { type: 'string', format: 'date-time', description: 'lastSeen at or after' },
  until: { type: 'string', format: 'date-time', description: 'lastSeen at or before' },
} as const;
const { severity: _minimum, ...countFilters } = filterProps;
const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } } as const;
const notFound = { error: 'no such incident' };

function query(f: Filters): IncidentQuery {
  return {
    ...(f.device !== undefined && { device: f.device }),
    ...(f.user !== undefined && { user: f.user }),
    ...(f.kind !== undefined && { kind: f.kind }),
    ...(f.severity !== undefined && { severity: f.severity }),
    ...(f.status !== undefined && { status: f.status }),
    ...(f.since !== undefined && { since: new Date(f.since) }),
    ...(f.until !== undefined && { until: new Date(f.until) }),
  };
}

export async function incidentRoutes(app: FastifyInstance, deps: IncidentApiDeps): Promise<void> {
  const { store, audit } = deps;

  app.get<{ Querystring: Filters & { limit: number } }>(
    '/api/incidents',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents with their detections, newest first',
        querystring: { type: 'object', additionalProperties: false, properties: { ...filterProps, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: {
          200: { type: 'object', additionalProperties: false, required: ['incidents'], properties: { incidents: { type: 'array', items: ref('Incident') } } },
          400: errorRef,
        },
      },
    },
    async (req) => ({ incidents: store.incidents({ ...query(req.query), limit: req.query.limit }).map(incidentJson) }),
  );

  app.get<{ Querystring: Filters & { limit: number } }>(
    '/api/incidents/summaries',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Incidents without their detections, newest first, up to 10,000 (lists, wall screens)',
        description: 'Each row has counts, the kinds and rules hit, and its most severe command (`headline`, cut at 1,000 characters).',
        querystring: { type: 'object', additionalProperties: false, properties: { ...filterProps, limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 } } },
        response: {
          200: { type: 'object', additionalProperties: false, required: ['incidents'], properties: { incidents: { type: 'array', items: ref('IncidentSummary') } } },
          400: errorRef,
        },
      },
    },
    async (req) => ({ incidents: store.incidentSummaries({ ...query(req.query), limit: req.query.limit }).map(incidentSummaryJson) }),
  );

  app.get<{ Querystring: Omit<Filters, 'severity'> }>(
    '/api/incidents/counts',
    {
      schema: {
        tags: ['incidents'],
        summary: 'How many incidents match, per severity and per status',
        querystring: { type: 'object', additionalProperties: false, properties: countFilters },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['total', 'bySeverity', 'byStatus'],
            properties: {
              total: { type: 'integer' },
              bySeverity: { type: 'object', additionalProperties: false, required: [...SEVERITIES], properties: Object.fromEntries(SEVERITIES.map((s) => [s, { type: 'integer' }])) },
              byStatus: { type: 'object', additionalProperties: false, required: [...STATUSES], properties: Object.fromEntries(STATUSES.map((s) => [s, { type: 'integer' }])) },
            },
          },
        },
      },
    },
    async (req) => store.incidentCounts(query(req.query)),
  );

  app.get<{ Querystring: Filters & { format: 'csv' | 'ndjson'; limit: number } }>(
    '/api/incidents/export',
    {
      schema: {
        tags: ['incidents'],
        summary: 'Export incidents: CSV (one row per detection) or NDJSON (one incident per line)',
        description: 'Cells that a spreadsheet would run as a formula (starting with = + - @) are quoted with a leading apostrophe.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: { ...filterProps, format: { enum: ['csv', 'ndjson'] }, limit: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 100_000 } },
        },
        response: {
          200: {
            description: 'The export',
            content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (req, reply) => {
      const csv = req.query.format === 'csv';
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      reply
        .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="capwatch-incidents-${stamp}.${csv ? 'csv' : 'ndjson'}"`);
      return reply.send(Readable.from(exportLines(store, query(req.query), req.query.limit, csv)));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/incidents/:id',
    {
      schema: {
        tags: ['incidents'],
        summary: 'One incident with its chat deliveries, timeline, comments and audit entries',
        params: idParams,
        response: {
          200: ref('IncidentDetail'),
          404: errorRef,
        },
      },
    },
    async (req, reply) => {
      const incident = store.incident(req.params.id);
      if (!incident) return reply.code(404).send(notFound);
      const entries = audit.ofIncident(incident.id);
      return {
        ...incidentJson(incident),
        deliveries: deps.deliveries(incident.id),
        timeline: timelineJson(incident, entries),
        comments: entries.filter(isComment).map(commentJson),
        audit: entries.map(auditJson),
      };
    },
  );

  app.patch<{ Params: { id: string }; Body: { status: 'acknowledged' | 'resolved' | 'false-positive'; comment?: string } }>(
    '/api/incidents/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['incidents'],
        summary: 'Acknowledge or resolve an incident, or close it as a false positive with a comment saying why (operator)',
        description: 'A false positive keeps collecting quietly and opens again on unexpected activity in its window; GET /api/incidents/:id/filter suggests a filter for what it was.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['status'],
          properties: { status: { enum: ['acknowledged', 'resolved', 'false-positive'] }, comment: { type: 'string', minLength: 1, maxLength: 4000 } },
        },
        response: { 200: ref('Incident'), 400: errorRef, 404: errorRef, 409: errorRef },
      },
    },
    async (req, reply) => {
      const { status, comment } = req.body;
      const before = store.incident(req.params.id);
      if (!before) return reply.code(404).send(notFound);
      if (status === 'false-positive' && comment === undefined) return reply.code(400).send({ error: 'comment: required when closing as a false positive (say why)' });
      if (before.status === 'resolved' && status === 'acknowledged') return reply.code(409).send({ error: 'the incident is resolved; a new detection opens a new incident' });
      if (before.status !== status) {
        store.transaction(() => {
          store.setIncidentStatus(before.id, status);
          audit.record({
            actor: actorOf(req),
            action: status === 'acknowledged' ? 'incident.acknowledge' : status === 'resolved' ? 'incident.resolve' : 'incident.false-positive',
            target: before.id,
            incident: before.id,
            details: { from: before.status, to: status, ...(comment !== undefined && { comment }) },
          });
        });
        deps.statusChanged(store.incident(before.id)!);
      }
      return incidentJson(store.incident(before.id)!);
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/api/incidents/:id/comments',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['incidents'],
        summary: 'Comment on an incident (operator)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } } },
        response: { 201: ref('Comment'), 404: errorRef },
      },
    },
    async (req, reply) => {
      const text = req.body.text.trim();
      if (!store.incident(req.params.id)) return reply.code(404).send(notFound);
      const entry = audit.record({ actor: actorOf(req), action: 'incident.comment', target: req.params.id, incident: req.params.id, details: { text } });
      deps.commented(req.params.id);
      return reply.code(201).send(commentJson(entry));
    },
  );
}

const CSV_COLUMNS = [
  'incident',
  'incident_severity',
  'status',
  'device',
  'device_address',
  'user',
  'first_seen',
  'last_seen',
  'time',
  'received_at',
  'rule',
  'title',
  'kind',
  'severity',
  'source',
  'context',
  'command',
  'facts',
  'confirmation',
];

/** Pages of 500 by (lastSeen, id): the database is never held by one slow download, nor the export held in memory. */
async function* exportLines(store: Store, q: IncidentQuery, max: number, csv: boolean): AsyncGenerator<string> {
  if (csv) yield stringify([CSV_COLUMNS]);
  let after: IncidentQuery['after'];
  let sent = 0;
  while (sent < max) {
    const page = store.incidents({ ...q, ...(after && { after }), limit: Math.min(500, max - sent) });
    if (page.length === 0) return;
    let chunk = '';
    for (const i of page) {
      if (!csv) {
        chunk += `${JSON.stringify(incidentJson(i))}\n`;
        continue;
      }
      const rows = i.detections.map((d) => {
        const j = detectionJson(d);
        return [i.id, i.severity, i.status, j.device, j.deviceAddress, j.user ?? '', i.firstSeen.toISOString(), i.lastSeen.toISOString(), j.time, j.receivedAt, j.rule, j.title, j.kind, j.severity, j.source, j.context.join(' > '), j.command, JSON.stringify(j.facts), i.confirmation?.status ?? ''];
      });
      chunk += stringify(rows, { escape_formulas: true });
    }
    sent += page.length;
    const last = page[page.length - 1]!;
    after = { lastSeen: last.lastSeen, id: last.id };
    yield chunk;
  }
}
