// Retention: what ages out of the real SQLite file and what never does, in batches; and `capwatch db` around it.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../src/alerts/audit.js';
import { RETENTION_DEFAULTS, Retention } from '../src/alerts/retention.js';
import { Store } from '../src/alerts/store.js';
import { Outbox } from '../src/alerts/notify/outbox.js';
import { RelpJournal } from '../src/sources/relp-journal.js';
import type { Detection, Incident } from '../src/types.js';
import { commandEvent } from './helpers/command-event.js';
import { CLI } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const NOW = new Date('2026-12-04T12:00:00Z');
const DAY = 86_400_000;

function incident(id: string, daysAgo: number, status: Incident['status']): { incident: Incident; detections: Detection[] } {
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  const event = commandEvent(`monitor capture ${id} start`, { time: at, user: `u-${id}` });
  const d: Detection = { rule: 'r', title: 'Capture started', kind: 'capture', severity: 'high', technique: 'T1040', event, facts: { capture: id }, tradecraft: [], why: 'w' };
  return { incident: { id, severity: 'high', status, device: event.device, user: event.user!, firstSeen: at, lastSeen: at, detections: [d] }, detections: [d] };
}

describe('retention', () => {
  it('prunes what is past its days — resolved sooner when configured — and never an open or acknowledged incident', async () => {
    const path = join(tempDir('capwatch-retention-'), 'capwatch.db');
    const store = new Store(path);
    for (const [id, days, status] of [
      ['old-open', 900, 'open'],
      ['old-ack', 900, 'acknowledged'],
      ['old-resolved', 400, 'resolved'],
      ['mid-resolved', 40, 'resolved'],
      ['new-resolved', 5, 'resolved'],
      ['old-expected', 400, 'expected'],
      ['old-fp', 400, 'false-positive'],
    ] as const) {
      const { incident: i, detections } = incident(id, days, status);
      store.saveIncident(i, detections, true);
    }
    const outbox = new Outbox(store.database);
    outbox.enqueue('m1', 'old-open', 'slack', NOW.getTime() - 30 * DAY, NOW.getTime() - 30 * DAY, 0);
    outbox.enqueue('m2', 'old-open', 'teams', NOW.getTime() - 30 * DAY, NOW.getTime() - 30 * DAY, 0);
    store.database.prepare(`UPDATE notify_outbox SET status = 'delivered' WHERE id = 'm1'`).run();
    const audit = new AuditLog(store.database);
    audit.record({ actor: { name: 'alice' }, action: 'login', details: {}, at: new Date(NOW.getTime() - 500 * DAY) });
    audit.record({ actor: { name: 'bob' }, action: 'login', details: {}, at: new Date(NOW.getTime() - 1 * DAY) });

    const retention = new Retention(store.database, path, { ...RETENTION_DEFAULTS, resolvedDays: 30 });
    const pruned = await retention.prune(NOW);
    expect(pruned).toEqual({ incidents: 4, notify_outbox: 1, audit: 1 });
    const left = (store.database.prepare('SELECT id FROM incidents ORDER BY id').pluck().all() as string[]);
    expect(left).toEqual(['new-resolved', 'old-ack', 'old-open']);
    // Detections went with their incidents; the open incident's delivered message ages out, its pending one stays.
    expect(store.database.prepare('SELECT COUNT(*) FROM detections').pluck().get()).toBe(3);
    expect(store.database.prepare('SELECT id FROM notify_outbox').pluck().all()).toEqual(['m2']);
    expect(audit.list().map((e) => e.actor.name)).toEqual(['bob']);
    expect(await retention.prune(NOW)).toEqual({});
    store.close();
  });

  it('prunes the RELP journal past relpJournalDays, but never a row detection has not seen yet', async () => {
    const path = join(tempDir('capwatch-retention-'), 'capwatch.db');
    const store = new Store(path);
    const journal = new RelpJournal(path);
    const ids: number[] = [];
    for (const days of [30, 20, 10, 1]) journal.append({ receivedAt: NOW.getTime() - days * DAY, sender: '192.0.2.1', message: `${days} days old` }, (_e, id) => ids.push(id));
    journal.flush();
    journal.processed(ids[1]!); // detection saw the 30- and 20-day-old rows; the 10-day-old one waits for the next start
    journal.close();
    expect(await new Retention(store.database, path, RETENTION_DEFAULTS).prune(NOW)).toEqual({ relp_journal: 2 });
    expect(store.database.prepare('SELECT message FROM relp_journal ORDER BY id').pluck().all()).toEqual(['10 days old', '1 days old']);
    store.close();
  });

  it('deletes in batches, giving ingest a turn between them', async () => {
    const path = join(tempDir('capwatch-retention-'), 'capwatch.db');
    const store = new Store(path);
    store.transaction(() => {
      for (let n = 0; n < 1_250; n++) {
        const { incident: i, detections } = incident(`r${n}`, 400, 'resolved');
        store.saveIncident(i, detections, true);
      }
    });
    let turns = 0;
    const pruned = await new Retention(store.database, path, RETENTION_DEFAULTS).prune(NOW, async () => {
      turns++;
    });
    expect(pruned.incidents).toBe(1_250);
    expect(turns).toBe(3);
    store.close();
  });
});

describe('capwatch db', () => {
  function setup() {
    const dir = tempDir('capwatch-dbcli-');
    const path = join(dir, 'capwatch.db');
    const store = new Store(path);
    for (const [id, days, status] of [
      ['a', 2, 'open'],
      ['b', 800, 'resolved'],
    ] as const) {
      const { incident: i, detections } = incident(id, days, status);
      store.saveIncident(i, detections, true);
    }
    store.close();
    const config = join(dir, 'capwatch.yaml');
    writeFileSync(config, JSON.stringify({ storage: { path } }));
    const run = (...args: string[]) => execFileSync(process.execPath, [CLI, 'db', ...args, '--config', config], { encoding: 'utf8' });
    return { dir, path, run };
  }

  it('stats counts rows and the file; prune applies storage.retention; backup is a consistent copy; vacuum gives space back', () => {
    const { dir, path, run } = setup();
    const stats = JSON.parse(run('stats', '--json')) as { bytes: number; tables: Array<{ table: string; rows: number }> };
    expect(stats.tables.find((t) => t.table === 'incidents')?.rows).toBe(2);
    expect(stats.bytes).toBeGreaterThan(0);
    expect(run('stats')).toMatch(/^incidents\s+2$/m);
    // "b" was resolved 800 days before the tests' fixed now, which is before the real now too.
    expect(JSON.parse(run('prune', '--json')).pruned).toEqual({ incidents: 1 });
    expect(run('prune')).toBe('nothing older than storage.retention\n');
    const copy = join(dir, 'backup.db');
    expect(run('backup', copy)).toMatch(/→ .*backup\.db \(\d+\.\d MB\)/);
    const b = new Database(copy, { readonly: true });
    expect(b.prepare('SELECT id FROM incidents').pluck().all()).toEqual(['a']);
    b.close();
    expect(run('vacuum')).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}: \\d+\\.\\d MB → \\d+\\.\\d MB\\n$`));
    expect(() => run('backup', copy)).toThrow(/exists: name a new file/);
    expect(existsSync(copy)).toBe(true);
  });
});
