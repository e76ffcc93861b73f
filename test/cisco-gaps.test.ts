// Attacker sessions in real line formats that capwatch used to miss on Cisco devices: the pipeline (parse → normalise
// → context → layers → rules → state) reads fixtures/logs/cisco-attacker-sessions-reconstruction.log, whose first line
// names the real formats and documents each session follows. Unit cases below use the same shapes.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeCommand } from '../parsers/command/normalize.js';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { Detector } from '../src/detect/detector.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { MirrorState } from '../src/detect/state.js';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import type { Detection } from '../src/types.js';
import { commandEvent as ev } from './helpers/command-event.js';
import { logLines } from './helpers/fixture-lines.js';

const FIXTURE = 'cisco-attacker-sessions-reconstruction.log';
const RECEIVED = Date.parse('2026-03-03T10:00:00Z');
const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);

/** Every detection of the fixture, as a syslog receiver at 192.0.2.99 would make them, keyed by the line's sequence number. */
function replayFixture(): { byLine: Map<string, Detection[]>; detector: Detector } {
  const byLine = new Map<string, Detection[]>();
  let current = '';
  const { ingest, detector } = buildDetection(buildConfig({}), new Metrics(), createLogger({ level: 'silent' }), (ds) => {
    byLine.set(current, [...(byLine.get(current) ?? []), ...ds]);
  });
  for (const line of logLines(FIXTURE)) {
    // `<189>204: …` → 204; the EEM lines carry no sequence number, so their time stands for them
    current = /^<\d+>(\d+):/.exec(line)?.[1] ?? /(\d\d:\d\d:\d\d)\.\d+: %HA_EM/.exec(line)?.[1] ?? /\s(\d+): \*/.exec(line)?.[1] ?? line;
    ingest.line(line, '192.0.2.99', 'syslog', RECEIVED);
  }
  return { byLine, detector };
}

const { byLine, detector } = replayFixture();
const at = (key: string): Detection[] => byLine.get(key) ?? [];
const ruleFile = (d: Detection) => rules.find((r) => r.id === d.rule)!.file.replace(/^.*\/|\.yml$/g, '');

describe('exports the device prompts for, and files followed whatever their name', () => {
  it('a capture written to flash:sysdiag.bin and copied to a bare tftp: is a critical export of that capture', () => {
    const [d] = at('204');
    expect(d).toMatchObject({ kind: 'capture-export', severity: 'critical', facts: { file: 'flash:sysdiag.bin', url: 'tftp:', capturedBy: 'CAP' } });
    expect(d!.why).toContain("server given at the device's prompt (not logged)");
  });

  it('a tcpdump -w file in the NX-OS bash shell is followed to its scp copy, under the file system name the CLI uses', () => {
    const [d] = at('243');
    expect(ruleFile(d!)).toBe('captured_file_copied');
    expect(d).toMatchObject({ severity: 'critical', facts: { file: 'bootflash:m.log', url: 'scp://eve@203.0.113.9/m.log' } });
  });

  it('a copy of a file no capture wrote stays quiet, and a prompted copy of a .pcap is caught without any state', () => {
    const d = new Detector({ rules });
    expect(d.detect(ev('copy flash:router-config.bin tftp:'))).toEqual([]);
    const [pcap] = d.detect(ev('copy bootflash:tac.pcap tftp:'));
    expect(pcap).toMatchObject({ kind: 'capture-export', severity: 'critical', facts: { url: 'tftp:' } });
  });

  it('a capture file copied on the box is followed through the copy to its next one', () => {
    const d = new Detector({ rules });
    d.detect(ev('monitor capture CAP export location flash:cap1.pcap'));
    expect(d.detect(ev('copy flash:cap1.pcap flash:notes.txt'))[0]?.facts).toMatchObject({ url: 'flash:notes.txt', capturedBy: 'CAP' });
    expect(d.detect(ev('copy flash:notes.txt ftp://203.0.113.9/n.txt'))[0]).toMatchObject({ severity: 'critical', facts: { capturedBy: 'CAP' } });
  });
});

