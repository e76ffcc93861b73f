// Expected work in the console, in Debian's Chromium against the real service: an operator registers approved
// mirror work for alice on core-rtr1 (the server's refusal of an unknown device shown by the form first); alice's
// session then makes an incident that is visibly expected work, and a session the approval does not name turns it
// into an alert that says why. Closed as a false positive with a comment, its suggested filter is added by an admin,
// after which the same commands are expected by the filter. A viewer reads it all and changes nothing; hostile
// ticket and reason text stays text; nothing is fetched from elsewhere and the CSP is never violated.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { CLI, eventually, startService, type Service } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const PASSWORDS = { olga: 'olga-operator-password', adam: 'adam-admin-password', victor: 'victor-viewer-password' } as const;
type Person = keyof typeof PASSWORDS;
const passwd = (pw: string) => execFileSync(process.execPath, [CLI, 'passwd'], { input: `${pw}\n` }).toString().trim();

const TICKET = 'CHG-1042 <img src=x onerror="window.pwned=1">';
const REASON = '<img src=x onerror="window.pwned=2">mirror test \u202Eevil';

let seq = 0;
/** An IOS archive-logging line from core-rtr1. */
const cfglog = (user: string, command: string) =>
  `<189>${++seq}: core-rtr1: *Dec  4 10:00:00.${String(seq).padStart(3, '0')}: %PARSER-5-CFGLOG_LOGGEDCMD: User:${user}  logged command:${command}`;
/** Session 1 is the approved work; session 2 is not named by the approval. */
const APPROVED = ['monitor session 1 source interface Gi0/1 both', 'monitor session 1 destination interface Gi0/2'];
const OUTSIDE = 'monitor session 2 source interface Gi0/3 both';

