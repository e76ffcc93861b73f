// Approved captures in the store: registered before the work (API, CLI, console), ended by their expiry or by being
// removed, and never deleted, so an incident can always say which approval covered it. Validation is here, shared
// by every way in, and names the field at fault.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { type Approval } from '../detect/expected/approvals.js';
import { parseDeviceSpec } from '../detect/expected/devices.js';
import { WORK_KINDS, type WorkKind } from '../detect/expected/kinds.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  devices TEXT NOT NULL,
  user TEXT NOT NULL,
  kind TEXT,
  pattern TEXT,
  name TEXT,
  destination TEXT,
  ticket TEXT NOT NULL,
  reason TEXT,
  expires_at INTEGER NOT NULL,
  removed_at INTEGER,
  removed_by TEXT,
  expiry_checked_at INTEGER
);
CREATE INDEX IF NOT EXISTS approvals_expiry ON approvals(expires_at);
`;

export class ApprovalError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface ApprovalInput {
  devices: string[];
  user: string;
  kind?: string;
  pattern?: string;
  name?: string;
  destination?: string;
  ticket: string;
  reason?: string;
  /** Minutes from now; or `until`. Neither: the configured default. */
  ttlMinutes?: number;
  until?: string;
}

export interface ApprovalLimits {
  defaultTtlMinutes: number;
  maxTtlMinutes: number;
}

interface Row {
  id: string;
  created_at: number;
  created_by: string;
  devices: string;
  user: string;
  kind: WorkKind | null;
  pattern: string | null;
  name: string | null;
  destination: string | null;
  ticket: string;
  reason: string | null;
  expires_at: number;
  removed_at: number | null;
  removed_by: string | null;
}

export class Approvals {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO approvals (id, created_at, created_by, devices, user, kind, pattern, name, destination, ticket, reason, expires_at)
         VALUES (@id, @created_at, @created_by, @devices, @user, @kind, @pattern, @name, @destination, @ticket, @reason, @expires_at)`,
      ),
      get: db.prepare(`SELECT * FROM approvals WHERE id = ?`),
      // Ended ones stay in force for matching until the grace after their end: hits logged just before still count.
      current: db.prepare(`SELECT * FROM approvals WHERE expires_at > ? ORDER BY created_at`),
      all: db.prepare(`SELECT * FROM approvals ORDER BY created_at`),
      recent: db.prepare(`SELECT * FROM approvals ORDER BY created_at DESC LIMIT ?`),
      remove: db.prepare(`UPDATE approvals SET removed_at = ?, removed_by = ?, expires_at = MIN(expires_at, ?) WHERE id = ? AND removed_at IS NULL`),
      due: db.prepare(`SELECT * FROM approvals WHERE expiry_checked_at IS NULL AND expires_at <= ? ORDER BY expires_at`),
      checked: db.prepare(`UPDATE approvals SET expiry_checked_at = ? WHERE id = ?`),
    };
  }

  /** Checks and stores a new approval; throws ApprovalError naming the field. */
  add(input: ApprovalInput, by: string, now: Date, limits: ApprovalLimits, knownDevice: (name: string) => boolean): Approval {
    const approval = newApproval(input, by, now, limits, knownDevice);
    this.stmts.insert.run({
      id: approval.id,
      created_at: approval.createdAt.getTime(),
      created_by: approval.createdBy,
      devices: JSON.stringify(approval.devices),
      user: approval.user,
      kind: approval.kind ?? null,
      pattern: approval.pattern ?? null,
      name: approval.name ?? null,
      destination: approval.destination ?? null,
      ticket: approval.ticket,
      reason: approval.reason ?? null,
      expires_at: approval.expiresAt.getTime(),
    });
    return approval;
  }

  get(id: string): Approval | undefined {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Approvals that end after `since` (removed ones end when they were removed). */
  current(since: Date): Approval[] {
    return (this.stmts.current.all(since.getTime()) as Row[]).map(fromRow);
  }

  /** Every approval ever registered: replaying old logs asks which were in force at each line's time. */
  all(): Approval[] {
    return (this.stmts.all.all() as Row[]).map(fromRow);
  }

  /** The newest approvals, ended and removed ones included. */
  recent(limit: number): Approval[] {
    return (this.stmts.recent.all(limit) as Row[]).map(fromRow);
  }

  /** Ends an approval now; false when there is none in force with that id. */
  remove(id: string, by: string, now: Date): boolean {
    return this.stmts.remove.run(now.getTime(), by, now.getTime(), id).changes > 0;
  }

  /** Approvals that ended at or before `endedBy` and have not been looked at since. */
  due(endedBy: Date): Approval[] {
    return (this.stmts.due.all(endedBy.getTime()) as Row[]).map(fromRow);
  }

  markChecked(id: string, at: Date): void {
    this.stmts.checked.run(at.getTime(), id);
  }
}

