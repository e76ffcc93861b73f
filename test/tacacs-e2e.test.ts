// End to end: the real `capwatch serve`, scapy's TACACS+ client and util-linux logger, the HTTP API.
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startService, type Service } from './helpers/service.js';
import { requireScapy, scapyClient, sessionId } from './helpers/tacacs.js';
import { requireTool } from './helpers/tools.js';

const hasScapy = requireScapy();
const hasLogger = requireTool('logger');
const KEY = 'an-e2e-key-that-is-longer-than-32-characters';

describe.runIf(hasScapy)('TACACS+ end to end', () => {
  let svc: Service;
  beforeAll(async () => {
    process.env.CAPWATCH_TEST_TACACS_KEY = KEY;
    svc = await startService({
      config: { tacacs: { host: '127.0.0.1', port: 0, clients: [{ network: '127.0.0.1/32', key: '${CAPWATCH_TEST_TACACS_KEY}' }] } },
    });
  });
  afterAll(async () => {
    expect(await svc.stop()).toBe(0);
    expect(svc.logs()).not.toContain(KEY);
  });

  const incidents = async () => (await svc.api<{ incidents: any[] }>('/api/incidents')).incidents;
  const accounting = (user: string, flags: number, cmd: string) =>
    scapyClient({
      port: svc.tacacs!,
      key: KEY,
      steps: [{ send: { kind: 'acct', session_id: sessionId(), acct_flags: flags, user, port: 'vty0', rem_addr: '198.51.100.23', args: ['task_id=7', 'service=shell', cmd] } }, { recv: true }],
    });
  const detectionsOf = (incident: any, command: string) => incident.detections.filter((d: any) => d.command === command);

  it('listens where it says, and a capture command sent by scapy opens an incident in GET /api/incidents', async () => {
    expect(svc.tacacs).toBeGreaterThan(0);
    const r = await accounting('eve', 0x04, 'cmd=monitor capture CAP start <cr>');
    expect(r.replies[0]).toMatchObject({ status: 1, decodes: true });
    const incident = await eventually(async () => (await incidents()).find((i) => i.user === 'eve'));
    expect(incident.deviceAddress).toBe('127.0.0.1');
    expect(incident.detections[0]).toMatchObject({ kind: 'capture', command: 'monitor capture CAP start', source: 'tacacs', line: 'vty0', remoteAddress: '198.51.100.23' });
    const db = new Database(svc.dbPath, { readonly: true });
    try {
      expect(db.prepare(`SELECT user, port, rem_addr FROM tacacs_accounting WHERE user = 'eve'`).get()).toEqual({ user: 'eve', port: 'vty0', rem_addr: '198.51.100.23' });
    } finally {
      db.close();
    }
  });

  // NX-OS sends the same accounting record to its syslog server and its TACACS+ server.
  const nxos = (user: string, dest: string) => ({
    syslog: `%AAA-6-AAA_ACCOUNTING_MESSAGE: update:192.0.2.51@pts/0:${user}:configure terminal ; monitor session 2 type erspan-source ; destination ip ${dest} (SUCCESS)`,
    tacacs: `cmd=configure terminal ; monitor session 2 type erspan-source ; destination ip ${dest} (SUCCESS)`,
    command: `destination ip ${dest}`,
  });
  const viaLogger = (body: string) => execFileSync('logger', ['--tcp', '--octet-count', '--rfc5424', '--server', '127.0.0.1', '--port', String(svc.tcp), '-t', 'nx1', body]);

  it.runIf(hasLogger)('one command reported by TACACS+ and then by syslog counts once', async () => {
    const c = nxos('trudy', '203.0.113.10');
    expect((await accounting('trudy', 0x08, c.tacacs)).replies[0]?.status).toBe(1);
    await eventually(async () => (await incidents()).find((i) => i.user === 'trudy'));
    viaLogger(c.syslog);
    // The syslog copy is processed (the command counter moves) but adds no detection.
    await eventually(async () => /capwatch_commands_total\{source="syslog"\} [1-9]/.test(await svc.api<string>('/metrics')));
    const all = (await incidents()).filter((i) => i.user === 'trudy');
    expect(all.flatMap((i) => detectionsOf(i, c.command))).toHaveLength(1);
  });

  it.runIf(hasLogger)('one command reported by syslog and then by TACACS+ counts once, under the hostname syslog gave', async () => {
    const c = nxos('oscar', '203.0.113.11');
    viaLogger(c.syslog);
    const incident = await eventually(async () => (await incidents()).find((i) => i.user === 'oscar'));
    expect(incident).toMatchObject({ device: hostname(), deviceAddress: '127.0.0.1' });
    expect((await accounting('oscar', 0x08, c.tacacs)).replies[0]?.status).toBe(1);
    await eventually(async () => /capwatch_commands_total\{source="tacacs"\} ([3-9]|\d\d)/.test(await svc.api<string>('/metrics')));
    const all = (await incidents()).filter((i) => i.user === 'oscar');
    expect(all).toHaveLength(1);
    expect(detectionsOf(all[0], c.command)).toEqual([expect.objectContaining({ source: 'syslog' })]);
  });
});
