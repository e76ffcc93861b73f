// Liveness for probes (open to all) and Prometheus metrics (credentials, or `http.metrics.token`).
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

export interface HealthDeps {
  metrics: Metrics;
  /** `problem` set: the service runs but is not doing its job (the database refuses writes). */
  health: () => { uptimeSeconds: number; problem?: string };
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['service'],
        summary: 'Health (no credentials): 503 with the reason while the service cannot do its job',
        response: {
          200: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { const: 'ok' }, uptimeSeconds: { type: 'integer' } } },
          503: { type: 'object', additionalProperties: false, required: ['status', 'reason'], properties: { status: { const: 'unhealthy' }, reason: { type: 'string' }, uptimeSeconds: { type: 'integer' } } },
        },
      },
    },
    async (_req, reply) => {
      const { problem, uptimeSeconds } = deps.health();
      if (problem !== undefined) return reply.code(503).send({ status: 'unhealthy', reason: problem, uptimeSeconds });
      return { status: 'ok', uptimeSeconds };
    },
  );
  app.register(metricsRoute, deps);
}

/** Also served alone on `http.metrics.port`, where it is open to scrapers on that address. */
export async function metricsRoute(app: FastifyInstance, deps: Pick<HealthDeps, 'metrics'> & { open?: boolean }): Promise<void> {
  app.get(
    '/metrics',
    {
      config: deps.open ? { public: true } : { metricsToken: true },
      schema: {
        tags: ['service'],
        summary: 'Prometheus metrics (any credential, or the http.metrics.token bearer token)',
        response: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_req, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
}
