// Which principals have created cloud mirrors, mirror targets and packet captures in which accounts, in the store's
// SQLite file: a restart must not make every principal's next mirror look like its first.
import type Database from 'better-sqlite3';
import type { Creation, CreationLedger } from '../detect/cloud-first.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cloud_principals (
  provider TEXT NOT NULL,
  account TEXT NOT NULL,
  principal TEXT NOT NULL,
  object TEXT NOT NULL,
  first_at INTEGER NOT NULL,
  PRIMARY KEY (provider, account, principal, object)
);
`;

/** The longest principal kept: ARNs of assumed roles with session names stay far below it, a hostile record may not. */
const MAX_PRINCIPAL_CHARS = 512;

export class CloudPrincipals implements CreationLedger {
  private readonly insert;

  constructor(db: Database.Database) {
    db.exec(SCHEMA);
    this.insert = db.prepare(`INSERT OR IGNORE INTO cloud_principals (provider, account, principal, object, first_at) VALUES (?, ?, ?, ?, ?)`);
  }

  /** One indexed insert: synchronous and cheap, and creations are rare next to the lines the hot path reads. */
  noteCreation(c: Creation, at: Date): boolean {
    return this.insert.run(c.provider, c.account, c.principal.slice(0, MAX_PRINCIPAL_CHARS), c.object, at.getTime()).changes === 1;
  }
}
