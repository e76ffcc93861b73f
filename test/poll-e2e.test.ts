// The SSH poller in the real service and CLI (built dist), against simulated devices with real show outputs:
// confirm on alert (API and chat), sweeps over HTTP, scheduled sweeps, and `capwatch sweep` on a terminal and off.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatServer } from './helpers/chat.js';
import { inventoryEntry, simDevice } from './helpers/devices.js';
import { CLI, eventually, startService } from './helpers/service.js';
import type { SimDevice } from './helpers/ssh-device.js';
import { requireTool } from './helpers/tools.js';
import { tempDir } from './helpers/tmp.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function device(platform: Parameters<typeof simDevice>[0], o: Parameters<typeof simDevice>[1] = {}): Promise<SimDevice> {
  const d = await simDevice(platform, o);
  cleanups.push(() => d.close());
  return d;
}

/** An inventory file naming the devices, with the password taken from the environment. */
function inventoryFile(dir: string, devices: ReturnType<typeof inventoryEntry>[]): string {
  const f = join(dir, 'inventory.yaml');
  writeFileSync(f, JSON.stringify({ devices: devices.map(({ transport, legacyAlgorithms, ...d }) => ({ ...d, password: '${LAB_PASSWORD}' })) }));
  return f;
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LAB_PASSWORD: 'secret', ...env } }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function sendTcp(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(text, () => resolve()));
    s.on('error', reject);
  });
}

const pollFast = { confirmDelaySeconds: 0.2, connectTimeoutSeconds: 3, commandTimeoutSeconds: 3 };

describe('confirm on alert', () => {
  it('an incident on a device in the inventory gets what the device shows, in the API and as a chat update', async () => {
    const hook = await startChatServer({ status: 200, body: 'ok' });
    cleanups.push(() => hook.close());
    const d = await device('iosxe');
    const svc = await startService({
      config: {
        inventory: { devices: [inventoryEntry(d, 'iosxe', { name: 'iosxe-lab1' })] },
        poll: pollFast,
        notify: [{ name: 'soc', type: 'webhook', url: hook.url, secret: 'k' }],
        notifyDelivery: { batchSeconds: 0.1 },
      },
    });
    cleanups.push(() => svc.stop());
    // Archive logging of the ERSPAN session, sent by the device itself (TCP from its address, no hostname field).
    await sendTcp(svc.tcp, '<189>12: *Nov 22 10:01:00.812 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor session 10 type erspan-source\n');

    const incident = await eventually(async () => {
      const { incidents } = await svc.api('/api/incidents');
      return incidents[0]?.confirmation ? incidents[0] : undefined;
    });
    expect(incident.confirmation).toMatchObject({ status: 'active-found', supported: true });
    expect(incident.confirmation.sessions.find((s: { id: string }) => s.id === '10')).toMatchObject({ active: true, destinationIp: '10.1.1.1' });
    expect(incident.confirmation.captures).toEqual([{ name: 'NTP', active: true, interfaces: ['GigabitEthernet0/0/0'], direction: 'both', file: null }]);

    // The chat target heard of the incident, then of its confirmation.
    const bodies = await eventually(() => {
      const b = hook.received.map((r) => JSON.parse(r.body));
      return b.some((x) => x.incident.confirmation?.status === 'active-found') ? b : undefined;
    });
    expect(bodies[0].event).toBe('incident.opened');
    expect(bodies.at(-1)).toMatchObject({ event: 'incident.updated', incident: { id: incident.id, confirmation: { status: 'active-found' } } });
    expect(d.commands.every((c) => /^(?:show |terminal length 0$|exit$)/.test(c))).toBe(true);

    expect(await svc.api('/metrics')).toMatch(/^capwatch_device_checks_total\{status="active-found"\} 1$/m);

    // Stored with the incident: a restart keeps it.
    const db = new Database(svc.dbPath, { readonly: true });
    cleanups.push(async () => db.close());
    expect(JSON.parse((db.prepare('SELECT confirmation FROM incidents WHERE id = ?').get(incident.id) as { confirmation: string }).confirmation)).toMatchObject({ status: 'active-found' });
  });

  it('a device that cannot be checked is said to be so, with the reason and no password', async () => {
    const d = await device('nxos');
    const svc = await startService({ config: { inventory: { devices: [inventoryEntry(d, 'nxos', { password: 'wrong-Pa55' })] }, poll: pollFast } });
    cleanups.push(() => svc.stop());
    await sendTcp(svc.tcp, '<190>2026 May  2 12:57:15 UTC: %AAA-6-AAA_ACCOUNTING_MESSAGE: update:192.0.2.50@pts/0:eve:configure terminal ; monitor session 2 type erspan-source ; destination ip 198.51.100.7 (SUCCESS)\n');
    const incident = await eventually(async () => (await svc.api('/api/incidents')).incidents[0]?.confirmation);
    expect(incident).toMatchObject({ status: 'unreachable', error: expect.stringMatching(/authentication failed for user "admin"/) });
    expect(svc.logs()).not.toContain('wrong-Pa55');
    expect(svc.logs()).toMatch(/"msg":"incident confirmation"/);
    expect(await svc.api('/metrics')).toMatch(/^capwatch_device_checks_total\{status="unreachable",error="auth"\} 1$/m);
  });
});

