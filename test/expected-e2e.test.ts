// Expected work through the real service and CLI: approvals over the API and `capwatch expect`, audited and checked
// field by field; an approved capture that pages no one until it strays; false positives and the filter made from
// one; approved work left running when its approval ends, seen on the device over SSH or in the logs.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startChatServer, type ChatServer } from './helpers/chat.js';
import { inventoryEntry, simDevice } from './helpers/devices.js';
import { CLI, eventually, sha256, startService, TEST_TOKEN, type Service } from './helpers/service.js';
import type { SimDevice } from './helpers/ssh-device.js';

const OPERATOR = 'cw_expected-operator-token-abcdefghijklmnopqrstuvwxyz';
const VIEWER = 'cw_expected-viewer-token-abcdefghijklmnopqrstuvwxyz01';

let seq = 0;
/** An IOS archive-logging line for `user` typing `command` on `host`, stamped now (so approvals made now cover it). */
function cfglog(host: string, user: string, command: string): string {
  seq++;
  return `<189>${seq}: ${host}: ${new Date().toISOString()}: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:${command}`;
}

function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }));
  });
}

describe('expected work, end to end', () => {
  let svc: Service;
  let chat: ChatServer;
  let sim: SimDevice;
  let filters: string;
  let root: string;
  const as = (token: string) => (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const { json, ...rest } = init;
    return fetch(`http://127.0.0.1:${svc.http}${path}`, {
      ...rest,
      headers: { authorization: `Bearer ${token}`, ...(json !== undefined && { 'content-type': 'application/json' }) },
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
  };
  const incidentOf = async (user: string, device: string) => (await svc.api(`/api/incidents?user=${encodeURIComponent(user)}&device=${device}`)).incidents[0];

  beforeAll(async () => {
    chat = await startChatServer();
    // core-rtr1 shows capture NTP active when asked (real IOS-XE output).
    sim = await simDevice('iosxe');
    root = mkdtempSync(join(tmpdir(), 'capwatch-test-'));
    filters = join(root, 'filters');
    mkdirSync(filters);
    svc = await startService({
      dir: root,
      config: {
        http: {
          auth: {
            tokens: [
              { name: 'test-admin', role: 'admin', sha256: sha256(TEST_TOKEN) },
              { name: 'noc-lead', role: 'operator', sha256: sha256(OPERATOR) },
              { name: 'wall', role: 'viewer', sha256: sha256(VIEWER) },
            ],
          },
        },
        notify: [{ name: 'soc-hook', type: 'webhook', url: chat.url, secret: 'k' }],
        notifyDelivery: { batchSeconds: 0 },
        inventory: { devices: [inventoryEntry(sim, 'iosxe', { name: 'core-rtr1' })] },
        poll: { confirmOnAlert: false, connectTimeoutSeconds: 5, commandTimeoutSeconds: 5 },
        detection: { filters: [filters] },
        expected: { expiryGraceMinutes: 0, checkIntervalSeconds: 0.5, approvals: { maxTtlMinutes: 480 } },
        // A command typed again seconds later is a new command here, not a relay's duplicate.
        incidents: { dedupeSeconds: 0 },
      },
    });
    // edge-sw7 is known because it has sent something.
    await svc.sendSyslog([`<190>1: edge-sw7: ${new Date().toISOString()}: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up`], '127.0.0.7');
    await eventually(async () => (await svc.api('/api/devices')).devices.some((d: { name: string }) => d.name === 'edge-sw7'));
  }, 90_000);
  afterAll(async () => {
    await svc?.stop();
    await chat?.close();
    await sim?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the API registers, lists and ends approvals, audited, refusing bad input with the field named and viewers outright', async () => {
    const op = as(OPERATOR);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ devices: ['nowhere-rtr9'], user: 'alice', ticket: 'CHG-1' }, 'devices[0]: no device named "nowhere-rtr9" has been seen or is in the inventory'],
      [{ devices: ['core-rtr1'], user: 'alice', ticket: 'CHG-1', until: '2020-01-01T00:00:00Z' }, 'until: is in the past'],
      [{ devices: ['core-rtr1'], user: 'alice', ticket: 'CHG-1', ttlMinutes: 481 }, 'ttlMinutes: an approval lasts at most 480 minutes (expected.approvals.maxTtlMinutes)'],
      [{ devices: ['core-rtr1'], user: 'alice', ticket: 'CHG-1', pattern: 'monitor capture (' }, 'pattern: not a valid regular expression'],
      [{ devices: ['core-rtr1'], user: 'alice', ticket: 'CHG-1', until: 'tomorrow' }, 'until: not an ISO 8601 time with a zone (got "tomorrow")'],
      [{ devices: ['tag:core'], user: 'alice', ticket: 'CHG-1' }, 'devices[0]: "tag:core": name a device or its address, not a tag or a network'],
    ];
    for (const [body, error] of bad) {
      const res = await op('/api/expected', { method: 'POST', json: body });
      expect(res.status, error).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(error);
    }
    expect((await as(VIEWER)('/api/expected', { method: 'POST', json: { devices: ['core-rtr1'], user: 'alice', ticket: 'CHG-1' } })).status).toBe(403);

    const created = await op('/api/expected', { method: 'POST', json: { devices: ['edge-sw7'], user: 'carol', ticket: 'CHG-77', kind: 'mirror', reason: 'SPAN for the IDS trial', ttlMinutes: 60 } });
    expect(created.status).toBe(201);
    const approval = (await created.json()) as { id: string; expiresAt: string; createdBy: string; state: string };
    expect(approval).toMatchObject({ createdBy: 'noc-lead', state: 'active' });
    expect(Date.parse(approval.expiresAt) - Date.now()).toBeGreaterThan(59 * 60_000);
    expect((await svc.api('/api/expected')).approvals.map((a: { id: string }) => a.id)).toContain(approval.id);
    expect((await op(`/api/expected/${approval.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await svc.api('/api/expected?all=true')).approvals.find((a: { id: string }) => a.id === approval.id)).toMatchObject({ state: 'removed', removedBy: 'noc-lead' });
    expect((await op(`/api/expected/${approval.id}`, { method: 'DELETE' })).status).toBe(404);
    const audit = (await svc.api('/api/audit?actor=noc-lead')).entries.map((e: { action: string; target: string }) => `${e.action} ${e.target === approval.id}`);
    expect(audit).toEqual(['expected.remove true', 'expected.add true']);
  });

  it('capwatch expect adds, lists and removes approvals in the same database, under the login name of whoever ran it', async () => {
    const config = join(svc.dir, 'capwatch.yaml');
    const add = await cli(['expect', 'add', '--config', config, '--device', 'edge-sw7', '--user', 'dave', '--ticket', 'INC-5', '--kind', 'capture', '--ttl', '2h', '--json']);
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    const approval = JSON.parse(add.stdout) as { id: string; expiresAt: string; createdBy: string };
    expect(Date.parse(approval.expiresAt) - Date.now()).toBeGreaterThan(119 * 60_000);
    expect((await svc.api('/api/expected')).approvals.map((a: { id: string }) => a.id)).toContain(approval.id);
    const list = await cli(['expect', 'list', '--config', config]);
    expect(list.stdout).toMatch(new RegExp(`^${approval.id.slice(0, 8)}\\s+active\\s+dave\\s+edge-sw7\\s+capture\\s+INC-5`, 'm'));
    const tooLong = await cli(['expect', 'add', '--config', config, '--device', 'edge-sw7', '--user', 'dave', '--ticket', 'INC-5', '--ttl', '9h']);
    expect(tooLong).toMatchObject({ status: 2, stderr: expect.stringContaining('ttlMinutes: an approval lasts at most 480 minutes') });
    const removed = await cli(['expect', 'remove', '--config', config, approval.id.slice(0, 8)]);
    expect(removed).toMatchObject({ status: 0, stdout: `approval ${approval.id} ended\n` });
    const entries = (await svc.api(`/api/audit?action=expected.remove`)).entries;
    expect(entries[0]).toMatchObject({ target: approval.id, method: 'cli', actor: expect.any(String) });
  });

  it('an approved capture is stored as expected work and pages no one; one step outside it turns the incident into an alert that says why', async () => {
    const op = as(OPERATOR);
    expect((await op('/api/expected', { method: 'POST', json: { devices: ['edge-sw7'], user: 'erin', ticket: 'CHG-88', kind: 'capture', name: 'VOIP', reason: 'one-way audio' } })).status).toBe(201);
    const before = chat.received.length;
    await svc.sendSyslog([cfglog('edge-sw7', 'erin', 'monitor capture VOIP interface Gi0/1 both'), cfglog('edge-sw7', 'erin', 'monitor capture VOIP start')], '127.0.0.7');
    const quiet = await eventually(async () => {
      const i = await incidentOf('erin', 'edge-sw7');
      return i?.detections.length === 2 && i;
    });
    expect(quiet.status).toBe('expected');
    expect(quiet.detections[1].expected).toMatchObject({ by: 'approval', reason: 'approved by noc-lead (CHG-88): one-way audio' });
    await new Promise((r) => setTimeout(r, 500));
    expect(chat.received.length).toBe(before);

    await svc.sendSyslog([cfglog('edge-sw7', 'erin', 'monitor capture VOIP export tftp://203.0.113.9/voip.pcap')], '127.0.0.7');
    const loud = await eventually(async () => {
      const i = await incidentOf('erin', 'edge-sw7');
      return i?.status === 'open' && i;
    });
    expect(loud.reopenedBecause).toBe('approved capture VOIP on edge-sw7 for erin, but exported to tftp://203.0.113.9/voip.pcap');
    const sent = await eventually(() => chat.received.slice(before).map((r) => JSON.parse(r.body)).find((b) => b.incident.id === loud.id));
    expect(sent.event).toBe('incident.opened');
    expect(sent.incident.reopenedBecause).toBe(loud.reopenedBecause);
  });

  it('a false positive needs a reason, closes quietly, suggests a filter an admin can add, and what the filter covers is expected from then on', async () => {
    await svc.sendSyslog([cfglog('edge-sw7', 'frank', 'monitor session 4 source interface Gi0/4 both'), cfglog('edge-sw7', 'frank', 'monitor session 4 destination interface Gi0/5')], '127.0.0.7');
    const incident = await eventually(async () => {
      const i = await incidentOf('frank', 'edge-sw7');
      return i?.detections.length === 2 && i;
    });
    expect(incident.status).toBe('open');
    const op = as(OPERATOR);
    const noReason = await op(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { status: 'false-positive' } });
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toEqual({ error: 'comment: required when closing as a false positive (say why)' });
    const closed = await op(`/api/incidents/${incident.id}`, { method: 'PATCH', json: { status: 'false-positive', comment: 'the IDS team SPAN, see CHG-4' } });
    expect(((await closed.json()) as { status: string }).status).toBe('false-positive');
    const { yaml } = (await (await op(`/api/incidents/${incident.id}/filter`)).json()) as { yaml: string };
    expect(yaml).toMatch(/condition: not selection/);
    expect(yaml).toContain('monitor session 4 destination interface GigabitEthernet0/5');
    expect((await op('/api/filters', { method: 'POST', json: { yaml } })).status).toBe(403);
    const added = await svc.request('/api/filters', { method: 'POST', json: { yaml } });
    expect(added.status).toBe(201);
    expect(readdirSync(filters)).toHaveLength(1);
    const broken = await svc.request('/api/filters', { method: 'POST', json: { yaml: 'title: x\nfilter:\n  rules: [nope]\n  selection: {user: a}\n  condition: not selection\n' } });
    expect(((await broken.json()) as { error: string }).error).toBe('yaml: filter.rules: no loaded rule has the id or title "nope"');

    // Within the incident's window, new activity the filter does not cover opens it again.
    await svc.sendSyslog([cfglog('edge-sw7', 'frank', 'monitor capture SNIFF interface Gi0/9 both')], '127.0.0.7');
    const reopened = await eventually(async () => {
      const i = await svc.api(`/api/incidents/${incident.id}`);
      return i.status === 'open' && i;
    });
    expect(reopened.detections[2].expected).toBeUndefined();
    expect(reopened.detections[1].expected).toBeUndefined();
    // The same SPAN again is what the filter sets apart.
    await svc.sendSyslog([cfglog('edge-sw7', 'frank', 'monitor session 4 destination interface Gi0/5')], '127.0.0.7');
    const again = await eventually(async () => {
      const i = await svc.api(`/api/incidents/${incident.id}`);
      return i.detections.length === 4 && i;
    });
    expect(again.detections[3].expected).toMatchObject({ by: 'filter' });
  });

  it('when an approval ends with its capture still running, the device shows it over SSH and the alert says so', async () => {
    const op = as(OPERATOR);
    const created = await op('/api/expected', { method: 'POST', json: { devices: ['core-rtr1'], user: 'grace', ticket: 'CHG-NTP', kind: 'capture', name: 'NTP', ttlMinutes: 0.05 } });
    expect(created.status).toBe(201);
    await svc.sendSyslog([cfglog('core-rtr1', 'grace', 'monitor capture NTP interface Gi0/0/0 both'), cfglog('core-rtr1', 'grace', 'monitor capture NTP start')], '127.0.0.8');
    const expected = await eventually(async () => {
      const i = await incidentOf('grace', 'core-rtr1');
      return i?.detections.length === 2 && i;
    });
    expect(expected.status).toBe('expected');
    // Three seconds after it was registered the approval ends; the next look logs into core-rtr1.
    const alert = await eventually(async () => {
      const i = await svc.api(`/api/incidents/${expected.id}`);
      return i.status === 'open' && i;
    }, 15_000);
    const last = alert.detections[alert.detections.length - 1];
    expect(last).toMatchObject({ source: 'expiry', severity: 'high', facts: { capture: 'NTP' } });
    expect(last.why).toMatch(/^capture NTP \(capture NTP approved until .* UTC \(CHG-NTP\)\) is still running at .* UTC; core-rtr1 shows it active$/);
    expect(alert.reopenedBecause).toBe(last.why);
  });

  it('without a way into the device, the logs decide, and the alert says that is all it knows', async () => {
    const op = as(OPERATOR);
    expect((await op('/api/expected', { method: 'POST', json: { devices: ['edge-sw7'], user: 'heidi', ticket: 'CHG-LOG', name: 'LAB', ttlMinutes: 0.05 } })).status).toBe(201);
    await svc.sendSyslog([cfglog('edge-sw7', 'heidi', 'monitor capture LAB interface Gi0/2 both'), cfglog('edge-sw7', 'heidi', 'monitor capture LAB start')], '127.0.0.7');
    const alert = await eventually(async () => {
      const i = await incidentOf('heidi', 'edge-sw7');
      return i?.status === 'open' && i;
    }, 15_000);
    expect(alert.detections[alert.detections.length - 1].why).toMatch(/^capture LAB \(.*\) is still running at .*; as far as the logs tell: capwatch cannot log into edge-sw7 to check$/);
  });
});

describe('replay answers "would this have alerted?"', () => {
  it('prints each hit as expected or not, with the window and filter of the configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capwatch-replay-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const filterDir = join(dir, 'f');
    mkdirSync(filterDir);
    writeFileSync(join(filterDir, 'lab.yml'), 'title: Lab range\nfilter:\n  selection:\n    device|startswith: lab-\n  condition: not selection\n');
    const config = join(dir, 'replay.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        storage: { path: join(dir, 'capwatch.db') },
        detection: { filters: [filterDir] },
        expected: { windows: [{ name: 'sat-maint', devices: ['core-rtr2'], from: '2026-03-07T01:00:00Z', until: '2026-03-07T05:00:00Z' }] },
      }),
    );
    const log = join(dir, 'old.log');
    writeFileSync(
      log,
      [
        '<189>1: core-rtr2: 2026-03-07T02:00:00.000Z: %PARSER-5-CFGLOG_LOGGEDCMD: User:ivan  logged command:monitor capture C1 interface Gi0/1 both',
        '<189>2: core-rtr2: 2026-03-07T06:00:00.000Z: %PARSER-5-CFGLOG_LOGGEDCMD: User:ivan  logged command:monitor capture C1 start',
        '<189>3: lab-sw3: 2026-03-07T06:00:00.000Z: %PARSER-5-CFGLOG_LOGGEDCMD: User:ivan  logged command:monitor capture C2 start',
      ].join('\n'),
    );
    const out = await cli(['replay', '--json', '--config', config, log]);
    const hits = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { device: string; command: string; expected?: { by: string; name: string } });
    expect(hits.map((h) => [h.device, h.command, h.expected?.by ?? 'ALERT', h.expected?.name ?? ''])).toEqual([
      ['core-rtr2', 'monitor capture C1 interface GigabitEthernet0/1 both', 'window', 'sat-maint'],
      ['core-rtr2', 'monitor capture C1 start', 'ALERT', ''],
      ['lab-sw3', 'monitor capture C2 start', 'filter', 'Lab range'],
    ]);
    expect(out.stderr).toMatch(/3 detections .*, 2 of them expected work/);
  });
});
