// The durable record of every accounting request: SUCCESS may only be sent once it is here (RFC 8907 §7.2, "securely
// committed"). Requests arriving in the same event-loop turn share one transaction (group commit), so durability
// costs one commit per turn, not one per record.
import type Database from 'better-sqlite3';
import { openDurable } from '../durable-db.js';
import type { AccountingRequest } from '../../../parsers/tacacs/packet.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tacacs_accounting (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  nas TEXT NOT NULL,
  session_id INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  user TEXT NOT NULL,
  port TEXT NOT NULL,
  rem_addr TEXT NOT NULL,
  priv_lvl INTEGER NOT NULL,
  authen_method INTEGER NOT NULL,
  authen_type INTEGER NOT NULL,
  authen_service INTEGER NOT NULL,
  args TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tacacs_accounting_nas ON tacacs_accounting(nas, received_at);
`;

export interface AccountingEntry {
  receivedAt: number;
  /** The device (NAS) address the request came from. */
  nas: string;
  sessionId: number;
  request: AccountingRequest;
}

type Done = (err: Error | undefined) => void;

export class AccountingJournal {
  private readonly db: Database.Database;
  private readonly insertBatch: (batch: readonly AccountingEntry[]) => void;
  private queue: AccountingEntry[] = [];
  private waiting: Done[] = [];
  private scheduled = false;

  /** Opens (or creates) the table in the SQLite file the rest of capwatch uses, through its own connection. */
  constructor(path: string) {
    // Each commit reaches the disk before SUCCESS is sent, so an OS crash cannot lose an acknowledged record.
    this.db = openDurable(path, SCHEMA);
    const insert = this.db.prepare(
      `INSERT INTO tacacs_accounting (received_at, nas, session_id, flags, user, port, rem_addr, priv_lvl, authen_method, authen_type, authen_service, args)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertBatch = this.db.transaction((batch: readonly AccountingEntry[]) => {
      for (const e of batch) {
        const r = e.request;
        insert.run(e.receivedAt, e.nas, e.sessionId, r.flags, r.user, r.port, r.remAddr, r.privLvl, r.authenMethod, r.authenType, r.authenService, JSON.stringify(r.args));
      }
    });
  }

  /** Queues one entry; `done` runs once it is committed (err undefined) or the commit failed. */
  append(entry: AccountingEntry, done: Done): void {
    this.queue.push(entry);
    this.waiting.push(done);
    if (!this.scheduled) {
      this.scheduled = true;
      // After the I/O callbacks of this turn: every request read in it joins the same transaction.
      setImmediate(() => this.flush());
    }
  }

  /** Commits what is queued now and answers each waiter. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    const waiting = this.waiting;
    if (batch.length === 0) return;
    this.queue = [];
    this.waiting = [];
    let failure: Error | undefined;
    try {
      this.insertBatch(batch);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    for (const done of waiting) done(failure);
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
