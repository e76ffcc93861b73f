import { describe, expect, it } from 'vitest';
import { extractRecord, type ExtractOptions } from '../parsers/messages/index.js';
import { IseReassembler } from '../parsers/messages/ise-reassembly.js';
import { parseSyslog } from '../parsers/syslog/header.js';
import { isParseFailure, type DeviceRecord, type ParseFailure, type SyslogMessage } from '../parsers/types.js';
import { logFixtureNames, logLine, logLines } from './helpers/fixture-lines.js';

const RECEIVED = new Date('2023-06-01T00:00:00Z');

function message(line: string): SyslogMessage {
  const m = parseSyslog(line, RECEIVED);
  if (isParseFailure(m)) throw new Error(`parse failure: ${m.error}`);
  return m;
}

function extract(line: string, opts?: ExtractOptions): DeviceRecord | ParseFailure | null {
  return extractRecord(message(line), opts);
}

function rec(line: string, opts?: ExtractOptions): DeviceRecord {
  const r = extract(line, opts);
  if (r === null || isParseFailure(r)) throw new Error(`no record for ${line}: ${JSON.stringify(r)}`);
  return r;
}

describe('every real fixture line', () => {
  it('gives a record, null, never a ParseFailure and never throws', () => {
    let records = 0;
    for (const name of logFixtureNames()) {
      for (const line of logLines(name)) {
        const r = extract(line);
        expect(isParseFailure(r), `${name}: ${line}`).toBe(false);
        if (r) records++;
      }
    }
    expect(records).toBeGreaterThan(150);
  });

  it('ordinary chatter carries nothing', () => {
    for (const needle of ['%LINK-3-UPDOWN: Interface GigabitEthernet0/1', '%LINEPROTO-5-UPDOWN: Line protocol on Interface Vlan1, changed state to down', '%SPANTREE-5-EXTENDED_SYSID', '%SYS-6-CLOCKUPDATE: System clock has been updated from 00:00:56']) {
      expect(extract(logLine('ios-elastic-test-parsing-issue-5150.log', needle))).toBeNull();
    }
    expect(extract(logLine('ios-elastic-test-syslog.log', 'for monitor FM'))).toBeNull();
    expect(extract(logLine('ios-elastic-test-syslog.log', 'Clock synchronization lost'))).toBeNull();
    expect(extract(logLine('ios-elastic-test-asr920.log', 'LOGIN_SUCCESS'))).toBeNull();
    expect(extract(logLine('ios-epc-console-transcripts.log', 'csr8#monitor capture TEST start'))).toBeNull();
  });
});

