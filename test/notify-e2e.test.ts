// The real service (built dist) delivering alerts: a kill -9 with the target down loses nothing, the API shows
// deliveries and resolves incidents, and `capwatch notify test` reports per target without leaking URLs.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, startChatServer, type ChatServer } from './helpers/chat.js';
import { CLI, eventually, startService, type Service } from './helpers/service.js';

const LINE = '<189>12: *Nov 22 10:01:00.812 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor session 1 destination interface Gi1/0/2\n';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function sendTcp(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(text, () => resolve()));
    s.on('error', reject);
  });
}

/** Runs the CLI without blocking this process (the stand-in services answer from it). */
function run(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

function config(url: string) {
  return {
    http: { publicUrl: 'https://capwatch.example' },
    notify: [{ name: 'soc-hook', type: 'webhook', url, secret: 'hmac-key' }],
    notifyDelivery: { retryBaseMs: 100, maxRetryDelaySeconds: 0.3, timeoutSeconds: 2, batchSeconds: 0.2 },
  };
}

describe('notifications from the running service', () => {
  it('survives kill -9 with the target down: the queued alert arrives after restart', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/hooks/T000/B000/SECRETTOKEN`;
    let svc: Service = await startService({ config: config(url) });
    cleanups.push(() => svc.stop());
    await sendTcp(svc.tcp, LINE);
    const { incidents } = await eventually(async () => {
      const r = await svc.api<{ incidents: Array<{ id: string }> }>('/api/incidents');
      return r.incidents.length ? r : undefined;
    });
    const id = incidents[0]!.id;
    // queued and already failing against the closed port
    const pending = await eventually(async () => {
      const inc = await svc.api(`/api/incidents/${id}`);
      return inc.deliveries?.[0]?.attempts >= 1 && inc.deliveries[0];
    });
    expect(pending).toMatchObject({ target: 'soc-hook', status: 'pending', lastError: 'ECONNREFUSED' });
    svc.proc.kill('SIGKILL');
    await new Promise((r) => svc.proc.once('exit', r));

    const target: ChatServer = await startChatServer({ status: 204 }, port);
    cleanups.push(() => target.close());
    svc = await startService({ dir: svc.dir, config: config(url) });
    const got = await eventually(() => target.received.find((r) => JSON.parse(r.body).incident.id === id), 15_000);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({ event: 'incident.opened', incident: { user: 'eve', url: `https://capwatch.example/api/incidents/${id}` } });
    expect(body.incident.detections[0].command).toBe('monitor session 1 destination interface GigabitEthernet1/0/2');
    const inc = await eventually(async () => {
      const r = await svc.api(`/api/incidents/${id}`);
      return r.deliveries[0].status === 'delivered' && r;
    });
    expect(inc.deliveries[0].deliveredAt).toEqual(expect.any(String));

    // resolving through the API tells the target
    const res = await svc.request(`/api/incidents/${id}`, { method: 'PATCH', json: { status: 'resolved' } });
    expect(res.status).toBe(200);
    await eventually(() => target.received.some((r) => JSON.parse(r.body).event === 'incident.resolved'));
    expect(svc.logs()).not.toContain('SECRETTOKEN');
  }, 60_000);

  it('capwatch notify test reports each target and exits 1 when one fails, never printing a URL in full', async () => {
    const ok = await startChatServer({ status: 200, body: 'ok' });
    cleanups.push(() => ok.close());
    const down = await closedPort();
    const file = `${(await import('node:os')).tmpdir()}/capwatch-notify-test-${process.pid}.yaml`;
    cleanups.push(async () => rmSync(file, { force: true }));
    writeFileSync(
      file,
      JSON.stringify({
        notify: [
          { name: 'chat', type: 'slack', url: ok.url },
          { name: 'gone', type: 'discord', url: `http://127.0.0.1:${down}/api/webhooks/1/SECRETTOKEN` },
        ],
      }),
    );
    const r = await run(['notify', 'test', '--config', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^chat \(slack, http:\/\/127\.0\.0\.1:\d+\/…#[0-9a-f]{8}\): ok, HTTP 200$/m);
    // The network's own words, so a person can tell a refused port from a bad certificate or a wrong name.
    expect(r.stdout).toMatch(new RegExp(`^gone \\(discord, .*\\): FAILED, ECONNREFUSED \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${down}\\)$`, 'm'));
    expect(r.stdout + r.stderr).not.toContain('SECRETTOKEN');
    expect(JSON.parse(ok.received[0]!.body).text).toContain('capwatch-test-router');
    const only = await run(['notify', 'test', '--target', 'chat', '--config', file]);
    expect(only.status).toBe(0);
    expect(only.stdout.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});

describe('a spoofed flood with a chat target', () => {
  it('2,000 incidents from never-seen hostnames become digests; a real device in the inventory is alerted ahead of them', async () => {
    const hook = await startChatServer({ status: 204 });
    cleanups.push(() => hook.close());
    const svc = await startService({
      config: {
        http: { publicUrl: 'https://capwatch.example' },
        // Slack's pace: the flood would queue for half an hour one by one.
        notify: [{ name: 'soc-hook', type: 'webhook', url: hook.url, secret: 'hmac-key', ratePerSecond: 1 }],
        notifyDelivery: { stormThreshold: 20, stormWindowSeconds: 60, digestSeconds: 3 },
        inventory: { devices: [{ name: 'real-rtr1', address: '127.0.0.67', platform: 'iosxe', username: 'admin', password: 'unused' }] },
        poll: { confirmOnAlert: false },
      },
    });
    cleanups.push(() => svc.stop());
    const flood = Array.from({ length: 2000 }, (_, i) => `<189>${i}: spoof-${i}: *Dec  4 10:00:00.001: %PARSER-5-CFGLOG_LOGGEDCMD: User:ghost${i}  logged command:monitor capture C${i} start`);
    await svc.sendSyslog(flood, '127.0.0.99');
    await svc.sendSyslog(['<189>1: real-rtr1: *Dec  4 10:00:01.001: %PARSER-5-CFGLOG_LOGGEDCMD: User:mallory  logged command:monitor capture REAL start'], '127.0.0.67');
    // Once the real incident exists, it is the next message the target gets (one more may already be on its way).
    // Counted when the API first shows it, so on a busy machine the real alert may already be among them.
    await eventually(async () => (await svc.api('/api/incidents?user=mallory')).incidents.length === 1);
    const receivedBy = hook.received.length;
    await eventually(async () => (await svc.api('/api/incidents/counts')).total === 2001, 60_000);

    const bodies = () => hook.received.map((r) => JSON.parse(r.body));
    const digests = await eventually(() => {
      const d = bodies().filter((b) => b.event === 'incidents.digest');
      const alone = bodies().filter((b) => b.event === 'incident.opened' && b.incident.device.startsWith('spoof-')).length;
      const realSent = bodies().some((b) => b.event === 'incident.opened' && b.incident.device === 'real-rtr1');
      return realSent && d.reduce((n, b) => n + b.digest.incidents, 0) + alone === 2000 && d;
    }, 60_000);
    const sent = bodies();
    const real = sent.findIndex((b) => b.event === 'incident.opened' && b.incident.device === 'real-rtr1');
    expect(real).toBeGreaterThanOrEqual(0);
    expect(real).toBeLessThanOrEqual(receivedBy + 1);
    // The storm's first incidents, sent before there was a storm to see, and a digest per few seconds: not 2,000.
    expect(digests.length).toBeLessThanOrEqual(5);
    expect(sent.length).toBeLessThan(30);
    const m = await svc.api<string>('/metrics');
    expect(Number(/^capwatch_notify_digested_total\{target="soc-hook"\} (\d+)$/m.exec(m)?.[1])).toBeGreaterThan(1900);
  }, 120_000);
});
