// `capwatch inspect` as a user runs it: the built CLI on saved show outputs and transcripts.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/show');
const fixture = (name: string) => join(FIXTURES, `${name}.txt`);
const tmp = () => tempDir('capwatch-inspect-');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'inspect', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[]) {
  const r = run(['--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('capwatch inspect', () => {
  it('has --help and is listed by capwatch --help', () => {
    const top = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(top.stdout).toMatch(/inspect\s+read saved show output/);
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('capwatch inspect --platform');
    expect(r.stdout).toContain('ios, iosxe, nxos, asa');
  });

  it('--json prints the documented shape for an ASA transcript', () => {
    expect(json(['--platform', 'asa', fixture('asa__show_capture__2')])).toEqual({
      supported: true,
      captures: [
        { name: 'capture-1', active: false, interfaces: ['inside'], direction: null, file: null },
        { name: 'capture-2', active: true, interfaces: ['inside'], direction: null, file: null },
      ],
      sessions: [],
    });
  });

  it('all files of one invocation make one object, captures and sessions together', () => {
    const out = json(['--platform', 'iosxe', fixture('iosxe__show_monitor_capture_mycap__1'), fixture('iosxe__show_monitor_session_all__1')]);
    expect(Object.keys(out)).toEqual(['supported', 'captures', 'sessions']);
    expect(out.captures).toEqual([{ name: 'mycap', active: false, interfaces: ['GigabitEthernet1/0/3'], direction: 'both', file: 'flash:mycap.pcap' }]);
    expect(out.sessions).toEqual([
      { id: '1', type: 'erspan-source', active: true, sources: ['Gi0/1/4'], destinations: [], destinationIp: '10.76.1.2', sourceDirections: { 'Gi0/1/4': 'both' } },
      { id: '2', type: 'erspan-destination', active: false, sources: ['ERSPAN 172.18.197.254'], destinations: ['Gi0/1/6'], destinationIp: null },
    ]);
  });

  it('reads a full terminal transcript with config-mode prompts and reports the RSPAN source session', () => {
    const out = json(['--platform', 'iosxe', fixture('iosxe__show_monitor_session_10__2')]);
    expect(out.sessions).toEqual([
      { id: '10', type: 'remote-source', active: true, sources: ['Gi1/0/1'], destinations: ['RSPAN VLAN 999'], destinationIp: null, sourceDirections: { 'Gi1/0/1': 'both' } },
    ]);
  });

  it('NX-OS: a session that is down is listed, not active', () => {
    const out = json(['--platform', 'nxos', fixture('nxos__show_monitor_session_1__2')]);
    expect(out.sessions).toEqual([expect.objectContaining({ id: '1', active: false, sources: ['Po2', 'Po3'], destinations: ['Eth1/7'] })]);
  });

  it('a rejected command is "unsupported", an empty output is "none found"', () => {
    expect(json(['--platform', 'ios', fixture('ios__monitor_session_1_source_interface_vlan_100__1')])).toEqual({ supported: false, captures: [], sessions: [] });
    const dir = tmp();
    writeFileSync(join(dir, 'empty.txt'), '');
    expect(json(['--platform', 'iosxe', join(dir, 'empty.txt')])).toEqual({ supported: true, captures: [], sessions: [] });
    const table = run(['--platform', 'ios', fixture('ios__monitor_session_1_source_interface_vlan_100__1')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Unsupported/);
  });

  it('paged output says truncated, in JSON and in the table', () => {
    const dir = tmp();
    const f = join(dir, 'paged.log');
    writeFileSync(f, 'fw/ctx# show capture\ncapture A type raw-data interface inside [Capturing - 10 bytes]\n<--- More --->\n');
    const out = json(['--platform', 'asa', f]);
    expect(out.truncated).toBe(true);
    expect(out.captures).toEqual([{ name: 'A', active: true, interfaces: ['inside'], direction: null, file: null }]);
    expect(run(['--platform', 'asa', f]).stdout).toMatch(/cut by a pager/);
  });

  it('the table shows device text with control characters escaped', () => {
    const dir = tmp();
    const f = join(dir, 'evil.txt');
    writeFileSync(f, 'capture EVIL\u009b2J\u202eLIVE type raw-data interface in\u001b]0;pwned\u0007side\u001b[2J [Capturing - 1 bytes]\n');
    const r = run(['--platform', 'asa', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Captures: 1 (1 active)');
    expect(r.stdout).toContain('EVIL\\x9b2J\\u202eLIVE');
    expect(r.stdout).not.toContain('\u202e');
    expect(r.stdout).not.toContain('\u009b');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
  });

  it('an unreadable file exits 2 naming it and prints no findings', () => {
    const missing = join(tmp(), 'no-such-file.txt');
    const r = run(['--platform', 'ios', fixture('iosxe__show_monitor__1'), missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
    expect(r.stdout).toBe('');
    const d = run(['--platform', 'ios', tmp()]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/cannot read .*EISDIR/);
  });

  it('a bad or missing platform is a usage error naming the allowed values', () => {
    for (const args of [['--platform', 'cisco', fixture('iosxe__show_monitor__1')], [fixture('iosxe__show_monitor__1')]]) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('ios, iosxe, nxos, asa');
      expect(r.stdout).toBe('');
    }
    expect(run(['--platform', 'ios']).code).toBe(2);
  });
});
