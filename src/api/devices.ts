// The devices view: every device capwatch has heard from, has an incident about, believes captures or mirrors, or may
// log into — one row each, with what the logs say is active and what the device last showed when checked, and
// whether the two disagree. Read from the store (and the inventory) on each request: the store is the one truth.
import type { FastifyInstance } from 'fastify';
import type { SeenDevices } from '../alerts/devices.js';
import { findingsJson, incidentSummaryJson } from '../alerts/json.js';
import { deviceKey, type Store } from '../alerts/store.js';
import type { CaptureState, DeviceMirrorJSON, SessionState } from '../detect/state.js';
import { confirmationOf } from '../poll/check.js';
import type { StoredCheck } from '../poll/check-store.js';
import type { Poller } from '../poll/index.js';
import type { InventoryDevice } from '../poll/inventory.js';
import { errorRef, ref } from './schemas.js';

export interface DeviceApiDeps {
  store: Store;
  seen: SeenDevices;
  /** Undefined without an inventory: no device can be checked, none is listed as in the inventory. */
  poller: Poller | undefined;
}

interface Entry {
  address: string;
  hostname: string | null;
  platform: string | null;
  lastMessageAt: Date | null;
  messages: number;
  parseErrors: number;
  lastParseErrorAt: Date | null;
  lastParseError: string | null;
  unresolved: number;
  inventory?: InventoryDevice;
  state?: DeviceMirrorJSON;
}

/** One row per device, however many places know of it. */
function directory(deps: DeviceApiDeps): Entry[] {
  const byKey = new Map<string, Entry>();
  const byAddress = new Map<string, Entry>();
  const entry = (address: string, hostname: string | null): Entry => {
    const key = deviceKey({ address, ...(hostname !== null && { hostname }) }).toLowerCase();
    let e = byKey.get(key);
    if (!e) {
      e = { address, hostname, platform: null, lastMessageAt: null, messages: 0, parseErrors: 0, lastParseErrorAt: null, lastParseError: null, unresolved: 0 };
      byKey.set(key, e);
      if (!byAddress.has(address)) byAddress.set(address, e);
    }
    return e;
  };
  for (const s of deps.seen.all()) {
    const e = entry(s.address, s.hostname);
    e.platform ??= s.platform;
    e.messages += s.messages;
    e.parseErrors += s.parseErrors;
    if (s.lastParseErrorAt && (!e.lastParseErrorAt || s.lastParseErrorAt > e.lastParseErrorAt)) {
      e.lastParseErrorAt = s.lastParseErrorAt;
      e.lastParseError = s.lastParseError;
    }
    if (!e.lastMessageAt || s.lastSeen > e.lastMessageAt) e.lastMessageAt = s.lastSeen;
  }
  for (const i of deps.store.deviceIncidentStats()) {
    const e = entry(i.address, i.hostname);
    e.platform ??= i.platform;
    e.unresolved += i.unresolved;
  }
  // Mirror state is kept per sending address (a relay's devices share it; the first device of the address shows it).
  for (const { key, state } of deps.store.deviceStates()) {
    const json = state as DeviceMirrorJSON | null;
    if (!json || (json.captures.length === 0 && json.sessions.length === 0)) continue;
    (byAddress.get(key) ?? entry(key, null)).state = json;
  }
  const index = deps.poller?.inventory.index();
  if (index) {
    const matched = new Set<InventoryDevice>();
    for (const e of byKey.values()) {
      const d = index.find(e);
      if (d && !matched.has(d)) {
        e.inventory = d;
        matched.add(d);
      }
    }
    for (const d of index.inventory.devices) {
      if (matched.has(d)) continue;
      const e = entry(d.address, d.name);
      e.inventory = d;
      e.platform ??= d.platform;
    }
  }
  return [...byKey.values()].sort((a, b) => (b.lastMessageAt?.getTime() ?? 0) - (a.lastMessageAt?.getTime() ?? 0) || nameOf(a).localeCompare(nameOf(b)));
}

function nameOf(e: Entry): string {
  return e.hostname ?? e.inventory?.name ?? e.address;
}

function activeNames<T extends { active: boolean }>(items: readonly T[], id: (x: T) => string): Set<string> {
  return new Set(items.filter((x) => x.active).map((x) => id(x).toLowerCase()));
}

/**
 * The logs and the device tell different stories: something the logs say is active that the device did not show, or
 * the other way round (configured while logging was off). Only a complete, untruncated answer can disagree.
 */
function disagrees(state: DeviceMirrorJSON | undefined, check: StoredCheck | undefined): boolean {
  const f = check?.findings;
  if (!f || !f.supported || f.truncated) return false;
  const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  const believedCaptures = activeNames<CaptureState>(state?.captures ?? [], (c) => c.name);
  const believedSessions = activeNames<SessionState>(state?.sessions ?? [], (s) => s.id);
  return !same(believedCaptures, activeNames(f.captures, (c) => c.name)) || !same(believedSessions, activeNames(f.sessions, (s) => s.id));
}