describe('sweeps over HTTP', () => {
  it('POST /api/sweeps returns an id; GET shows progress, then every device with what it found', async () => {
    const a = await device('iosxe');
    const b = await device('asa', { delayMs: 150 });
    const svc = await startService({
      config: {
        inventory: { devices: [inventoryEntry(a, 'iosxe', { name: 'core-rtr1', tags: ['core'] }), inventoryEntry(b, 'asa', { name: 'fw1' }), { ...inventoryEntry(a, 'ios', { name: 'gone' }), port: 1 }] },
        poll: pollFast,
      },
    });
    cleanups.push(() => svc.stop());
    const post = (body: unknown) => svc.request('/api/sweeps', { method: 'POST', json: body });

    const res = await post({});
    expect(res.status).toBe(202);
    const { id, total } = (await res.json()) as { id: string; total: number };
    expect(res.headers.get('location')).toBe(`/api/sweeps/${id}`);
    expect(total).toBe(3);
    const done = await eventually(async () => {
      const v = await svc.api(`/api/sweeps/${id}`);
      return v.status === 'done' && v;
    });
    expect(done).toMatchObject({ trigger: 'api', total: 3, done: 3 });
    const byName = Object.fromEntries(done.devices.map((x: { name: string }) => [x.name, x]));
    expect(byName['core-rtr1']).toMatchObject({ reachable: true, status: 'active-found', supported: true, incident: expect.any(String) });
    expect(byName.fw1.captures.map((c: { name: string; active: boolean }) => [c.name, c.active])).toEqual([['capture-1', false], ['capture-2', true]]);
    expect(byName.gone).toMatchObject({ reachable: false, status: 'unreachable', captures: [], sessions: [], error: expect.stringMatching(/ECONNREFUSED/) });

    // The sweep incident is there like any other, its source "sweep" and its confirmation the sweep's check.
    const opened = await svc.api(`/api/incidents/${byName['core-rtr1'].incident}`);
    expect(opened.detections.every((x: { source: string }) => x.source === 'sweep')).toBe(true);
    expect(opened.confirmation.status).toBe('active-found');

    // Only tagged devices; an unknown name is refused, not swept as nothing.
    const tagged = (await (await post({ tags: ['core'] })).json()) as { total: number };
    expect(tagged.total).toBe(1);
    const unknown = await post({ devices: ['core-rtr9'] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: 'no device named "core-rtr9" in the inventory' });
    expect((await post({ concurrency: 0 })).status).toBe(400);
    expect((await svc.api('/api/sweeps')).sweeps.map((s: { id: string }) => s.id)).toContain(id);
    expect((await svc.request('/api/sweeps/nope')).status).toBe(404);
  });

  it('a host key added to known_hosts while the service runs is used by the next sweep', async () => {
    const d = await device('asa');
    const entry = inventoryEntry(d, 'asa');
    delete entry.hostKey;
    const svc = await startService({ config: { inventory: { devices: [entry] }, poll: pollFast } });
    cleanups.push(() => svc.stop());
    const sweep = async () => {
      const { id } = (await (await svc.request('/api/sweeps', { method: 'POST', json: {} })).json()) as { id: string };
      return eventually(async () => {
        const v = await svc.api(`/api/sweeps/${id}`);
        return v.status === 'done' && v.devices[0];
      });
    };
    const refused = await sweep();
    expect(refused).toMatchObject({ reachable: false, status: 'unreachable' });
    expect(refused.error).toContain(d.fingerprint);
    expect(d.logins).toBe(0);

    // What `ssh-keyscan -p PORT 127.0.0.1 >> known_hosts` would add, checked by hand against the fingerprint.
    writeFileSync(join(svc.dir, 'known_hosts'), `[127.0.0.1]:${d.port} ${d.publicKeyLine}\n`);
    expect(await sweep()).toMatchObject({ reachable: true, status: 'active-found' });
  });

  it('without an inventory the sweep API says so; scheduled sweeps run on their interval', async () => {
    const bare = await startService();
    cleanups.push(() => bare.stop());
    const r = await bare.request('/api/sweeps', { method: 'POST', json: {} });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: string }).error).toMatch(/no inventory configured/);

    const d = await device('nxos');
    const svc = await startService({ config: { inventory: { devices: [inventoryEntry(d, 'nxos')] }, poll: { ...pollFast, sweepIntervalMinutes: 0.005 } } });
    cleanups.push(() => svc.stop());
    // Every 0.3 s a sweep starts: the newest may still be running, so the finished ones are looked at.
    const finished = await eventually(async () => {
      const v = await svc.api('/api/sweeps');
      const done = v.sweeps.filter((s: { status: string }) => s.status === 'done');
      return done.length >= 2 && done;
    });
    expect(finished[0]).toMatchObject({ trigger: 'schedule', total: 1, done: 1 });
  });
});

