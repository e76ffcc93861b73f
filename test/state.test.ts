// Capture and mirror-session lifecycles, driven by the built-in rules over normalised commands (transcript lines from
// ../shared/samples/logs/ios-epc-console-transcripts.log; NX-OS and ERSPAN sequences are RECONSTRUCTIONS following
// logformats.md §1.8 / §3.1 syntax), plus bounds and persistence.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from '../src/detect/detector.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { MirrorState, type MirrorInput } from '../src/detect/state.js';
import type { CommandEvent } from '../src/types.js';
import { commandEvent, type EventOptions } from './helpers/command-event.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const ADDR = '192.0.2.10';

/** Runs commands through a detector, one minute apart; returns the detector to inspect its state. */
function run(lines: (string | [string, EventOptions])[], detector = new Detector({ rules })): Detector {
  lines.forEach((l, i) => {
    const [cmd, o] = typeof l === 'string' ? [l, {}] : l;
    const e: CommandEvent = commandEvent(cmd, { time: new Date(Date.UTC(2026, 2, 3, 10, i)), ...o });
    detector.detect(e);
  });
  return detector;
}

const nx = (cmd: string, ...context: string[]): [string, EventOptions] => [cmd, { context, device: { platform: 'nxos' } }];
const bufcap = (text: string, mn: string): [string, EventOptions] => [text, { tag: `BUFCAP-6-${mn}`, user: undefined }];

describe('captures', () => {
  it('IOS-XE: define → start → stop → remove', () => {
    const d = new Detector({ rules });
    const cap = () => d.state.get(ADDR)?.captures.get('TEST');
    run(['monitor capture TEST interface GigabitEthernet1 IN', 'monitor capture TEST match any'], d);
    expect(cap()).toMatchObject({ defined: true, active: false, interfaces: ['GigabitEthernet1'], direction: 'in', filter: 'match any' });
    run(['monitor capture TEST start'], d);
    expect(cap()?.active).toBe(true);
    run(['monitor capture TEST stop', 'monitor capture TEST export tftp://198.51.100.7/TEST.pcap'], d);
    expect(cap()).toMatchObject({ active: false, exportUrl: 'tftp://198.51.100.7/TEST.pcap' });
    run(['no monitor capture TEST'], d);
    expect(cap()).toBeUndefined();
  });

  it('%BUFCAP ENABLE / DISABLE switch a capture on and off even when the commands were never seen', () => {
    const d = run([bufcap('Capture Point TEST enabled.', 'ENABLE')]);
    expect(d.state.get(ADDR)?.captures.get('TEST')?.active).toBe(true);
    run([bufcap('Capture Point TEST disabled.', 'DISABLE')], d);
    expect(d.state.get(ADDR)?.captures.get('TEST')?.active).toBe(false);
  });

  it('classic IOS: the buffer folds into the point it is associated with, and is exported through it (burningnode R2)', () => {
    const d = run([
      'monitor capture buffer test-buffer size 128',
      'monitor capture point ip cef capture-p1 FastEthernet0/0 both',
      bufcap('Capture Point capture-p1 created.', 'CREATE'),
      'monitor capture point associate capture-p1 test-buffer',
      'monitor capture point start capture-p1',
      'monitor capture buffer test-buffer export scp://10.10.10.111/capture/capture-p1',
    ]);
    const caps = d.state.get(ADDR)!.captures;
    expect([...caps.keys()]).toEqual(['capture-p1']);
    expect(caps.get('capture-p1')).toMatchObject({
      active: true,
      buffer: 'test-buffer',
      interfaces: ['FastEthernet0/0'],
      direction: 'both',
      exportUrl: 'scp://10.10.10.111/capture/capture-p1',
    });
    run(['monitor capture point stop capture-p1'], d);
    expect(caps.get('capture-p1')?.active).toBe(false);
  });

  it('start all / stop all', () => {
    const d = run(['monitor capture point ip cef A GigabitEthernet0/0 both', 'monitor capture point ip cef B GigabitEthernet0/1 both', 'monitor capture point start all']);
    expect([...d.state.get(ADDR)!.captures.values()].map((c) => c.active)).toEqual([true, true]);
    run(['monitor capture point stop all'], d);
    expect([...d.state.get(ADDR)!.captures.values()].map((c) => c.active)).toEqual([false, false]);
  });

  it('foreground captures (ethanalyzer, tcpdump) leave no lasting capture, only the file they wrote', () => {
    const d = run([nx('ethanalyzer local interface inband write bootflash:x.pcap'), nx('run bash sudo tcpdump -i eth1')]);
    // Besides the file, the device keeps only a note that capture work happened (correlation with evasion).
    const dev = d.state.get(ADDR);
    expect(dev?.captures.size).toBe(0);
    expect(dev?.sessions.size).toBe(0);
    // The file is remembered so that a later `copy bootflash:x.pcap tftp:` is known as captured packets leaving.
    expect([...dev!.files.keys()]).toEqual(['bootflash:x.pcap']);
  });
});

