// Keeping the database to a size: what is older than its retention is deleted, in batches small enough that ingest
// never waits long on the database, and open or acknowledged incidents never (nor what belongs to them).
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';

export interface RetentionConfig {
  /** Incidents no longer open (resolved, false positives, expected work), with their detections and deliveries. */
  incidentsDays: number;
  /** Sooner for resolved incidents and false positives, and for expected work, when set. */
  resolvedDays?: number;
  expectedDays?: number;
  sweepsDays: number;
  /** Chat and webhook messages once delivered (or given up). */
  deliveredOutboxDays: number;
  /** The TACACS+ accounting journal: every record is applied as it arrives; this keeps it for forensics. */
  tacacsJournalDays: number;
  /** The RELP journal: kept this long once detection has seen it, for forensics. */
  relpJournalDays: number;
  auditDays: number;
  /** Devices that have sent nothing for this long leave the devices view. */
  devicesDays: number;
}

export const RETENTION_DEFAULTS: RetentionConfig = { incidentsDays: 365, sweepsDays: 90, deliveredOutboxDays: 7, tacacsJournalDays: 7, relpJournalDays: 7, auditDays: 365, devicesDays: 365 };

export function retentionSchema() {
  const days = { type: 'number', exclusiveMinimum: 0 } as const;
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      incidentsDays: { ...days, default: RETENTION_DEFAULTS.incidentsDays },
      resolvedDays: days,
      expectedDays: days,
      sweepsDays: { ...days, default: RETENTION_DEFAULTS.sweepsDays },
      deliveredOutboxDays: { ...days, default: RETENTION_DEFAULTS.deliveredOutboxDays },
      tacacsJournalDays: { ...days, default: RETENTION_DEFAULTS.tacacsJournalDays },
      relpJournalDays: { ...days, default: RETENTION_DEFAULTS.relpJournalDays },
      auditDays: { ...days, default: RETENTION_DEFAULTS.auditDays },
      devicesDays: { ...days, default: RETENTION_DEFAULTS.devicesDays },
    },
  } as const;
}

const DAY = 86_400_000;
/** Rows per transaction: ingest waits at most this long for the write lock. */
const BATCH = 500;

/** One kind of row that ages out: how to find a batch of them, and how to delete that batch (with what depends on it). */
interface Sweepable {
  table: string;
  cutoffDays: (c: RetentionConfig) => number | undefined;
  ids: string;
  delete: string[];
}

