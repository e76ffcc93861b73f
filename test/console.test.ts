// The operators' console in Debian's Chromium, against the real service: log in, watch an incident arrive live from
// a syslog line, read it, see the device confirm it, acknowledge it; a viewer cannot; hostile text stays text; and
// the page never reaches beyond the service.
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { inventoryEntry, simDevice } from './helpers/devices.js';
import { CLI, eventually, startService, type Service } from './helpers/service.js';
import type { SimDevice } from './helpers/ssh-device.js';
import { requireTool } from './helpers/tools.js';

const ALICE_PW = 'alice-operator-password';
const VICTOR_PW = 'victor-viewer-password';
const passwd = (pw: string) => execFileSync(process.execPath, [CLI, 'passwd'], { input: `${pw}\n` }).toString().trim();

/** The ERSPAN session an operator builds line by line, as IOS archive logging reports it (user eve). */
const ERSPAN = [
  '%PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor session 1 type erspan-source',
  '%PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:source interface Gi0/1 both',
  '%PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:destination',
  '%PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:ip address 198.51.100.7',
];

const hasLogger = requireTool('logger');

describe('operators console in Chromium', () => {
  let browser: Browser | undefined;
  let svc: Service;
  let sim: SimDevice;
  let base: string;
  const foreign: string[] = [];
  const cspViolations: string[] = [];

  async function page(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext({ viewport: { width: 1600, height: 1000 } });
    const p = await context.newPage();
    // Everything the console fetches must come from the service itself: no CDN, no fonts, no telemetry.
    p.on('request', (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    p.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    p.on('dialog', (d) => {
      foreign.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    return { context, page: p };
  }

  async function logIn(p: Page, user: string, password: string): Promise<void> {
    await p.goto(base);
    await p.getByTestId('login-username').fill(user);
    await p.getByTestId('login-password').fill(password);
    await p.getByTestId('login-submit').click();
    await p.getByTestId('live-indicator').filter({ hasText: /live/i }).waitFor();
  }

  beforeAll(async () => {
    browser = await launchChromium();
    if (!browser) return;
    // The device the syslog comes from is in the inventory, so capwatch logs in and confirms what it shows.
    sim = await simDevice('iosxe');
    svc = await startService({
      config: {
        syslog: { tcp: { maxFrameBytes: 262144 } },
        http: { auth: { users: [{ name: 'alice', role: 'operator', passwordHash: passwd(ALICE_PW) }, { name: 'victor', role: 'viewer', passwordHash: passwd(VICTOR_PW) }] } },
        inventory: { devices: [inventoryEntry(sim, 'iosxe', { name: hostname() })] },
        poll: { confirmDelaySeconds: 0.2, connectTimeoutSeconds: 5, commandTimeoutSeconds: 5 },
      },
    });
    base = `http://127.0.0.1:${svc.http}`;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (svc) await svc.stop();
    await sim?.close();
  });

  it.runIf(hasLogger)('an operator logs in, sees the incident arrive live from a UDP syslog line, opens it, sees the device confirm it, acknowledges it and finds it audited', async (ctx) => {
    if (!browser) return ctx.skip();
    const { context, page: p } = await page();
    await logIn(p, 'alice', ALICE_PW);
    await expect.poll(() => p.getByTestId('whoami').textContent()).toContain('alice');
    // Marks this page load: a reload would lose it.
    await p.evaluate(() => ((window as unknown as { loadMark: number }).loadMark = 42));

    for (const body of ERSPAN) execFileSync('logger', ['--udp', '--server', '127.0.0.1', '--port', String(svc.udp), '--rfc3164', '-t', 'R1', body]);
    const row = p.getByTestId('incident-row').filter({ hasText: 'eve' });
    await row.waitFor({ timeout: 10_000 });
    expect(await p.evaluate(() => (window as unknown as { loadMark?: number }).loadMark)).toBe(42);
    expect(await row.getAttribute('data-severity')).toBe('critical');

    await row.click();
    const detail = p.getByTestId('incident-detail');
    await detail.waitFor();
    // The ERSPAN destination, under the submode lines it was typed in.
    const commands = await p.getByTestId('detail-commands').innerText();
    expect(commands).toMatch(/monitor session 1 type erspan-source\s+destination\s+ip address 198\.51\.100\.7/);
    expect(await p.getByTestId('detail-facts').allInnerTexts()).toEqual(expect.arrayContaining([expect.stringMatching(/198\.51\.100\.7/)]));
    expect(await p.getByTestId('detail-raw').first().textContent()).toContain('%PARSER-5-CFGLOG_LOGGEDCMD');
    // capwatch logged into the device: the confirmation shows up without a reload.
    await expect.poll(() => p.getByTestId('detail-confirmation').innerText(), { timeout: 15_000 }).toMatch(/NTP/);

    await p.getByTestId('ack-button').click();
    await expect.poll(() => p.getByTestId('detail-audit').innerText(), { timeout: 8000 }).toMatch(/alice[\s\S]*incident\.acknowledge/);
    await expect.poll(() => p.getByTestId('detail-timeline').innerText(), { timeout: 8000 }).toMatch(/acknowledged[\s\S]*alice/);
    const id = (await svc.api('/api/incidents?user=eve')).incidents[0].id as string;
    expect((await svc.api(`/api/incidents/${id}`)).status).toBe('acknowledged');
    await context.close();
  });

  it('a viewer reads the incident but cannot acknowledge it, in the page or by calling the API from it', async (ctx) => {
    if (!browser) return ctx.skip();
    await svc.sendSyslog(['<189>1: sw7: *Dec  4 10:00:00.001: %PARSER-5-CFGLOG_LOGGEDCMD: User:frank  logged command:monitor session 2 source interface Gi0/3 both']);
    const id = (await eventually(async () => (await svc.api('/api/incidents?user=frank')).incidents[0])).id as string;
    const { context, page: p } = await page();
    await logIn(p, 'victor', VICTOR_PW);
    await p.goto(`${base}/#/incidents/${id}`);
    await p.getByTestId('incident-detail').waitFor();
    expect(await p.getByTestId('ack-button').count()).toBe(0);
    expect(await p.getByTestId('resolve-button').count()).toBe(0);
    const status = await p.evaluate(async (incident) => {
      const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      const res = await fetch(`/api/incidents/${incident}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: '{"status":"resolved"}' });
      return res.status;
    }, id);
    expect(status).toBe(403);
    expect((await svc.api(`/api/incidents/${id}`)).status).toBe('open');
    await context.close();
  });

  it('hostile command text, user and device names render as text: no script runs, no element is injected, bidi overrides are shown, 64 KB stays readable', async (ctx) => {
    if (!browser) return ctx.skip();
    const img = '<img src=x onerror="window.pwned=1">';
    // A 64 KB command: as long as a syslog message may be (65,536 characters with its header).
    const long = `monitor capture BIG interface Gi0/0/1 both match ipv4 host ${'10.0.0.1 '.repeat(7250)}`;
    const user = '<b>mal</b>\u202Eyrol';
    await svc.sendSyslog([
      `<189>1: evil-sw: *Dec  4 10:00:00.001: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:monitor session 9 destination interface ${img} \u202EGi0/9`,
      `<189>2: evil-sw: *Dec  4 10:00:00.002: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:${long}`,
    ]);
    const incident = await eventually(async () => (await svc.api('/api/incidents?device=evil-sw')).incidents.find((i: { detections: unknown[] }) => i.detections.length === 2));
    const id = incident.id as string;
    expect(incident.detections[1].command.length).toBeGreaterThan(65_000);
    const { context, page: p } = await page();
    await logIn(p, 'alice', ALICE_PW);
    const row = p.getByTestId('incident-row').filter({ hasText: 'evil-sw' });
    await row.waitFor();
    await p.goto(`${base}/#/incidents/${id}`);
    await p.getByTestId('incident-detail').waitFor();
    const text = await p.getByTestId('detail-commands').innerText();
    expect(text).toContain(img);
    expect(text).toMatch(/show all \(65,\d{3} chars\)/);
    expect(await p.getByTestId('incident-detail').innerText()).toContain('<b>mal</b>');
    const body = await p.evaluate(() => ({
      pwned: (window as unknown as { pwned?: number }).pwned,
      imgs: document.querySelectorAll('img').length,
      bolds: [...document.querySelectorAll('b')].filter((b) => b.textContent === 'mal').length,
      // The normaliser drops the override from the command; the raw line keeps it, shown as an escape.
      rawBidi: (document.body.textContent ?? '').includes('\u202E'),
      shown: [...document.querySelectorAll('[data-testid=detail-raw]')].some((e) => (e.textContent ?? '').includes('\\u202e')),
      wider: document.documentElement.scrollWidth > window.innerWidth + 1,
    }));
    expect(body).toEqual({ pwned: undefined, imgs: 0, bolds: 0, rawBidi: false, shown: true, wider: false });
    await context.close();
  });

  it('the API reference renders under the same strict policy', async (ctx) => {
    if (!browser) return ctx.skip();
    const { context, page: p } = await page();
    await logIn(p, 'alice', ALICE_PW);
    await p.goto(`${base}/api/docs`);
    await p.getByText('capwatch API').first().waitFor({ timeout: 15_000 });
    expect(await p.getByText('/api/incidents/{id}').count()).toBeGreaterThan(0);
    await context.close();
  });

  it('nothing the console did reached beyond the service, and the Content-Security-Policy was never violated', (ctx) => {
    if (!browser) return ctx.skip();
    expect(foreign).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
