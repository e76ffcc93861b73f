// Sweeps over HTTP: start one (`POST /api/sweeps`), follow its progress and results (`GET /api/sweeps/:id`).
import type { FastifyInstance } from 'fastify';
import { sweepJson, sweepSummaryJson } from '../alerts/json.js';
import type { Poller } from '../poll/index.js';
import { SelectionError } from '../poll/inventory.js';

export interface SweepApiDeps {
  /** Undefined when no inventory is configured. */
  poller: Poller | undefined;
}

const names = { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 255 } } as const;
const sweepBody = {
  type: 'object',
  additionalProperties: false,
  properties: { devices: names, tags: names, concurrency: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;

export async function sweepRoutes(app: FastifyInstance, deps: SweepApiDeps): Promise<void> {
  const noInventory = { error: 'no inventory configured: set `inventory` in the configuration' };

  app.post<{ Body: { devices?: string[]; tags?: string[]; concurrency?: number } | undefined }>('/api/sweeps', { schema: { body: sweepBody } }, async (req, reply) => {
    if (!deps.poller) return reply.code(409).send(noInventory);
    const body = req.body ?? {};
    try {
      const { id } = deps.poller.sweep({ ...(body.devices && { names: body.devices }), ...(body.tags && { tags: body.tags }) }, { trigger: 'api', ...(body.concurrency && { concurrency: body.concurrency }) });
      const view = deps.poller.sweeper.view(id)!;
      return reply.code(202).header('location', `/api/sweeps/${id}`).send({ id, status: view.status, total: view.total });
    } catch (err) {
      if (err instanceof SelectionError) return reply.code(400).send({ error: err.message });
      throw err;
    }
  });

  app.get<{ Querystring: { limit: number } }>(
    '/api/sweeps',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 } } } } },
    async (req, reply) => {
      if (!deps.poller) return reply.code(409).send(noInventory);
      return { sweeps: deps.poller.sweeper.list(req.query.limit).map(sweepSummaryJson) };
    },
  );

  app.get<{ Params: { id: string } }>('/api/sweeps/:id', async (req, reply) => {
    const view = deps.poller?.sweeper.view(req.params.id);
    if (!view) return reply.code(404).send({ error: 'no such sweep' });
    return sweepJson(view);
  });
}
