// HTTP API: health, incidents, Prometheus metrics. A fastify plugin so later issues add routes beside these.
import type { FastifyInstance } from 'fastify';
import { incidentJson } from '../alerts/json.js';
import type { Store } from '../alerts/store.js';
import type { Metrics } from '../metrics.js';
import { SEVERITIES, type Incident, type IncidentStatus, type Severity } from '../types.js';

export interface ApiDeps {
  store: Store;
  metrics: Metrics;
  health: () => Record<string, unknown>;
  /** Notification deliveries of an incident, shown with it. */
  deliveries?: (incidentId: string) => unknown[];
  /** An incident was acknowledged or resolved through the API. */
  statusChanged?: (incident: Incident) => void;
}

const incidentsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    device: { type: 'string', maxLength: 255 },
    severity: { enum: SEVERITIES },
    since: { type: 'string', format: 'date-time' },
    status: { enum: ['open', 'acknowledged', 'resolved'] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', ...deps.health() }));

  app.get<{ Querystring: { device?: string; severity?: Severity; since?: string; status?: IncidentStatus; limit: number } }>(
    '/api/incidents',
    { schema: { querystring: incidentsQuery } },
    async (req) => {
      const q = req.query;
      const incidents = deps.store.incidents({
        ...(q.device !== undefined && { device: q.device }),
        ...(q.severity !== undefined && { severity: q.severity }),
        ...(q.since !== undefined && { since: new Date(q.since) }),
        ...(q.status !== undefined && { status: q.status }),
        limit: q.limit,
      });
      return { incidents: incidents.map(incidentJson) };
    },
  );

  app.get<{ Params: { id: string } }>('/api/incidents/:id', async (req, reply) => {
    const incident = deps.store.incident(req.params.id);
    if (!incident) return reply.code(404).send({ error: 'no such incident' });
    return { ...incidentJson(incident), ...(deps.deliveries && { deliveries: deps.deliveries(incident.id) }) };
  });

  app.patch<{ Params: { id: string }; Body: { status: 'acknowledged' | 'resolved' } }>(
    '/api/incidents/:id',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { enum: ['acknowledged', 'resolved'] } } } } },
    async (req, reply) => {
      if (!deps.store.setIncidentStatus(req.params.id, req.body.status)) return reply.code(404).send({ error: 'no such incident' });
      const incident = deps.store.incident(req.params.id)!;
      deps.statusChanged?.(incident);
      return incidentJson(incident);
    },
  );

  app.get('/metrics', async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
