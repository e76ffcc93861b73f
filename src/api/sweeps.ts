// Sweeps over HTTP: start one (`POST /api/sweeps`, operator), follow its progress and results (`GET /api/sweeps/:id`).
// Each sweep logs into devices, so starting them is bounded: one per scope at a time, a rate per person, a ceiling
// on concurrency.
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../alerts/audit.js';
import { sweepJson, sweepSummaryJson } from '../alerts/json.js';
import { SweepBusyError, type Poller } from '../poll/index.js';
import { SelectionError } from '../poll/inventory.js';
import { actorOf } from './auth/plugin.js';
import { errorRef } from './schemas.js';

export interface SweepApiDeps {
  /** Undefined when no inventory is configured. */
  poller: Poller | undefined;
  audit: AuditLog;
  maxConcurrency: number;
  perUserPerMinute: number;
}

const names = { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 255 } } as const;
const sweepBody = {
  type: 'object',
  additionalProperties: false,
  properties: { devices: names, tags: names, concurrency: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;
const selection = {
  type: 'object',
  additionalProperties: false,
  properties: { devices: { type: 'array', items: { type: 'string' } }, tags: { type: 'array', items: { type: 'string' } } },
} as const;
const summaryProps = {
  id: { type: 'string' },
  trigger: { enum: ['cli', 'api', 'schedule'] },
  status: { enum: ['running', 'done', 'interrupted'] },
  selection,
  startedAt: { type: 'string', format: 'date-time' },
  finishedAt: { type: ['string', 'null'], format: 'date-time' },
  total: { type: 'integer' },
  done: { type: 'integer' },
} as const;
const findingsProps = {
  supported: { type: 'boolean' },
  captures: { type: 'array', items: { $ref: 'Capture#' } },
  sessions: { type: 'array', items: { $ref: 'MirrorSession#' } },
  truncated: { type: 'boolean' },
} as const;
const deviceResult = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'address', 'platform', 'reachable', 'status', 'checkedAt', 'durationMs', 'captures', 'sessions'],
  properties: {
    name: { type: 'string' },
    address: { type: 'string' },
    platform: { type: 'string' },
    reachable: { type: 'boolean' },
    error: { type: 'string' },
    status: { enum: ['active-found', 'none-found', 'unsupported', 'unreachable'] },
    checkedAt: { type: 'string', format: 'date-time' },
    durationMs: { type: 'integer' },
    transport: { enum: ['exec', 'shell'] },
    ...findingsProps,
    changes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'id', 'change'],
        properties: { object: { enum: ['capture', 'session'] }, id: { type: 'string' }, change: { enum: ['new', 'gone', 'activated', 'deactivated', 'changed'] } },
      },
    },
    incident: { type: 'string', description: 'The incident this check opened' },
  },
} as const;
const summarySchema = { type: 'object', additionalProperties: false, required: Object.keys(summaryProps), properties: summaryProps } as const;
const sweepSchema = {
  type: 'object',
  additionalProperties: false,
  required: [...Object.keys(summaryProps), 'devices'],
  properties: { ...summaryProps, devices: { type: 'array', items: deviceResult } },
} as const;
const busySchema = { type: 'object', additionalProperties: false, required: ['error'], properties: { error: { type: 'string' }, sweep: { type: 'string' } } } as const;

export async function sweepRoutes(app: FastifyInstance, deps: SweepApiDeps): Promise<void> {
  const noInventory = { error: 'no inventory configured: set `inventory` in the configuration' };
  // Per person, after authentication: a shared address (a NAT, a jump host) does not share one budget. (The route
  // hook form would be skipped: the global per-address limit has already run for the request.)
  const perUser = app.createRateLimit({ max: deps.perUserPerMinute, timeWindow: 60_000, keyGenerator: (req) => `sweep:${req.principal?.name ?? req.ip}` });

  app.post<{ Body: { devices?: string[]; tags?: string[]; concurrency?: number } | undefined }>(
    '/api/sweeps',
    {
      config: { role: 'operator' },
      preHandler: async (req, reply) => {
        const limit = await perUser(req);
        if (!limit.isAllowed && limit.isExceeded) {
          return reply
            .code(429)
            .header('retry-after', limit.ttlInSeconds)
            .send({ error: `too many requests: at most ${deps.perUserPerMinute} sweeps a minute each (poll.sweepsPerUserPerMinute); retry in ${limit.ttlInSeconds} s` });
        }
      },
      schema: {
        tags: ['sweeps'],
        summary: 'Start a sweep: log into the selected devices over SSH and list what captures or mirrors (operator)',
        body: sweepBody,
        response: {
          202: { type: 'object', additionalProperties: false, required: ['id', 'status', 'total'], properties: { id: { type: 'string' }, status: summaryProps.status, total: { type: 'integer' } } },
          400: errorRef,
          409: busySchema,
          429: errorRef,
        },
      },
    },
    async (req, reply) => {
      if (!deps.poller) return reply.code(409).send(noInventory);
      const body = req.body ?? {};
      if (body.concurrency !== undefined && body.concurrency > deps.maxConcurrency) {
        return reply.code(400).send({ error: `concurrency: at most ${deps.maxConcurrency} (poll.maxConcurrency)` });
      }
      try {
        const { id } = deps.poller.sweep({ ...(body.devices && { names: body.devices }), ...(body.tags && { tags: body.tags }) }, { trigger: 'api', ...(body.concurrency && { concurrency: body.concurrency }) });
        const view = deps.poller.sweeper.view(id)!;
        deps.audit.record({ actor: actorOf(req), action: 'sweep.start', target: id, details: { selection: view.selection, total: view.total } });
        return reply.code(202).header('location', `/api/sweeps/${id}`).send({ id, status: view.status, total: view.total });
      } catch (err) {
        if (err instanceof SelectionError) return reply.code(400).send({ error: err.message });
        if (err instanceof SweepBusyError) return reply.code(409).header('location', `/api/sweeps/${err.id}`).send({ error: err.message, sweep: err.id });
        throw err;
      }
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/sweeps',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'The newest sweeps, without their device results',
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 } } },
        response: { 200: { type: 'object', additionalProperties: false, required: ['sweeps'], properties: { sweeps: { type: 'array', items: summarySchema } } }, 409: errorRef },
      },
    },
    async (req, reply) => {
      if (!deps.poller) return reply.code(409).send(noInventory);
      return { sweeps: deps.poller.sweeper.list(req.query.limit).map(sweepSummaryJson) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/sweeps/:id',
    {
      schema: {
        tags: ['sweeps'],
        summary: "A sweep's progress and every device's result",
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: sweepSchema, 404: errorRef },
      },
    },
    async (req, reply) => {
      const view = deps.poller?.sweeper.view(req.params.id);
      if (!view) return reply.code(404).send({ error: 'no such sweep' });
      return sweepJson(view);
    },
  );
}