describe('IOS / IOS-XE', () => {
  it('CFGLOG: user and command, archive-log config lines are config mode', () => {
    expect(rec(logLine('ios-logzilla-cfglog.log', 'logged command:duplex half'))).toEqual({
      type: 'command',
      origin: 'cfglog',
      platform: 'ios',
      user: 'cisco',
      command: 'duplex half',
      configMode: true,
    });
  });

  it('CFGLOG: trailing spaces are stripped, inner double spaces kept', () => {
    expect(rec(logLine('iosxe-aninchat-sda-cfglog.log', 'logged command:exit-locator-set ')).command).toBe('exit-locator-set');
    expect(rec(logLine('iosxe-aninchat-sda-cfglog.log', 'database-mapping 192.2.21.0/24')).command).toBe(
      'database-mapping 192.2.21.0/24  locator-set rloc_23bd3133-ba7b-4058-9552-e37e69cbc843',
    );
  });

  it('CFGLOG through a relay, and hidekeys secrets', () => {
    expect(rec(logLine('ios-otuslab-relay-cfglog.log', 'snmp-server community'))).toMatchObject({ user: 'console', command: 'snmp-server community * ro' });
    expect(rec(logLine('ios-sigma-regression-cfglog.log', 'CFGLOG'))).toMatchObject({ user: 'admin', command: 'no access-session port-control' });
  });

  it('CFGLOG pseudo-lines (!exec: enable, !config: …) are not commands', () => {
    for (const line of logLines('ios-otuslab-relay-cfglog.log').filter((l) => l.includes('!exec: enable'))) expect(extract(line)).toBeNull();
    expect(extract('*Sep 13 09:19:55.339: %PARSER-5-CFGLOG_LOGGEDCMD: User:console  logged command:!config: USER TABLE MODIFIED')).toBeNull();
  });

  it('CFGLOG in another shape is a ParseFailure', () => {
    const r = extract('*Sep 13 09:19:55.339: %PARSER-5-CFGLOG_LOGGEDCMD: something else entirely');
    expect(r !== null && isParseFailure(r)).toBe(true);
  });

  it('CONFIG_I ends the config session with user, line and client address', () => {
    expect(rec(logLine('ios-elastic-test-asr920.log', 'CONFIG_I'))).toEqual({
      type: 'config-end',
      origin: 'device',
      platform: 'ios',
      user: 'username',
      line: 'vty1',
      remoteAddress: '192.168.0.1',
    });
    expect(rec(logLine('ios-otuslab-relay-cfglog.log', '10:24:39: %SYS-5-CONFIG_I'))).toEqual({
      type: 'config-end',
      origin: 'device',
      platform: 'ios',
      user: 'console',
    });
  });

  it('CONFIG_P from PnP names the line', () => {
    expect(rec(logLine('research-verbatim-extra.log', 'CONFIG_P'))).toEqual({ type: 'config-end', origin: 'device', platform: 'ios', line: 'vty0' });
  });

  it('BUFCAP create / enable / disable give the capture point, no user', () => {
    const lines = logLines('ios-epc-console-transcripts.log').filter((l) => l.includes('%BUFCAP-'));
    expect(lines.map((l) => rec(l).capturePoint)).toEqual([
      { name: 'capture-p1', action: 'create' },
      { name: 'capture-p1', action: 'enable' },
      { name: 'capture-p1', action: 'disable' },
      { name: 'POINT', action: 'disable' },
      { name: 'TEST', action: 'enable' },
      { name: 'TEST', action: 'disable' },
      { name: 'tftp', action: 'enable' },
    ]);
    expect(rec(lines[0] ?? '')).toEqual({
      type: 'capture-point',
      origin: 'device',
      platform: 'ios',
      capturePoint: { name: 'capture-p1', action: 'create' },
    });
  });

  it('EEM CLI logging: every applet by default, only the configured ones when a list is given', () => {
    const cli = logLine('research-verbatim-extra.log', 'CLIaccounting: interface FastEthernet0/1');
    const other = logLine('research-verbatim-extra.log', 'ISP_A_down');
    expect(rec(cli)).toEqual({ type: 'command', origin: 'eem', platform: 'ios', command: 'interface FastEthernet0/1' });
    expect(rec(other).command).toBe('ping to 172.16.1.2 from Serial 0/0/0 failed');
    expect(rec(cli, { eemApplets: [] }).command).toBe('interface FastEthernet0/1');
    expect(rec(cli, { eemApplets: ['CLIaccounting'] }).command).toBe('interface FastEthernet0/1');
    expect(extract(other, { eemApplets: ['CLIaccounting'] })).toBeNull();
  });

  it('%SYS-6-LOGGINGHOST_STARTSTOP is a device notification (no user), stopped or started; a look-alike tag is nothing', () => {
    const stopped = logLine('ios-logginghost-stopped-sc4s.log', '<166>30: foo: *Apr');
    const started = logLine('ios-elastic-test-parsing-issue-5150.log', 'Logging to host 10.112.0.119 port 514 started');
    for (const line of [stopped, started]) expect(rec(line)).toEqual({ type: 'notification', origin: 'device', platform: 'ios' });
    expect(extract(stopped.replace('%SYS-6-', '%SYS-5-'))).toBeNull();
  });
});