const SWEEPABLE: Sweepable[] = [
  ...(['resolved', 'false-positive', 'expected'] as const).map((status) => ({
    table: 'incidents',
    cutoffDays: (c: RetentionConfig) => (status === 'expected' ? c.expectedDays : c.resolvedDays) ?? c.incidentsDays,
    ids: `SELECT id FROM incidents WHERE status = '${status}' AND last_seen < ? LIMIT ${BATCH}`,
    delete: [
      'DELETE FROM detections WHERE incident_id IN (SELECT value FROM json_each(?))',
      'DELETE FROM notify_outbox WHERE incident_id IN (SELECT value FROM json_each(?))',
      'DELETE FROM notify_threads WHERE incident_id IN (SELECT value FROM json_each(?))',
      'DELETE FROM notify_digest_items WHERE incident_id IN (SELECT value FROM json_each(?))',
      'DELETE FROM incidents WHERE id IN (SELECT value FROM json_each(?))',
    ],
  })),
  {
    table: 'sweeps',
    cutoffDays: (c) => c.sweepsDays,
    ids: `SELECT id FROM sweeps WHERE status != 'running' AND started_at < ? LIMIT ${BATCH}`,
    delete: ['DELETE FROM device_checks WHERE sweep_id IN (SELECT value FROM json_each(?))', 'DELETE FROM sweeps WHERE id IN (SELECT value FROM json_each(?))'],
  },
  {
    table: 'device_checks',
    cutoffDays: (c) => c.sweepsDays,
    ids: `SELECT seq FROM device_checks WHERE sweep_id IS NULL AND checked_at < ? LIMIT ${BATCH}`,
    delete: ['DELETE FROM device_checks WHERE seq IN (SELECT value FROM json_each(?))'],
  },
  {
    table: 'notify_outbox',
    cutoffDays: (c) => c.deliveredOutboxDays,
    ids: `SELECT id FROM notify_outbox WHERE status != 'pending' AND created_at < ? LIMIT ${BATCH}`,
    // A digest's message gone, the digest and the list of what it told go with it.
    delete: [
      `DELETE FROM notify_digest_items WHERE digest_id IN (SELECT incident_id FROM notify_outbox WHERE kind = 'digest' AND id IN (SELECT value FROM json_each(?)))`,
      `DELETE FROM notify_digests WHERE id IN (SELECT incident_id FROM notify_outbox WHERE kind = 'digest' AND id IN (SELECT value FROM json_each(?)))`,
      'DELETE FROM notify_outbox WHERE id IN (SELECT value FROM json_each(?))',
    ],
  },
  {
    table: 'tacacs_accounting',
    cutoffDays: (c) => c.tacacsJournalDays,
    ids: `SELECT id FROM tacacs_accounting WHERE received_at < ? LIMIT ${BATCH}`,
    delete: ['DELETE FROM tacacs_accounting WHERE id IN (SELECT value FROM json_each(?))'],
  },
  {
    table: 'relp_journal',
    cutoffDays: (c) => c.relpJournalDays,
    // Never a row detection has not seen yet (src/sources/relp-journal.ts runs those at the next start).
    ids: `SELECT id FROM relp_journal WHERE received_at < ? AND id <= (SELECT through FROM relp_journal_processed) LIMIT ${BATCH}`,
    delete: ['DELETE FROM relp_journal WHERE id IN (SELECT value FROM json_each(?))'],
  },
  {
    table: 'audit',
    cutoffDays: (c) => c.auditDays,
    ids: `SELECT seq FROM audit WHERE at < ? LIMIT ${BATCH}`,
    delete: ['DELETE FROM audit WHERE seq IN (SELECT value FROM json_each(?))'],
  },
  {
    table: 'devices_seen',
    cutoffDays: (c) => c.devicesDays,
    ids: `SELECT address FROM devices_seen WHERE last_seen < ? LIMIT ${BATCH}`,
    delete: ['DELETE FROM devices_seen WHERE address IN (SELECT value FROM json_each(?))'],
  },
  {
    table: 'approvals',
    cutoffDays: (c) => c.incidentsDays,
    ids: `SELECT id FROM approvals WHERE expires_at < ? AND expiry_checked_at IS NOT NULL LIMIT ${BATCH}`,
    delete: ['DELETE FROM approvals WHERE id IN (SELECT value FROM json_each(?))'],
  },
];

export interface TableStats {
  table: string;
  rows: number;
}

export class Retention {
  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly config: RetentionConfig,
  ) {}

  /**
   * Deletes what has aged out, a batch per transaction, calling `between` after each (the service yields to ingest
   * there). Returns the rows deleted per table. Tables the database does not have (a feature never used) are skipped.
   */
  async prune(now: Date, between: () => Promise<void> = async () => {}): Promise<Record<string, number>> {
    const pruned: Record<string, number> = {};
    const present = this.tables();
    for (const s of SWEEPABLE) {
      const days = s.cutoffDays(this.config);
      if (days === undefined || !present.has(s.table)) continue;
      const cutoff = now.getTime() - days * DAY;
      const select = this.db.prepare(s.ids).pluck();
      // What depends on the rows may live in tables this database never made (no chat target, no sweep yet).
      const deletes = s.delete.filter((d) => present.has(/FROM (\w+)/.exec(d)![1]!)).map((d) => this.db.prepare(d));
      for (;;) {
        const ids = this.db.transaction(() => {
          const batch = select.all(cutoff) as Array<string | number>;
          if (batch.length === 0) return 0;
          const json = JSON.stringify(batch);
          for (const d of deletes) d.run(json);
          return batch.length;
        })();
        if (ids === 0) break;
        pruned[s.table] = (pruned[s.table] ?? 0) + ids;
        await between();
        if (ids < BATCH) break;
      }
    }
    return pruned;
  }

  /** Rows per table and the file's size on disk (with its write-ahead log). */
  stats(): { bytes: number; tables: TableStats[] } {
    const tables = [...this.tables()].sort().map((table) => ({ table, rows: (this.db.prepare(`SELECT COUNT(*) FROM "${table}"`).pluck().get() as number) ?? 0 }));
    return { bytes: fileBytes(this.path), tables };
  }

  private tables(): Set<string> {
    return new Set(this.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[]);
  }
}

/** The database file and its WAL and shared-memory files, as they sit on disk. */
export function fileBytes(path: string): number {
  let total = 0;
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      total += statSync(f).size;
    } catch {
      // Not there (no WAL yet, or an in-memory database).
    }
  }
  return total;
}
