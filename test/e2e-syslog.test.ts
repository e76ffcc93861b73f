// End to end: real `capwatch serve`, real senders (util-linux logger, syslog-ng loggen), real SQLite file.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startService, type Service } from './helpers/service.js';
import { requireTool } from './helpers/tools.js';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/logs/ios-erspan-exfil-reconstruction.log');
const hasLogger = requireTool('logger');
const hasLoggen = requireTool('loggen');

/** The CFGLOG / CONFIG_I message bodies of the fixture, without the device header (logger adds its own). */
function fixtureBodies(): string[] {
  return readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((l) => l.includes('%PARSER-5-CFGLOG') || l.includes('%SYS-5-CONFIG_I'))
    .map((l) => l.slice(l.indexOf('%')));
}

async function incidentsOf(svc: Service, device?: string) {
  const q = device ? `?device=${encodeURIComponent(device)}` : '';
  return (await svc.api<{ incidents: any[] }>(`/api/incidents${q}`)).incidents;
}

function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

describe('syslog end to end', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService({ config: { syslog: { tcp: { idleTimeoutSeconds: 1 } } } });
  });
  afterAll(async () => {
    expect(await svc.stop()).toBe(0);
  });

  it.runIf(hasLogger)('logger --udp --rfc3164: an ERSPAN session built line by line becomes one critical incident, in the API and the SQLite file', async () => {
    const file = join(svc.dir, 'erspan.txt');
    writeFileSync(file, `${fixtureBodies().join('\n')}\n`);
    execFileSync('logger', ['--udp', '--server', '127.0.0.1', '--port', String(svc.udp), '--rfc3164', '-t', 'R1', '-f', file]);

    const [incident] = await eventually(async () => {
      const list = await incidentsOf(svc);
      return list.length > 0 && list.some((i) => i.detections.some((d: any) => d.facts.destinationIp)) && list;
    });
    expect(incident.user).toBe('eve');
    expect(incident.severity).toBe('critical');
    const erspan = incident.detections.find((d: any) => d.facts.destinationIp === '198.51.100.7');
    expect(erspan).toMatchObject({ kind: 'erspan', command: 'ip address 198.51.100.7', context: ['monitor session 1 type erspan-source', 'destination'], source: 'syslog' });

    const db = new Database(svc.dbPath, { readonly: true });
    try {
      const row = db.prepare('SELECT severity, user FROM incidents WHERE id = ?').get(incident.id) as any;
      expect(row).toEqual({ severity: 'critical', user: 'eve' });
      const cmds = db.prepare('SELECT command FROM detections WHERE incident_id = ?').all(incident.id).map((r: any) => r.command);
      expect(cmds).toContain('monitor session 1 type erspan-source');
    } finally {
      db.close();
    }
  });

  it.runIf(hasLogger)('logger --tcp --octet-count --rfc5424: an NX-OS accounting record with the mode path opens an incident', async () => {
    const body = '%AAA-6-AAA_ACCOUNTING_MESSAGE: update:192.0.2.51@pts/0:mallory:configure terminal ; monitor session 2 type erspan-source ; destination ip 203.0.113.9 (SUCCESS)';
    execFileSync('logger', ['--tcp', '--octet-count', '--rfc5424', '--server', '127.0.0.1', '--port', String(svc.tcp), '-t', 'nx1', body]);
    const incident = await eventually(async () => (await incidentsOf(svc)).find((i) => i.user === 'mallory'));
    expect(incident.severity).toBe('critical');
    expect(incident.detections[0]).toMatchObject({ facts: expect.objectContaining({ destinationIp: '203.0.113.9' }), context: ['monitor session 2 type erspan-source'] });
  });

  it.runIf(hasLoggen)('loggen -R -d replays a device log file over TCP; chatter makes no incident, the capture does', async () => {
    const file = join(svc.dir, 'loggen.log');
    const lines = [
      '<189>2024-10-11T10:15:31.208321-05:00 TestDevice %LINEPROTO-5-UPDOWN: Line protocol on Interface TenGigabitEthernet1/0/1, changed state to up',
      '<190>Oct 7 08:16:04 irgendwo12-mgmt LC/0/0/CPU0:Oct 7 08:16:04.041 UTC: nfsvr[244]: %MGBL-NETFLOW-6-INFO_CACHE_SIZE_EXCEEDED : Cache size of 10000 for monitor FM has been exceeded',
      '<189>: 2023 May  2 12:57:15 UTC: %AAA-6-AAA_ACCOUNTING_MESSAGE: update:192.0.2.52@pts/1:trent:ethanalyzer local interface inband capture-filter "tcp port 49" write bootflash:tac.pcap (SUCCESS)',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    execFileSync('loggen', ['-i', '-S', '-R', file, '-d', '-Q', '-I', '1', '127.0.0.1', String(svc.tcp)], { stdio: 'ignore' });
    const incident = await eventually(async () => (await incidentsOf(svc)).find((i) => i.user === 'trent'));
    expect(incident.detections[0].kind).toBe('capture');
    expect(incident.detections[0].tradecraft.length).toBeGreaterThan(0);
    expect((await incidentsOf(svc, 'TestDevice')).length).toBe(0);
  });

  it('hostile input is counted, the process stays up, and good lines sent afterwards still produce incidents', async () => {
    const junk = createSocket('udp4');
    for (let i = 0; i < 10_000; i++) {
      const b = Buffer.alloc(1 + (i % 300));
      for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7) & 0xff;
      junk.send(b, svc.udp, '127.0.0.1');
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    // A datagram that looks interesting but is binary garbage after the tag.
    junk.send(Buffer.from([...Buffer.from('%PARSER-5-CFGLOG_LOGGEDCMD: '), 0xff, 0xfe, 0x00, 0xc3]), svc.udp, '127.0.0.1');

    const send = (data: Buffer | string, end = true) =>
      new Promise<void>((res) => {
        const s = connect(svc.tcp, '127.0.0.1', () => {
          s.write(data);
          if (end) s.end();
          else setTimeout(() => s.destroy(), 1500); // never finishes its frame: the idle timeout cuts it
        });
        s.on('close', () => res());
        s.on('error', () => res());
      });
    await send(`${'A'.repeat(1024 * 1024)}\n`); // 1 MiB line
    await send('99999 <13>1 - - - - - - truncated frame'); // lying octet count, connection closes early
    await send('12 <13>short'); // truncated octet count
    await send(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0xfd, 0x0a])); // invalid UTF-8
    await send('<13>no newline and never finished', false);

    const good = '<189>1: 000001: Mar  3 10:00:01.101 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:victor  logged command:monitor session 5 source interface GigabitEthernet1/0/5 both\n';
    const good2 = '<189>2: 000002: Mar  3 10:00:02.101 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:victor  logged command:monitor session 5 destination interface GigabitEthernet1/0/24\n';
    await send(good + good2);
    junk.close();

    const incident = await eventually(async () => (await incidentsOf(svc)).find((i) => i.user === 'victor'));
    expect(incident.detections.map((d: any) => d.kind)).toContain('span');
    expect(svc.proc.exitCode).toBeNull();

    const metrics = await eventually(async () => {
      const m = await svc.api<string>('/metrics');
      return metricValue(m, 'capwatch_messages_dropped_total', { reason: 'oversize' }) >= 1 && m;
    });
    expect(metricValue(metrics, 'capwatch_messages_received_total', { source: 'syslog', transport: 'udp' })).toBeGreaterThanOrEqual(9_000);
    expect(metricValue(metrics, 'capwatch_messages_received_total', { source: 'syslog', transport: 'tcp' })).toBeGreaterThan(0);
    expect(metrics).toMatch(/capwatch_parse_errors_total/);
    expect(metrics).toMatch(/^capwatch_udp_kernel_drops_total \d+$/m);
    expect(metrics).toMatch(/^capwatch_build_info\{version="\d+\.\d+\.\d+",node="\d+\.\d+\.\d+"\} 1$/m);
    expect(metrics).toMatch(/^capwatch_detections_total\{rule="[0-9a-f-]{36}",title="Mirror session source added",severity="medium"\} \d+$/m);
    expect(metricValue(metrics, 'capwatch_detections_total')).toBeGreaterThan(0);
  });

  it.runIf(hasLogger)('logger relaying a device line that keeps its own <PRI> is unwrapped and detected; every line is parsed or counted as set aside', async () => {
    // As the README once showed it: the device's `<189>…` inside logger's own header.
    execFileSync('logger', ['--udp', '--server', '127.0.0.1', '--port', String(svc.udp), '-t', 'relay', '<189>123: *Mar  1 00:10:00.123: %PARSER-5-CFGLOG_LOGGEDCMD: User:walter  logged command:monitor capture RELAYED start']);
    execFileSync('logger', ['--tcp', '--octet-count', '--rfc5424', '--server', '127.0.0.1', '--port', String(svc.tcp), '-t', 'relay', '<189>May 30 15:09:59 core-rtr5 %PARSER-5-CFGLOG_LOGGEDCMD: User:walter  logged command:monitor capture NESTED start']);
    const relayed = await eventually(async () => (await incidentsOf(svc)).filter((i) => i.user === 'walter').length === 2 && (await incidentsOf(svc)).filter((i) => i.user === 'walter'));
    expect(relayed.map((i: any) => i.detections[0].command).sort()).toEqual(['monitor capture NESTED start', 'monitor capture RELAYED start']);
    expect(relayed.find((i: any) => i.detections[0].command.includes('NESTED')).device).toBe('core-rtr5');

    // A command tag the header parser cannot place is a parse error with a sample in the log, not silence.
    execFileSync('logger', ['--udp', '--server', '127.0.0.1', '--port', String(svc.udp), '-t', 'relay', 'junk <not-a-pri> 123: %PARSER-5-CFGLOG_LOGGEDCMD: User:x  logged command:y']);
    await eventually(() => svc.logs().includes('a command tag is in the line but not where a syslog header ends'));
    // …and the devices view names the sender that sends what capwatch cannot read.
    const sender = await eventually(async () => (await svc.api<{ devices: any[] }>('/api/devices')).devices.find((d) => d.address === '127.0.0.1' && d.parseErrors >= 1));
    // (Earlier malformed lines from this same address may be the last one counted within the second.)
    expect(sender.lastParseError).toMatch(/syslog header|CFGLOG body/);
    expect(Date.parse(sender.lastParseErrorAt)).toBeGreaterThan(Date.now() - 60_000);
    const m = await svc.api<string>('/metrics');
    const received = metricValue(m, 'capwatch_messages_received_total', { source: 'syslog' });
    expect(metricValue(m, 'capwatch_messages_prefiltered_total') + metricValue(m, 'capwatch_messages_parsed_total')).toBe(received);
  });

  it.runIf(hasLogger)('a cloud audit record forwarded as syslog (logger --rfc5424 over TCP) or as a bare JSON line opens an incident for the account', async () => {
    const cloud = resolve(import.meta.dirname, '../fixtures/cloud');
    // A real CloudTrail record (Elastic's test data, fixtures/cloud/SOURCES.md) as the MSG of logger's own header, as
    // rsyslog's or Fluent Bit's syslog output sends one.
    const session = readFileSync(join(cloud, 'aws-elastic-traffic-mirroring.jsonl'), 'utf8').trim().split('\n')[3]!;
    execFileSync('logger', ['--tcp', '--octet-count', '--rfc5424', '--size', '65536', '--server', '127.0.0.1', '--port', String(svc.tcp), '-t', 'cloudtrail', session]);
    const aws = await eventually(async () => (await incidentsOf(svc)).find((i) => JSON.stringify(i.device).includes('aws:000000000')));
    expect(aws).toMatchObject({ user: 'arn:aws:iam::000000000:user/test@elastic.co', platform: 'aws' });
    expect(aws.detections[0]).toMatchObject({ kind: 'mirror', source: 'syslog', command: 'CreateTrafficMirrorSession', facts: expect.objectContaining({ session: 'tms-089e55493216df002' }) });

    // A Cloud Logging LogEntry as one newline-framed JSON line over TCP, with no syslog header at all.
    const entry = readFileSync(join(cloud, 'gcp-packet-mirroring-synthesised.jsonl'), 'utf8').split('\n')[3]!;
    await new Promise<void>((res) => {
      const s = connect(svc.tcp, '127.0.0.1', () => s.end(`${entry}\n`));
      s.on('close', () => res());
    });
    const gcp = await eventually(async () => (await incidentsOf(svc)).find((i) => JSON.stringify(i.device).includes('gcp:qwiklabs-gcp-02-05e37a194649')));
    expect(gcp.detections[0]).toMatchObject({ kind: 'mirror', source: 'syslog', severity: 'critical' });
  });

  it('GET /api/incidents filters by device, minimum severity and time', async () => {
    const all = await incidentsOf(svc);
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((i) => i.lastSeen)).toEqual([...all.map((i) => i.lastSeen)].sort().reverse());
    const critical = (await svc.api<{ incidents: any[] }>('/api/incidents?severity=critical')).incidents;
    expect(critical.length).toBeGreaterThan(0);
    expect(critical.every((i) => i.severity === 'critical')).toBe(true);
    const future = (await svc.api<{ incidents: any[] }>(`/api/incidents?since=${new Date(Date.now() + 3600_000).toISOString()}`)).incidents;
    expect(future).toEqual([]);
    await expect(svc.api('/api/incidents?severity=loud')).rejects.toThrow(/400/);
    expect(await svc.api('/healthz')).toMatchObject({ status: 'ok' });
  });
});

describe('restart', () => {
  it('incidents survive a restart of the service on the same SQLite file', async () => {
    const first = await startService();
    const line = '<189>9: 000009: Mar  3 10:00:01.101 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:wendy  logged command:monitor session 7 destination remote vlan 900\n';
    await new Promise<void>((res) => {
      const s = connect(first.tcp, '127.0.0.1', () => s.end(line));
      s.on('close', () => res());
    });
    const before = await eventually(async () => (await incidentsOf(first)).find((i) => i.user === 'wendy'));
    expect(await first.stop()).toBe(0);

    const second = await startService({ dir: first.dir });
    try {
      const after = (await incidentsOf(second)).find((i) => i.id === before.id);
      expect(after).toMatchObject({ user: 'wendy', severity: before.severity });
      expect(after.detections[0].command).toBe('monitor session 7 destination remote vlan 900');
    } finally {
      await second.stop();
    }
  });
});