describe('abbreviations read as the device reads them', () => {
  it('`des` on the monitor session one-liner is destination (Catalyst has no description keyword there), relayed or not', () => {
    expect(normalizeCommand('monitor session 1 des int gi0/2', 'ios').command).toBe('monitor session 1 destination interface GigabitEthernet0/2');
    const [d] = at('251');
    expect(d).toMatchObject({ kind: 'span', facts: { session: '1', interfaces: 'GigabitEthernet0/2' } });
  });

  it('in a submode, where both keywords exist, `des` stays ambiguous and is not guessed', () => {
    expect(normalizeCommand('des tap to collector', 'ios').command).toBe('des tap to collector');
  });
});

describe('other ways IOS copies traffic', () => {
  it('IP Traffic Export: the profile, its interface, the apply that starts it, and %RITE-5-ACTIVATE', () => {
    expect(at('211')[0]).toMatchObject({ kind: 'span', facts: { session: 'R5', sessionType: 'traffic-export' } });
    expect(at('212')[0]).toMatchObject({ kind: 'span', facts: { session: 'R5', interfaces: 'FastEthernet0/0' } });
    expect(at('213')).toEqual([]); // mac-address alone is part of the profile, not a detection
    const [apply] = at('216');
    expect(apply).toMatchObject({ kind: 'span', severity: 'high', facts: { session: 'R5', interfaces: 'Serial0/0' } });
    expect(apply!.why).toContain('copies the traffic of Serial0/0 out of FastEthernet0/0');
    expect(at('217')[0]).toMatchObject({ kind: 'span', severity: 'high', facts: { interfaces: 'Serial0/0' } });
    expect(detector.state.get('192.0.2.99')?.sessions.get('R5')).toMatchObject({ type: 'traffic-export', active: true, sources: ['Serial0/0'], destinations: ['FastEthernet0/0'] });
  });

  it('removing the profile ends the export', () => {
    const d = new Detector({ rules });
    d.detect(ev('ip traffic-export profile R5'));
    d.detect(ev('ip traffic-export apply R5', { context: ['interface Serial0/0'] }));
    expect(d.state.get('192.0.2.10')?.sessions.get('R5')?.active).toBe(true);
    d.detect(ev('no ip traffic-export profile R5'));
    expect(d.state.get('192.0.2.10')?.sessions.get('R5')).toBeUndefined();
  });

  it('packet trace with packet copy, debug ip packet dump, and captured packets printed on screen (not mere recon)', () => {
    expect(at('221')[0]).toMatchObject({ kind: 'capture', severity: 'high', facts: { tool: 'packet-trace' } });
    const printed = at('222');
    expect(printed.map(ruleFile)).toEqual(['capture_buffer_printed']);
    expect(printed[0]!.why).toContain('printed on screen');
    expect(new Detector({ rules }).detect(ev('debug ip packet MGMT detail'))[0]).toMatchObject({ kind: 'capture', facts: { tool: 'ip packet', filter: 'MGMT' } });
    expect(new Detector({ rules }).detect(ev('debug ip packet MGMT'))).toEqual([]);
  });
});

