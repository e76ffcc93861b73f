// Every address that has sent capwatch something, with the name and platform it gave and when it last did: what the
// devices view shows as "seen". Written from the ingest tally once a second, not per message.
import type Database from 'better-sqlite3';
import type { SenderCount } from '../detect/sender-tally.js';
import type { DeviceRef } from '../types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices_seen (
  address TEXT PRIMARY KEY,
  hostname TEXT,
  platform TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  messages INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_seen_hostname ON devices_seen(hostname);
`;
/** Columns added after the table first shipped: databases created before them get them on open. */
const ADDED_COLUMNS: Record<string, string> = {
  parse_errors: 'INTEGER NOT NULL DEFAULT 0',
  last_parse_error_at: 'INTEGER',
  last_parse_error: 'TEXT',
};

export interface SeenDevice {
  address: string;
  hostname: string | null;
  platform: string | null;
  firstSeen: Date;
  lastSeen: Date;
  messages: number;
  /** Lines from this address that looked like command logs but could not be read: a format capwatch misreads. */
  parseErrors: number;
  lastParseErrorAt: Date | null;
  lastParseError: string | null;
}

interface Row {
  address: string;
  hostname: string | null;
  platform: string | null;
  first_seen: number;
  last_seen: number;
  messages: number;
  parse_errors: number;
  last_parse_error_at: number | null;
  last_parse_error: string | null;
}

export class SeenDevices {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    const have = new Set((db.prepare(`PRAGMA table_info(devices_seen)`).all() as { name: string }[]).map((c) => c.name));
    for (const [name, type] of Object.entries(ADDED_COLUMNS)) if (!have.has(name)) db.exec(`ALTER TABLE devices_seen ADD COLUMN ${name} ${type}`);
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO devices_seen (address, hostname, platform, first_seen, last_seen, messages, parse_errors, last_parse_error_at, last_parse_error)
         VALUES (@address, @hostname, @platform, @at, @at, @messages, @parseErrors, @errorAt, @error)
         ON CONFLICT(address) DO UPDATE SET hostname = COALESCE(excluded.hostname, hostname), platform = COALESCE(excluded.platform, platform),
           last_seen = excluded.last_seen, messages = messages + excluded.messages, parse_errors = parse_errors + excluded.parse_errors,
           last_parse_error_at = COALESCE(excluded.last_parse_error_at, last_parse_error_at), last_parse_error = COALESCE(excluded.last_parse_error, last_parse_error)
         RETURNING first_seen`,
      ),
      all: db.prepare(`SELECT * FROM devices_seen ORDER BY last_seen DESC`),
      heardBefore: db.prepare(
        `SELECT 1 FROM devices_seen WHERE address = @address AND first_seen <= @before AND (@hostname IS NULL OR hostname IS NULL OR lower(hostname) = lower(@hostname)) LIMIT 1`,
      ),
    };
  }

  /** Adds one tally; returns the senders seen for the first time. */
  record(senders: readonly SenderCount[], at: Date): SenderCount[] {
    const t = at.getTime();
    const fresh: SenderCount[] = [];
    this.db.transaction(() => {
      for (const s of senders) {
        const errors = s.parseErrors ?? 0;
        const row = this.stmts.upsert.get({
          address: s.address,
          hostname: s.hostname ?? null,
          platform: s.platform ?? null,
          at: t,
          messages: s.messages,
          parseErrors: errors,
          errorAt: errors > 0 ? t : null,
          error: s.lastParseError ?? null,
        }) as { first_seen: number };
        if (row.first_seen === t) fresh.push(s);
      }
    })();
    return fresh;
  }

  /**
   * Did this device send anything at or before `beforeMs`? By its address, and by its name as well when it gives one:
   * names spoofed through a relay's address are not the relay.
   */
  heardBefore(device: DeviceRef, beforeMs: number): boolean {
    return this.stmts.heardBefore.get({ address: device.address, hostname: device.hostname ?? null, before: beforeMs }) !== undefined;
  }

  /** Has a device of this name (short or qualified) or address sent anything? */
  knows(name: string): boolean {
    const sql = `SELECT 1 FROM devices_seen WHERE address = @n OR lower(hostname) = @n OR lower(hostname) LIKE @n || '.%' LIMIT 1`;
    return this.db.prepare(sql).get({ n: name.toLowerCase() }) !== undefined;
  }

  /** Devices heard from within `activeMs`, and those heard from before that but within `forgetMs` (silent). */
  counts(now: Date, activeMs: number, forgetMs: number): { active: number; silent: number } {
    const t = now.getTime();
    const row = this.db
      .prepare(`SELECT SUM(last_seen >= @active) AS active, SUM(last_seen < @active AND last_seen >= @forget) AS silent FROM devices_seen`)
      .get({ active: t - activeMs, forget: t - forgetMs }) as { active: number | null; silent: number | null };
    return { active: row.active ?? 0, silent: row.silent ?? 0 };
  }

  all(): SeenDevice[] {
    return (this.stmts.all.all() as Row[]).map((r) => ({
      address: r.address,
      hostname: r.hostname,
      platform: r.platform,
      firstSeen: new Date(r.first_seen),
      lastSeen: new Date(r.last_seen),
      messages: r.messages,
      parseErrors: r.parse_errors,
      lastParseErrorAt: r.last_parse_error_at === null ? null : new Date(r.last_parse_error_at),
      lastParseError: r.last_parse_error,
    }));
  }
}