describe('NX-OS accounting', () => {
  const lognorm = logLines('nxos-lognorm-rulebase-accounting.log');
  const nx = (needle: string) => rec(lognorm.find((l) => l.includes(needle)) ?? '');

  it('splits the mode path from the command and reads the result', () => {
    expect(nx('vlan 501 ; name WIFI_GUEST (SUCCESS)')).toEqual({
      type: 'command',
      origin: 'nxos-accounting',
      platform: 'nxos',
      user: 'admin',
      line: 'pts/0',
      remoteAddress: '10.109.21.79',
      accounting: 'update',
      command: 'name WIFI_GUEST',
      path: ['configure terminal', 'vlan 501'],
      configMode: true,
      result: 'success',
    });
  });

  it('(REDIRECT)) with its doubled parenthesis, then SUCCESS for the same path', () => {
    expect(nx('vlan 501 (REDIRECT))')).toMatchObject({ command: 'vlan 501', path: ['configure terminal'], result: 'redirect' });
    expect(nx('vlan 501 (SUCCESS)')).toMatchObject({ command: 'vlan 501', path: ['configure terminal'], result: 'success' });
  });

  it('exec commands have an empty path and are not config mode; failures are kept', () => {
    expect(nx('terminal length 0')).toMatchObject({ command: 'terminal length 0', path: [], configMode: false, result: 'success' });
    expect(nx('commit (FAILURE)')).toMatchObject({ command: 'commit', path: ['configure sync', 'switch-profile KOL'], result: 'failure', line: 'pts/0' });
  });

  it('process sources: ppm.PID (sp-commit) with its space, vsh.PID', () => {
    expect(nx('ppm.4055 (sp-commit):admin:configure sync ; interface Ethernet101/1/10 ; no shutdown')).toMatchObject({
      user: 'admin',
      line: 'ppm.4055',
      command: 'no shutdown',
      path: ['configure sync', 'interface Ethernet101/1/10'],
      configMode: true,
    });
    expect(nx('stop:vsh.19419')).toMatchObject({ type: 'session-end', line: 'vsh.19419', user: 'admin' });
    expect(nx('stop:vsh.19419').remoteAddress).toBeUndefined();
  });

  it('start records carry nothing; stop records (free text or empty) end the session', () => {
    expect(extract(lognorm.find((l) => l.includes('start:10.109.21.79@pts/0')) ?? '')).toBeNull();
    expect(nx('shell terminated gracefully')).toEqual({
      type: 'session-end',
      origin: 'nxos-accounting',
      platform: 'nxos',
      user: 'admin',
      line: 'pts/0',
      remoteAddress: '10.109.21.79',
      accounting: 'stop',
    });
  });

  it('relayed syslog with ip@ssh.PID sources', () => {
    const line = logLine('nxos-elastic-test-nexus.log', 'show ip route vrf all');
    expect(rec(line)).toMatchObject({ user: 'SRVC_A00A12_0006_PRD', line: 'ssh.26046', remoteAddress: '10.63.12.105', command: 'show ip route vrf all' });
    expect(rec(logLine('nxos-elastic-test-nexus.log', 'stop:10.63.12.105@ssh.26046'))).toMatchObject({ type: 'session-end', line: 'ssh.26046' });
  });

  it('RECONSTRUCTION (logformats.md 3.3): an ERSPAN destination arrives with its whole path', () => {
    const line = '<190>2301: nx1: 2026 Mar  3 10:00:05 UTC: %AAA-6-AAA_ACCOUNTING_MESSAGE: update:192.0.2.50@pts/0:eve:configure terminal ; monitor session 2 type erspan-source ; destination ip 198.51.100.7 (SUCCESS)';
    expect(rec(line)).toMatchObject({
      user: 'eve',
      command: 'destination ip 198.51.100.7',
      path: ['configure terminal', 'monitor session 2 type erspan-source'],
      configMode: true,
    });
  });

  it('RECONSTRUCTION: an IPv6 client address in the source', () => {
    expect(rec('%AAA-6-AAA_ACCOUNTING_MESSAGE: update:2001:db8::50@pts/1:eve:ethanalyzer local interface inband (SUCCESS)')).toMatchObject({
      remoteAddress: '2001:db8::50',
      line: 'pts/1',
      user: 'eve',
      command: 'ethanalyzer local interface inband',
    });
  });

  it('local accounting log, numbered form (NX-API reference): record time, FAILURE, free text', () => {
    expect(rec(logLine('research-verbatim-extra.log', '17882650:'))).toMatchObject({
      origin: 'nxos-accounting',
      user: 'admin',
      line: 'pts/2',
      remoteAddress: '64.103.223.233',
      time: new Date('2018-07-30T13:02:18Z'),
      command: 'aaa bypass-user test',
      path: ['configure terminal'],
      result: 'failure',
    });
    expect(extract(logLine('research-verbatim-extra.log', 'added user test'))).toBeNull();
  });

  it('local accounting log, keyed form (shape from the issue text, not a device capture)', () => {
    const line = 'Sun Nov 22 11:30:12 2026:type=update:id=10.9.0.3@pts/0:user=netops:cmd=configure terminal ; monitor session 1 ; source interface ethernet1/1 both (SUCCESS)';
    expect(rec(line)).toMatchObject({
      user: 'netops',
      line: 'pts/0',
      remoteAddress: '10.9.0.3',
      time: new Date('2026-11-22T11:30:12Z'),
      command: 'source interface ethernet1/1 both',
      path: ['configure terminal', 'monitor session 1'],
      result: 'success',
    });
  });

  it('VSHD_SYSLOG_CONFIG_I ends the config session', () => {
    expect(rec(logLine('nxos-elastic-test-nexus.log', 'VSHD_SYSLOG_CONFIG_I'))).toEqual({
      type: 'config-end',
      origin: 'device',
      platform: 'nxos',
      user: 'admin',
      line: 'pts/0',
      remoteAddress: '172.20.240.105',
    });
  });

  it('AUTHPRIV sudo lines with COMMAND= are bash-shell commands; PAM and login lines are not', () => {
    expect(rec(logLine('nxos-elastic-test-nexus.log', 'COMMAND=/isanboot'))).toEqual({
      type: 'command',
      origin: 'nxos-sudo',
      platform: 'nxos',
      user: 'admin',
      line: 'pts/0',
      command: '/isanboot/bin/imghdr Debug /var/sysmgr/ftp/img-sync/curr-isan.img',
    });
    expect(extract(logLine('nxos-elastic-test-nexus.log', 'pam_unix(aaa:auth)'))).toBeNull();
    expect(extract(logLine('nxos-elastic-test-nexus.log', '<189>109692: 10.100.0.36: May 9 14:40:12.903: %AUTHPRIV-5-SYSTEM_MSG: Login failed'))).toBeNull();
  });
});