describe('mirror sessions', () => {
  it('NX-OS: a session is shut until no shut, and shut again stops it', () => {
    const s = 'monitor session 1';
    const d = run([nx(s), nx('source interface Ethernet1/1 both', s), nx('destination interface Ethernet1/48', s)]);
    const ses = () => d.state.get(ADDR)?.sessions.get('1');
    expect(ses()).toMatchObject({ type: 'span', sources: ['Ethernet1/1'], destinations: ['Ethernet1/48'], shut: true, active: false });
    run([nx('no shut', s)], d);
    expect(ses()).toMatchObject({ shut: false, active: true });
    run([nx('shutdown', s)], d);
    expect(ses()?.active).toBe(false);
    run([nx('no monitor session 1 shut')], d);
    expect(ses()?.active).toBe(true);
  });

  it('IOS one-line SPAN is never shut: active as soon as it has both ends', () => {
    const d = run(['monitor session 1 source interface GigabitEthernet1/0/1 both']);
    expect(d.state.get(ADDR)?.sessions.get('1')).toMatchObject({ active: false, shut: false });
    run(['monitor session 1 destination interface GigabitEthernet1/0/24'], d);
    expect(d.state.get(ADDR)?.sessions.get('1')?.active).toBe(true);
  });

  it('NX-OS ERSPAN: active with a source, a destination ip and no shut', () => {
    const s = 'monitor session 2 type erspan-source';
    const d = run([nx(s), nx('erspan-id 100', s), nx('vrf default', s), nx('destination ip 198.51.100.7', s), nx('source interface Ethernet1/1 both', s)]);
    const ses = () => d.state.get(ADDR)?.sessions.get('2');
    expect(ses()).toMatchObject({ type: 'erspan-source', destinationIp: '198.51.100.7', erspanId: '100', sources: ['Ethernet1/1'], active: false });
    run([nx('no shut', s)], d);
    expect(ses()?.active).toBe(true);
  });

  it('IOS-XE ERSPAN destination submode: ip address is the destination; removing it deactivates', () => {
    const s = 'monitor session 1 type erspan-source';
    const d = run([
      [s, {}],
      ['source interface GigabitEthernet0/0/1 both', { context: [s] }],
      ['no shutdown', { context: [s] }],
      ['ip address 198.51.100.7', { context: [s, 'destination'] }],
      ['origin ip address 10.0.0.1', { context: [s, 'destination'] }],
    ]);
    expect(d.state.get(ADDR)?.sessions.get('1')).toMatchObject({ destinationIp: '198.51.100.7', originIp: '10.0.0.1', active: true });
    run([['no ip address 198.51.100.7', { context: [s, 'destination'] }]], d);
    expect(d.state.get(ADDR)?.sessions.get('1')).toMatchObject({ active: false });
    expect(d.state.get(ADDR)?.sessions.get('1')?.destinationIp).toBeUndefined();
  });

  it('RSPAN: a remote VLAN end makes the session rspan', () => {
    const d = run(['monitor session 1 source interface GigabitEthernet1/0/1 rx', 'monitor session 1 destination remote vlan 900']);
    expect(d.state.get(ADDR)?.sessions.get('1')).toMatchObject({ type: 'rspan', destinations: ['remote vlan 900'], active: true });
  });

  it('no monitor session 1 clears it; a partial removal only drops that end', () => {
    const d = run([
      'monitor session 1 source interface GigabitEthernet1/0/1 both',
      'monitor session 1 destination interface GigabitEthernet1/0/24',
      'monitor session 2 source vlan 10 rx',
      'monitor session 2 destination interface GigabitEthernet1/0/23',
    ]);
    run(['no monitor session 2 destination interface GigabitEthernet1/0/23'], d);
    expect(d.state.get(ADDR)?.sessions.get('2')).toMatchObject({ sources: ['vlan 10'], destinations: [], active: false });
    const [removal] = d.detect(commandEvent('no monitor session 1'));
    expect(removal!.kind).toBe('removal');
    expect(d.state.get(ADDR)?.sessions.has('1')).toBe(false);
    run(['no monitor session all'], d);
    expect(d.state.get(ADDR)?.sessions.size).toBe(0);
  });
});

