// Expected work over HTTP: approved captures (register, list, end early), the change windows in force, and filters
// made from false positives (suggested from an incident, confirmed by an admin). Every change is audited.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ApprovalError, type ApprovalInput, type ApprovalLimits, type Approvals } from '../alerts/approvals.js';
import type { AuditLog } from '../alerts/audit.js';
import type { Store } from '../alerts/store.js';
import type { Approval } from '../detect/expected/approvals.js';
import { WORK_KINDS } from '../detect/expected/kinds.js';
import type { ChangeWindow, WindowConfig } from '../detect/expected/windows.js';
import { compileFilter } from '../detect/sigma/filter.js';
import type { Rule } from '../detect/sigma/types.js';
import { actorOf } from './auth/plugin.js';
import { errorRef } from './schemas.js';

export interface ExpectedApiDeps {
  store: Store;
  approvals: Approvals;
  audit: AuditLog;
  limits: ApprovalLimits;
  /** A device of this name or address has been seen, had an incident, or is in the inventory. */
  knownDevice: (name: string) => boolean;
  /** The approvals changed: the detector judges the next hit against the new set. */
  approvalsChanged: () => void;
  windows: ReadonlyArray<{ config: WindowConfig; compiled: ChangeWindow }>;
  rules: readonly Rule[];
  /** Where confirmed filters are written (the first `detection.filters` directory), if any; and reloading them. */
  filterDir?: string;
  filtersChanged: () => void;
  /** The filters in force (ids and files), to refuse one added twice. */
  filters: () => ReadonlyArray<{ id: string; file: string }>;
}

const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const approvalSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'devices', 'user', 'ticket', 'createdAt', 'createdBy', 'expiresAt', 'state'],
  properties: {
    id: str,
    devices: { type: 'array', items: str },
    user: str,
    kind: { enum: WORK_KINDS },
    pattern: str,
    name: str,
    destination: str,
    ticket: str,
    reason: str,
    createdAt: time,
    createdBy: str,
    expiresAt: time,
    removedAt: time,
    removedBy: str,
    state: { enum: ['active', 'ended', 'removed'] },
  },
} as const;
const occurrence = { type: ['object', 'null'], additionalProperties: false, required: ['start', 'end'], properties: { start: time, end: time } } as const;

export function approvalJson(a: Approval, now: Date) {
  return {
    id: a.id,
    devices: a.devices,
    user: a.user,
    ...(a.kind !== undefined && { kind: a.kind }),
    ...(a.pattern !== undefined && { pattern: a.pattern }),
    ...(a.name !== undefined && { name: a.name }),
    ...(a.destination !== undefined && { destination: a.destination }),
    ticket: a.ticket,
    ...(a.reason !== undefined && { reason: a.reason }),
    createdAt: a.createdAt.toISOString(),
    createdBy: a.createdBy,
    expiresAt: a.expiresAt.toISOString(),
    ...(a.removedAt && { removedAt: a.removedAt.toISOString() }),
    ...(a.removedBy !== undefined && { removedBy: a.removedBy }),
    state: a.removedAt ? 'removed' : a.expiresAt > now ? 'active' : 'ended',
  };
}

/** A UUID-shaped id derived from `text` (SHA-256, version 5 layout): stable for the same input. */
function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A Sigma filter that sets apart what an incident's detections were: this device, this person, these commands. */
export function suggestedFilter(incident: { id: string; device: { hostname?: string; address: string }; user?: string; detections: Array<{ rule: string; title: string; event: { command: string } }> }): string {
  const rules = [...new Set(incident.detections.map((d) => d.rule))];
  const selection: Record<string, unknown> = { device: incident.device.hostname ?? incident.device.address };
  if (incident.user !== undefined) selection.user = incident.user;
  selection.command = [...new Set(incident.detections.map((d) => d.event.command))];
  const doc = {
    title: `Expected: ${incident.device.hostname ?? incident.device.address}${incident.user !== undefined ? ` by ${incident.user}` : ''} (false positive ${incident.id.slice(0, 8)})`,
    // Named after the incident, so whoever asks sees the same document and adding it twice is refused.
    id: uuidFrom(`capwatch-filter:${incident.id}`),
    description: `Made from incident ${incident.id}, closed as a false positive. It sets apart exactly these commands by this person on this device; critical hits stay alerts unless capwatch.allowCritical is added.`,
    logsource: { product: 'cisco' },
    filter: { rules, selection, condition: 'not selection' },
  };
  return toYaml(doc, { lineWidth: 0 });
}

