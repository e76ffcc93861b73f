// One device checked over SSH (src/poll/check.ts) against simulated devices answering with real show outputs: every
// platform over exec and over an interactive shell, and each way a device can fail to give a complete answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDevice, confirmationOf, type PollSettings } from '../src/poll/check.js';
import { COMMANDS } from '../src/poll/commands.js';
import { KnownHosts } from '../src/poll/host-keys.js';
import type { PollPlatform } from '../src/poll/inventory.js';
import { fixturesFor, inspected, inventoryEntry, outputsFor, simDevice } from './helpers/devices.js';
import type { SimDevice, SimDeviceOptions } from './helpers/ssh-device.js';
import { tempDir } from './helpers/tmp.js';
import { ed25519Pair } from './helpers/ssh-keys.js';

const settings: PollSettings = { connectTimeoutMs: 3000, commandTimeoutMs: 3000, trustOnFirstUse: false };
const PLATFORMS: PollPlatform[] = ['iosxe', 'ios', 'nxos', 'asa', 'junos'];

const running: SimDevice[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.close()));
});

async function device(platform: PollPlatform, o: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await simDevice(platform, o);
  running.push(d);
  return d;
}

/** Everything capwatch typed on a device must be a show command or the pager setting: nothing that changes state. */
function expectReadOnly(d: SimDevice): void {
  for (const c of d.commands) expect(c).toMatch(/^(?:show [\w ./:-]+|terminal (?:length|pager) 0|set cli screen-length 0|exit)$/);
}

describe('a device answering with real show outputs', () => {
  for (const platform of PLATFORMS) {
    for (const transport of ['exec', 'shell'] as const) {
      it(`${platform} over ${transport}: finds what inspect finds in the saved outputs`, async () => {
        const d = await device(platform);
        const c = await checkDevice(inventoryEntry(d, platform, { transport }), settings);
        expect(c.error).toBeUndefined();
        expect(c).toMatchObject({ reachable: true, transport, device: `${platform}-lab1`, platform });
        expect(c.findings).toEqual(inspected(platform, fixturesFor(platform)));
        expect(c.findings!.truncated).toBeUndefined();
        expect(d.commands).toEqual(transport === 'shell' ? [COMMANDS[platform].paging, ...COMMANDS[platform].show, 'exit'] : [...COMMANDS[platform].show]);
        expectReadOnly(d);
      });
    }
  }

  it('reports what is active, as the device says it: confirmation "active-found" with names and destinations', async () => {
    const iosxe = await checkDevice(inventoryEntry(await device('iosxe'), 'iosxe'), settings);
    expect(iosxe.findings!.captures.filter((x) => x.active).map((x) => x.name)).toEqual(['NTP']);
    expect(iosxe.findings!.sessions.find((s) => s.id === '10')).toMatchObject({ type: 'erspan-source', active: true, destinationIp: '10.1.1.1' });
    expect(confirmationOf(iosxe).status).toBe('active-found');

    const asa = await checkDevice(inventoryEntry(await device('asa'), 'asa'), settings);
    expect(asa.findings!.captures.map((x) => [x.name, x.active])).toEqual([['capture-1', false], ['capture-2', true]]);

    const nxos = await checkDevice(inventoryEntry(await device('nxos'), 'nxos'), settings);
    expect(nxos.findings!.sessions[0]).toMatchObject({ id: '2', type: 'erspan-source', active: true, destinationIp: '9.1.1.2' });
  });

  it('a device with nothing configured: "none-found"', async () => {
    const d = await device('iosxe', { outputs: { 'show monitor capture': '', 'show monitor session all': '' } });
    const c = await checkDevice(inventoryEntry(d, 'iosxe'), settings);
    expect(c.findings).toEqual({ supported: true, captures: [], sessions: [] });
    expect(confirmationOf(c).status).toBe('none-found');
  });

  it('shows a login banner and an NX-OS prompt with a trailing space without mistaking either for output', async () => {
    const d = await device('nxos', { banner: 'Cisco Nexus Operating System (NX-OS) Software\r\nTAC support: http://www.cisco.com/tac\r\n#####\r\n', exec: false });
    const c = await checkDevice(inventoryEntry(d, 'nxos'), settings);
    expect(c.transport).toBe('shell');
    expect(c.findings).toEqual(inspected('nxos', fixturesFor('nxos')));
  });
});

