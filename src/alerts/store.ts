// The embedded store: incidents, their detections and device mirror/capture state, in one SQLite file (WAL).
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Confirmation, Detection, DetectionKind, DeviceRef, Expectation, Incident, IncidentStatus, Severity } from '../types.js';
import { SEVERITIES, severityRank } from '../types.js';
import { ConfigError } from '../commands/validate.js';
import type { CoveredObject } from '../detect/expected/expiry.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  device_key TEXT NOT NULL,
  device_address TEXT NOT NULL,
  device_hostname TEXT,
  platform TEXT,
  user TEXT,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  status TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  confirmation TEXT,
  detection_count INTEGER NOT NULL DEFAULT 0,
  summary TEXT,
  reopened_because TEXT
);
CREATE INDEX IF NOT EXISTS incidents_last_seen ON incidents(last_seen);
CREATE INDEX IF NOT EXISTS incidents_device ON incidents(device_key, last_seen);
CREATE INDEX IF NOT EXISTS incidents_address ON incidents(device_address, last_seen);
CREATE INDEX IF NOT EXISTS incidents_hostname ON incidents(device_hostname, last_seen);
CREATE TABLE IF NOT EXISTS detections (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  rule TEXT NOT NULL,
  title TEXT NOT NULL,
  kind TEXT NOT NULL,
  severity TEXT NOT NULL,
  technique TEXT NOT NULL,
  why TEXT NOT NULL,
  facts TEXT NOT NULL,
  tradecraft TEXT NOT NULL,
  time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  user TEXT,
  line TEXT,
  remote_address TEXT,
  command TEXT NOT NULL,
  context TEXT NOT NULL,
  tag TEXT,
  raw TEXT NOT NULL,
  expected TEXT,
  unexpected TEXT
);
CREATE INDEX IF NOT EXISTS detections_incident ON detections(incident_id, seq);
CREATE TABLE IF NOT EXISTS device_state (
  device_key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

export interface IncidentQuery {
  id?: string;
  device?: string;
  user?: string;
  /** Incidents with at least one detection of this kind. */
  kind?: DetectionKind;
  /** Minimum severity. */
  severity?: Severity;
  /** lastSeen at or after / at or before. */
  since?: Date;
  until?: Date;
  status?: IncidentStatus;
  /** Paging backwards: incidents strictly older than this one in the list's order (lastSeen desc). */
  after?: { lastSeen: Date; id: string };
  limit?: number;
}

/** An incident without its detections, for lists: what the most severe detection typed, and counts. */
export interface IncidentSummary extends Omit<Incident, 'detections'> {
  detectionCount: number;
  kinds: DetectionKind[];
  /** Rule titles, in the order first hit. */
  rules: string[];
  headline: { command: string; context: string[]; title: string; kind: DetectionKind; severity: Severity };
}

export type SeverityCounts = Record<Severity, number>;
export interface IncidentCounts {
  total: number;
  bySeverity: SeverityCounts;
  byStatus: Record<IncidentStatus, number>;
}

/** Summaries cut the headline command here: a list of 10,000 must not carry 10,000 commands of 64 KB. */
export const HEADLINE_MAX_CHARS = 1000;

interface IncidentRow {
  id: string;
  device_key: string;
  device_address: string;
  device_hostname: string | null;
  platform: string | null;
  user: string | null;
  severity: Severity;
  status: IncidentStatus;
  first_seen: number;
  last_seen: number;
  confirmation: string | null;
  detection_count: number;
  summary: string | null;
  reopened_because: string | null;
}

interface DetectionRow {
  incident_id: string;
  rule: string;
  title: string;
  kind: Detection['kind'];
  severity: Severity;
  technique: string;
  why: string;
  facts: string;
  tradecraft: string;
  time: number;
  received_at: number;
  source: Detection['event']['source'];
  user: string | null;
  line: string | null;
  remote_address: string | null;
  command: string;
  context: string;
  tag: string | null;
  raw: string;
  expected: string | null;
  unexpected: string | null;
}

export interface NamedObject {
  /** Detection sequence number: increases with every detection stored. */
  seq: number;
  address: string;
  hostname: string | null;
  capture: string | null;
  session: string | null;
}

/** The identity incidents, state and grouping use: a relay can front many devices, so a hostname wins. */
export function deviceKey(device: DeviceRef): string {
  return device.hostname ?? device.address;
}

export class Store {
  private readonly db: Database.Database;
  private readonly stmts;
  private summarized = false;

  constructor(path: string) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
    } catch (err) {
      // A path under a file, a read-only or full disk: say which path and what the system said, not a stack.
      const e = err as NodeJS.ErrnoException;
      const said = e.code && !e.message.startsWith(e.code) ? `${e.code}: ${e.message}` : e.message;
      throw new ConfigError([`storage.path: cannot open ${path}: ${notWritable(dirname(path)) ?? said}`]);
    }
    // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    // Files written by earlier versions lack the later columns.
    const columns = new Set((this.db.pragma('table_info(incidents)') as Array<{ name: string }>).map((c) => c.name));
    if (!columns.has('confirmation')) this.db.exec('ALTER TABLE incidents ADD COLUMN confirmation TEXT');
    if (!columns.has('summary')) this.db.exec('ALTER TABLE incidents ADD COLUMN detection_count INTEGER NOT NULL DEFAULT 0; ALTER TABLE incidents ADD COLUMN summary TEXT');
    if (!columns.has('reopened_because')) this.db.exec('ALTER TABLE incidents ADD COLUMN reopened_because TEXT');
    const detectionColumns = new Set((this.db.pragma('table_info(detections)') as Array<{ name: string }>).map((c) => c.name));
    if (!detectionColumns.has('expected')) this.db.exec('ALTER TABLE detections ADD COLUMN expected TEXT; ALTER TABLE detections ADD COLUMN unexpected TEXT');
    // Only expected hits are looked up by time (when approved work ends): a partial index costs the rest nothing.
    this.db.exec('CREATE INDEX IF NOT EXISTS detections_expected ON detections(received_at) WHERE expected IS NOT NULL');
    this.stmts = {
      incidentBefore: this.db.prepare(`SELECT 1 FROM incidents WHERE device_key = ? AND first_seen <= ? LIMIT 1`),
      insertIncident: this.db.prepare(
        `INSERT INTO incidents (id, device_key, device_address, device_hostname, platform, user, severity, severity_rank, status, first_seen, last_seen, confirmation, detection_count, summary, reopened_because)
         VALUES (@id, @device_key, @device_address, @device_hostname, @platform, @user, @severity, @severity_rank, @status, @first_seen, @last_seen, @confirmation, @detection_count, @summary, @reopened_because)`,
      ),
      updateIncident: this.db.prepare(
        `UPDATE incidents SET severity = @severity, severity_rank = @severity_rank, last_seen = @last_seen,
           device_hostname = COALESCE(device_hostname, @device_hostname), platform = COALESCE(platform, @platform),
           confirmation = COALESCE(@confirmation, confirmation), detection_count = @detection_count, summary = @summary,
           status = COALESCE(@new_status, status), reopened_because = COALESCE(@reopened_because, reopened_because) WHERE id = @id`,
      ),
      insertDetection: this.db.prepare(
        `INSERT INTO detections (incident_id, rule, title, kind, severity, technique, why, facts, tradecraft, time, received_at, source, user, line, remote_address, command, context, tag, raw, expected, unexpected)
         VALUES (@incident_id, @rule, @title, @kind, @severity, @technique, @why, @facts, @tradecraft, @time, @received_at, @source, @user, @line, @remote_address, @command, @context, @tag, @raw, @expected, @unexpected)`,
      ),
      detectionsOf: this.db.prepare(`SELECT * FROM detections WHERE incident_id = ? ORDER BY seq`),
      incident: this.db.prepare(`SELECT * FROM incidents WHERE id = ?`),
      openOf: this.db.prepare(`SELECT * FROM incidents WHERE device_key = ? AND user IS ? AND status != 'resolved' AND last_seen >= ? ORDER BY last_seen DESC LIMIT 1`),
      latestOn: this.db.prepare(`SELECT * FROM incidents WHERE device_key = ? AND status != 'resolved' AND last_seen >= ? ORDER BY last_seen DESC LIMIT 1`),
      putState: this.db.prepare(
        `INSERT INTO device_state (device_key, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(device_key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      ),
      allState: this.db.prepare(`SELECT device_key, state FROM device_state`),
      namedSince: this.db.prepare(
        `SELECT d.seq, i.device_address AS address, i.device_hostname AS hostname,
                json_extract(d.facts, '$.capture') AS capture, json_extract(d.facts, '$.session') AS session
         FROM detections d JOIN incidents i ON i.id = d.incident_id
         WHERE d.seq > ? AND i.status != 'resolved' AND (capture IS NOT NULL OR session IS NOT NULL) ORDER BY d.seq`,
      ),
    };
  }

  /** The SQLite handle, for modules that keep their own tables in the same file (the notification outbox). */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Stores a new incident or the growth of an existing one, with its new detections, in one transaction.
   * `inTransaction` runs inside it, so what it writes (the outbox rows) commits or rolls back with the incident.
   * `statusChanged`: the save moves the incident's status (expected work turned into an alert); otherwise the stored
   * status stands, whatever another process made it since.
   */
  saveIncident(incident: Incident, newDetections: readonly Detection[], isNew: boolean, inTransaction?: () => void, statusChanged = false): void {
    this.db.transaction(() => {
      const row = {
        id: incident.id,
        device_key: deviceKey(incident.device),
        device_address: incident.device.address,
        device_hostname: incident.device.hostname ?? null,
        platform: incident.device.platform ?? null,
        user: incident.user ?? null,
        severity: incident.severity,
        severity_rank: severityRank(incident.severity),
        status: incident.status,
        first_seen: incident.firstSeen.getTime(),
        last_seen: incident.lastSeen.getTime(),
        confirmation: incident.confirmation ? JSON.stringify(incident.confirmation) : null,
        detection_count: incident.detections.length,
        summary: JSON.stringify(summarize(incident.detections)),
        new_status: statusChanged ? incident.status : null,
        reopened_because: incident.reopenedBecause ?? null,
      };
      if (isNew) this.stmts.insertIncident.run(row);
      else this.stmts.updateIncident.run(row);
      for (const d of newDetections) {
        const e = d.event;
        this.stmts.insertDetection.run({
          incident_id: incident.id,
          rule: d.rule,
          title: d.title,
          kind: d.kind,
          severity: d.severity,
          technique: d.technique,
          why: d.why,
          facts: JSON.stringify(d.facts),
          tradecraft: JSON.stringify(d.tradecraft),
          time: e.time.getTime(),
          received_at: e.receivedAt.getTime(),
          source: e.source,
          user: e.user ?? null,
          line: e.line ?? null,
          remote_address: e.remoteAddress ?? null,
          command: e.command,
          context: JSON.stringify(e.context),
          tag: e.tag ?? null,
          raw: e.raw,
          expected: d.expected ? JSON.stringify(d.expected) : null,
          unexpected: d.unexpected ?? null,
        });
      }
      inTransaction?.();
    })();
  }

  /** Attaches what the device showed when polled; false when there is no such incident. */
  setConfirmation(id: string, confirmation: Confirmation): boolean {
    return this.db.prepare(`UPDATE incidents SET confirmation = ? WHERE id = ?`).run(JSON.stringify(confirmation), id).changes > 0;
  }

  /** Acknowledges or resolves an incident; false when there is no such incident. */
  setIncidentStatus(id: string, status: IncidentStatus): boolean {
    return this.db.prepare(`UPDATE incidents SET status = ? WHERE id = ?`).run(status, id).changes > 0;
  }

  incident(id: string): Incident | undefined {
    const row = this.stmts.incident.get(id) as IncidentRow | undefined;
    return row && this.hydrate(row);
  }

  incidents(q: IncidentQuery = {}): Incident[] {
    const { where, args } = incidentFilter(q);
    const sql = `SELECT * FROM incidents i ${where} ORDER BY last_seen DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit(q, 1000)) as IncidentRow[]).map((r) => this.hydrate(r));
  }

  /**
   * Lists without detections, for the console's first screen of 10,000: what a row shows is kept on the incident
   * itself (written with every save), so listing reads no detection.
   */
  incidentSummaries(q: IncidentQuery = {}): IncidentSummary[] {
    this.summarizeOlderIncidents();
    const { where, args } = incidentFilter(q);
    const sql = `SELECT * FROM incidents i ${where} ORDER BY last_seen DESC, id DESC LIMIT ?`;
    // Fixed-shape literals, no spreads: this runs 10,000 times for one screen.
    return (this.db.prepare(sql).all(...args, limit(q, 10_000)) as IncidentRow[]).map((r): IncidentSummary => {
      const summary = JSON.parse(r.summary ?? 'null') as RowSummary;
      return {
        id: r.id,
        severity: r.severity,
        status: r.status,
        device: deviceOf(r),
        user: r.user ?? undefined,
        firstSeen: new Date(r.first_seen),
        lastSeen: new Date(r.last_seen),
        confirmation: r.confirmation === null ? undefined : parseConfirmation(r.confirmation),
        reopenedBecause: r.reopened_because ?? undefined,
        detectionCount: r.detection_count,
        kinds: summary.kinds,
        rules: summary.rules,
        headline: summary.headline,
      };
    });
  }

  /** How many incidents match, per severity and per status (the same filters as the list, all of them counted). */
  incidentCounts(q: Omit<IncidentQuery, 'limit' | 'after'> = {}): IncidentCounts {
    const { where, args } = incidentFilter(q);
    const rows = this.db.prepare(`SELECT severity, status, COUNT(*) AS n FROM incidents i ${where} GROUP BY severity, status`).all(...args) as Array<{
      severity: Severity;
      status: IncidentStatus;
      n: number;
    }>;
    const counts: IncidentCounts = {
      total: 0,
      bySeverity: { informational: 0, low: 0, medium: 0, high: 0, critical: 0 },
      byStatus: { open: 0, acknowledged: 0, resolved: 0, expected: 0, 'false-positive': 0 },
    };
    for (const r of rows) {
      counts.total += r.n;
      counts.bySeverity[r.severity] += r.n;
      counts.byStatus[r.status] += r.n;
    }
    return counts;
  }

  /** Incidents stored before rows carried their summary get one, once, from their detections. */
  private summarizeOlderIncidents(): void {
    if (this.summarized) return;
    const older = this.db.prepare('SELECT * FROM incidents WHERE summary IS NULL').all() as IncidentRow[];
    const update = this.db.prepare('UPDATE incidents SET detection_count = ?, summary = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const row of older) {
        const { detections } = this.hydrate(row);
        update.run(detections.length, JSON.stringify(summarize(detections)), row.id);
      }
    })();
    this.summarized = true;
  }

  /** Runs `fn` in one transaction (a status change and its audit entry are written together). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The incident still collecting for this device and user (not resolved, seen since `since`), newest first. */
  openIncidentOf(deviceKey: string, user: string | undefined, since: Date): Incident | undefined {
    const row = this.stmts.openOf.get(deviceKey, user ?? null, since.getTime()) as IncidentRow | undefined;
    return row && this.hydrate(row);
  }

  /** The incident most recently touched on this device (any user), not resolved, seen since `since`. */
  latestOpenIncidentOn(deviceKey: string, since: Date): Incident | undefined {
    const row = this.stmts.latestOn.get(deviceKey, since.getTime()) as IncidentRow | undefined;
    return row && this.hydrate(row);
  }

  /**
   * The captures and mirror sessions that detections of open or acknowledged incidents name, stored after detection
   * `afterSeq` (0: all), with the device they are on: what a sweep counts as explained.
   */
  namedObjects(afterSeq: number): NamedObject[] {
    return this.stmts.namedSince.all(afterSeq) as NamedObject[];
  }

  /** The captures and sessions named by hits that this approval (or window) covered between `from` and `to`. */
  coveredObjects(by: 'approval' | 'window', name: string, from: Date, to: Date): CoveredObject[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT i.device_address AS address, i.device_hostname AS hostname, i.platform, d.user, d.kind,
                json_extract(d.facts, '$.capture') AS capture, json_extract(d.facts, '$.session') AS session
         FROM detections d JOIN incidents i ON i.id = d.incident_id
         WHERE d.expected IS NOT NULL AND d.received_at BETWEEN ? AND ?
           AND json_extract(d.expected, '$.by') = ? AND json_extract(d.expected, '$.name') = ?
           AND (capture IS NOT NULL OR session IS NOT NULL)`,
      )
      .all(from.getTime(), to.getTime(), by, name) as Array<{ address: string; hostname: string | null; platform: string | null; user: string | null; kind: DetectionKind; capture: string | null; session: string | null }>;
    return rows.map((r) => ({
      device: deviceOf({ device_address: r.address, device_hostname: r.hostname, platform: r.platform } as IncidentRow),
      ...(r.user !== null && { user: r.user }),
      kind: r.kind,
      ...(r.capture !== null && { capture: r.capture }),
      ...(r.session !== null && { session: r.session }),
    }));
  }

  /** Has an incident been about a device of this name (short or qualified) or address? */
  /** Has the device (as incidents key it) an incident that began at or before `beforeMs`? */
  hadIncidentBefore(device: DeviceRef, beforeMs: number): boolean {
    return this.stmts.incidentBefore.get(deviceKey(device), beforeMs) !== undefined;
  }

  knowsDevice(name: string): boolean {
    const sql = `SELECT 1 FROM incidents WHERE device_address = @n OR lower(device_hostname) = @n OR lower(device_hostname) LIKE @n || '.%' LIMIT 1`;
    return this.db.prepare(sql).get({ n: name.toLowerCase() }) !== undefined;
  }

  /** Detections stored per rule id, and the latest one's receive time. */
  ruleHits(): Map<string, { hits: number; lastHit: Date }> {
    const rows = this.db.prepare(`SELECT rule, COUNT(*) AS hits, MAX(received_at) AS last FROM detections GROUP BY rule`).all() as Array<{ rule: string; hits: number; last: number }>;
    return new Map(rows.map((r) => [r.rule, { hits: r.hits, lastHit: new Date(r.last) }]));
  }

  /** Per device (as incidents key it): how many incidents are not resolved, and the newest one's time. */
  deviceIncidentStats(): Array<{ key: string; address: string; hostname: string | null; platform: string | null; unresolved: number; lastSeen: Date }> {
    const rows = this.db
      .prepare(
        `SELECT device_key, MAX(device_address) AS address, MAX(device_hostname) AS hostname, MAX(platform) AS platform,
                SUM(status != 'resolved') AS unresolved, MAX(last_seen) AS last_seen
         FROM incidents GROUP BY device_key`,
      )
      .all() as Array<{ device_key: string; address: string; hostname: string | null; platform: string | null; unresolved: number; last_seen: number }>;
    return rows.map((r) => ({ key: r.device_key, address: r.address, hostname: r.hostname, platform: r.platform, unresolved: r.unresolved, lastSeen: new Date(r.last_seen) }));
  }

  saveDeviceState(key: string, state: unknown, at: Date): void {
    this.stmts.putState.run(key, JSON.stringify(state), at.getTime());
  }

  deviceStates(): Array<{ key: string; state: unknown }> {
    return (this.stmts.allState.all() as Array<{ device_key: string; state: string }>).map((r) => ({
      key: r.device_key,
      state: JSON.parse(r.state) as unknown,
    }));
  }

  close(): void {
    this.db.close();
  }

  private hydrate(row: IncidentRow): Incident {
    const device = deviceOf(row);
    const detections = (this.stmts.detectionsOf.all(row.id) as DetectionRow[]).map((d): Detection => ({
      rule: d.rule,
      title: d.title,
      kind: d.kind,
      severity: d.severity,
      technique: d.technique,
      why: d.why,
      facts: JSON.parse(d.facts) as Record<string, string>,
      tradecraft: JSON.parse(d.tradecraft) as string[],
      ...(d.expected !== null && { expected: parseExpectation(d.expected) }),
      ...(d.unexpected !== null && { unexpected: d.unexpected }),
      event: {
        time: new Date(d.time),
        receivedAt: new Date(d.received_at),
        device,
        ...(d.user !== null && { user: d.user }),
        ...(d.line !== null && { line: d.line }),
        ...(d.remote_address !== null && { remoteAddress: d.remote_address }),
        command: d.command,
        context: JSON.parse(d.context) as string[],
        source: d.source,
        ...(d.tag !== null && { tag: d.tag }),
        raw: d.raw,
      },
    }));
    return {
      id: row.id,
      severity: row.severity,
      status: row.status,
      device,
      ...(row.user !== null && { user: row.user }),
      firstSeen: new Date(row.first_seen),
      lastSeen: new Date(row.last_seen),
      detections,
      ...(row.confirmation !== null && { confirmation: parseConfirmation(row.confirmation) }),
      ...(row.reopened_because !== null && { reopenedBecause: row.reopened_because }),
    };
  }
}

type RowSummary = Pick<IncidentSummary, 'kinds' | 'rules' | 'headline'>;

/** Why nothing can be created in `dir`: the nearest folder that exists refuses writes (mkdir says only ENOENT then). */
function notWritable(dir: string): string | undefined {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    accessSync(d, constants.W_OK);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `${e.code ?? 'error'}: ${d} does not take writes`;
  }
}

function deviceOf(row: IncidentRow): DeviceRef {
  const device: DeviceRef = { address: row.device_address };
  if (row.device_hostname) device.hostname = row.device_hostname;
  if (row.platform) device.platform = row.platform as DeviceRef['platform'];
  return device;
}

/** What a list row shows of an incident's detections: its kinds and rules in first-hit order, its most severe command. */
function summarize(detections: readonly Detection[]): RowSummary {
  const kinds = new Set<DetectionKind>();
  const rules = new Set<string>();
  let top: Detection | undefined;
  for (const d of detections) {
    kinds.add(d.kind);
    rules.add(d.title);
    if (!top || severityRank(d.severity) > severityRank(top.severity)) top = d;
  }
  const command = top?.event.command ?? '';
  return {
    kinds: [...kinds],
    rules: [...rules],
    headline: {
      command: command.length > HEADLINE_MAX_CHARS ? `${command.slice(0, HEADLINE_MAX_CHARS)}…` : command,
      context: top?.event.context ?? [],
      title: top?.title ?? '',
      kind: top?.kind ?? 'capture',
      severity: top?.severity ?? 'informational',
    },
  };
}

function limit(q: IncidentQuery, max: number): number {
  return Math.min(Math.max(q.limit ?? 100, 1), max);
}

/** The WHERE clause every incident list, count and export shares (table alias `i`). */
function incidentFilter(q: IncidentQuery): { where: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, ...v: unknown[]) => {
    where.push(sql);
    args.push(...v);
  };
  if (q.id !== undefined) add('i.id = ?', q.id);
  if (q.device) add('(i.device_key = ? OR i.device_address = ? OR i.device_hostname = ?)', q.device, q.device, q.device);
  if (q.user !== undefined) add('i.user = ?', q.user);
  if (q.kind !== undefined) add('EXISTS (SELECT 1 FROM detections d WHERE d.incident_id = i.id AND d.kind = ?)', q.kind);
  if (q.severity) add('i.severity_rank >= ?', SEVERITIES.indexOf(q.severity));
  if (q.since) add('i.last_seen >= ?', q.since.getTime());
  if (q.until) add('i.last_seen <= ?', q.until.getTime());
  if (q.status) add('i.status = ?', q.status);
  if (q.after) add('(i.last_seen < ? OR (i.last_seen = ? AND i.id < ?))', q.after.lastSeen.getTime(), q.after.lastSeen.getTime(), q.after.id);
  return { where: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}

function parseExpectation(json: string): Expectation {
  const { until, ...e } = JSON.parse(json) as Omit<Expectation, 'until'> & { until?: string };
  return { ...e, ...(until !== undefined && { until: new Date(until) }) };
}

function parseConfirmation(json: string): Confirmation {
  const c = JSON.parse(json) as Omit<Confirmation, 'checkedAt'> & { checkedAt: string };
  return { ...c, checkedAt: new Date(c.checkedAt) };
}