describe('apply() reports what changed', () => {
  const input = (action: MirrorInput['action'], facts: Record<string, string>, kind: MirrorInput['kind'] = 'capture'): MirrorInput => ({
    device: ADDR,
    kind,
    action,
    facts,
    time: new Date('2026-03-03T10:00:00Z'),
  });

  it('created / updated / removed with the activity before and after', () => {
    const st = new MirrorState();
    expect(st.apply(input('define', { capture: 'C' }))).toMatchObject([{ object: 'capture', id: 'C', change: 'created', wasActive: false, active: false }]);
    expect(st.apply(input('start', { capture: 'C' }))).toMatchObject([{ change: 'updated', wasActive: false, active: true }]);
    expect(st.apply(input('remove', { capture: 'C' }, 'removal'))).toMatchObject([{ change: 'removed', wasActive: true, active: false }]);
    expect(st.apply(input('remove', { capture: 'C' }, 'removal'))).toEqual([]);
    expect(st.apply(input('recon', {}, 'recon'))).toEqual([]);
  });
});

describe('bounds', () => {
  const at = (min: number) => new Date(Date.UTC(2026, 2, 3, 10, min));

  it('keeps at most maxDevices, dropping the one unchanged the longest', () => {
    const st = new MirrorState({ maxDevices: 2 });
    ['10.0.0.1', '10.0.0.2', '10.0.0.3'].forEach((device, i) =>
      st.apply({ device, kind: 'capture', action: 'define', facts: { capture: 'C' }, time: at(i) }),
    );
    expect(st.devices().map((d) => d.address)).toEqual(['10.0.0.2', '10.0.0.3']);
  });

  it('keeps at most maxObjectsPerDevice, dropping inactive objects before active ones', () => {
    const st = new MirrorState({ maxObjectsPerDevice: 2, maxEntries: 2 });
    st.apply({ device: ADDR, kind: 'capture', action: 'start', facts: { capture: 'LIVE' }, time: at(0) });
    st.apply({ device: ADDR, kind: 'capture', action: 'define', facts: { capture: 'IDLE', interfaces: 'a, b, c' }, time: at(1) });
    st.apply({ device: ADDR, kind: 'capture', action: 'define', facts: { capture: 'NEW' }, time: at(2) });
    const caps = st.get(ADDR)!.captures;
    expect([...caps.keys()]).toEqual(['LIVE', 'NEW']);
    st.apply({ device: ADDR, kind: 'capture', action: 'define', facts: { capture: 'NEW', interfaces: 'a, b, c' }, time: at(3) });
    expect(caps.get('NEW')?.interfaces).toEqual(['a', 'b']);
  });
});