describe('a device that cannot give a complete answer', () => {
  it('paging left on: the pager is quit, never paged through, and the result says truncated — not "none found"', async () => {
    const d = await device('iosxe', { exec: false, pagingStuck: true, pageLines: 8 });
    const c = await checkDevice(inventoryEntry(d, 'iosxe'), settings);
    expect(c.error).toBeUndefined();
    expect(c.findings!.truncated).toBe(true);
    expect(confirmationOf(c).findings!.truncated).toBe(true);
    expectReadOnly(d);
  });

  it('exec output that pages is truncated too', async () => {
    const d = await device('nxos', { pageExec: true, pageLines: 5 });
    const c = await checkDevice(inventoryEntry(d, 'nxos', { transport: 'exec' }), settings);
    expect(c.findings!.truncated).toBe(true);
  });

  it('% Invalid input for every show command means "unsupported", not "none found"', async () => {
    const d = await device('iosxe', { outputs: {} });
    const c = await checkDevice(inventoryEntry(d, 'iosxe'), settings);
    expect(c.findings).toEqual({ supported: false, captures: [], sessions: [] });
    expect(confirmationOf(c).status).toBe('unsupported');
  });

  it('one rejected command among answered ones still counts the answers (a router without SPAN)', async () => {
    const d = await device('ios', { outputs: { 'show monitor capture point all': outputsFor('ios')['show monitor capture point all']! } });
    const c = await checkDevice(inventoryEntry(d, 'ios'), settings);
    expect(c.findings!.supported).toBe(true);
    expect(c.findings!.captures.map((x) => [x.name, x.active])).toEqual([['POINT', true]]);
  });

  it('a slow device: the command times out, the device was reachable, nothing is claimed', async () => {
    const d = await device('iosxe', { delayMs: 1500 });
    const c = await checkDevice(inventoryEntry(d, 'iosxe'), { ...settings, commandTimeoutMs: 300 });
    expect(c).toMatchObject({ reachable: true, errorKind: 'timeout' });
    expect(c.error).toMatch(/no answer to "show monitor capture" within 300 ms/);
    expect(c.findings).toBeUndefined();
    expect(confirmationOf(c).status).toBe('unreachable');
  });

  it('a device that drops the connection mid-command: an error, not a partial answer taken as complete', async () => {
    for (const transport of ['exec', 'shell'] as const) {
      const d = await device('iosxe', { dropAtCommand: 2 });
      const c = await checkDevice(inventoryEntry(d, 'iosxe', { transport }), settings);
      expect(c.findings, transport).toBeUndefined();
      expect(c.errorKind, transport).toBe('closed');
      expect(c.reachable).toBe(true);
    }
  });

  it('wrong password: refused, unreachable, and the password appears nowhere in the result', async () => {
    const d = await device('iosxe');
    const c = await checkDevice(inventoryEntry(d, 'iosxe', { password: 'hunter2-wrong' }), settings);
    expect(c).toMatchObject({ reachable: false, errorKind: 'auth' });
    expect(c.error).toMatch(/authentication failed for user "admin"/);
    expect(JSON.stringify(c)).not.toContain('hunter2');
    expect(d.logins).toBe(0);
  });

  it('logs in with a private key protected by a passphrase; a wrong passphrase is named as such', async () => {
    const { utils } = await import('ssh2');
    const pair = ed25519Pair({ passphrase: 'open sesame', cipher: 'aes256-ctr', rounds: 4 });
    const d = await device('nxos', { users: { netops: { publicKey: pair.public } } });
    const entry = { ...inventoryEntry(d, 'nxos', { username: 'netops', privateKey: pair.private, passphrase: 'open sesame' }) };
    delete entry.password;
    const c = await checkDevice(entry, settings);
    expect(c.error).toBeUndefined();
    expect(c.findings).toEqual(inspected('nxos', fixturesFor('nxos')));

    const wrong = await checkDevice({ ...entry, passphrase: 'guess' }, settings);
    expect(wrong).toMatchObject({ reachable: false, errorKind: 'auth' });
    expect(wrong.error).toMatch(/private key cannot be used \(wrong or missing passphrase\)/);
    expect(JSON.stringify(wrong)).not.toContain('guess');
  });

  it('wrong host key: refused before logging in, naming both fingerprints', async () => {
    const d = await device('iosxe');
    const pinned = 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU';
    const c = await checkDevice(inventoryEntry(d, 'iosxe', { hostKey: pinned }), settings);
    expect(c).toMatchObject({ reachable: false, errorKind: 'host-key' });
    expect(c.error).toContain(pinned);
    expect(c.error).toContain(d.fingerprint);
    expect(d.logins).toBe(0);
    expect(d.commands).toEqual([]);
  });

  it('an unknown host key is refused unless trust on first use is on, which records it; a changed key is refused after', async () => {
    const dir = tempDir('capwatch-kh-');
    const file = join(dir, 'known_hosts');
    const d = await device('iosxe');
    const entry = inventoryEntry(d, 'iosxe');
    delete entry.hostKey;

    const refused = await checkDevice(entry, { ...settings, knownHosts: () => KnownHosts.load(file) });
    expect(refused).toMatchObject({ reachable: false, errorKind: 'host-key' });
    expect(refused.error).toContain(d.fingerprint);

    const first = await checkDevice(entry, { ...settings, knownHosts: () => KnownHosts.load(file), trustOnFirstUse: true });
    expect(first.hostKeyRecorded).toBe(d.fingerprint);
    expect(readFileSync(file, 'utf8')).toContain(`[127.0.0.1]:${d.port} ${d.publicKeyLine.split(' ').slice(0, 2).join(' ')}`);
    const again = await checkDevice(entry, { ...settings, knownHosts: () => KnownHosts.load(file) });
    expect(again.error).toBeUndefined();

    // The same address and port, now answered by a device with another key.
    const { utils } = await import('ssh2');
    const port = d.port;
    await d.close();
    running.splice(running.indexOf(d), 1);
    const impostor = await device('iosxe', { hostKey: ed25519Pair().private, port });
    expect(impostor.port).toBe(port);
    const changed = await checkDevice(entry, { ...settings, knownHosts: () => KnownHosts.load(file), trustOnFirstUse: true });
    expect(changed).toMatchObject({ reachable: false, errorKind: 'host-key' });
    expect(impostor.logins).toBe(0);
  });

  it('exec refused: the shell is used instead; with transport exec the device is reported as refusing', async () => {
    const d = await device('iosxe', { exec: false });
    const auto = await checkDevice(inventoryEntry(d, 'iosxe'), settings);
    expect(auto.transport).toBe('shell');
    expect(auto.findings).toEqual(inspected('iosxe', fixturesFor('iosxe')));

    const execOnly = await checkDevice(inventoryEntry(d, 'iosxe', { transport: 'exec' }), settings);
    expect(execOnly).toMatchObject({ reachable: true, errorKind: 'refused' });
  });

  it('IOS ends the connection after each exec command: capwatch logs in again for the next one', async () => {
    const d = await device('ios', { execClosesConnection: true });
    const c = await checkDevice(inventoryEntry(d, 'ios', { transport: 'exec' }), settings);
    expect(c.error).toBeUndefined();
    expect(c.findings).toEqual(inspected('ios', fixturesFor('ios')));
    expect(d.logins).toBe(COMMANDS.ios.show.length);
  });

  it('nothing listening: unreachable, with the reason', async () => {
    const d = await device('iosxe');
    const entry = inventoryEntry(d, 'iosxe');
    await d.close();
    running.pop();
    const c = await checkDevice(entry, settings);
    expect(c).toMatchObject({ reachable: false, errorKind: 'connect' });
    expect(c.error).toMatch(/ECONNREFUSED/);
  });
});
