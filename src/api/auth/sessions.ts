// Login sessions for people, in the store's SQLite file so that a restart does not log everyone out. The cookie holds
// a random id; the table holds only its SHA-256, so a copy of the database cannot be replayed as a cookie.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuthMethod, Principal, Role } from './roles.js';
import { sha256Hex } from './tokens.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS http_sessions (
  id_hash TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  method TEXT NOT NULL,
  address TEXT,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS http_sessions_expiry ON http_sessions(expires_at);
CREATE TABLE IF NOT EXISTS http_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/** Writing last_seen_at on every request would be a write per API call; this often is enough for an idle limit. */
const TOUCH_EVERY_MS = 15_000;

export interface SessionOptions {
  idleMs: number;
  maxMs: number;
  now?: () => number;
}

export interface Session {
  principal: Principal;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

interface Row {
  name: string;
  role: Role;
  method: AuthMethod;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export class SessionStore {
  private readonly stmts;
  private readonly now: () => number;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: SessionOptions,
  ) {
    db.exec(SCHEMA);
    this.now = opts.now ?? Date.now;
    this.stmts = {
      insert: db.prepare(`INSERT INTO http_sessions (id_hash, name, role, method, address, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      get: db.prepare(`SELECT name, role, method, created_at, last_seen_at, expires_at FROM http_sessions WHERE id_hash = ?`),
      touch: db.prepare(`UPDATE http_sessions SET last_seen_at = ? WHERE id_hash = ?`),
      delete: db.prepare(`DELETE FROM http_sessions WHERE id_hash = ?`),
      expire: db.prepare(`DELETE FROM http_sessions WHERE expires_at <= ? OR last_seen_at <= ?`),
      getSecret: db.prepare(`SELECT value FROM http_secrets WHERE name = ?`),
      putSecret: db.prepare(`INSERT OR IGNORE INTO http_secrets (name, value) VALUES (?, ?)`),
    };
  }

  /** Starts a session; returns the cookie value. */
  create(principal: Omit<Principal, 'sessionId'>, address: string): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = now + this.opts.maxMs;
    this.stmts.insert.run(sha256Hex(id), principal.name, principal.role, principal.method, address, now, now, expiresAt);
    return { id, session: { principal: { ...principal, sessionId: id }, createdAt: now, lastSeenAt: now, expiresAt } };
  }

  /** The live session behind a cookie value; an idle or too old one is deleted and not returned. */
  get(id: string): Session | undefined {
    if (id.length !== 43) return undefined;
    const hash = sha256Hex(id);
    const row = this.stmts.get.get(hash) as Row | undefined;
    if (!row) return undefined;
    const now = this.now();
    if (now >= row.expires_at || now - row.last_seen_at >= this.opts.idleMs) {
      this.stmts.delete.run(hash);
      return undefined;
    }
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) this.stmts.touch.run(now, hash);
    return {
      principal: { name: row.name, role: row.role, method: row.method, sessionId: id },
      createdAt: row.created_at,
      lastSeenAt: now,
      expiresAt: row.expires_at,
    };
  }

  delete(id: string): void {
    this.stmts.delete.run(sha256Hex(id));
  }

  /** Forgets sessions past either lifetime (run now and then; `get` refuses them anyway). */
  expire(): number {
    const now = this.now();
    return this.stmts.expire.run(now, now - this.opts.idleMs).changes;
  }

  /** A random key kept in the database, made on first use: the same across restarts, never configured. */
  secret(name: string): Buffer {
    this.stmts.putSecret.run(name, randomBytes(32).toString('base64'));
    return Buffer.from((this.stmts.getSecret.get(name) as { value: string }).value, 'base64');
  }
}
