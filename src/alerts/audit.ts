// The audit trail: who did what, when, from where — acknowledgements, resolutions, comments, sweeps, logins. In the
// store's SQLite file; an incident's comments and status history are read from here, so there is one record of each.
import type Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT,
  method TEXT,
  address TEXT,
  action TEXT NOT NULL,
  target TEXT,
  incident_id TEXT,
  details TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE INDEX IF NOT EXISTS audit_incident ON audit(incident_id, seq);
CREATE INDEX IF NOT EXISTS audit_actor ON audit(actor, seq);
`;

export type AuditAction =
  | 'login'
  | 'login-failed'
  | 'logout'
  | 'incident.acknowledge'
  | 'incident.resolve'
  | 'incident.comment'
  | 'incident.false-positive'
  | 'sweep.start'
  | 'expected.add'
  | 'expected.remove'
  | 'filter.add';

export interface Actor {
  name: string;
  role?: string;
  method?: string;
  /** The client address the request came from. */
  address?: string;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: Actor;
  action: AuditAction;
  /** What was acted on (incident id, sweep id), when anything. */
  target?: string;
  incident?: string;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  incident?: string;
  since?: Date;
  /** Entries older than this id (paging backwards). */
  before?: number;
  limit?: number;
}

interface Row {
  seq: number;
  at: number;
  actor: string;
  role: string | null;
  method: string | null;
  address: string | null;
  action: AuditAction;
  target: string | null;
  incident_id: string | null;
  details: string;
}

export class AuditLog {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly onRecorded: (e: AuditEntry) => void = () => {},
  ) {
    db.exec(SCHEMA);
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO audit (at, actor, role, method, address, action, target, incident_id, details) VALUES (@at, @actor, @role, @method, @address, @action, @target, @incident_id, @details)`,
      ),
      ofIncident: db.prepare(`SELECT * FROM audit WHERE incident_id = ? ORDER BY seq`),
    };
  }

  record(e: Omit<AuditEntry, 'id' | 'at'> & { at?: Date }): AuditEntry {
    const at = e.at ?? new Date();
    const info = this.stmts.insert.run({
      at: at.getTime(),
      actor: e.actor.name,
      role: e.actor.role ?? null,
      method: e.actor.method ?? null,
      address: e.actor.address ?? null,
      action: e.action,
      target: e.target ?? null,
      incident_id: e.incident ?? null,
      details: JSON.stringify(e.details),
    });
    const entry: AuditEntry = { ...e, id: Number(info.lastInsertRowid), at };
    this.onRecorded(entry);
    return entry;
  }

  ofIncident(id: string): AuditEntry[] {
    return (this.stmts.ofIncident.all(id) as Row[]).map(fromRow);
  }

  list(q: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      where.push(sql);
      args.push(v);
    };
    if (q.actor !== undefined) add('actor = ?', q.actor);
    if (q.action !== undefined) add('action = ?', q.action);
    if (q.incident !== undefined) add('incident_id = ?', q.incident);
    if (q.since !== undefined) add('at >= ?', q.since.getTime());
    if (q.before !== undefined) add('seq < ?', q.before);
    args.push(Math.min(Math.max(q.limit ?? 100, 1), 1000));
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }
}

function fromRow(r: Row): AuditEntry {
  const actor: Actor = { name: r.actor };
  if (r.role !== null) actor.role = r.role;
  if (r.method !== null) actor.method = r.method;
  if (r.address !== null) actor.address = r.address;
  return {
    id: r.seq,
    at: new Date(r.at),
    actor,
    action: r.action,
    ...(r.target !== null && { target: r.target }),
    ...(r.incident_id !== null && { incident: r.incident_id }),
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}
