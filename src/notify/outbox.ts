// The durable outbox: one row per message owed to a target, in the incidents' SQLite file, written in the same
// transaction as the incident. Rows stay `pending` until a target accepts them, so a crash at any moment resends
// (at-least-once). `notify_threads` remembers what each target has been told about each incident.
import type Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notify_outbox (
  id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  target TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox(target, status, next_at);
CREATE INDEX IF NOT EXISTS notify_outbox_incident ON notify_outbox(incident_id, target, status);
CREATE TABLE IF NOT EXISTS notify_threads (
  incident_id TEXT NOT NULL,
  target TEXT NOT NULL,
  ref TEXT,
  announced INTEGER NOT NULL,
  PRIMARY KEY (incident_id, target)
);
`;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface OutboxRow {
  id: string;
  incident_id: string;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  created_at: number;
  next_at: number;
  last_error: string | null;
  delivered_at: number | null;
}

export interface Thread {
  /** The service's id for the first message (Discord), when it can be edited. */
  ref: string | null;
  /** How many of the incident's detections the target has been told about. */
  announced: number;
}

export class Outbox {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = {
      pendingFor: db.prepare(`SELECT 1 FROM notify_outbox WHERE incident_id = ? AND target = ? AND status = 'pending' LIMIT 1`),
      insert: db.prepare(`INSERT INTO notify_outbox (id, incident_id, target, status, created_at, next_at) VALUES (?, ?, ?, 'pending', ?, ?)`),
      due: db.prepare(`SELECT * FROM notify_outbox WHERE target = ? AND status = 'pending' AND next_at <= ? ORDER BY next_at, rowid LIMIT ?`),
      delivered: db.prepare(`UPDATE notify_outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?`),
      retry: db.prepare(`UPDATE notify_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`),
      failed: db.prepare(`UPDATE notify_outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`),
      thread: db.prepare(`SELECT ref, announced FROM notify_threads WHERE incident_id = ? AND target = ?`),
      setThread: db.prepare(
        `INSERT INTO notify_threads (incident_id, target, ref, announced) VALUES (?, ?, ?, ?)
         ON CONFLICT(incident_id, target) DO UPDATE SET ref = excluded.ref, announced = excluded.announced`,
      ),
      forIncident: db.prepare(`SELECT * FROM notify_outbox WHERE incident_id = ? ORDER BY created_at, rowid`),
      pending: db.prepare(`SELECT COUNT(*) AS n FROM notify_outbox WHERE status = 'pending'`),
    };
  }

  /**
   * Owes `target` a message about the incident, due at `dueAt`, unless one is already pending: a pending row is
   * rendered from the incident as it is when sent, so it carries every change made since it was queued.
   */
  enqueue(id: string, incidentId: string, target: string, now: number, dueAt: number): boolean {
    if (this.stmts.pendingFor.get(incidentId, target)) return false;
    this.stmts.insert.run(id, incidentId, target, now, dueAt);
    return true;
  }

  /** Rows of one target that are due, oldest first (per target, so a throttled target cannot starve the others). */
  due(target: string, now: number, limit: number): OutboxRow[] {
    return this.stmts.due.all(target, now, limit) as OutboxRow[];
  }

  /** Marks the row delivered and records what the target now knows, atomically. */
  delivered(row: OutboxRow, at: number, thread: Thread): void {
    this.db.transaction(() => {
      this.stmts.delivered.run(at, row.id);
      this.stmts.setThread.run(row.incident_id, row.target, thread.ref, thread.announced);
    })();
  }

  retry(id: string, nextAt: number, error: string): void {
    this.stmts.retry.run(nextAt, error, id);
  }

  failed(id: string, error: string): void {
    this.stmts.failed.run(error, id);
  }

  thread(incidentId: string, target: string): Thread | undefined {
    return this.stmts.thread.get(incidentId, target) as Thread | undefined;
  }

  /** Forgets the message id (the message was deleted): the next send starts a new one. */
  forgetRef(incidentId: string, target: string, announced: number): void {
    this.stmts.setThread.run(incidentId, target, null, announced);
  }

  forIncident(incidentId: string): OutboxRow[] {
    return this.stmts.forIncident.all(incidentId) as OutboxRow[];
  }

  pendingCount(): number {
    return (this.stmts.pending.get() as { n: number }).n;
  }
}
