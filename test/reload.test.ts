// `kill -HUP`: the running service re-reads its configuration file. New rules, chat targets and listener addresses
// take effect without a restart; a broken edit is refused with the key named and the running configuration stays.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from './helpers/chat.js';
import { eventually, startService, type Service } from './helpers/service.js';

const RULE = `title: Traffic-export profile applied (site rule)
id: 4f3c2d1e-0b9a-4c8d-9e7f-6a5b4c3d2e1f
status: experimental
description: A site's own rule, added while the service runs.
tags: [attack.collection, attack.t1040]
logsource: { product: cisco, service: ios }
detection:
  selection:
    command|startswith: 'ip traffic-export apply '
  condition: selection
level: high
capwatch: { kind: span, action: destination }
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function sendTo(port: number, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(`${line}\n`));
    s.once('error', reject);
    s.once('close', () => resolve());
  });
}

const cfglog = (user: string, command: string) => `<189>1: edge3: *Dec  4 10:00:00.001: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:${command}`;

describe('reload on SIGHUP', () => {
  let svc: Service;
  let chat: ChatServer;
  let configFile: string;
  let reloads = 0;
  const hup = async () => {
    reloads++;
    svc.proc.kill('SIGHUP');
    const outcomes = () => svc.logs().split('\n').filter((l) => /"msg":"configuration (reloaded|not reloaded: the running one stays)"/.test(l)).length;
    await eventually(() => outcomes() >= reloads);
  };

  beforeAll(async () => {
    chat = await startChatServer();
    svc = await startService();
    configFile = join(svc.dir, 'capwatch.yaml');
  });
  afterAll(async () => {
    expect(await svc.stop()).toBe(0);
    await chat.close();
  });

  it('picks up new rules, chat targets, the log level and a moved TCP listener, and keeps running', async () => {
    await sendTo(svc.tcp, cfglog('before', 'ip traffic-export apply PROFILE1 size 1000'));
    const rules = join(svc.dir, 'site-rules');
    mkdirSync(rules);
    writeFileSync(join(rules, 'rite.yml'), RULE);
    const port = await freePort();
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    config.detection = { rules: [rules] };
    config.syslog.tcp.port = port;
    config.notify = [{ name: 'soc', type: 'webhook', url: chat.url, secret: 'k' }];
    config.log.level = 'debug';
    writeFileSync(configFile, JSON.stringify(config));
    await hup();
    expect(svc.proc.exitCode).toBeNull();
    const reloaded = JSON.parse(svc.logs().split('\n').find((l) => l.includes('"configuration reloaded"'))!);
    expect(reloaded).toMatchObject({ tcp: { port }, rebound: true });

    // The old port is closed, the new one takes lines, the new rule fires and the new target hears of it.
    await expect(sendTo(svc.tcp, cfglog('x', 'y'))).rejects.toThrow(/ECONNREFUSED/);
    await sendTo(port, cfglog('after', 'ip traffic-export apply PROFILE1 size 1000'));
    const incident = await eventually(async () => (await svc.api('/api/incidents?user=after')).incidents[0]);
    expect(incident.detections[0].title).toBe('Traffic-export profile applied (site rule)');
    expect((await svc.api('/api/incidents?user=before')).incidents).toEqual([]);
    const sent = await eventually(() => chat.received.map((r) => JSON.parse(r.body)).find((b) => b.incident.id === incident.id));
    expect(sent.event).toBe('incident.opened');
    // Debug lines (the API's request log) come through the service's stdout pipe, after the answers they describe.
    await eventually(() => /"level":20,/.test(svc.logs()));
  });

  it('turns RELP on where a reload says, journal and all', async () => {
    const port = await freePort();
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    config.syslog.relp = { enabled: true, port };
    writeFileSync(configFile, JSON.stringify(config));
    await hup();
    const reloaded = JSON.parse(svc.logs().split('\n').filter((l) => l.includes('"configuration reloaded"')).at(-1)!);
    expect(reloaded).toMatchObject({ relp: { port }, rebound: true });
    const line = cfglog('relp', 'ip traffic-export apply PROFILE3 size 1000');
    const answers = await new Promise<string>((resolve, reject) => {
      let got = '';
      const s = connect(port, '127.0.0.1', () => s.write(`1 open 30 relp_version=0\ncommands=syslog\n2 syslog ${Buffer.byteLength(line)} ${line}\n3 close 0\n`));
      s.on('data', (b: Buffer) => (got += b.toString()));
      s.once('error', reject);
      s.once('close', () => resolve(got));
    });
    expect(answers.match(/^\d+ rsp \d+ \d{3}/gm)).toEqual(['1 rsp 66 200', '2 rsp 6 200', '3 rsp 6 200']);
    await eventually(async () => (await svc.api('/api/incidents?user=relp')).incidents.length === 1);
  });

  it('refuses a broken edit naming the key, and keeps working with what ran before', async () => {
    const good = readFileSync(configFile, 'utf8');
    const config = JSON.parse(good);
    config.syslog.tcp.prot = 1;
    writeFileSync(configFile, JSON.stringify(config));
    await hup();
    expect(svc.logs()).toMatch(/"problems":\["syslog\.tcp\.prot: unknown key"\],"msg":"configuration not reloaded: the running one stays"/);
    expect(svc.proc.exitCode).toBeNull();
    const port = JSON.parse(svc.logs().split('\n').find((l) => l.includes('"configuration reloaded"'))!).tcp.port as number;
    await sendTo(port, cfglog('still', 'ip traffic-export apply PROFILE2 size 1000'));
    await eventually(async () => (await svc.api('/api/incidents?user=still')).incidents.length === 1);

    // A change that only a restart can make is named, and the rest applies.
    const later = JSON.parse(good);
    later.storage.path = join(svc.dir, 'elsewhere.db');
    writeFileSync(configFile, JSON.stringify(later));
    await hup();
    expect(svc.logs()).toMatch(/"keys":\["storage"\],"msg":"these settings changed and take effect at the next start"/);
  });
});