describe('TACACS+ server logs', () => {
  it('tac_plus file shown with spaces (nano copy): NAS, user, port, client, task id, <cr> removed', () => {
    expect(rec(logLine('tacplus-accounting-examples.log', 'cmd=interface Loopback 1'))).toEqual({
      type: 'command',
      origin: 'tacplus-log',
      accounting: 'stop',
      user: 'admin',
      line: 'tty2',
      remoteAddress: '192.168.10.50',
      device: { address: '192.168.10.3' },
      taskId: '21',
      command: 'interface Loopback 1',
    });
  });

  it('exec start gives nothing, exec stop without a command ends the session', () => {
    expect(extract(logLine('tacplus-accounting-examples.log', '13:22:07'))).toBeNull();
    expect(rec(logLine('tacplus-accounting-examples.log', '13:23:04'))).toMatchObject({ type: 'session-end', user: 'user', taskId: '23' });
  });

  it('tacacsgui |!| separator: console login has an empty user and rem_addr async', () => {
    const r = rec(logLine('tacplus-accounting-examples.log', 'aaa new-model'));
    expect(r).toMatchObject({ command: 'aaa new-model', line: 'tty0', device: { address: '192.168.179.252' }, taskId: '26', time: new Date('2020-07-08T08:43:04Z') });
    expect(r.user).toBeUndefined();
    expect(r.remoteAddress).toBeUndefined();
  });

  it('TAB-separated (SR Linux): start and stop both carry the command, told apart by accounting', () => {
    const lines = logLines('tacplus-accounting-examples.log').filter((l) => l.includes('task_id=130'));
    expect(lines.map((l) => [rec(l).accounting, rec(l).command])).toEqual([
      ['start', 'info'],
      ['stop', 'info'],
    ]);
  });

  it('tac_plus accounting file (verified run): a capture start command', () => {
    expect(rec(logLine('research-verbatim-extra.log', 'task_id=42'))).toEqual({
      type: 'command',
      origin: 'tacplus-log',
      accounting: 'start',
      user: 'admin',
      line: 'tty2',
      remoteAddress: '192.0.2.10',
      device: { address: '127.0.0.1' },
      taskId: '42',
      command: 'monitor capture CAP start',
    });
  });

  it('tac_plus-ng default format: service then the command, zone-stamped time', () => {
    expect(rec(logLine('research-verbatim-extra.log', 'show running-config <cr>'))).toEqual({
      type: 'command',
      origin: 'tacplus-log',
      accounting: 'stop',
      user: 'admin',
      line: 'tty2',
      remoteAddress: '192.0.2.10',
      device: { address: '127.0.0.1' },
      time: new Date('2026-11-22T09:37:58Z'),
      command: 'show running-config',
    });
  });

  it('Cisco guide records: ctime stamps, a caller id is not a client address', () => {
    const r = rec(logLine('research-verbatim-extra.log', 'cmd=show version <cr>'));
    expect(r).toMatchObject({ user: 'username1', line: 'tty3', device: { address: '172.16.25.15' }, command: 'show version', time: new Date('2001-06-27T03:46:47Z') });
    expect(r.remoteAddress).toBeUndefined();
  });

  it('RECONSTRUCTION (TaranacLabs/taranac#2 AV excerpt): FortiGate puts the command in reason when cmd is a verb', () => {
    const line = "2026-03-03 10:00:00 +0000\t10.0.0.9\teve\tssh\t192.0.2.50\tstop\ttask_id=9\tservice=shell\tevent=cmd_acct\treason=\"diagnose sniffer packet any 'host 10.1.1.1' 4\"\tcmd=Diagnose";
    expect(rec(line).command).toBe("diagnose sniffer packet any 'host 10.1.1.1' 4");
  });

  it('RECONSTRUCTION: StarOS *** redaction is not a command', () => {
    expect(extract('2026-03-03 10:00:00 +0000\t10.0.0.9\teve\tssh\t192.0.2.50\tstop\ttask_id=9\tservice=shell\tcmd=***')).toBeNull();
  });

  it('RECONSTRUCTION (tacacs.md 1.8): NX-OS accounting strings relayed in cmd are split like NX-OS syslog', () => {
    const line = 'Nov 22 09:40:00\t10.0.0.7\teve\tpts/0\t192.0.2.50\tstop\ttask_id=77\tservice=shell\tcmd=configure terminal ; interface Ethernet1/1 ; shutdown (SUCCESS)';
    expect(rec(line)).toMatchObject({ platform: 'nxos', command: 'shutdown', path: ['configure terminal', 'interface Ethernet1/1'], configMode: true, result: 'success' });
  });

  it('the split authorization form (cmd + cmd-arg) is joined', () => {
    const line = 'Nov 22 09:40:00\t10.0.0.7\teve\ttty2\t192.0.2.50\tstop\ttask_id=78\tservice=shell\tcmd=show\tcmd-arg=monitor\tcmd-arg=capture\tcmd-arg=<cr>';
    expect(rec(line).command).toBe('show monitor capture');
  });
});

