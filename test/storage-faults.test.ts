// The database's disk fills up under the running service: detections wait instead of vanishing, /healthz says why
// the service is unhealthy, TACACS+ answers ERROR rather than SUCCESS, the log says it once, and when the disk takes
// writes again everything that waited is stored. A read-only disk at start stops start-up naming the path. The disks
// are small tmpfs mounted for the test (CI runs as root).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startService, type Service } from './helpers/service.js';
import { requireScapy, scapyClient, sessionId } from './helpers/tacacs.js';

const KEY = 'a-storage-fault-test-key-longer-than-32-characters';

/** A tmpfs of `size` at a new folder, or why there cannot be one (not root, no mount in this sandbox). */
function smallDisk(size: string): { dir: string } | { why: string } {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'capwatch-test', dir], { stdio: 'pipe' });
    return { dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `cannot mount a tmpfs (${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message})` };
  }
}

const disk = smallDisk('4m');
if ('why' in disk) {
  if (process.env.CI === 'true') throw new Error(`${disk.why}; CI runs as root and must be able to`);
  console.warn(`skipping storage fault tests: ${disk.why}`);
}
const hasScapy = requireScapy();

describe.runIf('dir' in disk)('storage faults', () => {
  const dir = 'dir' in disk ? disk.dir : '';
  const filler = join(dir, 'filler');
  let svc: Service;
  let n = 0;
  const line = (user: string) => `<189>${++n}: core-rtr9: *Dec  4 10:00:00.${String(n).padStart(3, '0')}: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:monitor capture CAP${n} start`;
  const health = async () => {
    const res = await fetch(`http://127.0.0.1:${svc.http}/healthz`);
    return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
  };
  const usersWithIncidents = async (prefix: string) => (await svc.api('/api/incidents?limit=1000')).incidents.map((i: { user: string }) => i.user).filter((u: string) => u.startsWith(prefix)).sort();

  beforeAll(async () => {
    svc = await startService({
      dir,
      config: { tacacs: { host: '127.0.0.1', port: 0, clients: [{ network: '127.0.0.1/32', key: KEY }] } },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    rmSync(filler, { force: true });
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a full disk: detections wait, /healthz is 503 with the reason, TACACS+ answers ERROR, and all of it is stored when space returns', async () => {
    expect((await health()).status).toBe(200);
    // Fill what is left of the disk, as a runaway log file would.
    const { bavail, bsize } = statfsSync(dir);
    writeFileSync(filler, Buffer.alloc(Math.max(0, Number(bavail) * Number(bsize) - 4096)));
    const users = Array.from({ length: 20 }, (_, i) => `full${String(i).padStart(2, '0')}`);
    await svc.sendSyslog(users.map(line), '127.0.0.3');
    const unhealthy = await eventually(async () => {
      const h = await health();
      return h.status === 503 && h;
    });
    expect(unhealthy.body).toMatchObject({ status: 'unhealthy', reason: expect.stringMatching(/^storage refuses writes since .* \(SQLITE_FULL: database or disk is full\); \d+ detection\(s\) waiting$/) });
    const metrics = await svc.api<string>('/metrics');
    expect(metrics).toMatch(/^capwatch_store_errors_total\{what="detections"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^capwatch_store_waiting_detections [1-9]\d*$/m);
    expect(await usersWithIncidents('full')).toEqual([]);
    if (hasScapy) {
      const r = await scapyClient({ port: svc.tacacs!, key: KEY, steps: [{ send: { kind: 'acct', session_id: sessionId(), acct_flags: 0x04, user: 'full-tac', port: 'vty0', args: ['task_id=9', 'service=shell', 'cmd=monitor capture TAC start <cr>'] } }, { recv: true }] });
      // 0x02 ERROR: the device keeps the record and sends it again, rather than believing it stored.
      expect(r.replies[0]).toMatchObject({ status: 0x02, decodes: true });
    }
    expect(svc.logs().split('the database refuses writes').length - 1).toBe(1);

    rmSync(filler);
    await eventually(async () => (await usersWithIncidents('full')).length === 20 && true, 15_000);
    expect(await usersWithIncidents('full')).toEqual(users);
    expect((await health()).status).toBe(200);
    expect(svc.logs()).toContain('the database takes writes again');
  });

  it('a storage path on a read-only file system stops start-up naming the path and what the system said', async () => {
    const ro = smallDisk('1m');
    if ('why' in ro) throw new Error(ro.why);
    try {
      execFileSync('mount', ['-o', 'remount,ro', ro.dir]);
      const err = await startService({ config: { storage: { path: join(ro.dir, 'data', 'capwatch.db') } } }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/exited with 2/);
      expect(err?.message).toContain(`storage.path: cannot open ${join(ro.dir, 'data', 'capwatch.db')}: EROFS`);
      expect(err?.message).not.toMatch(/\n\s+at /);
    } finally {
      execFileSync('umount', [ro.dir]);
      rmSync(ro.dir, { recursive: true, force: true });
    }
  });
});
