// Sweeps and device checks in the incidents' SQLite file: what each device showed at each check, so a sweep can say
// what changed since the last one, and the API can show a sweep's progress from any process that shares the file.
import type Database from 'better-sqlite3';
import type { DeviceFindings } from '../types.js';
import type { DeviceCheck } from './check.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweeps (
  id TEXT PRIMARY KEY,
  trigger TEXT NOT NULL,
  status TEXT NOT NULL,
  selection TEXT NOT NULL,
  total INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS sweeps_started ON sweeps(started_at);
CREATE TABLE IF NOT EXISTS device_checks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sweep_id TEXT REFERENCES sweeps(id),
  incident_id TEXT,
  device TEXT NOT NULL,
  address TEXT NOT NULL,
  port INTEGER NOT NULL,
  platform TEXT NOT NULL,
  checked_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  reachable INTEGER NOT NULL,
  transport TEXT,
  findings TEXT,
  error TEXT,
  error_kind TEXT,
  changes TEXT,
  opened_incident TEXT
);
CREATE INDEX IF NOT EXISTS device_checks_sweep ON device_checks(sweep_id, seq);
CREATE INDEX IF NOT EXISTS device_checks_device ON device_checks(device, sweep_id, seq);
`;

export type SweepTrigger = 'cli' | 'api' | 'schedule';
export type SweepStatus = 'running' | 'done' | 'interrupted';

export interface SweepRecord {
  id: string;
  trigger: SweepTrigger;
  status: SweepStatus;
  selection: { devices?: string[]; tags?: string[] };
  total: number;
  startedAt: Date;
  finishedAt?: Date;
}

/** How an item differs from the device's previous sweep. */
export interface FindingChange {
  object: 'capture' | 'session';
  id: string;
  change: 'new' | 'gone' | 'activated' | 'deactivated' | 'changed';
}

export interface StoredCheck extends DeviceCheck {
  sweepId?: string;
  incidentId?: string;
  changes?: FindingChange[];
  /** The incident this check opened (an active item no open incident explained). */
  openedIncident?: string;
}

interface CheckRow {
  sweep_id: string | null;
  incident_id: string | null;
  device: string;
  address: string;
  port: number;
  platform: DeviceCheck['platform'];
  checked_at: number;
  duration_ms: number;
  reachable: number;
  transport: DeviceCheck['transport'] | null;
  findings: string | null;
  error: string | null;
  error_kind: DeviceCheck['errorKind'] | null;
  changes: string | null;
  opened_incident: string | null;
}

interface SweepRow {
  id: string;
  trigger: SweepTrigger;
  status: SweepStatus;
  selection: string;
  total: number;
  started_at: number;
  finished_at: number | null;
}

export class CheckStore {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.stmts = {
      insertSweep: db.prepare(`INSERT INTO sweeps (id, trigger, status, selection, total, started_at) VALUES (?, ?, 'running', ?, ?, ?)`),
      finishSweep: db.prepare(`UPDATE sweeps SET status = ?, finished_at = ? WHERE id = ?`),
      sweep: db.prepare(`SELECT * FROM sweeps WHERE id = ?`),
      sweeps: db.prepare(
        `SELECT s.*, (SELECT COUNT(*) FROM device_checks c WHERE c.sweep_id = s.id) AS done FROM sweeps s ORDER BY s.started_at DESC, s.rowid DESC LIMIT ?`,
      ),
      insertCheck: db.prepare(
        `INSERT INTO device_checks (sweep_id, incident_id, device, address, port, platform, checked_at, duration_ms, reachable, transport, findings, error, error_kind, changes, opened_incident)
         VALUES (@sweep_id, @incident_id, @device, @address, @port, @platform, @checked_at, @duration_ms, @reachable, @transport, @findings, @error, @error_kind, @changes, @opened_incident)`,
      ),
      checksOfSweep: db.prepare(`SELECT * FROM device_checks WHERE sweep_id = ? ORDER BY seq`),
      lastSweptFindings: db.prepare(
        `SELECT findings FROM device_checks WHERE device = ? AND sweep_id IS NOT NULL AND sweep_id != ? AND findings IS NOT NULL ORDER BY seq DESC LIMIT 1`,
      ),
      latestPerDevice: db.prepare(`SELECT * FROM device_checks WHERE seq IN (SELECT MAX(seq) FROM device_checks GROUP BY device)`),
      checksOfDevice: db.prepare(`SELECT * FROM device_checks WHERE device = ? ORDER BY seq DESC LIMIT ?`),
      interruptRunning: db.prepare(`UPDATE sweeps SET status = 'interrupted', finished_at = ? WHERE status = 'running' AND trigger != 'cli'`),
    };
  }

  startSweep(s: { id: string; trigger: SweepTrigger; selection: SweepRecord['selection']; total: number; startedAt: Date }): void {
    this.stmts.insertSweep.run(s.id, s.trigger, JSON.stringify(s.selection), s.total, s.startedAt.getTime());
  }

  finishSweep(id: string, at: Date, status: SweepStatus = 'done'): void {
    this.stmts.finishSweep.run(status, at.getTime(), id);
  }

  /**
   * Sweeps the service started (API, schedule) and left `running` when it stopped or died never finish: mark them.
   * A `capwatch sweep` process owns its own sweep and may be running now.
   */
  interruptServiceSweeps(now: Date): void {
    this.stmts.interruptRunning.run(now.getTime());
  }

  sweep(id: string): SweepRecord | undefined {
    const row = this.stmts.sweep.get(id) as SweepRow | undefined;
    return row && sweepRecord(row);
  }

  /** The newest sweeps, with how many devices each has answered so far. */
  sweeps(limit: number): Array<SweepRecord & { done: number }> {
    return (this.stmts.sweeps.all(limit) as Array<SweepRow & { done: number }>).map((r) => ({ ...sweepRecord(r), done: r.done }));
  }

  saveCheck(c: StoredCheck): void {
    this.stmts.insertCheck.run({
      sweep_id: c.sweepId ?? null,
      incident_id: c.incidentId ?? null,
      device: c.device,
      address: c.address,
      port: c.port,
      platform: c.platform,
      checked_at: c.checkedAt.getTime(),
      duration_ms: c.durationMs,
      reachable: c.reachable ? 1 : 0,
      transport: c.transport ?? null,
      findings: c.findings ? JSON.stringify(c.findings) : null,
      error: c.error ?? null,
      error_kind: c.errorKind ?? null,
      changes: c.changes ? JSON.stringify(c.changes) : null,
      opened_incident: c.openedIncident ?? null,
    });
  }

  checksOfSweep(sweepId: string): StoredCheck[] {
    return (this.stmts.checksOfSweep.all(sweepId) as CheckRow[]).map(storedCheck);
  }

  /** Each device's latest check (sweep or confirmation), by device name. */
  latestPerDevice(): Map<string, StoredCheck> {
    return new Map((this.stmts.latestPerDevice.all() as CheckRow[]).map((r) => [r.device, storedCheck(r)]));
  }

  /** A device's checks, newest first. */
  checksOfDevice(device: string, limit: number): StoredCheck[] {
    return (this.stmts.checksOfDevice.all(device, limit) as CheckRow[]).map(storedCheck);
  }

  /** What the device showed at its last sweep before `sweepId` that got an answer. */
  previousFindings(device: string, sweepId: string): DeviceFindings | undefined {
    const row = this.stmts.lastSweptFindings.get(device, sweepId) as { findings: string } | undefined;
    return row && (JSON.parse(row.findings) as DeviceFindings);
  }
}

function sweepRecord(r: SweepRow): SweepRecord {
  return {
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    selection: JSON.parse(r.selection) as SweepRecord['selection'],
    total: r.total,
    startedAt: new Date(r.started_at),
    ...(r.finished_at !== null && { finishedAt: new Date(r.finished_at) }),
  };
}

function storedCheck(r: CheckRow): StoredCheck {
  return {
    device: r.device,
    address: r.address,
    port: r.port,
    platform: r.platform,
    checkedAt: new Date(r.checked_at),
    durationMs: r.duration_ms,
    reachable: r.reachable === 1,
    ...(r.transport !== null && { transport: r.transport }),
    ...(r.findings !== null && { findings: JSON.parse(r.findings) as DeviceFindings }),
    ...(r.error !== null && { error: r.error }),
    ...(r.error_kind !== null && { errorKind: r.error_kind }),
    ...(r.sweep_id !== null && { sweepId: r.sweep_id }),
    ...(r.incident_id !== null && { incidentId: r.incident_id }),
    ...(r.changes !== null && { changes: JSON.parse(r.changes) as FindingChange[] }),
    ...(r.opened_incident !== null && { openedIncident: r.opened_incident }),
  };
}
