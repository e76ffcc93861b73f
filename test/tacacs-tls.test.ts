// TACACS+ over TLS 1.3 (RFC 9887): client certificates required, no obfuscation, the UNENCRYPTED flag on every packet.
// No third-party TACACS+-over-TLS client exists in Debian: node:tls carries packets built from scapy's golden request.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { Metrics } from '../src/metrics.js';
import type { Listener } from '../src/sources/types.js';
import { ClientTable } from '../src/sources/tacacs/clients.js';
import { AccountingJournal } from '../src/sources/tacacs/journal.js';
import { startTacacs } from '../src/sources/tacacs/server.js';
import type { Detection } from '../src/types.js';
import { requireTool } from './helpers/tools.js';
import { tempDir } from './helpers/tmp.js';

const hasOpenssl = requireTool('openssl');

/** scapy's START record (fixtures/tacacs/golden-vectors.txt), de-obfuscated: over TLS the body travels as is. */
function plainStart(sessionId: number, flags: number): Buffer {
  const line = readFileSync(resolve(import.meta.dirname, '../fixtures/tacacs/golden-vectors.txt'), 'utf8').split('\n').find((l) => l.startsWith('scapy-start-request.plain '))!;
  const body = Buffer.from(line.split(' ')[1]!, 'hex');
  const h = Buffer.from([0xc0, 0x03, 0x01, flags, 0, 0, 0, 0, 0, 0, 0, 0]);
  h.writeUInt32BE(sessionId, 4);
  h.writeUInt32BE(body.length, 8);
  return Buffer.concat([h, body]);
}

describe.runIf(hasOpenssl)('TACACS+ over TLS 1.3 (RFC 9887)', () => {
  const dir = tempDir('capwatch-tacacs-tls-');
  const pem = (name: string) => readFileSync(join(dir, name));
  const metrics = new Metrics();
  const detections: Detection[] = [];
  let journal: AccountingJournal;
  let server: Listener;

  beforeAll(async () => {
    for (const who of ['server', 'device']) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who === 'server' ? 'localhost' : 'nas1'}`, '-days', '1', '-keyout', join(dir, `${who}-key.pem`), '-out', join(dir, `${who}.pem`)], { stdio: 'ignore' });
    }
    journal = new AccountingJournal(join(dir, 'capwatch.db'));
    const log = pino({ level: 'silent' });
    const { ingest } = buildDetection(buildConfig({}), metrics, log, (d) => detections.push(...d));
    server = await startTacacs(
      {
        host: '127.0.0.1',
        port: 0,
        clients: new ClientTable([{ network: '127.0.0.1', key: 'unused-over-tls' }]),
        maxConnectionsPerClient: 8,
        maxConnections: 100,
        idleTimeoutMs: 5000,
        // The device's self-signed certificate is its own CA here.
        tls: { cert: pem('server.pem'), key: pem('server-key.pem'), ca: pem('device.pem') },
      },
      { metrics, log, journal, sink: ingest },
    );
  });
  afterAll(async () => {
    await server.close();
    journal.close();
  });

  function session(packet: Buffer, withCert = true): Promise<{ replies: Buffer[]; closed: boolean; handshake: boolean }> {
    return new Promise((res) => {
      const out = { replies: [] as Buffer[], closed: false, handshake: false };
      let buf = Buffer.alloc(0);
      const s: TLSSocket = connect({
        host: '127.0.0.1',
        port: server.address.port,
        servername: 'localhost',
        ca: pem('server.pem'),
        ...(withCert && { cert: pem('device.pem'), key: pem('device-key.pem') }),
      });
      s.on('secureConnect', () => {
        out.handshake = true;
        s.write(packet);
      });
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        while (buf.length >= 12 && buf.length >= 12 + buf.readUInt32BE(8)) {
          const n = 12 + buf.readUInt32BE(8);
          out.replies.push(buf.subarray(0, n));
          buf = buf.subarray(n);
        }
      });
      s.on('error', () => {});
      s.on('close', () => res({ ...out, closed: true }));
      setTimeout(() => {
        s.destroy();
        res(out);
      }, 3000).unref();
    });
  }

  it('answers a record with the UNENCRYPTED flag: SUCCESS in the clear, the flag set, and the command detected', async () => {
    const r = await session(plainStart(0x5151, 0x01));
    const reply = r.replies[0]!;
    expect(reply.subarray(0, 8).toString('hex')).toBe('c003020100005151');
    expect(reply.subarray(12).toString('hex')).toBe('0000000001');
    expect(detections.find((d) => d.event.source === 'tacacs')?.event.command).toBe('monitor capture CAP start');
  });

  it('a packet without the UNENCRYPTED flag gets ERROR (flag set) and the connection closes', async () => {
    const r = await session(plainStart(0x5252, 0x00));
    expect(r.closed).toBe(true);
    const reply = r.replies[0]!;
    expect(reply[3]! & 0x01).toBe(1);
    expect(reply[12 + 4]).toBe(0x02);
  });

  it('a device without a client certificate is refused at the handshake', async () => {
    const r = await session(plainStart(0x5353, 0x01), false);
    expect(r.replies).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('capwatch_messages_dropped_total')).toMatch(/reason="tls-handshake"\} [1-9]/);
  });
});
