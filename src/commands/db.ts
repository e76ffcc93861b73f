// `capwatch db stats|prune|vacuum|backup`: looking after the SQLite file the service keeps everything in.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { fileBytes, Retention } from '../alerts/retention.js';
import type { Config } from '../config.js';
import { grid } from './table.js';

export class DbUsageError extends Error {}

const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;

export async function dbCommand(config: Config, verb: string | undefined, args: string[], json: boolean, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const path = config.storage.path;
  if (!existsSync(path)) throw new DbUsageError(`no database at ${path} (storage.path)`);
  // Its own connection, beside a running service's: SQLite's WAL lets both read and write, one writer at a time.
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  try {
    const retention = new Retention(db, path, config.storage.retention);
    switch (verb) {
      case 'stats': {
        const s = retention.stats();
        if (json) out.write(`${JSON.stringify(s)}\n`);
        else out.write(`${grid(['TABLE', 'ROWS'], s.tables.map((t) => [t.table, String(t.rows)]))}\n${path}: ${mb(s.bytes)} on disk\n`);
        return 0;
      }
      case 'prune': {
        const counts = await retention.prune(new Date());
        if (json) out.write(`${JSON.stringify({ pruned: counts, bytes: fileBytes(path) })}\n`);
        else {
          const rows = Object.entries(counts).map(([t, n]) => [t, String(n)]);
          out.write(rows.length ? `${grid(['TABLE', 'PRUNED'], rows)}\n` : 'nothing older than storage.retention\n');
        }
        return 0;
      }
      case 'vacuum': {
        // Deleting rows frees pages for reuse; only VACUUM gives the space back to the file system. It holds the
        // write lock while it copies the file, so the service waits (and its UDP buffer fills) on a big database.
        const before = fileBytes(path);
        db.exec('VACUUM');
        db.pragma('wal_checkpoint(TRUNCATE)');
        out.write(`${path}: ${mb(before)} → ${mb(fileBytes(path))}\n`);
        return 0;
      }
      case 'backup': {
        if (args.length !== 1) throw new DbUsageError('db backup takes the file to write');
        const target = args[0]!;
        if (existsSync(target)) throw new DbUsageError(`${target} exists: name a new file`);
        // SQLite's online backup: a consistent copy while the service goes on writing.
        await db.backup(target);
        out.write(`${path} → ${target} (${mb(fileBytes(target))})\n`);
        return 0;
      }
      default:
        throw new DbUsageError('db takes stats, prune, vacuum or backup FILE');
    }
  } finally {
    db.close();
  }
}
