// The audit trail over HTTP: who acknowledged, resolved, commented, swept, logged in — newest first.
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../alerts/audit.js';
import { auditJson } from '../alerts/json.js';
import { ref } from './schemas.js';

export async function auditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): Promise<void> {
  app.get<{ Querystring: { actor?: string; action?: string; incident?: string; since?: string; before?: number; limit: number } }>(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 255 },
            action: { type: 'string', maxLength: 64 },
            incident: { type: 'string', maxLength: 64 },
            since: { type: 'string', format: 'date-time' },
            before: { type: 'integer', minimum: 1, description: 'Entries older than this id (paging)' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'object', additionalProperties: false, required: ['entries'], properties: { entries: { type: 'array', items: ref('AuditEntry') } } } },
      },
    },
    async (req) => {
      const q = req.query;
      const entries = deps.audit.list({
        ...(q.actor !== undefined && { actor: q.actor }),
        ...(q.action !== undefined && { action: q.action }),
        ...(q.incident !== undefined && { incident: q.incident }),
        ...(q.since !== undefined && { since: new Date(q.since) }),
        ...(q.before !== undefined && { before: q.before }),
        limit: q.limit,
      });
      return { entries: entries.map(auditJson) };
    },
  );
}