describe('Cisco ISE CISE_TACACS_Accounting', () => {
  const ise = logLines('ise-elastic-tacacs-accounting.log');

  it('a command record names the NAS, the operator and the command', () => {
    expect(rec(ise[0] ?? '')).toEqual({
      type: 'command',
      origin: 'ise',
      accounting: 'stop',
      user: 'psxvne',
      line: 'tty10',
      remoteAddress: '81.2.69.144',
      device: { address: '81.2.69.144', hostname: 'wlnwan1' },
      taskId: '2962',
      time: new Date('2020-02-21T19:13:08.328Z'),
      command: 'show mac-address-table',
    });
  });

  it('START gives nothing, STOP without a command ends the session', () => {
    expect(extract(ise[1] ?? '')).toBeNull();
    expect(rec(ise[2] ?? '')).toMatchObject({ type: 'session-end', user: 'psxlms', device: { hostname: 'LDNBuildSW1' } });
  });

  it('RECONSTRUCTION: a typed command containing ", User=" and " <cr> ]" changes neither the command end nor the user', () => {
    const crafted = (ise[0] ?? '').replace('CmdAV=show mac-address-table <cr> ]', 'CmdAV=show run | i <cr> ], User=root, Port=x <cr> ]');
    expect(rec(crafted)).toMatchObject({ user: 'psxvne', line: 'tty10', command: 'show run | i <cr> ], User=root, Port=x' });
  });

  it('RECONSTRUCTION: segments of one message split over packets are reassembled in segment order', () => {
    const full = ise[0] ?? '';
    const cut1 = full.indexOf('CmdAV=show') + 10;
    const cut2 = full.indexOf('Remote-Address=') + 3;
    const head = full.slice(0, full.indexOf('CISE_TACACS_Accounting ') + 'CISE_TACACS_Accounting '.length);
    const seg0 = full.slice(0, cut1).replace(' 4 0 2020', ' 3 0 2020');
    const seg1 = `${head}0000000001 3 1 ${full.slice(cut1, cut2)}`;
    const seg2 = `${head}0000000001 3 2 ${full.slice(cut2)}`;
    const r = new IseReassembler();
    expect(r.push('10.0.0.5', message(seg2), 1000)).toEqual([]);
    expect(r.push('10.0.0.5', message(seg0), 1001)).toEqual([]);
    expect(r.pending).toBe(1);
    const ready = r.push('10.0.0.5', message(seg1), 1002);
    expect(ready).toHaveLength(1);
    expect(r.pending).toBe(0);
    expect(ready[0]?.sender).toBe('10.0.0.5');
    expect(ready[0]?.message.body).toBe(message(full.replace(' 4 0 2020', ' 3 0 2020')).body);
    expect(extractRecord(ready[0]!.message)).toMatchObject({ user: 'psxvne', command: 'show mac-address-table', device: { hostname: 'wlnwan1' } });
  });

  it('single-segment messages pass straight through; groups are per sender; duplicates are ignored', () => {
    const single = message((ise[1] ?? '').replace(' 4 0 2020', ' 1 0 2020'));
    const r = new IseReassembler();
    expect(r.push('10.0.0.5', single, 0)).toEqual([{ sender: '10.0.0.5', message: single }]);
    const seg = message((ise[1] ?? '').replace(' 4 0 2020', ' 2 0 2020'));
    expect(r.push('10.0.0.5', seg, 0)).toEqual([]);
    expect(r.push('10.0.0.5', seg, 0)).toEqual([]);
    expect(r.push('10.0.0.6', seg, 0)).toEqual([]);
    expect(r.pending).toBe(2);
  });

  it('a group given up on (30 s old, pushed out, or end of input) still yields the command from its first segment', () => {
    // The real sample is segment 0 of 4 (the message is cut mid-field): its other segments never come.
    const seg0 = message(ise[0] ?? '');
    const r = new IseReassembler();
    expect(r.push('10.0.0.5', seg0, 1000)).toEqual([]);
    expect(r.expire(30_999)).toEqual([]);
    const [late] = r.expire(31_001);
    expect(late?.sender).toBe('10.0.0.5');
    expect(extractRecord(late!.message)).toMatchObject({ user: 'psxvne', command: 'show mac-address-table' });

    r.push('10.0.0.5', seg0, 0);
    expect(r.drain().map((m) => m.sender)).toEqual(['10.0.0.5']);
    expect(r.pending).toBe(0);
  });

  it('holds at most maxPending groups, and a group without its first segment yields nothing', () => {
    const seg = (id: number, index: number) => message((ise[1] ?? '').replace('0000000001 4 0 2020', `${id} 2 ${index} 2020`));
    const r = new IseReassembler(3);
    for (let id = 1; id <= 3; id++) r.push('s', seg(id, 0), 1000);
    // Pushed out: groups 1 and 2 had their first segment, so their messages come back as far as they got.
    expect(r.push('s', seg(4, 1), 1000).map((m) => m.message.body.slice(0, 5))).toEqual(['1 2 0']);
    expect(r.push('s', seg(5, 1), 1000).map((m) => m.message.body.slice(0, 5))).toEqual(['2 2 0']);
    expect(r.pending).toBe(3);
    // Group 3 has its head; groups 4 and 5 never got one and vanish without a trace.
    expect(r.expire(31_500)).toHaveLength(1);
    expect(r.pending).toBe(0);
  });
});

