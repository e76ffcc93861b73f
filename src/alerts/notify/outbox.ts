// The durable outbox: one row per message owed to a target, in the incidents' SQLite file, written in the same
// transaction as the incident. Rows stay `pending` until a target accepts them, so a crash at any moment resends
// (at-least-once). `notify_threads` remembers what each target has been told about each incident. A row is either
// about one incident or a storm digest (`notify_digests`, whose incidents are `notify_digest_items`); rows are sent
// highest priority first, so a known device's incident overtakes a queue of spoofed ones.
import type Database from 'better-sqlite3';
import type { StormDigest } from './types.js';

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
CREATE INDEX IF NOT EXISTS notify_outbox_incident ON notify_outbox(incident_id, target, status);
CREATE TABLE IF NOT EXISTS notify_threads (
  incident_id TEXT NOT NULL,
  target TEXT NOT NULL,
  ref TEXT,
  announced INTEGER NOT NULL,
  PRIMARY KEY (incident_id, target)
);
CREATE TABLE IF NOT EXISTS notify_digests (
  id TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  closes_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notify_digests_target ON notify_digests(target, closes_at);
CREATE TABLE IF NOT EXISTS notify_digest_items (
  digest_id TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  PRIMARY KEY (digest_id, incident_id)
);
CREATE INDEX IF NOT EXISTS notify_digest_items_incident ON notify_digest_items(incident_id);
`;
/** Columns added after the table first shipped: older databases get them on open. */
const ADDED_COLUMNS: Record<string, string> = {
  kind: "TEXT NOT NULL DEFAULT 'incident'",
  priority: 'INTEGER NOT NULL DEFAULT 0',
};
/** After the columns exist: the due query walks this index in priority order. */
const INDEXES = `
DROP INDEX IF EXISTS notify_outbox_due;
CREATE INDEX IF NOT EXISTS notify_outbox_due_priority ON notify_outbox(target, status, priority DESC, next_at);
`;

/** `digested`: a first message that a storm digest took over before it was sent. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'digested';
export type OutboxKind = 'incident' | 'digest';

export interface OutboxRow {
  id: string;
  /** The incident's id, or the digest's for a digest row. */
  incident_id: string;
  kind: OutboxKind;
  priority: number;
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
    const have = new Set((db.prepare(`PRAGMA table_info(notify_outbox)`).all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of Object.entries(ADDED_COLUMNS)) if (!have.has(name)) db.exec(`ALTER TABLE notify_outbox ADD COLUMN ${name} ${type}`);
    db.exec(INDEXES);
    this.stmts = {
      pendingFor: db.prepare(`SELECT 1 FROM notify_outbox WHERE incident_id = ? AND target = ? AND status = 'pending' LIMIT 1`),
      insert: db.prepare(`INSERT INTO notify_outbox (id, incident_id, target, status, created_at, next_at, kind, priority) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)`),
      due: db.prepare(
        `SELECT * FROM notify_outbox WHERE target = ? AND status = 'pending' AND next_at <= ? ORDER BY priority DESC, next_at, rowid LIMIT ?`,
      ),
      delivered: db.prepare(`UPDATE notify_outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?`),
      retry: db.prepare(`UPDATE notify_outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`),
      failed: db.prepare(`UPDATE notify_outbox SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?`),
      thread: db.prepare(`SELECT ref, announced FROM notify_threads WHERE incident_id = ? AND target = ?`),
      setThread: db.prepare(
        `INSERT INTO notify_threads (incident_id, target, ref, announced) VALUES (?, ?, ?, ?)
         ON CONFLICT(incident_id, target) DO UPDATE SET ref = excluded.ref, announced = excluded.announced`,
      ),
      forIncident: db.prepare(
        `SELECT o.*, NULL AS digest FROM notify_outbox o WHERE o.incident_id = @id AND o.kind = 'incident'
         UNION ALL
         SELECT o.*, o.incident_id AS digest FROM notify_digest_items i JOIN notify_outbox o ON o.incident_id = i.digest_id AND o.kind = 'digest' WHERE i.incident_id = @id
         ORDER BY created_at`,
      ),
      pending: db.prepare(`SELECT COUNT(*) AS n FROM notify_outbox WHERE status = 'pending'`),
      collecting: db.prepare(`SELECT id FROM notify_digests WHERE target = ? AND closes_at > ? ORDER BY closes_at DESC LIMIT 1`),
      openDigest: db.prepare(`INSERT INTO notify_digests (id, target, opened_at, closes_at) VALUES (?, ?, ?, ?)`),
      addItem: db.prepare(`INSERT OR IGNORE INTO notify_digest_items (digest_id, incident_id) VALUES (?, ?)`),
      inDigest: db.prepare(`SELECT 1 FROM notify_digest_items i JOIN notify_digests d ON d.id = i.digest_id WHERE i.incident_id = ? AND d.target = ? LIMIT 1`),
      takeFirsts: db.prepare(
        `UPDATE notify_outbox SET status = 'digested' WHERE target = @target AND status = 'pending' AND kind = 'incident' AND priority < @below AND created_at >= @since
           AND NOT EXISTS (SELECT 1 FROM notify_threads t WHERE t.incident_id = notify_outbox.incident_id AND t.target = notify_outbox.target)
         RETURNING incident_id`,
      ),
      digest: db.prepare(`SELECT * FROM notify_digests WHERE id = ?`),
      digestCounts: db.prepare(
        `SELECT COUNT(*) AS incidents, COUNT(DISTINCT n.device_key) AS devices, COUNT(DISTINCT n.user) AS users
         FROM notify_digest_items i JOIN incidents n ON n.id = i.incident_id WHERE i.digest_id = ?`,
      ),
      digestSeverities: db.prepare(
        `SELECT n.severity, COUNT(*) AS n FROM notify_digest_items i JOIN incidents n ON n.id = i.incident_id WHERE i.digest_id = ? GROUP BY n.severity`,
      ),
      digestSamples: db.prepare(`SELECT incident_id FROM notify_digest_items WHERE digest_id = ? ORDER BY rowid LIMIT ?`),
    };
  }

  /**
   * Owes `target` a message about the incident, due at `dueAt`, unless one is already pending: a pending row is
   * rendered from the incident as it is when sent, so it carries every change made since it was queued.
   */
  enqueue(id: string, incidentId: string, target: string, now: number, dueAt: number, priority: number): boolean {
    if (this.stmts.pendingFor.get(incidentId, target)) return false;
    this.stmts.insert.run(id, incidentId, target, now, dueAt, 'incident', priority);
    return true;
  }

  /** The digest of `target` still taking incidents at `now`, if any. */
  collectingDigest(target: string, now: number): string | undefined {
    return (this.stmts.collecting.get(target, now) as { id: string } | undefined)?.id;
  }

  /** Opens a digest for `target` and owes the target its message, due when it closes. */
  openDigest(id: string, rowId: string, target: string, now: number, closesAt: number, priority: number): void {
    this.stmts.openDigest.run(id, target, now, closesAt);
    this.stmts.insert.run(rowId, id, target, now, closesAt, 'digest', priority);
  }

  addToDigest(digestId: string, incidentId: string): void {
    this.stmts.addItem.run(digestId, incidentId);
  }

  /** Was the incident ever told to `target` inside a digest (instead of on its own)? */
  digested(incidentId: string, target: string): boolean {
    return this.stmts.inDigest.get(incidentId, target) !== undefined;
  }

  /**
   * First messages still waiting, about incidents of priority below `below`, queued since `since`: taken out of the
   * queue (status digested) so that a digest tells them instead. Returns their incidents.
   */
  takeFirstMessages(target: string, below: number, since: number): string[] {
    return (this.stmts.takeFirsts.all({ target, below, since }) as { incident_id: string }[]).map((r) => r.incident_id);
  }

  digest(id: string, samples: number): StormDigest | undefined {
    const d = this.stmts.digest.get(id) as { id: string; target: string; opened_at: number; closes_at: number } | undefined;
    if (!d) return undefined;
    const counts = this.stmts.digestCounts.get(id) as { incidents: number; devices: number; users: number };
    const bySeverity: StormDigest['bySeverity'] = {};
    for (const r of this.stmts.digestSeverities.all(id) as Array<{ severity: keyof StormDigest['bySeverity']; n: number }>) bySeverity[r.severity] = r.n;
    const sampleIds = (this.stmts.digestSamples.all(id, samples) as { incident_id: string }[]).map((r) => r.incident_id);
    return { id: d.id, target: d.target, openedAt: d.opened_at, closesAt: d.closes_at, ...counts, bySeverity, sampleIds };
  }

  /** Rows of one target that are due, oldest first (per target, so a throttled target cannot starve the others). */
  due(target: string, now: number, limit: number): OutboxRow[] {
    return this.stmts.due.all(target, now, limit) as OutboxRow[];
  }

  /** Marks the row delivered and records what the target now knows (of an incident; a digest has no thread), atomically. */
  delivered(row: OutboxRow, at: number, thread?: Thread): void {
    this.db.transaction(() => {
      this.stmts.delivered.run(at, row.id);
      if (thread) this.stmts.setThread.run(row.incident_id, row.target, thread.ref, thread.announced);
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

  /** The incident's own messages, and the digests that told it (`digest` set). */
  forIncident(incidentId: string): Array<OutboxRow & { digest: string | null }> {
    return this.stmts.forIncident.all({ id: incidentId }) as Array<OutboxRow & { digest: string | null }>;
  }

  pendingCount(): number {
    return (this.stmts.pending.get() as { n: number }).n;
  }
}
