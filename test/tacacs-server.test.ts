// The TACACS+ accounting server on loopback, driven by scapy's TACACS+ implementation (python3-scapy), with a real
// SQLite journal and the real detection pipeline behind it.

import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { Metrics } from '../src/metrics.js';
import { ClientTable } from '../src/sources/tacacs/clients.js';
import { AccountingJournal } from '../src/sources/tacacs/journal.js';
import { startTacacs } from '../src/sources/tacacs/server.js';
import type { Listener } from '../src/sources/types.js';
import type { Detection } from '../src/types.js';
import { requireScapy, scapyClient, sessionId, type PacketSpec, type Step } from './helpers/tacacs.js';
import { tempDir } from './helpers/tmp.js';

const hasScapy = requireScapy();
/** 40 characters: RFC 8907 §10.5.1 says keys of at least 32 must work. */
const KEY = 'k3y-0f-at-l3ast-32-characters-is-a-MUST!';
const OLD_KEY = 'retiring-key';
const HOST3_KEY = 'host-three-key';
const CAPTURE = 'cmd=monitor capture CAP start <cr>';

describe.runIf(hasScapy)('TACACS+ accounting server (scapy client)', () => {
  const dir = tempDir('capwatch-tacacs-');
  const dbPath = join(dir, 'capwatch.db');
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => logLines.push(s) });
  const metrics = new Metrics();
  const detections: Detection[] = [];
  let journal: AccountingJournal;
  let server: Listener;
  let port: number;

  beforeAll(async () => {
    journal = new AccountingJournal(dbPath);
    const { ingest } = buildDetection(buildConfig({}), metrics, log, (d) => detections.push(...d));
    const clients = new ClientTable([
      { network: '127.0.0.0/30', key: 'wide-key' },
      { network: '127.0.0.1/32', keys: [OLD_KEY, KEY] },
      { network: '127.0.0.3', key: HOST3_KEY },
    ]);
    server = await startTacacs(
      { host: '127.0.0.1', port: 0, clients, maxConnectionsPerClient: 4, maxConnections: 6, idleTimeoutMs: 1500 },
      { metrics, log, journal, sink: ingest },
    );
    port = server.address.port;
  });
  afterAll(async () => {
    await server.close();
    journal.close();
  });

  const stored = (): Array<{ session_id: number; flags: number; user: string; args: string }> => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return db.prepare('SELECT session_id, flags, user, args FROM tacacs_accounting ORDER BY id').all() as never;
    } finally {
      db.close();
    }
  };
  const rowsOf = (sid: number) => stored().filter((r) => r.session_id === sid);
  const acct = (p: PacketSpec = {}): PacketSpec => ({ kind: 'acct', session_id: sessionId(), args: ['task_id=1', 'service=shell', 'cmd=show version <cr>'], ...p });
  const exchange = (steps: Step[], key = KEY, source?: string) => scapyClient({ port, key, steps, ...(source && { source }) });

  it('answers START, STOP and WATCHDOG records with SUCCESS (seq 2, same session) after storing them', async () => {
    for (const [flags, args] of [
      [0x02, ['task_id=50', 'start_time=1700000000', 'service=shell']],
      [0x04, ['task_id=50', 'stop_time=1700000009', 'service=shell', 'elapsed_time=9']],
      [0x08, ['task_id=51', 'service=shell', 'cmd=configure terminal ; interface Ethernet1/1 ; shutdown (SUCCESS)']],
    ] as const) {
      const p = acct({ acct_flags: flags, args: [...args] });
      const r = await exchange([{ send: p }, { recv: true }, { expect_close: true }]);
      expect(r.replies).toEqual([expect.objectContaining({ type: 3, seq: 2, session_id: p.session_id, status: 1, decodes: true, flags: 0 })]);
      // Without single-connect the server closes after the one session.
      expect(r.closed).toBe(true);
      expect(rowsOf(p.session_id!)).toEqual([expect.objectContaining({ flags, user: 'admin', args: JSON.stringify(args) })]);
    }
  });

  it('a capture command becomes a detection with user, line, remote address and the NAS address', async () => {
    const p = acct({ acct_flags: 0x04, user: 'eve', port: 'vty0', rem_addr: '198.51.100.23', args: ['task_id=77', 'service=shell', 'priv-lvl=15', CAPTURE] });
    const r = await exchange([{ send: p }, { recv: true }]);
    expect(r.replies[0]?.status).toBe(1);
    const d = detections.find((x) => x.event.user === 'eve');
    expect(d?.kind).toBe('capture');
    expect(d?.event).toMatchObject({ source: 'tacacs', command: 'monitor capture CAP start', line: 'vty0', remoteAddress: '198.51.100.23', device: { address: '127.0.0.1' }, taskId: '77', privLevel: 15 });
  });

  it('single-connect: three sessions on one connection, each answered, the flag echoed, the connection kept', async () => {
    const ps = [0, 1, 2].map((i) => acct({ flags: 0x04, args: [`task_id=${60 + i}`, 'service=shell', `cmd=show clock ${i} <cr>`] }));
    const steps: Step[] = [{ send: ps[0]! }, { recv: true }, { send: ps[1]! }, { send: ps[2]! }, { recv: true }, { recv: true }, { expect_close: true }];
    const r = await scapyClient({ port, key: KEY, steps, timeout: 1 });
    expect(r.replies.map((x) => [x.session_id, x.status, x.flags])).toEqual(ps.map((p) => [p.session_id, 1, 0x04]));
    // Still open when the client stops waiting: only idleTimeout ends a single-connect connection.
    expect(r.timeout).toBe(true);
    expect(r.closed).toBe(false);
  });

  it('a wrong key: no SUCCESS, no record, no detection, and the connection closes', async () => {
    const p = acct({ acct_flags: 0x04, user: 'mallory', args: ['task_id=9', 'service=shell', CAPTURE] });
    const r = await exchange([{ send: p }, { recv: true }, { expect_close: true }], 'not-the-key');
    // The ERROR is sealed with the server's key: the client holding the wrong key cannot read it as SUCCESS.
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0]!.decodes && r.replies[0]!.status === 1).toBe(false);
    expect(r.closed).toBe(true);
    expect(rowsOf(p.session_id!)).toEqual([]);
    expect(detections.some((d) => d.event.user === 'mallory')).toBe(false);
    expect(logLines.join('')).not.toContain(KEY);
  });

  it('key rotation: the retiring key and the new key both work for the same client', async () => {
    for (const key of [OLD_KEY, KEY]) {
      const r = await exchange([{ send: acct() }, { recv: true }], key);
      expect(r.replies[0]).toMatchObject({ status: 1, decodes: true });
    }
  });

  it('longest-prefix match picks the host key over the network key; an address in no network is refused', async () => {
    expect((await exchange([{ send: acct() }, { recv: true }], HOST3_KEY, '127.0.0.3')).replies[0]).toMatchObject({ status: 1, decodes: true });
    const wide = await exchange([{ send: acct() }, { recv: true }], 'wide-key', '127.0.0.3');
    expect(wide.replies[0]?.status === 1 && wide.replies[0]?.decodes).toBe(false);
    expect((await exchange([{ send: acct() }, { recv: true }], 'wide-key', '127.0.0.2')).replies[0]).toMatchObject({ status: 1, decodes: true });
    const stranger = await exchange([{ send: acct() }, { recv: true }], 'wide-key', '127.0.0.9');
    expect(stranger).toMatchObject({ replies: [], closed: true });
  });

  it('the UNENCRYPTED flag on plain TCP is refused: no reply, no record, connection closed', async () => {
    const p = acct({ flags: 0x01 });
    const r = await exchange([{ send: p }, { recv: true }]);
    expect(r).toMatchObject({ replies: [], closed: true });
    expect(rowsOf(p.session_id!)).toEqual([]);
  });

  it('invalid START/STOP/WATCHDOG combinations are kept on record but answered ERROR', async () => {
    for (const flags of [0x00, 0x06, 0x0c]) {
      const p = acct({ acct_flags: flags });
      const r = await exchange([{ send: p }, { recv: true }]);
      expect(r.replies[0]).toMatchObject({ status: 2, decodes: true, server_msg: 'invalid accounting flags' });
      expect(rowsOf(p.session_id!)).toHaveLength(1);
    }
  });

  it('a header split across writes, and a body split after it, are reassembled', async () => {
    const p = acct({ args: ['task_id=5', 'service=shell', 'cmd=show interfaces status <cr>'] });
    const r = await exchange([{ send: p, split: [3, 7, 12, 30], pause: 0.15 }, { recv: true }]);
    expect(r.replies[0]).toMatchObject({ status: 1, session_id: p.session_id });
    expect(rowsOf(p.session_id!)).toHaveLength(1);
  });

  it('an authentication START gets an authentication ERROR reply (capwatch does accounting only)', async () => {
    const p: PacketSpec = { kind: 'authen', session_id: sessionId() };
    const r = await exchange([{ send: p }, { recv: true }]);
    expect(r.replies[0]).toMatchObject({ type: 1, seq: 2, version: 0xc1, session_id: p.session_id, status: 7, decodes: true });
  });

  it("an unknown packet type gets the RFC's zero-length reply and the connection closes", async () => {
    const p = acct({ type: 9 });
    const r = await exchange([{ send: p }, { recv: true }, { expect_close: true }]);
    expect(r.replies).toEqual([{ type: 9, seq: 2, flags: 0, session_id: p.session_id, length: 0, version: 0xc0 }]);
    expect(r.closed).toBe(true);
  });

  it('a seq other than 1 (a stray packet) and an oversized length close the connection without a reply', async () => {
    expect(await exchange([{ send: acct({ seq: 3 }) }, { recv: true }])).toMatchObject({ replies: [], closed: true });
    // Length 66,055: one byte over the largest legal accounting request.
    const huge = { kind: 'raw' as const, hex: 'c00301000000000100010207' };
    expect(await exchange([{ send: huge }, { recv: true }])).toMatchObject({ replies: [], closed: true });
  });

  it('a record the database refuses is answered ERROR, not SUCCESS', async () => {
    const db = new Database(dbPath);
    db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON tacacs_accounting BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    try {
      const r = await exchange([{ send: acct() }, { recv: true }]);
      expect(r.replies[0]).toMatchObject({ status: 2, decodes: true, server_msg: 'record not stored' });
    } finally {
      db.exec('DROP TRIGGER refuse');
      db.close();
    }
    expect((await exchange([{ send: acct() }, { recv: true }])).replies[0]?.status).toBe(1);
  });

  it('caps connections per client address and closes idle ones', async () => {
    const open = (): Promise<Socket> =>
      new Promise((res, rej) => {
        const s = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => res(s));
        s.on('error', rej);
      });
    const closedWithin = (s: Socket, ms: number) =>
      new Promise<boolean>((res) => {
        if (s.destroyed) return res(true);
        const t = setTimeout(() => res(false), ms);
        s.once('close', () => {
          clearTimeout(t);
          res(true);
        });
      });
    const held = await Promise.all([open(), open(), open(), open()]);
    const fifth = await open();
    expect(await closedWithin(fifth, 1000)).toBe(true);
    // The four idle ones are closed by idleTimeout (1.5 s here).
    expect(await Promise.all(held.map((s) => closedWithin(s, 5000)))).toEqual([true, true, true, true]);
    const metricsText = await metrics.registry.metrics();
    expect(metricsText).toMatch(/capwatch_messages_dropped_total\{source="tacacs",reason="connection-limit"\} [1-9]/);
    for (const reason of ['bad-key-or-malformed', 'unknown-client', 'unencrypted-on-tcp', 'oversize', 'stray-sequence', 'invalid-flags', 'not-accounting', 'unknown-type', 'store-failed']) {
      expect(metricsText).toMatch(new RegExp(`capwatch_messages_dropped_total\\{source="tacacs",reason="${reason}"\\} [1-9]`));
    }
    expect(metricsText).toMatch(/capwatch_tacacs_records_total\{outcome="stored"\} [1-9]/);
  });
});