describe('capwatch sweep', () => {
  it('prints a table and exits 1 when a device shows an active capture; the running service alerts on the incident it opened', async () => {
    const hook = await startChatServer({ status: 200, body: 'ok' });
    cleanups.push(() => hook.close());
    const a = await device('iosxe');
    const b = await device('nxos', { outputs: { 'show monitor session all': '' }, exec: false });
    const notify = [{ name: 'soc', type: 'webhook', url: hook.url, secret: 'k' }];
    const svc = await startService({ config: { notify } });
    cleanups.push(() => svc.stop());
    const inv = inventoryFile(svc.dir, [inventoryEntry(a, 'iosxe', { name: 'core-rtr1' }), inventoryEntry(b, 'nxos', { name: 'dc-sw1' })]);
    // The engineer's sweep uses the service's configuration: its database and its chat targets.
    const cfg = join(svc.dir, 'sweep.yaml');
    writeFileSync(cfg, JSON.stringify({ storage: { path: svc.dbPath }, notify }));

    const r = await run(['sweep', '--config', cfg, '--inventory', inv]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^DEVICE\s+ADDRESS\s+PLATFORM\s+STATUS\s+ACTIVE\s+NOTE$/m);
    expect(r.stdout).toMatch(/^core-rtr1\s+127\.0\.0\.1\s+iosxe\s+ACTIVE FOUND\s+capture NTP, session 10 \(erspan-source\), session 20 \(erspan-destination\)\s+incident \S+ opened$/m);
    expect(r.stdout).toMatch(/^dc-sw1\s+127\.0\.0\.1\s+nxos\s+none found\s+-\s*$/m);
    expect(r.stdout).toContain('Swept 2 of 2 devices');
    expect(r.stderr).toBe('');

    // Written to the service's database: the service delivers the alert from the shared outbox.
    const alert = await eventually(() => hook.received.map((x) => JSON.parse(x.body)).find((x) => x.event === 'incident.opened'));
    expect(alert.incident).toMatchObject({ device: 'core-rtr1', confirmation: { status: 'active-found' } });

    // Again, as JSON: the documented shape, and nothing has changed since the last sweep.
    const j = await run(['sweep', '--config', cfg, '--inventory', inv, '--json', '--device', 'core-rtr1']);
    expect(j.status).toBe(1);
    const out = JSON.parse(j.stdout);
    expect(out.devices).toHaveLength(1);
    expect(Object.keys(out.devices[0])).toEqual(expect.arrayContaining(['name', 'address', 'reachable', 'captures', 'sessions']));
    expect(out.devices[0]).toMatchObject({ name: 'core-rtr1', address: '127.0.0.1', reachable: true, changes: [] });
    expect(out.devices[0].captures[0]).toEqual({ name: 'NTP', active: true, interfaces: ['GigabitEthernet0/0/0'], direction: 'both', file: null });
    expect(out.devices[0].sessions[0]).toEqual({ id: '10', type: 'erspan-source', active: true, sources: ['Gi0/0/1'], destinations: [], destinationIp: '10.1.1.1', sourceDirections: { 'Gi0/0/1': 'both' } });
    expect(out.devices[0].incident).toBeUndefined(); // explained by the incident the first sweep opened

    const quiet = await run(['sweep', '--config', cfg, '--inventory', inv, '--tag', 'none-such']);
    expect(quiet.status).toBe(2);
    expect(quiet.stderr).toContain('no device matches the selection');
    const clean = await run(['sweep', '--config', cfg, '--inventory', inv, '-d', 'dc-sw1']);
    expect(clean.status).toBe(0);
  });

  it('exit 3 when a device could not be checked; usage and configuration errors exit 2 naming the problem', async () => {
    const dir = tempDir('capwatch-sweepcli-');
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, JSON.stringify({ storage: { path: join(dir, 'db.sqlite') }, poll: pollFast }));
    const d = await device('asa', { outputs: { 'show capture': '' } });
    const inv = inventoryFile(dir, [inventoryEntry(d, 'asa', { name: 'fw1' }), { ...inventoryEntry(d, 'asa', { name: 'fw2' }), port: 1 }]);
    const r = await run(['sweep', '-c', cfg, '-i', inv]);
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/^fw2\s.*not checked\s+-\s+127\.0\.0\.1:1: ECONNREFUSED$/m);

    expect((await run(['sweep', '-c', cfg])).stderr).toContain('no inventory: give --inventory FILE');
    const unknown = await run(['sweep', '-c', cfg, '-i', inv, '-d', 'fw9']);
    expect([unknown.status, unknown.stderr]).toEqual([2, 'capwatch sweep: no device named "fw9" in the inventory\n']);
    const noEnv = await run(['sweep', '-c', cfg, '-i', inv], { LAB_PASSWORD: '' });
    expect(noEnv.status).toBe(2);
    expect(noEnv.stderr).toContain('devices[0].password: environment variable LAB_PASSWORD is not set');
    expect((await run(['sweep', '-c', cfg, '-i', inv, '-n', 'many'])).status).toBe(2);
  });

  it('shows a progress bar on a terminal', async () => {
    if (!requireTool('script')) return;
    const dir = tempDir('capwatch-sweeptty-');
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, JSON.stringify({ storage: { path: join(dir, 'db.sqlite') } }));
    const devices = await Promise.all([0, 1, 2].map(() => device('nxos', { delayMs: 200 })));
    const inv = inventoryFile(
      dir,
      devices.map((d, i) => inventoryEntry(d, 'nxos', { name: `leaf${i}` })),
    );
    // util-linux script(1) gives the command a pseudo-terminal, as an engineer's shell would.
    const command = `${process.execPath} ${CLI} sweep -c ${cfg} -i ${inv} --concurrency 1`;
    const r = await new Promise<string>((resolve) => {
      execFile('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LAB_PASSWORD: 'secret' } }, (_err, stdout) => resolve(stdout));
    });
    expect(r).toMatch(/sweep \[=+-+\] 1\/3 devices/);
    expect(r).toMatch(/sweep \[=+\] 3\/3 devices/);
    expect(r).toContain('Swept 3 of 3 devices');
  });
});