export async function expectedRoutes(app: FastifyInstance, deps: ExpectedApiDeps): Promise<void> {
  app.get<{ Querystring: { all: boolean } }>(
    '/api/expected',
    {
      schema: {
        tags: ['expected work'],
        summary: 'Approved captures (in force, or with all=true the newest 500 of any state) and the change windows',
        querystring: { type: 'object', additionalProperties: false, properties: { all: { type: 'boolean', default: false } } },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['approvals', 'windows'],
            properties: {
              approvals: { type: 'array', items: approvalSchema },
              windows: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['name', 'devices', 'current', 'schedule'],
                  properties: {
                    name: str,
                    devices: { type: 'array', items: str },
                    users: { type: 'array', items: str },
                    kinds: { type: 'array', items: str },
                    schedule: { ...str, description: 'from–until, or the cron expression, its length and time zone' },
                    current: occurrence,
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const now = new Date();
      const list = req.query.all ? deps.approvals.recent(500) : deps.approvals.current(now);
      return {
        approvals: list.map((a) => approvalJson(a, now)),
        windows: deps.windows.map(({ config: c, compiled }) => {
          const o = compiled.occurrence(now);
          return {
            name: c.name,
            devices: c.devices,
            ...(c.users && { users: c.users }),
            ...(c.kinds && { kinds: c.kinds }),
            schedule: c.cron !== undefined ? `${c.cron} for ${c.durationMinutes} min (${c.timezone ?? 'UTC'})` : `${c.from} to ${c.until}`,
            current: o ? { start: o.start.toISOString(), end: o.end.toISOString() } : null,
          };
        }),
      };
    },
  );

  app.post<{ Body: ApprovalInput }>(
    '/api/expected',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['expected work'],
        summary: 'Register planned capture or mirror work before doing it (operator)',
        description: 'Hits by `user` on the named devices that fit kind, pattern, name and destination are then expected: stored, not paged. Lasts `ttlMinutes` (default expected.approvals.defaultTtlMinutes) or `until`, at most expected.approvals.maxTtlMinutes.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['devices', 'user', 'ticket'],
          properties: {
            devices: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 255 } },
            user: { type: 'string', minLength: 1, maxLength: 255 },
            kind: { enum: WORK_KINDS },
            pattern: { type: 'string', minLength: 1, maxLength: 1000, description: 'A regular expression the command must match (case-insensitive)' },
            name: { type: 'string', minLength: 1, maxLength: 255, description: 'The capture name or mirror session id' },
            destination: { type: 'string', minLength: 1, maxLength: 255, description: 'Where the traffic may go: an address, network or host' },
            ticket: { type: 'string', minLength: 1, maxLength: 255 },
            reason: { type: 'string', maxLength: 2000 },
            ttlMinutes: { type: 'number', exclusiveMinimum: 0 },
            until: { type: 'string', maxLength: 64 },
          },
        },
        response: { 201: approvalSchema, 400: errorRef },
      },
    },
    async (req, reply) => {
      const now = new Date();
      let approval: Approval;
      try {
        approval = deps.approvals.add(req.body, req.principal!.name, now, deps.limits, deps.knownDevice);
      } catch (err) {
        if (err instanceof ApprovalError) return reply.code(400).send({ error: err.message });
        throw err;
      }
      deps.audit.record({ actor: actorOf(req), action: 'expected.add', target: approval.id, details: approvalJson(approval, now) });
      deps.approvalsChanged();
      return reply.code(201).send(approvalJson(approval, now));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/expected/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['expected work'],
        summary: 'End an approval now (operator); what it covered is checked after the grace, as at its expiry',
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 204: { type: 'null' }, 404: errorRef },
      },
    },
    async (req, reply) => {
      if (!deps.approvals.remove(req.params.id, req.principal!.name, new Date())) return reply.code(404).send({ error: 'no approval in force with that id' });
      deps.audit.record({ actor: actorOf(req), action: 'expected.remove', target: req.params.id, details: {} });
      deps.approvalsChanged();
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/incidents/:id/filter',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['expected work'],
        summary: "A Sigma filter that would set this incident's detections apart, to review before an admin adds it",
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        response: { 200: { type: 'object', additionalProperties: false, required: ['yaml'], properties: { yaml: str } }, 404: errorRef },
      },
    },
    async (req, reply) => {
      const incident = deps.store.incident(req.params.id);
      if (!incident) return reply.code(404).send({ error: 'no such incident' });
      return { yaml: suggestedFilter(incident) };
    },
  );

  app.post<{ Body: { yaml: string } }>(
    '/api/filters',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['expected work'],
        summary: 'Add a Sigma filter (admin): checked like a file at start-up, written to the first detection.filters directory, in force at once',
        body: { type: 'object', additionalProperties: false, required: ['yaml'], properties: { yaml: { type: 'string', minLength: 1, maxLength: 65_536 } } },
        response: { 201: { type: 'object', additionalProperties: false, required: ['id', 'file'], properties: { id: str, file: str } }, 400: errorRef, 409: errorRef },
      },
    },
    async (req, reply) => {
      if (!deps.filterDir) return reply.code(409).send({ error: 'no filter directory configured: set detection.filters' });
      let doc: unknown;
      try {
        doc = parseYaml(req.body.yaml);
      } catch (err) {
        return reply.code(400).send({ error: `yaml: not valid YAML: ${(err as Error).message.split('\n')[0]}` });
      }
      let id: string;
      try {
        id = compileFilter(doc, '(request)', deps.rules).id;
      } catch (err) {
        return reply.code(400).send({ error: `yaml: ${(err as Error).message}` });
      }
      const same = deps.filters().find((f) => f.id === id);
      if (same) return reply.code(409).send({ error: `a filter with id ${id} is in force already (${same.file})` });
      const file = join(deps.filterDir, `filter-${id.slice(0, 8)}.yml`);
      mkdirSync(deps.filterDir, { recursive: true });
      writeFileSync(file, req.body.yaml, { flag: 'wx' });
      deps.filtersChanged();
      deps.audit.record({ actor: actorOf(req), action: 'filter.add', target: id, details: { file } });
      return reply.code(201).send({ id, file });
    },
  );
}
