// The durable record of every RELP message: `200 OK` may only be sent once the message is here, because the relay
// forgets what was acknowledged. Messages arriving in the same event-loop turn share one transaction (group commit,
// as the TACACS+ journal does), so durability costs one commit per turn, not one per message.
//
// A message is committed, acknowledged, then run through detection. A crash between the commit and detection would
// lose the detection while the relay, acknowledged, never resends: so the journal remembers how far detection got
// (`relp_journal_processed.through`), and at start what lies beyond is run through detection first.
import type Database from 'better-sqlite3';
import { openDurable } from './durable-db.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS relp_journal (
  id INTEGER PRIMARY KEY,
  received_at INTEGER NOT NULL,
  sender TEXT NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS relp_journal_received ON relp_journal(received_at);
CREATE TABLE IF NOT EXISTS relp_journal_processed (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  through INTEGER NOT NULL
);
INSERT OR IGNORE INTO relp_journal_processed (one, through) VALUES (1, 0);
`;

/**
 * How long the mark of what detection has seen may lag when no message comes to carry it: a crash within this
 * time runs that many messages through detection twice (duplicates, never losses).
 */
const MARK_DELAY_MS = 1000;

export interface RelpEntry {
  receivedAt: number;
  /** The relay's address (the RELP peer). */
  sender: string;
  message: string;
}

export interface RelpRow extends RelpEntry {
  id: number;
}

/** Called once the entry is committed (`err` undefined, with its row id) or the commit failed. */
export type Stored = (err: Error | undefined, id: number) => void;

/** What the listener needs of the journal (a test gives one that fails). */
export interface RelpStore {
  append(entry: RelpEntry, done: Stored): void;
  /** Detection has seen every row up to `id`. */
  processed(id: number): void;
}

export class RelpJournal implements RelpStore {
  private readonly db: Database.Database;
  private readonly commit: (batch: readonly RelpEntry[], through: number) => number[];
  private readonly writeMark: (through: number) => void;
  private queue: RelpEntry[] = [];
  private waiting: Stored[] = [];
  private scheduled = false;
  /** Detection has seen rows up to here; `marked` is what the file says. */
  private through = 0;
  private marked = 0;
  private markTimer: NodeJS.Timeout | undefined;

  /** Opens (or creates) the tables in the SQLite file the rest of capwatch uses, through its own connection. */
  constructor(path: string) {
    // Each commit reaches the disk before `200 OK` is sent, so an OS crash cannot lose an acknowledged message.
    this.db = openDurable(path, SCHEMA);
    this.through = this.marked = this.db.prepare('SELECT through FROM relp_journal_processed').pluck().get() as number;
    const insert = this.db.prepare('INSERT INTO relp_journal (received_at, sender, message) VALUES (?, ?, ?)');
    const mark = this.db.prepare('UPDATE relp_journal_processed SET through = ? WHERE one = 1');
    this.writeMark = (through) => void mark.run(through);
    this.commit = this.db.transaction((batch: readonly RelpEntry[], through: number) => {
      // The mark rides along with the messages: under load it costs no commit of its own.
      if (through !== this.marked) mark.run(through);
      return batch.map((e) => Number(insert.run(e.receivedAt, e.sender, e.message).lastInsertRowid));
    });
  }

  /** Rows committed but never run through detection (the process died in between), oldest first. */
  unprocessed(): IterableIterator<RelpRow> {
    return this.db
      .prepare('SELECT id, received_at AS receivedAt, sender, message FROM relp_journal WHERE id > ? ORDER BY id')
      .iterate(this.through) as IterableIterator<RelpRow>;
  }

  append(entry: RelpEntry, done: Stored): void {
    this.queue.push(entry);
    this.waiting.push(done);
    if (!this.scheduled) {
      this.scheduled = true;
      // After the I/O callbacks of this turn: every message read in it joins the same transaction.
      setImmediate(() => this.flush());
    }
  }

  processed(id: number): void {
    if (id <= this.through) return;
    this.through = id;
    this.markTimer ??= setTimeout(() => this.markNow(), MARK_DELAY_MS).unref();
  }

  /** Commits what is queued now and answers each waiter, in order. */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    const waiting = this.waiting;
    if (batch.length === 0) return;
    this.queue = [];
    this.waiting = [];
    const through = this.through;
    let ids: number[] = [];
    let failure: Error | undefined;
    try {
      ids = this.commit(batch, through);
      this.marked = through;
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    for (const [i, done] of waiting.entries()) done(failure, ids[i] ?? 0);
  }

  /** Commits what is queued, records how far detection got, and closes the connection. */
  close(): void {
    this.flush();
    this.markNow();
    this.db.close();
  }

  private markNow(): void {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    if (this.through === this.marked) return;
    try {
      this.writeMark(this.through);
      this.marked = this.through;
    } catch {
      // The file refuses writes (full disk): the next commit carries the mark, and until then a crash only means
      // these rows run through detection again.
    }
  }
}
