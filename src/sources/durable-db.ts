// A source's own connection to capwatch's SQLite file, for what it must keep before acknowledging it to a sender.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** Opens (or creates) `schema`'s tables; every commit reaches the disk before it returns (synchronous = FULL). */
export function openDurable(path: string, schema: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: an acknowledgement sent after a commit cannot be undone by an OS crash.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 2000');
  db.exec(schema);
  return db;
}