describe('ASA, Arista, Junos', () => {
  it('ASA 111008 / 111009 / 111010', () => {
    expect(rec(logLine('asa-elastic-additional-messages-excerpt.log', "executed 'clear'"))).toEqual({
      type: 'command',
      origin: 'asa',
      platform: 'asa',
      user: 'enable_15',
      remoteAddress: '10.10.0.87',
      command: 'clear',
    });
    expect(rec(logLine('asa-elastic-additional-messages-excerpt.log', 'impssnagios'))).toMatchObject({ user: 'impssnagios', command: 'enable' });
    expect(rec(logLine('asa-elastic-additional-messages-excerpt.log', 'fw211111_access_out'))).toMatchObject({ user: 'aaaa', command: 'show access-list fw211111_access_out brief' });
    const console0 = rec(logLine('research-verbatim-extra.log', 'dir disk0:/dap.xml'));
    expect(console0.remoteAddress).toBeUndefined();
    expect(extract(logLine('asa-elastic-additional-messages-excerpt.log', '111004: console end configuration'))).toBeNull();
  });

  it('RECONSTRUCTION (logformats.md 4.2): ASA capture commands keep their quotes', () => {
    const line = "<165>Mar 03 2026 10:05:00 fw01 : %ASA-5-111008: User 'eve' executed the 'capture CAP match ip host 10.1.1.10 any' command.";
    expect(rec(line)).toMatchObject({ user: 'eve', command: 'capture CAP match ip host 10.1.1.10 any' });
    const quoted = "%ASA-5-111010: User 'eve', running 'CLI' from IP 192.0.2.50, executed 'capture X access-list 'A' interface inside'";
    expect(rec(quoted)).toMatchObject({ user: 'eve', remoteAddress: '192.0.2.50', command: "capture X access-list 'A' interface inside" });
  });

  it('Arista ACCOUNTING-6-CMD: unknown placeholders are dropped, <cr> and trailing space removed', () => {
    expect(rec(logLine('arista-eos-accounting.log', 'task_id=17'))).toEqual({
      type: 'command',
      origin: 'eos-accounting',
      platform: 'eos',
      accounting: 'stop',
      user: 'admin',
      line: 'vty6',
      remoteAddress: '192.168.2.1',
      taskId: '17',
      command: 'show interfaces status',
    });
    const gnmi = rec(logLine('arista-eos-accounting.log', 'OpenConfig.Set'));
    expect(gnmi.line).toBeUndefined();
    expect(gnmi.remoteAddress).toBeUndefined();
    expect(gnmi.command?.endsWith('"\\\\"test\\\\""}]}')).toBe(true);
  });

  it('Junos UI_CMDLINE_READ_LINE in all three forms', () => {
    expect(rec(logLine('junos-mx-interactive-cli.log', "command 'set disable '"))).toEqual({
      type: 'command',
      origin: 'junos-cli',
      platform: 'junos',
      user: 'P1362636_RW',
      command: 'set disable',
    });
    expect(rec(logLine('research-verbatim-extra.log', 'noctool'))).toMatchObject({ user: 'noctool', command: 'command rpc rpc command show chassis fpc' });
    expect(rec(logLine('research-verbatim-extra.log', 'NEW_SNMP')).command).toBe('show log messages | last 50 | match NEW_SNMP');
    // The commit that makes the candidate active is a record of its own (see the routers block below).
    expect(rec(logLine('junos-mx-interactive-cli.log', 'UI_COMMIT: User')).type).toBe('commit');
  });
});

