// The device inventory and the poll settings: validated at start with the key named, secrets from ${ENV} and never
// echoed, a file read again when it changes, and selection by name and tag.
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config.js';
import { configProblems as problems } from './helpers/config.js';
import { DeviceIndex, InventorySource, loadInventoryFile, selectDevices, type Inventory } from '../src/poll/inventory.js';
import { tempDir } from './helpers/tmp.js';
import { ed25519Pair } from './helpers/ssh-keys.js';

const FP = 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU';
const dir = tempDir('capwatch-inv-');

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const device = { name: 'core-rtr1', address: '192.0.2.1', platform: 'iosxe', username: 'netops', password: 'pw' };

describe('inventory', () => {
  it('defaults: port 22, transport auto, no tags; poll settings with known_hosts beside the database', () => {
    const c = buildConfig({ storage: { path: '/var/lib/capwatch/capwatch.db' }, inventory: { devices: [device] } });
    expect(c.inventory).toEqual({ inline: { devices: [{ ...device, port: 22, tags: [], transport: 'auto', legacyAlgorithms: false }] } });
    expect(c.poll).toEqual({
      knownHosts: '/var/lib/capwatch/known_hosts',
      trustOnFirstUse: false,
      connectTimeoutSeconds: 15,
      commandTimeoutSeconds: 30,
      concurrency: 20,
      confirmOnAlert: true,
      confirmDelaySeconds: 5,
      sweepIntervalMinutes: 0,
      sweepTags: [],
      maxConcurrency: 50,
      sweepsPerUserPerMinute: 5,
    });
    expect(buildConfig({}).inventory).toBeUndefined();
  });

  it('passwords come from ${ENV}; a missing variable names the key and prints no value', () => {
    const c = buildConfig({ inventory: { devices: [{ ...device, password: '${RTR_PW}' }] } }, { RTR_PW: 's3cret' });
    expect((c.inventory as { inline: Inventory }).inline.devices[0]!.password).toBe('s3cret');
    expect(problems({ inventory: { devices: [{ ...device, password: '${RTR_PW}' }] } })).toEqual(['inventory.devices[0].password: environment variable RTR_PW is not set']);
  });

  it('names every bad key, and no problem ever contains a password or key', () => {
    const bad = problems({
      inventory: {
        devices: [
          { ...device, platform: 'catos', password: 'hunter2' },
          { ...device, name: 'CORE-RTR1', password: 'hunter2', port: 70000 },
          { name: 'x', address: '192.0.2.9', platform: 'nxos', username: 'u' },
          { ...device, name: 'y', password: 'hunter2', hostKey: 'MD5:aa:bb' },
          { ...device, name: 'z', password: 'hunter2', pasword: 'typo' },
        ],
      },
    });
    expect(bad).toEqual(
      expect.arrayContaining([
        'inventory.devices[0].platform: must be one of ios, iosxe, nxos, asa, junos',
        'inventory.devices[1].port: must be <= 65535',
        'inventory.devices[4].pasword: unknown key',
      ]),
    );
    const second = problems({ inventory: { devices: [device, { ...device, name: 'CORE-RTR1' }, { name: 'x', address: '192.0.2.9', platform: 'nxos', username: 'u' }, { ...device, name: 'y', hostKey: 'MD5:aa:bb' }] } });
    expect(second).toEqual([
      'inventory.devices[1].name: "CORE-RTR1" is used by another device',
      'inventory.devices[2]: needs password or privateKey',
      'inventory.devices[3].hostKey: not an OpenSSH SHA256 fingerprint (SHA256:… as ssh-keygen -lf prints)',
    ]);
    expect(JSON.stringify([bad, second])).not.toContain('hunter2');
  });

  it('reads a private key file named in the inventory; an unreadable one is named, its content never shown', () => {
    const key = ed25519Pair().private;
    const f = file('id_ed25519', key);
    const inv = loadInventoryFile(file('keyed.yaml', `devices:\n  - {name: r1, address: 192.0.2.1, platform: ios, username: u, privateKey: ${f}, hostKey: "${FP}="}\n`));
    expect(inv.devices[0]!.privateKey).toBe(key);
    expect(inv.devices[0]!.hostKey).toBe(FP);
    const missing = join(dir, 'nope');
    expect(() => loadInventoryFile(file('nokey.yaml', `devices:\n  - {name: r1, address: 192.0.2.1, platform: ios, username: u, privateKey: ${missing}}\n`))).toThrow(
      /devices\[0\]\.privateKey: cannot read the key file \(ENOENT\)/,
    );
  });

  it('a broken inventory file stops start-up with the file and key named', () => {
    const f = file('broken.yaml', 'devices:\n  - {name: r1, address: 192.0.2.1, platform: junos, username: u, password: p, port: "ssh"}\n');
    expect(problems({ inventory: f })).toEqual([`${f}.devices[0].port: must be integer`]);
    expect(problems({ inventory: join(dir, 'absent.yaml') })[0]).toMatch(/absent\.yaml: cannot read the inventory \(ENOENT\)/);
    expect(problems({ inventory: file('notyaml.yaml', 'devices: [unclosed\n') })[0]).toMatch(/not valid YAML/);
  });

  it('a changed file is read again at the next use; a broken edit keeps the last good inventory and says why', () => {
    const f = file('live.yaml', 'devices:\n  - {name: r1, address: 192.0.2.1, platform: ios, username: u, password: p}\n');
    const errors: string[][] = [];
    const source = new InventorySource({ file: f }, (e) => errors.push(e.problems));
    expect(source.get().devices.map((d) => d.name)).toEqual(['r1']);
    const touch = (text: string, secondsLater: number) => {
      writeFileSync(f, text);
      const t = Date.now() / 1000 + secondsLater;
      utimesSync(f, t, t);
    };
    touch('devices:\n  - {name: r1, address: 192.0.2.1, platform: ios, username: u, password: p}\n  - {name: r2, address: 192.0.2.2, platform: nxos, username: u, password: p}\n', 10);
    expect(source.get().devices.map((d) => d.name)).toEqual(['r1', 'r2']);
    touch('devices:\n  - {name: r3, platform: ios}\n', 20);
    expect(source.get().devices.map((d) => d.name)).toEqual(['r1', 'r2']);
    expect(errors[0]![0]).toMatch(/devices\[0\]: must have required property 'address'/);
  });

  it('selects by name (any case) and by tag; an unknown name is an error, not an empty sweep', () => {
    const inv: Inventory = {
      devices: [
        { ...device, port: 22, platform: 'iosxe', tags: ['core', 'dc1'], transport: 'auto', legacyAlgorithms: false },
        { ...device, name: 'edge-sw2', port: 22, platform: 'nxos', tags: ['dc1'], transport: 'auto', legacyAlgorithms: false },
        { ...device, name: 'fw1', port: 22, platform: 'asa', tags: [], transport: 'auto', legacyAlgorithms: false },
      ],
    };
    expect(selectDevices(inv, {}).map((d) => d.name)).toEqual(['core-rtr1', 'edge-sw2', 'fw1']);
    expect(selectDevices(inv, { names: ['EDGE-SW2'] }).map((d) => d.name)).toEqual(['edge-sw2']);
    expect(selectDevices(inv, { tags: ['dc1'] }).map((d) => d.name)).toEqual(['core-rtr1', 'edge-sw2']);
    expect(() => selectDevices(inv, { names: ['core-rtr9'] })).toThrow('no device named "core-rtr9" in the inventory');
  });

  it('finds the device an incident is about by hostname, short or fully qualified, else by address', () => {
    const inv: Inventory = {
      devices: [
        { ...device, port: 22, platform: 'iosxe', tags: [], transport: 'auto', legacyAlgorithms: false },
        { ...device, name: 'edge-sw2.dc1.example.net', address: '192.0.2.2', port: 22, platform: 'nxos', tags: [], transport: 'auto', legacyAlgorithms: false },
      ],
    };
    const index = new DeviceIndex(inv);
    expect(index.find({ address: '10.9.9.9', hostname: 'CORE-RTR1' })?.name).toBe('core-rtr1');
    expect(index.find({ address: '10.9.9.9', hostname: 'core-rtr1.example.net' })?.name).toBe('core-rtr1');
    expect(index.find({ address: '10.9.9.9', hostname: 'edge-sw2' })?.name).toBe('edge-sw2.dc1.example.net');
    expect(index.find({ address: '192.0.2.2', hostname: 'Router' })?.name).toBe('edge-sw2.dc1.example.net');
    expect(index.find({ address: '192.0.2.1' })?.name).toBe('core-rtr1');
    expect(index.find({ address: '10.9.9.9', hostname: '192.0.2.77' })).toBeUndefined();
  });
});
