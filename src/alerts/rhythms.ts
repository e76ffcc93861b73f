// The usual sending rhythm of the steady devices (silence watch), in the store's SQLite file so that a restart does
// not forget which devices were sending steadily, nor that one was already reported silent.
import type Database from 'better-sqlite3';
import type { RhythmRow } from '../detect/silence/rhythm.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS device_rhythm (
  address TEXT PRIMARY KEY,
  rhythm TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

export class Rhythms {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = {
      put: db.prepare(`INSERT INTO device_rhythm (address, rhythm, updated_at) VALUES (?, ?, ?) ON CONFLICT(address) DO UPDATE SET rhythm = excluded.rhythm, updated_at = excluded.updated_at`),
      drop: db.prepare(`DELETE FROM device_rhythm WHERE address = ?`),
      all: db.prepare(`SELECT address, rhythm FROM device_rhythm`),
    };
  }

  /** Writes the steady profiles and removes those no longer steady, in one transaction. */
  save(rows: readonly RhythmRow[], drop: readonly string[], at: Date): void {
    const t = at.getTime();
    this.db.transaction(() => {
      for (const r of rows) this.stmts.put.run(r.address, r.rhythm, t);
      for (const a of drop) this.stmts.drop.run(a);
    })();
  }

  load(): RhythmRow[] {
    return this.stmts.all.all() as RhythmRow[];
  }
}
