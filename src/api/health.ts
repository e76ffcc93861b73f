// Liveness for probes (open to all) and Prometheus metrics (credentials, or `http.metrics.token`).
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

export interface HealthDeps {
  metrics: Metrics;
  health: () => Record<string, unknown>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['service'],
        summary: 'Liveness (no credentials)',
        response: { 200: { type: 'object', required: ['status'], properties: { status: { const: 'ok' }, uptimeSeconds: { type: 'integer' } } } },
      },
    },
    async () => ({ status: 'ok', ...deps.health() }),
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