describe('routers and switches: commits, configuration sessions, sudo', () => {
  it('Junos UI_COMMIT names the user and the commit asked for; UI_COMMIT_COMPLETED says it went through', () => {
    expect(rec(logLine('junos-mirror-commit.log', 'UI_COMMIT: User'))).toEqual({
      type: 'commit',
      origin: 'device',
      platform: 'junos',
      notification: 'UI_COMMIT',
      user: 'eve',
      command: "User 'eve' requested 'commit synchronize' operation (comment: none)",
    });
    expect(rec(logLine('junos-mirror-commit.log', 'UI_COMMIT_COMPLETED'))).toMatchObject({ type: 'commit', platform: 'junos', notification: 'UI_COMMIT_COMPLETED' });
    // `commit check` validates and changes nothing (synthesised from the fixture line: only the operation differs)
    const check = logLine('junos-mirror-commit.log', 'UI_COMMIT: User').replace("'commit synchronize'", "'commit check'");
    expect(extract(check)).toBeNull();
  });

  it('IOS XR %MGBL-CONFIG-6-DB_COMMIT is a commit by its user; %MGBL-SYS-5-CONFIG_I ends the XR configuration session', () => {
    expect(rec(logLine('iosxr-mirror-commit.log', 'DB_COMMIT'))).toEqual({
      type: 'commit',
      origin: 'device',
      platform: 'iosxr',
      user: 'eve',
      command: "Configuration committed by user 'eve'. Use 'show configuration commit changes 1000000421' to view the changes.",
    });
    expect(rec(logLine('iosxr-mirror-commit.log', 'MGBL-SYS-5-CONFIG_I'))).toMatchObject({ type: 'config-end', platform: 'iosxr', user: 'eve' });
  });

  it('EOS %SYS-5-CONFIG_E from ConfigAgent opens a configuration session of that user, line and address', () => {
    expect(rec(logLine('eos-mirror-accounting.log', 'CONFIG_E'))).toEqual({
      type: 'config-start',
      origin: 'device',
      platform: 'eos',
      user: 'eve',
      line: 'vty6',
      remoteAddress: '203.0.113.9',
    });
    expect(rec(logLine('eos-mirror-accounting.log', 'CONFIG_I'))).toMatchObject({ type: 'config-end', platform: 'eos', user: 'eve' });
  });

  it('a Linux sudo line with COMMAND= is a command by the invoking user on its tty; the PAM line is not', () => {
    expect(rec(logLine('linux-nos-sudo.log', 'doug : TTY'))).toEqual({
      type: 'command',
      origin: 'sudo',
      user: 'doug',
      line: 'tty3',
      command: '/usr/sbin/tcpdump -n -tttt -i eth0 port 22',
    });
    expect(rec(logLine('linux-nos-sudo.log', 'lnsoft'))).toMatchObject({ user: 'lnsoft', line: 'pts/2', command: '/usr/sbin/tcpdump -i br-b1a37228308c' });
    expect(extract(logLine('linux-nos-sudo.log', 'pam_unix'))).toBeNull();
  });
});