describe('expected work in the console', () => {
  let browser: Browser | undefined;
  let svc: Service;
  let filtersDir: string;
  let base: string;
  let incidentId: string;
  const foreign: string[] = [];
  const cspViolations: string[] = [];

  async function logIn(who: Person, hash = ''): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser!.newContext({ viewport: { width: 1600, height: 1000 } });
    const p = await context.newPage();
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
    await p.goto(`${base}/${hash}`);
    await p.getByTestId('login-username').fill(who);
    await p.getByTestId('login-password').fill(PASSWORDS[who]);
    await p.getByTestId('login-submit').click();
    await p.getByTestId('live-indicator').filter({ hasText: /live/i }).waitFor();
    return { context, page: p };
  }

  /** What hostile text must not have done to the page. */
  const injected = (p: Page) =>
    p.evaluate(() => ({
      pwned: (window as unknown as { pwned?: number }).pwned,
      imgs: document.querySelectorAll('img').length,
      bidi: (document.body.textContent ?? '').includes('\u202E'),
    }));

  beforeAll(async () => {
    browser = await launchChromium();
    if (!browser) return;
    // The filter directory must exist at start-up, so the service's folder is made here.
    const dir = tempDir();
    filtersDir = join(dir, 'filters');
    mkdirSync(filtersDir);
    const hour = 3600e3;
    svc = await startService({
      dir,
      config: {
        http: { auth: { users: (['olga', 'adam', 'victor'] as const).map((name) => ({ name, role: { olga: 'operator', adam: 'admin', victor: 'viewer' }[name], passwordHash: passwd(PASSWORDS[name]) })) } },
        detection: { filters: [filtersDir] },
        // The same commands are sent again later on purpose.
        incidents: { dedupeSeconds: 0 },
        expected: {
          windows: [
            { name: 'dist-sw9 rewiring', devices: ['dist-sw9'], from: new Date(Date.now() - hour).toISOString(), until: new Date(Date.now() + hour).toISOString() },
            { name: 'last year', devices: ['dist-sw9'], users: ['carol'], kinds: ['span'], from: '2020-01-01T00:00:00Z', until: '2020-01-02T00:00:00Z' },
          ],
        },
      },
    });
    base = `http://127.0.0.1:${svc.http}`;
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (svc) await svc.stop();
  });

  it('an operator registers approved work: the refusal of an unknown device shows by the form, then the approval is listed with its time left, hostile text as text', async (ctx) => {
    if (!browser) return ctx.skip();
    // A device capwatch has never heard from cannot be approved: core-rtr1 says something first.
    await svc.sendSyslog(['<189>0: core-rtr1: *Dec  4 09:59:00.000: %LINK-3-UPDOWN: Interface GigabitEthernet0/2, changed state to up']);
    await eventually(async () => (await svc.api('/api/devices')).devices.some((d: { name: string }) => d.name === 'core-rtr1'));

    const { context, page: p } = await logIn('olga');
    await p.getByTestId('nav-expected').click();
    await p.getByTestId('approvals-empty').waitFor();
    expect(await p.getByTestId('approvals-empty').innerText()).toMatch(/No approval in force/);
    // The windows: one open now, one long past.
    const windows = p.getByTestId('window-row');
    expect(await windows.filter({ hasText: 'dist-sw9 rewiring' }).getAttribute('data-open')).toBe('true');
    expect(await windows.filter({ hasText: 'dist-sw9 rewiring' }).innerText()).toMatch(/OPEN\s+until/);
    expect(await windows.filter({ hasText: 'last year' }).innerText()).toMatch(/closed[\s\S]*carol[\s\S]*span/);

    await p.getByTestId('approval-devices').fill('core-rtr9');
    await p.getByTestId('approval-user').fill('alice');
    await p.getByTestId('approval-ticket').fill(TICKET);
    await p.getByTestId('approval-kind').selectOption('mirror');
    await p.getByTestId('approval-name').fill('1');
    await p.getByTestId('approval-reason').fill(REASON);
    await p.getByTestId('approval-duration').selectOption('120');
    await p.getByTestId('approval-submit').click();
    await expect.poll(() => p.getByTestId('approval-error').textContent()).toBe('devices[0]: no device named "core-rtr9" has been seen or is in the inventory');
    expect(await p.getByTestId('approval-devices').getAttribute('aria-invalid')).toBe('true');
    expect(await p.getByTestId('approval-row').count()).toBe(0);

    await p.getByTestId('approval-devices').fill('core-rtr1');
    await p.getByTestId('approval-submit').click();
    const row = p.getByTestId('approval-row');
    await row.waitFor();
    expect(await p.getByTestId('approval-error').count()).toBe(0);
    expect(await p.getByTestId('approval-devices').inputValue()).toBe('');
    const text = await row.innerText();
    expect(text).toMatch(/^alice\s+core-rtr1\s+mirror\s+name 1\s+/);
    expect(text).toContain(TICKET);
    expect(text).toContain('<img src=x onerror="window.pwned=2">mirror test \\u202eevil');
    expect(text).toMatch(/1 h 5\d min left/);
    expect(text).toMatch(/by olga/);
    expect(await p.getByTestId('approvals-count').innerText()).toBe('1 in force');
    expect(await injected(p)).toEqual({ pwned: undefined, imgs: 0, bidi: false });

    const [approval] = (await svc.api('/api/expected')).approvals;
    expect(approval).toMatchObject({ devices: ['core-rtr1'], user: 'alice', kind: 'mirror', name: '1', ticket: TICKET, reason: REASON, createdBy: 'olga', state: 'active' });
    await context.close();
  });

  it('alice\'s approved session is an incident of expected work; a session the approval does not name turns it into an alert that says why', async (ctx) => {
    if (!browser) return ctx.skip();
    const { context, page: p } = await logIn('olga');
    await svc.sendSyslog(APPROVED.map((c) => cfglog('alice', c)));
    const row = p.getByTestId('incident-row').filter({ hasText: 'alice' });
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.getAttribute('data-status')).toBe('expected');
    expect(await row.locator('.c-status').innerText()).toMatch(/^expected$/i);
    // Expected work is not something to acknowledge.
    expect(await row.getByTestId('ack-button').count()).toBe(0);
    await expect.poll(() => p.getByTestId('count-expected').innerText()).toBe('1 expected work');
    // The status filter offers it, and keeps the row.
    await p.getByTestId('filter-status').selectOption('expected');
    await expect.poll(() => p.getByTestId('incident-row').count()).toBe(1);

    await row.click();
    await p.getByTestId('incident-detail').waitFor();
    incidentId = (await p.getByTestId('incident-detail').getAttribute('data-id'))!;
    expect(await p.getByTestId('detail-status-note').innerText()).toMatch(/Expected work: every command is covered by approved or planned work\. Nobody was paged\./);
    const covered = p.getByTestId('detail-expected');
    await expect.poll(() => covered.count()).toBe(2);
    for (const note of await covered.allInnerTexts()) {
      expect(note).toMatch(/^EXPECTED\s+approved by olga \(CHG-1042 <img src=x onerror="window\.pwned=1">\): <img src=x onerror="window\.pwned=2">mirror test \\u202eevil until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/i);
    }
    expect(await p.getByTestId('detail-unexpected').count()).toBe(0);
    expect(await p.getByTestId('false-positive-button').count()).toBe(0);

    // Session 2: on the approved device, by the approved person, but not the approved session. The open page follows.
    await svc.sendSyslog([cfglog('alice', OUTSIDE)]);
    const why = 'approved mirror 1 on core-rtr1 for alice, but this is session 2';
    await expect.poll(() => p.getByTestId('detail-reopened').innerText().catch(() => ''), { timeout: 10_000 }).toBe(`Alerted again because ${why}`);
    expect(await p.locator('.incident-title [data-status]').innerText()).toMatch(/^open$/i);
    expect(await p.getByTestId('detail-status-note').count()).toBe(0);
    expect(await p.getByTestId('detail-unexpected').innerText()).toBe(`NOT covered ${why}`);
    expect(await p.getByTestId('detail-expected').count()).toBe(2);
    expect(await injected(p)).toEqual({ pwned: undefined, imgs: 0, bidi: false });
    expect((await svc.api(`/api/incidents/${incidentId}`)).status).toBe('open');
    await context.close();
  });

  it('an operator closes it as a false positive with a comment and reads the suggested filter; an admin adds it; with the approval ended, the same commands are expected by the filter', async (ctx) => {
    if (!browser) return ctx.skip();
    const olga = await logIn('olga', `#/incidents/${incidentId}`);
    const p = olga.page;
    await p.getByTestId('incident-detail').waitFor();
    await p.getByTestId('false-positive-button').click();
    // The server wants a reason: the form does not send without one.
    expect(await p.getByTestId('false-positive-submit').isDisabled()).toBe(true);
    await p.getByTestId('false-positive-comment').fill('Session 2 was alice checking the uplink under the same change.');
    await p.getByTestId('false-positive-submit').click();
    await expect.poll(() => p.locator('.incident-title [data-status]').innerText()).toMatch(/^false positive$/i);
    expect(await p.getByTestId('detail-status-note').innerText()).toMatch(/^Closed as a false positive/);
    await expect.poll(() => p.getByTestId('detail-timeline').innerText()).toMatch(/false-positive by olga: Session 2 was alice checking the uplink/);
    expect(await p.getByTestId('false-positive-button').count()).toBe(0);
    expect(await p.getByTestId('resolve-button').count()).toBe(0);

    await p.getByTestId('filter-suggest').click();
    const yaml = await p.getByTestId('filter-yaml').innerText();
    expect(yaml).toMatch(/^title: "Expected: core-rtr1 by alice \(false positive [0-9a-f]{8}\)"$/m);
    expect(yaml).toMatch(/^ {4}user: alice$/m);
    // The commands as capwatch normalised them, interface names spelled out.
    for (const command of [...APPROVED, OUTSIDE]) expect(yaml).toContain(`- ${command.replace(/\bGi(?=\d)/, 'GigabitEthernet')}`);
    // Operators read it; adding it is for admins.
    expect(await p.getByTestId('filter-add').count()).toBe(0);
    expect(await p.getByTestId('detail-filter').innerText()).toContain('An admin can add it from this page.');

    const adam = await logIn('adam', `#/incidents/${incidentId}`);
    await adam.page.getByTestId('filter-suggest').click();
    // Each suggestion has a fresh id: what is added is what the admin's page shows.
    const shown = await adam.page.getByTestId('filter-yaml').innerText();
    await adam.page.getByTestId('filter-add').click();
    const added = await adam.page.getByTestId('filter-added').innerText();
    const files = readdirSync(filtersDir);
    expect(files).toHaveLength(1);
    const id = /^id: (\S+)$/m.exec(shown)![1];
    expect(added).toBe(`Filter in force, written to ${join(filtersDir, files[0]!)} (id ${id})`);
    expect(readFileSync(join(filtersDir, files[0]!), 'utf8')).toBe(shown);
    await adam.context.close();

    // Olga ends the approval, so only the filter can cover what alice does next.
    await p.getByTestId('nav-expected').click();
    await p.getByTestId('approval-end').click();
    await p.getByTestId('approvals-empty').waitFor();
    await p.getByTestId('approvals-all').click();
    const ended = p.getByTestId('approval-row');
    await expect.poll(() => ended.getAttribute('data-state')).toBe('removed');
    expect(await ended.innerText()).toMatch(/ended early by olga/);
    expect(await p.getByTestId('approval-end').count()).toBe(0);

    await p.goto(`${base}/#/incidents/${incidentId}`);
    await p.getByTestId('incident-detail').waitFor();
    await svc.sendSyslog([...APPROVED, OUTSIDE].map((c) => cfglog('alice', c)));
    const byFilter = p.locator('[data-testid=detail-expected][data-by=filter]');
    await expect.poll(() => byFilter.count(), { timeout: 10_000 }).toBe(3);
    for (const note of await byFilter.allInnerTexts()) expect(note).toMatch(/^EXPECTED\s+filter Expected: core-rtr1 by alice \(false positive [0-9a-f]{8}\)\s+Made from incident/i);
    expect(await p.locator('.incident-title [data-status]').innerText()).toMatch(/^false positive$/i);
    expect((await svc.api(`/api/incidents/${incidentId}`)).status).toBe('false-positive');
    await olga.context.close();
  });

  it('a viewer reads the expected work and the incident, and is offered nothing that changes them', async (ctx) => {
    if (!browser) return ctx.skip();
    const { context, page: p } = await logIn('victor', '#/expected?all=true');
    await p.getByTestId('approval-row').waitFor();
    expect(await p.getByTestId('approval-row').innerText()).toContain(TICKET);
    expect(await p.getByTestId('window-row').count()).toBe(2);
    expect(await p.getByTestId('approval-form').count()).toBe(0);
    expect(await p.getByTestId('approval-end').count()).toBe(0);

    await p.goto(`${base}/#/incidents/${incidentId}`);
    await p.getByTestId('incident-detail').waitFor();
    expect(await p.getByTestId('detail-expected').count()).toBeGreaterThan(0);
    expect(await p.getByTestId('detail-filter').count()).toBe(0);
    expect(await p.getByTestId('false-positive-button').count()).toBe(0);
    expect(await injected(p)).toEqual({ pwned: undefined, imgs: 0, bidi: false });
    await context.close();
  });

  it('nothing these pages did reached beyond the service, and the Content-Security-Policy was never violated', (ctx) => {
    if (!browser) return ctx.skip();
    expect(foreign).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
