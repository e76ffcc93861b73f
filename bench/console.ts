// `npm run bench:console`: how long the console takes to show 10,000 incidents in Debian's Chromium, beside how long
// the same browser takes just to fetch and parse the data it shows (the baseline). The incidents come in through
// the real service's TCP syslog listener from 400 devices; three simulated SSH devices are in the inventory, so the
// devices page has checks to show. BENCH_SCREENSHOTS=DIR also writes the README's screenshots there.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createHash } from 'node:crypto';
import { startSimDevice, fixtureOutput, type SimDevice } from '../test/helpers/ssh-device.js';
import { firstLine, peakRssMb, stopChild } from './children.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 10_000);
/** Edge devices sending syslog (each from its own loopback address), besides the three core routers. */
const DEVICES = Number(process.env.BENCH_DEVICES ?? 400);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const SHOTS = process.env.BENCH_SCREENSHOTS;
const TOKEN = 'cw_bench-console-admin-token-0123456789abcdefghijkl';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function send(port: number, from: string, lines: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const s = connect({ port, host: '127.0.0.1', localAddress: from }, () => s.end(lines.join('\n') + '\n'));
    s.once('error', rej);
    s.once('close', () => res());
  });
}

/** One operator session per incident: a capture defined and started, or an ERSPAN session built line by line. */
function session(i: number, host: string): string[] {
  const user = `op${i}`;
  const line = (n: number, cmd: string) => `<189>${n}: ${host}: *Dec  4 10:${String(i % 60).padStart(2, '0')}:0${n}.000: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:${cmd}`;
  if (i % 5 === 0) {
    const s = 1 + (i % 60);
    return [line(1, `monitor session ${s} type erspan-source`), line(2, 'source interface Gi0/1 both'), line(3, 'no shutdown'), line(4, 'destination'), line(5, 'erspan-id 7'), line(6, `ip address 198.51.100.${1 + (i % 250)}`), line(7, 'origin ip address 10.0.0.1')];
  }
  if (i % 5 === 1) return [line(1, `monitor session ${1 + (i % 60)} source interface Gi0/${1 + (i % 48)} both`), line(2, `monitor session ${1 + (i % 60)} destination interface Gi0/48`)];
  return [line(1, `monitor capture CAP${i} interface GigabitEthernet0/0/${i % 8} both match ipv4 host 10.0.${i % 250}.1 any`), line(2, `monitor capture CAP${i} start`)];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-bench-console-'));
  const sims: SimDevice[] = [];
  let svc: ReturnType<typeof spawn> | undefined;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // Two devices answer with an active capture and ERSPAN session, one shows nothing; one more never answers.
    const busy = { 'show monitor capture': fixtureOutput('iosxe__show_monitor_capture__2.txt'), 'show monitor session all': fixtureOutput('iosxe__show_monitor_session_all__3.txt') };
    for (const [i, outputs] of [busy, busy, { 'show monitor capture': '', 'show monitor session all': 'No SPAN configured.\n' }].entries()) {
      sims.push(await startSimDevice({ hostname: `core-rtr${i + 1}`, platform: 'iosxe', outputs }));
    }
    const inventory = [
      ...sims.map((s, i) => ({ name: `core-rtr${i + 1}`, address: '127.0.0.1', port: s.port, platform: 'iosxe', username: 'admin', password: 'secret', hostKey: s.fingerprint, tags: ['core', 'dc1'] })),
      { name: 'edge-fw9', address: '127.0.0.1', port: 1, platform: 'asa', username: 'admin', password: 'secret', tags: ['edge'] },
    ];
    const config = {
      syslog: { host: '127.0.0.1', udp: { enabled: false }, tcp: { port: 0 } },
      http: { host: '127.0.0.1', port: 0, auth: { tokens: [{ name: 'bench', role: 'admin', sha256: createHash('sha256').update(TOKEN).digest('hex') }] } },
      storage: { path: join(dir, 'capwatch.db') },
      inventory: { devices: inventory },
      poll: { confirmDelaySeconds: 1, connectTimeoutSeconds: 3, commandTimeoutSeconds: 3 },
      log: { level: 'info' },
    };
    writeFileSync(join(dir, 'capwatch.yaml'), JSON.stringify(config));
    svc = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'capwatch.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const listening = JSON.parse(await firstLine(svc, (l) => l.includes('"capwatch listening"'))) as { http: { port: number }; tcp: { port: number } };
    const base = `http://127.0.0.1:${listening.http.port}`;
    const api = async (path: string, init: RequestInit = {}) => (await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } })).json() as Promise<any>;

    // The edge devices, each from its own loopback address, and the three core routers.
    const started = Date.now();
    const senders = DEVICES + 3;
    for (let d = 0; d < senders; d++) {
      const host = d < 3 ? `core-rtr${d + 1}` : `edge-sw${d - 2}`;
      const from = `127.0.${1 + Math.floor(d / 250)}.${1 + (d % 250)}`;
      const lines: string[] = [];
      for (let i = d; i < INCIDENTS; i += senders) lines.push(...session(i, host));
      // Chatter the pre-filter drops, so the devices page has message counts.
      for (let k = 0; k < 50; k++) lines.push(`<190>${k}: ${host}: *Dec  4 10:00:00.000: %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/${k % 48}, changed state to up`);
      await send(listening.tcp.port, from, lines);
    }
    for (;;) {
      const counts = await api('/api/incidents/counts');
      // The sweep below opens incidents of its own for what no log explains.
      if (counts.total >= INCIDENTS) break;
      await sleep(200);
    }
    const sweep = await api('/api/sweeps', { method: 'POST', body: '{}' });
    for (;;) {
      if ((await api(`/api/sweeps/${sweep.id}`)).status !== 'running') break;
      await sleep(200);
    }
    console.log(`seeded ${INCIDENTS} incidents from ${senders} devices through TCP syslog in ${((Date.now() - started) / 1000).toFixed(1)} s; swept ${inventory.length} inventory devices`);

    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const login = await context.request.post(`${base}/api/login`, { data: { token: TOKEN } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);

    // The list shows at most 10,000: the newest, whatever the sweep added.
    const shown = Math.min(10_000, (await api('/api/incidents/counts')).total as number).toLocaleString('en-US');
    const data: number[] = [];
    const render: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const page = await context.newPage();
      await page.goto(`${base}/#/audit`);
      data.push(
        await page.evaluate(async () => {
          const t0 = performance.now();
          const body = (await (await fetch('/api/incidents/summaries?limit=10000')).json()) as { incidents: unknown[] };
          if (body.incidents.length === 0) throw new Error('no incidents');
          return performance.now() - t0;
        }),
      );
      await page.close();
      render.push(await firstRender(await context.newPage(), base, shown));
    }
    const peak = peakRssMb(svc.pid!);
    const d = median(data);
    const c = median(render);
    console.log('\n| measure | runs (ms) | median ms |\n|---|---|---|');
    console.log(`| fetch + parse the 10,000 summaries in the page (baseline) | ${data.map((x) => x.toFixed(0)).join(', ')} | ${d.toFixed(0)} |`);
    console.log(`| console: navigation to 10,000 rows listed, first rows painted | ${render.map((x) => x.toFixed(0)).join(', ')} | ${c.toFixed(0)} |`);
    console.log(`\nconsole / baseline: ${(c / d).toFixed(2)}×; target < 1000 ms: ${c < 1000 ? 'met' : 'NOT met'}; service peak RSS ${peak.toFixed(0)} MB`);

    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      const page = await context.newPage();
      await page.goto(`${base}/#/incidents`);
      await page.getByTestId('incident-row').first().waitFor();
      await page.mouse.move(0, 0);
      await page.screenshot({ path: join(SHOTS, 'console-incidents.png') });
      // An ERSPAN session typed on a core router, which capwatch then checked over SSH.
      const erspan = (await api('/api/incidents?device=core-rtr1&kind=erspan&limit=100')).incidents.find((i: { detections: Array<{ source: string }> }) => i.detections[0]!.source === 'syslog');
      await page.goto(`${base}/#/incidents/${erspan.id}`);
      await page.getByTestId('detail-commands').waitFor();
      await page.screenshot({ path: join(SHOTS, 'console-incident.png') });
      await page.goto(`${base}/#/devices`);
      await page.getByTestId('device-row').first().waitFor();
      await sleep(500);
      await page.screenshot({ path: join(SHOTS, 'console-devices.png') });
      console.log(`screenshots in ${SHOTS}`);
    }
  } finally {
    await browser.close();
    if (svc) await stopChild(svc);
    await Promise.all(sims.map((s) => s.close()));
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

/** From navigation to the list counting every incident and its first row painted, timed in the page. */
async function firstRender(page: Page, base: string, shown: string): Promise<number> {
  await page.goto(`${base}/#/incidents`);
  const handle = await page.waitForFunction(
    (n) => {
      const count = document.querySelector('[data-testid=incident-count]')?.textContent ?? '';
      const row = document.querySelector('[data-testid=incident-row]');
      return count.startsWith(`${n} `) && row !== null ? performance.now() : false;
    },
    shown,
    { polling: 'raf', timeout: 30_000 },
  );
  const ms = (await handle.jsonValue()) as number;
  await page.close();
  return ms;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