function deviceJson(e: Entry, check: StoredCheck | undefined) {
  const iso = (d: Date | string) => new Date(d).toISOString();
  return {
    name: nameOf(e),
    address: e.address,
    hostname: e.hostname,
    platform: e.platform,
    lastMessageAt: e.lastMessageAt?.toISOString() ?? null,
    messages: e.messages,
    parseErrors: e.parseErrors,
    lastParseErrorAt: e.lastParseErrorAt?.toISOString() ?? null,
    lastParseError: e.lastParseError,
    inInventory: e.inventory !== undefined,
    tags: e.inventory?.tags ?? [],
    believed: {
      captures: (e.state?.captures ?? []).map((c) => ({
        name: c.name,
        active: c.active,
        interfaces: c.interfaces,
        ...(c.direction !== undefined && { direction: c.direction }),
        ...(c.filter !== undefined && { filter: c.filter }),
        ...(c.file !== undefined && { file: c.file }),
        ...(c.exportUrl !== undefined && { exportUrl: c.exportUrl }),
        lastChange: iso(c.lastChange),
      })),
      sessions: (e.state?.sessions ?? []).map((s) => ({
        id: s.id,
        type: s.type,
        active: s.active,
        sources: s.sources,
        destinations: s.destinations,
        ...(s.destinationIp !== undefined && { destinationIp: s.destinationIp }),
        shut: s.shut,
        lastChange: iso(s.lastChange),
      })),
    },
    lastCheck: check ? lastCheckJson(check) : null,
    disagrees: disagrees(e.state, check),
    openIncidents: e.unresolved,
  };
}

function lastCheckJson(c: StoredCheck) {
  const f = c.findings ? findingsJson(c.findings) : { captures: [], sessions: [] };
  return {
    status: confirmationOf(c).status,
    checkedAt: c.checkedAt.toISOString(),
    sweepId: c.sweepId ?? null,
    captures: f.captures,
    sessions: f.sessions,
    ...(f.truncated === true && { truncated: true }),
    ...(c.error !== undefined && { error: c.error }),
  };
}

const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const strings = { type: 'array', items: str } as const;
const checkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'checkedAt', 'sweepId', 'captures', 'sessions'],
  properties: {
    status: { enum: ['active-found', 'none-found', 'unsupported', 'unreachable'] },
    checkedAt: time,
    sweepId: { type: ['string', 'null'] },
    captures: { type: 'array', items: ref('Capture') },
    sessions: { type: 'array', items: ref('MirrorSession') },
    truncated: { type: 'boolean' },
    error: str,
  },
} as const;
const deviceProps = {
  name: str,
  address: str,
  hostname: { type: ['string', 'null'] },
  platform: { type: ['string', 'null'] },
  lastMessageAt: { type: ['string', 'null'], format: 'date-time' },
  messages: { type: 'integer' },
  parseErrors: { type: 'integer', description: 'Lines that looked like command logs but could not be read (a format capwatch misreads)' },
  lastParseErrorAt: { type: ['string', 'null'], format: 'date-time' },
  lastParseError: { type: ['string', 'null'], description: 'Why the last such line could not be read' },
  inInventory: { type: 'boolean' },
  tags: strings,
  believed: {
    type: 'object',
    additionalProperties: false,
    required: ['captures', 'sessions'],
    description: 'What capwatch believes from the logs (defined, and whether active)',
    properties: {
      captures: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'active', 'interfaces', 'lastChange'],
          properties: { name: str, active: { type: 'boolean' }, interfaces: strings, direction: str, filter: str, file: str, exportUrl: str, lastChange: time },
        },
      },
      sessions: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'type', 'active', 'sources', 'destinations', 'shut', 'lastChange'],
          properties: {
            id: str,
            type: { enum: ['span', 'rspan', 'erspan-source', 'erspan-destination', 'cloud'] },
            active: { type: 'boolean' },
            sources: strings,
            destinations: strings,
            destinationIp: str,
            shut: { type: 'boolean' },
            lastChange: time,
          },
        },
      },
    },
  },
  lastCheck: { anyOf: [{ type: 'null' }, checkSchema] },
  disagrees: { type: 'boolean', description: 'The logs and the last check differ on what is active' },
  openIncidents: { type: 'integer', description: 'Incidents not resolved' },
} as const;
const deviceSchema = { type: 'object', additionalProperties: false, required: Object.keys(deviceProps), properties: deviceProps } as const;

export async function deviceRoutes(app: FastifyInstance, deps: DeviceApiDeps): Promise<void> {
  app.get(
    '/api/devices',
    {
      schema: {
        tags: ['devices'],
        summary: 'Every device seen, with what the logs say is active and what its last check showed',
        response: { 200: { type: 'object', additionalProperties: false, required: ['devices'], properties: { devices: { type: 'array', items: deviceSchema } } } },
      },
    },
    async () => {
      const checks = deps.poller?.checks.latestPerDevice();
      return { devices: directory(deps).map((e) => deviceJson(e, e.inventory && checks?.get(e.inventory.name))) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/devices/:name',
    {
      schema: {
        tags: ['devices'],
        summary: 'One device (by name or address) with its recent checks and incidents',
        params: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', maxLength: 255 } } },
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: [...Object.keys(deviceProps), 'checks', 'incidents'],
            properties: { ...deviceProps, checks: { type: 'array', items: checkSchema }, incidents: { type: 'array', items: ref('IncidentSummary') } },
          },
          404: errorRef,
        },
      },
    },
    async (req, reply) => {
      const wanted = req.params.name.toLowerCase();
      const e = directory(deps).find((x) => nameOf(x).toLowerCase() === wanted || x.address === wanted || x.inventory?.name.toLowerCase() === wanted);
      if (!e) return reply.code(404).send({ error: 'no such device' });
      const checks = e.inventory ? (deps.poller?.checks.checksOfDevice(e.inventory.name, 20) ?? []) : [];
      return {
        ...deviceJson(e, checks[0]),
        checks: checks.map(lastCheckJson),
        incidents: deps.store.incidentSummaries({ device: e.hostname ?? e.address, limit: 100 }).map(incidentSummaryJson),
      };
    },
  );
}
