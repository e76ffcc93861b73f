// Every address that has sent capwatch something, with the name and platform it gave and when it last did: what the
// devices view shows as "seen". Written from the ingest tally once a second, not per message.
import type Database from 'better-sqlite3';
import type { SenderCount } from '../ingest.js';

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

export interface SeenDevice {
  address: string;
  hostname: string | null;
  platform: string | null;
  firstSeen: Date;
  lastSeen: Date;
  messages: number;
}

interface Row {
  address: string;
  hostname: string | null;
  platform: string | null;
  first_seen: number;
  last_seen: number;
  messages: number;
}

export class SeenDevices {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO devices_seen (address, hostname, platform, first_seen, last_seen, messages) VALUES (@address, @hostname, @platform, @at, @at, @messages)
         ON CONFLICT(address) DO UPDATE SET hostname = COALESCE(excluded.hostname, hostname), platform = COALESCE(excluded.platform, platform),
           last_seen = excluded.last_seen, messages = messages + excluded.messages
         RETURNING first_seen`,
      ),
      all: db.prepare(`SELECT * FROM devices_seen ORDER BY last_seen DESC`),
    };
  }

  /** Adds one tally; returns the senders seen for the first time. */
  record(senders: readonly SenderCount[], at: Date): SenderCount[] {
    const t = at.getTime();
    const fresh: SenderCount[] = [];
    this.db.transaction(() => {
      for (const s of senders) {
        const row = this.stmts.upsert.get({ address: s.address, hostname: s.hostname ?? null, platform: s.platform ?? null, at: t, messages: s.messages }) as { first_seen: number };
        if (row.first_seen === t) fresh.push(s);
      }
    })();
    return fresh;
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
    }));
  }
}