function fromRow(r: Row): Approval {
  return {
    id: r.id,
    devices: JSON.parse(r.devices) as string[],
    user: r.user,
    ...(r.kind !== null && { kind: r.kind }),
    ...(r.pattern !== null && { pattern: r.pattern }),
    ...(r.name !== null && { name: r.name }),
    ...(r.destination !== null && { destination: r.destination }),
    ticket: r.ticket,
    ...(r.reason !== null && { reason: r.reason }),
    createdAt: new Date(r.created_at),
    createdBy: r.created_by,
    expiresAt: new Date(r.expires_at),
    ...(r.removed_at !== null && { removedAt: new Date(r.removed_at) }),
    ...(r.removed_by !== null && { removedBy: r.removed_by }),
  };
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function newApproval(input: ApprovalInput, by: string, now: Date, limits: ApprovalLimits, knownDevice: (name: string) => boolean): Approval {
  if (input.devices.length === 0) throw new ApprovalError('devices', 'name at least one device');
  for (const [i, d] of input.devices.entries()) {
    try {
      const spec = parseDeviceSpec([d]);
      if (spec.tags.size > 0 || (spec.networks.length > 0 && d.includes('/'))) throw new Error(`"${d}": name a device or its address, not a tag or a network`);
    } catch (err) {
      throw new ApprovalError(`devices[${i}]`, (err as Error).message);
    }
    if (!knownDevice(d)) throw new ApprovalError(`devices[${i}]`, `no device named "${d}" has been seen or is in the inventory`);
  }
  if (input.user.trim() === '') throw new ApprovalError('user', 'name the person who will do the work');
  if (input.ticket.trim() === '') throw new ApprovalError('ticket', 'say why: a ticket or change id');
  if (input.kind !== undefined && !(WORK_KINDS as readonly string[]).includes(input.kind)) throw new ApprovalError('kind', `must be one of ${WORK_KINDS.join(', ')}`);
  if (input.pattern !== undefined) {
    try {
      new RegExp(input.pattern, 'i');
    } catch (err) {
      throw new ApprovalError('pattern', `not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (input.destination !== undefined && !/^[A-Za-z0-9.:_\-/[\]]+$/.test(input.destination)) throw new ApprovalError('destination', 'an address, a network (CIDR) or a host name');
  let expiresAt: Date;
  if (input.until !== undefined) {
    if (input.ttlMinutes !== undefined) throw new ApprovalError('until', 'give until or ttlMinutes, not both');
    if (!ISO_WITH_ZONE.test(input.until) || Number.isNaN(Date.parse(input.until))) throw new ApprovalError('until', `not an ISO 8601 time with a zone (got ${JSON.stringify(input.until)})`);
    expiresAt = new Date(input.until);
    if (expiresAt <= now) throw new ApprovalError('until', 'is in the past');
  } else {
    const ttl = input.ttlMinutes ?? limits.defaultTtlMinutes;
    if (!(ttl > 0)) throw new ApprovalError('ttlMinutes', 'must be more than 0');
    expiresAt = new Date(now.getTime() + ttl * 60_000);
  }
  if (expiresAt.getTime() - now.getTime() > limits.maxTtlMinutes * 60_000) {
    throw new ApprovalError(input.until !== undefined ? 'until' : 'ttlMinutes', `an approval lasts at most ${limits.maxTtlMinutes} minutes (expected.approvals.maxTtlMinutes)`);
  }
  return {
    id: randomUUID(),
    devices: input.devices.map((d) => d.trim()),
    user: input.user.trim(),
    ...(input.kind !== undefined && { kind: input.kind as WorkKind }),
    ...(input.pattern !== undefined && { pattern: input.pattern }),
    ...(input.name !== undefined && { name: input.name }),
    ...(input.destination !== undefined && { destination: input.destination }),
    ticket: input.ticket.trim(),
    ...(input.reason !== undefined && { reason: input.reason }),
    createdAt: now,
    createdBy: by,
    expiresAt,
  };
}