describe('hostile text', () => {
  it('1 MiB crafted bodies (beyond any frame, handed over directly) finish quickly', () => {
    const mib = 1 << 20;
    const tag = (text: string) => {
      const [facility = '', sev = '0', mnemonic = ''] = text.split(/-(\d)-/);
      return { facility, severity: Number(sev), mnemonic, text };
    };
    const msgs: SyslogMessage[] = [
      { format: 'cisco', timeQuality: 'unknown', tag: tag('PARSER-5-CFGLOG_LOGGEDCMD'), body: `User:x  logged command:${' '.repeat(mib)}x` },
      { format: 'cisco', timeQuality: 'unknown', tag: tag('AAA-6-AAA_ACCOUNTING_MESSAGE'), body: `update:1.1.1.1@pts/0:u:${' ; '.repeat(mib / 3)}(SUCCESS)` },
      { format: 'cisco', timeQuality: 'unknown', tag: tag('ASA-5-111010'), body: `User '${"', running '".repeat(mib / 12)}` },
      { format: 'cisco', timeQuality: 'unknown', tag: tag('HA_EM-6-LOG'), body: `a: ${'\u0000'.repeat(mib)}` },
      { format: 'cisco', timeQuality: 'unknown', tag: tag('AUTHPRIV-5-SYSTEM_MSG'), body: `${'TTY='.repeat(mib / 4)}COMMAND=x` },
      { format: 'cisco', timeQuality: 'unknown', tag: tag('ACCOUNTING-6-CMD'), body: `a b c stop ${'k="'.repeat(mib / 3)}` },
      { format: 'rfc3164', timeQuality: 'unknown', appName: 'CISE_TACACS_Accounting', body: `1 1 0 2020-02-21 19:13:08.328 +00:00 1 3300 NOTICE X: a${', CmdSet=[ CmdAV='.repeat(mib / 16)}` },
      { format: 'bare', timeQuality: 'unknown', body: `Nov 22 09:40:00\t${'a\t'.repeat(mib / 2)}` },
      { format: 'bare', timeQuality: 'unknown', body: `Nov 22 09:40:00 a b c d stop task_id=1 ${'k=v '.repeat(mib / 4)}` },
    ];
    for (const m of msgs) {
      const t0 = performance.now();
      const r = extractRecord(m);
      expect(performance.now() - t0, m.body.slice(0, 30)).toBeLessThan(1000);
      expect(r === null || typeof r === 'object').toBe(true);
    }
  });

  it('control and display-spoofing characters become spaces between words and U+FFFD inside one', () => {
    const r = rec('<189>1: Mar  3 10:00:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:ev\u001be  logged command:monitor\u0085session 1\u202e source interface Gi1\u0007');
    expect(r.user).toBe('ev\ufffde');
    expect(r.command).toBe('monitor session 1  source interface Gi1');
    const t = rec('Nov 22 09:40:00\t10.0.0.7\tev\u0000e\ttty2\t192.0.2.50\tstop\ttask_id=1\tcmd=mon\u2028cap X start <cr>');
    expect(t.user).toBe('ev\ufffde');
    expect(t.command).toBe('mon cap X start');
  });

  it('reads only the tags devices print, the ones the pre-filter keeps (fuzz: `%ARSER-5-CFGLOG_LOGGEDCMD`)', () => {
    const body = 'User:aninchat  logged command:ip address 192.2.21.1 255.255.255.0';
    expect(extract(`<189>1: r1: 1: Mar  3 10:00:01 UTC: %ARSER-5-CFGLOG_LOGGEDCMD: ${body}`)).toBeNull();
    expect(extract(`<189>1: r1: 1: Mar  3 10:00:01 UTC: %XSYS-5-CONFIG_I: Configured from console by eve on vty0`)).toBeNull();
    expect(extract(`<189>1: r1: 1: Mar  3 10:00:01 UTC: %AAA-5-AAA_ACCOUNTING_MESSAGE: update:10.0.0.1@pts/0:eve:show clock (SUCCESS)`)).toBeNull();
    expect(extract(`<166>Nov 22 10:06:00 fw1 : %ASA-X-5-111009: User 'eve' executed cmd: show run`)).toBeNull();
    expect(rec(`<189>1: r1: 1: Mar  3 10:00:01 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: ${body}`).command).toBe('ip address 192.2.21.1 255.255.255.0');
    expect(rec('<189>1: RP/0/RSP0/CPU0:Mar  3 10:00:01.101 UTC: config[65000]: %MGBL-SYS-5-CONFIG_I : Configured from console by eve on vty0 (192.0.2.50)').type).toBe('config-end');
  });

  it('a control character inside a capture name keeps the name one word (fuzz: `A\\u00009`)', () => {
    // It was a space: `monitor capture A 9 start` matched no rule, so the capture started unseen and uncounted.
    const line = '<189>1: r1: 1: Nov 22 10:06:00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor capture A\u00009 start';
    expect(rec(line).command).toBe('monitor capture A\ufffd9 start');
    for (const c of ['\u0007', '\u001b', '\u202e']) expect(rec(line.replace('\u0000', c)).command).toBe('monitor capture A\ufffd9 start');
  });

  it('large crafted bodies finish quickly', () => {
    const big = 60_000;
    const bodies = [
      `%AAA-6-AAA_ACCOUNTING_MESSAGE: update:${'1'.repeat(big)}@`,
      `%AAA-6-AAA_ACCOUNTING_MESSAGE: update:1.1.1.1@pts/0:u:${' ; '.repeat(big / 3)}(SUCCESS)`,
      `%ASA-5-111008: User '${"' executed the '".repeat(big / 16)}`,
      `%ASA-5-111010: User '${"', running '".repeat(big / 12)}`,
      `%PARSER-5-CFGLOG_LOGGEDCMD: User:${' '.repeat(big)}`,
      `%SYS-5-CONFIG_P: Configured programmatically by process ${'x from y as '.repeat(big / 12)}`,
      `<182>Feb 21 19:13:08 h CISE_TACACS_Accounting 1 1 0 2020-02-21 19:13:08.328 +00:00 1 3300 NOTICE X: a${', CmdSet=[ CmdAV='.repeat(1500)}${' <cr> ]'.repeat(1500)}`,
      `2020-07-08 08:42:51 +0000 ${'a '.repeat(big / 2)}stop task_id=1 cmd=x`,
      `Nov 22 09:40:00 a b c d stop ${'k= '.repeat(big / 3)}`,
    ];
    for (const line of bodies) {
      const t0 = performance.now();
      const m = parseSyslog(line, RECEIVED);
      if (!isParseFailure(m)) extractRecord(m);
      expect(performance.now() - t0, line.slice(0, 40)).toBeLessThan(500);
    }
  });
});