describe('commands behind a layer', () => {
  it('an EEM applet that builds its command with set and append runs what it built', () => {
    const [d] = at('234');
    expect(d).toMatchObject({ kind: 'capture', facts: { eemCommand: 'monitor capture CAP start' } });
    expect(d!.event.typed).toBe('action 2.0 cli command "$c"');
  });

  it('an exec alias defined in configuration is resolved when typed, with the words that follow it', () => {
    const [d] = at('10:04:04');
    expect(d).toMatchObject({ kind: 'capture', severity: 'high', facts: { capture: 'CAP' } });
    expect(d!.event.command).toBe('monitor capture CAP start');
    expect(d!.event.typed).toBe('diag start');
    // shown wherever a detection is: stored facts and the reason
    expect(d!.facts.typed).toBe('diag start');
    expect(d!.why).toContain('typed as "diag start"');
  });

  it('Guest Shell dohost and the management namespace hide nothing', () => {
    const [dohost] = at('241');
    expect(dohost).toMatchObject({ kind: 'capture', facts: { interfaces: 'mgmt', file: 'bootflash:eth.dat' } });
    expect(dohost!.event.typed).toMatch(/^guestshell run dohost "/);
    expect(at('242')[0]).toMatchObject({ kind: 'capture', severity: 'critical', facts: { file: '/bootflash/m.log' } });
    expect(normalizeCommand('do-exec sh mon cap CAP buf dump', 'iosxe')).toEqual({ command: 'show monitor capture CAP buffer dump', doPrefix: true });
  });

  it('aliases are per device and per mode, and forgotten with `no alias`', () => {
    const d = new Detector({ rules });
    const at = new Date('2026-03-03T10:00:00Z');
    d.layers.learn('192.0.2.10', 'alias exec diag monitor capture CAP', [], at);
    expect(d.layers.alias('192.0.2.10', 'diag start', false)).toBe('monitor capture CAP start');
    expect(d.layers.alias('192.0.2.10', 'diag start', true)).toBeUndefined(); // an exec alias, typed in config mode
    expect(d.layers.alias('192.0.2.11', 'diag start', false)).toBeUndefined();
    d.layers.learn('192.0.2.10', 'no alias exec diag', [], at);
    expect(d.layers.alias('192.0.2.10', 'diag start', false)).toBeUndefined();
    d.layers.learn('192.0.2.10', 'cli alias name cap ethanalyzer local interface inband', [], at);
    expect(d.layers.alias('192.0.2.10', 'cap write bootflash:a.bin', true)).toBe('ethanalyzer local interface inband write bootflash:a.bin');
  });

  it('a removed applet forgets its variables, and aliases, variables and files survive a restart with the snapshot', () => {
    const changes: string[] = [];
    const state = new MirrorState({ onChange: (address) => changes.push(address) });
    const time = new Date('2026-03-03T10:00:00Z');
    state.setAlias('192.0.2.10', 'exec', 'diag', 'monitor capture CAP', time);
    state.setEemVariable('192.0.2.10', 'upd', 'c', 'monitor capture CAP start', false, time);
    state.apply({ device: '192.0.2.10', kind: 'capture', action: 'define', facts: { capture: 'CAP', file: 'flash:x.bin' }, time });
    expect(changes).toEqual(['192.0.2.10', '192.0.2.10']);
    const restored = new MirrorState();
    expect(restored.restore(JSON.parse(JSON.stringify(state)))).toBe(1);
    expect(restored.alias('192.0.2.10', 'exec', 'DIAG')?.command).toBe('monitor capture CAP');
    expect(restored.eemVariable('192.0.2.10', 'upd', 'c')).toBe('monitor capture CAP start');
    expect(restored.captureFile('192.0.2.10', 'bootflash:/x.bin')?.capture).toBe('CAP');
    restored.forgetApplet('192.0.2.10', 'upd', time);
    expect(restored.eemVariable('192.0.2.10', 'upd', 'c')).toBeUndefined();
  });

  it('an EEM append cannot grow a variable without bound', () => {
    const state = new MirrorState();
    const time = new Date('2026-03-03T10:00:00Z');
    for (let i = 0; i < 100; i++) state.setEemVariable('192.0.2.10', 'a', 'v', 'x'.repeat(100), true, time);
    expect(state.eemVariable('192.0.2.10', 'a', 'v')!.length).toBe(4096);
  });
});

describe('device identity and outcome', () => {
  it('a line relayed by syslog-ng with a chained host name belongs to the originating host', () => {
    const [d] = at('251');
    expect(d!.event.device.address).toBe('10.77.9.9');
    expect(d!.event.device.hostname).toBeUndefined();
  });

  it('an NX-OS (FAILURE) record is a refused attempt: low, said so, and no mirror session in the state', () => {
    const [d] = at('244');
    expect(d).toMatchObject({ kind: 'span', severity: 'low', facts: { session: '3', result: 'failure' } });
    expect(d!.why).toMatch(/^nx1 refused "destination interface Ethernet1\/5" \(FAILURE\), so nothing changed/);
    expect(detector.state.get('192.0.2.99')?.sessions.get('3')).toBeUndefined();
  });
});