describe('persistence', () => {
  it('round-trips through JSON, whole or one device at a time, and skips damaged parts', () => {
    const s = 'monitor session 2 type erspan-source';
    const d = run(['monitor capture TEST interface GigabitEthernet1 IN', 'monitor capture TEST start', nx(s), nx('destination ip 198.51.100.7', s), nx('source interface Ethernet1/1', s), nx('no shut', s)]);

    const whole = new MirrorState();
    expect(whole.restore(JSON.parse(JSON.stringify(d.state)))).toBe(1);
    expect(JSON.parse(JSON.stringify(whole))).toEqual(JSON.parse(JSON.stringify(d.state)));
    expect(whole.get(ADDR)?.sessions.get('2')?.active).toBe(true);
    expect(whole.get(ADDR)?.captures.get('TEST')?.lastChange).toBeInstanceOf(Date);

    const perDevice = new MirrorState();
    perDevice.restore(JSON.parse(JSON.stringify(d.state.get(ADDR))));
    expect(perDevice.get(ADDR)?.captures.get('TEST')?.active).toBe(true);

    const damaged = JSON.parse(JSON.stringify(d.state.get(ADDR)));
    damaged.sessions.push({ id: 7, type: 'bogus' }, null);
    damaged.captures.push({ name: 'X', lastChange: 'not a date' });
    const st = new MirrorState();
    expect(st.restore(damaged)).toBe(1);
    expect([...st.get(ADDR)!.sessions.keys()]).toEqual(['2']);
    expect([...st.get(ADDR)!.captures.keys()]).toEqual(['TEST']);
    expect(st.restore(null)).toBe(0);
    expect(st.restore('garbage')).toBe(0);
    expect(st.restore({ devices: [{ address: 5 }] })).toBe(0);
  });
});

describe('candidate configurations (Junos, IOS XR)', () => {
  const t = (m: number) => new Date(Date.UTC(2026, 2, 3, 10, m));
  const capture = (file: string, m: number): MirrorInput => ({ device: ADDR, kind: 'capture', action: 'run', facts: { file }, time: t(m) });

  it('a commit keeps what the device remembered besides its configuration: capture files, aliases, EEM variables', () => {
    const s = new MirrorState();
    s.apply(capture('/var/tmp/before.pcap', 0));
    s.setAlias(ADDR, 'exec', 'sc', 'monitor capture CAP start', t(1));
    s.setEemVariable(ADDR, 'A1', 'cmd', 'monitor capture CAP start', false, t(2));
    s.apply({ device: ADDR, kind: 'span', action: 'destination', facts: { session: 'A0', destinations: 'et-0/0/25.0' }, candidate: true, time: t(3) });
    // Learned while the candidate waits: still the device's after the commit.
    s.setAlias(ADDR, 'exec', 'late', 'show monitor capture', t(4));
    s.apply(capture('/var/tmp/during.pcap', 5));
    expect(s.commit(ADDR, t(6)).map((c) => [c.object, c.id, c.change])).toEqual([['session', 'A0', 'created']]);
    expect(s.get(ADDR)?.sessions.has('A0')).toBe(true);
    expect(s.captureFile(ADDR, '/var/tmp/before.pcap')).toBeDefined();
    expect(s.captureFile(ADDR, '/var/tmp/during.pcap')).toBeDefined();
    expect(s.alias(ADDR, 'exec', 'sc')?.command).toBe('monitor capture CAP start');
    expect(s.alias(ADDR, 'exec', 'late')?.command).toBe('show monitor capture');
    expect(s.eemVariable(ADDR, 'A1', 'cmd')).toBe('monitor capture CAP start');
  });

  it('an alias removed while the candidate waits stays removed after the commit', () => {
    const s = new MirrorState();
    s.setAlias(ADDR, 'exec', 'sc', 'monitor capture CAP start', t(0));
    s.apply({ device: ADDR, kind: 'span', action: 'destination', facts: { session: 'A0', destinations: 'et-0/0/25.0' }, candidate: true, time: t(1) });
    s.setAlias(ADDR, 'exec', 'sc', undefined, t(2));
    s.commit(ADDR, t(3));
    expect(s.alias(ADDR, 'exec', 'sc')).toBeUndefined();
  });
});
