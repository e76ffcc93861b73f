// Admin views: the loaded rules with their hit counts, and the configuration in force with every secret removed.
import { relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../alerts/store.js';
import type { Rule } from '../detect/sigma/types.js';
import { packageRoot } from '../paths.js';
import { SEVERITIES } from '../types.js';
import { KINDS } from './schemas.js';

export interface AdminApiDeps {
  store: Store;
  rules: readonly Rule[];
  /** The configuration in force (redacted here before it is shown). */
  config: unknown;
}

/** Keys whose values are credentials wherever they appear (webhook URLs are credentials too). */
const SECRET_KEYS = new Set(['key', 'keys', 'password', 'passphrase', 'secret', 'token', 'privatekey', 'clientsecret', 'sha256', 'passwordhash', 'url']);

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k.toLowerCase()) ? '[redacted]' : redact(v)]));
  }
  return value;
}

export async function adminRoutes(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  app.get(
    '/api/rules',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'The detection rules in force, with how often each has hit (admin)',
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['rules'],
            properties: {
              rules: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['id', 'title', 'level', 'kind', 'description', 'file', 'tags', 'hits', 'lastHit'],
                  properties: {
                    id: { type: 'string' },
                    title: { type: 'string' },
                    level: { enum: SEVERITIES },
                    kind: { enum: KINDS },
                    description: { type: 'string' },
                    file: { type: 'string' },
                    tags: { type: 'array', items: { type: 'string' } },
                    hits: { type: 'integer' },
                    lastHit: { type: ['string', 'null'], format: 'date-time' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => {
      const hits = deps.store.ruleHits();
      return {
        rules: deps.rules.map((r) => {
          const h = hits.get(r.id);
          const file = relative(packageRoot, r.file);
          return { id: r.id, title: r.title, level: r.level, kind: r.kind, description: r.description, file: file.startsWith('..') ? r.file : file, tags: [...r.tags], hits: h?.hits ?? 0, lastHit: h?.lastHit.toISOString() ?? null };
        }),
      };
    },
  );

  const shown = redact(deps.config);
  app.get(
    '/api/config',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'The configuration in force, defaults filled in, secrets, hashes and webhook URLs redacted (admin)',
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    async () => shown,
  );
}
