import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudCallFromText } from '../parsers/cloud/index.js';
import { JsonRecordSplitter } from '../parsers/cloud/stream.js';
import { extractRecord } from '../parsers/messages/index.js';
import { mayCarryCommand, PREFILTER_KEYS } from '../parsers/prefilter.js';
import { parseSyslog } from '../parsers/syslog/header.js';
import { isParseFailure } from '../parsers/types.js';
import { logFixtureNames, logLine, logLines } from './helpers/fixture-lines.js';

const RECEIVED = new Date('2023-06-01T00:00:00Z');

function carriesRecord(line: string): boolean {
  const m = parseSyslog(line, RECEIVED);
  return !isParseFailure(m) && extractRecord(m) !== null;
}

describe('mayCarryCommand', () => {
  it('keeps every fixture line that yields a device record', () => {
    let kept = 0;
    for (const name of logFixtureNames()) {
      for (const line of logLines(name)) {
        if (!carriesRecord(line)) continue;
        expect(mayCarryCommand(line), `${name}: ${line}`).toBe(true);
        kept++;
      }
    }
    expect(kept).toBeGreaterThan(150);
  });

  it('keeps the command-bearing shapes of every format', () => {
    const keep = [
      logLine('ios-otuslab-relay-cfglog.log', 'ip ssh version 2'),
      logLine('ios-elastic-test-asr920.log', 'CONFIG_I'),
      logLine('research-verbatim-extra.log', 'CONFIG_P'),
      logLine('ios-epc-console-transcripts.log', 'BUFCAP-6-CREATE'),
      logLine('research-verbatim-extra.log', 'CLIaccounting: shutdown'),
      logLine('nxos-elastic-test-nexus.log', 'show ip route vrf all'),
      logLine('nxos-elastic-test-nexus.log', 'VSHD_SYSLOG_CONFIG_I'),
      logLine('nxos-elastic-test-nexus.log', 'COMMAND=/isanboot'),
      logLine('research-verbatim-extra.log', '17882650:'),
      logLine('ise-elastic-tacacs-accounting.log', '3300 NOTICE'),
      logLine('tacplus-accounting-examples.log', 'cmd=interface Loopback 1'),
      logLine('tacplus-accounting-examples.log', 'aaa new-model'),
      logLine('research-verbatim-extra.log', 'show running-config <cr>'),
      logLine('asa-elastic-additional-messages-excerpt.log', "executed 'clear'"),
      logLine('asa-elastic-additional-messages-excerpt.log', '111009: User \'aaaa\' executed cmd: show access-list aaa_out'),
      logLine('arista-eos-accounting.log', 'task_id=17'),
      logLine('junos-mx-interactive-cli.log', "command 'set disable '"),
      logLine('research-verbatim-extra.log', 'noctool'),
      logLine('ios-logginghost-stopped-sc4s.log', '<166>30: foo: *Apr'),
      '<189>1: RP/0/RSP0/CPU0:Mar  3 10:00:01.101 UTC: config[65000]: %MGBL-SYS-5-CONFIG_I : Configured from console by eve on vty0 (192.0.2.50)',
      'Sun Nov 22 11:30:12 2026:type=update:id=10.9.0.3@pts/0:user=netops:cmd=configure terminal ; monitor session 1 (SUCCESS)',
      // A `%` in a relayed accounting record is not a Cisco tag, so the record's own markers still count.
      'Nov 22 09:32:26\t10.0.0.1\tadmin\ttty2\t192.0.2.10\tstop\ttask_id=43\tservice=shell\tcmd=show proc cpu | i 100% <cr>',
    ];
    for (const line of keep) expect(mayCarryCommand(line), line).toBe(true);
  });

  it('drops ordinary chatter: link up/down, logins, NTP, NetFlow, spanning tree, PAM', () => {
    const drop = [
      logLine('ios-elastic-test-parsing-issue-5150.log', '%LINK-3-UPDOWN: Interface GigabitEthernet0/1'),
      logLine('ios-elastic-test-parsing-issue-5150.log', '%LINEPROTO-5-UPDOWN: Line protocol on Interface Vlan22, changed state to down'),
      logLine('ios-elastic-test-asr920.log', 'LOGIN_SUCCESS'),
      logLine('ios-elastic-test-asr920.log', 'User CPI has exited'),
      logLine('ios-elastic-test-syslog.log', 'Clock synchronization lost'),
      logLine('ios-elastic-test-syslog.log', 'Clock is synchronized'),
      logLine('ios-elastic-test-syslog.log', 'for monitor FM'),
      logLine('ios-logzilla-cfglog.log', '18:51:42.418: %SPANTREE-5-TOPOTRAP'),
      logLine('nxos-elastic-test-nexus.log', 'pam_unix(aaa:auth)'),
      logLine('nxos-elastic-test-nexus.log', 'SEC_LOGIN-SW2-5-LOGIN_SUCCESS'),
      logLine('asa-elastic-additional-messages-excerpt.log', 'Login permitted'),
      logLine('junos-mx-interactive-cli.log', 'SNMP_TRAP_LINK_DOWN'),
      logLine('research-verbatim-extra.log', 'Port-channel1, changed state to up'),
      '<189>12: Mar  3 10:00:01 UTC: %SYS-5-LOG_CONFIG_CHANGE: Buffer logging: level debugging, xml disabled, filtering disabled, size (4096) -- terminal monitor enabled',
      '<189>12: sw1: Mar  3 10:00:01 UTC: %LINK-5-CHANGED: Interface GigabitEthernet0/1, changed state to administratively down (capture monitor session description)',
      // A tagged Cisco message is judged by its tag alone, whatever its text contains.
      '<189>12: sw1: Mar  3 10:00:01 UTC: %LINEPROTO-5-UPDOWN: Line protocol on Interface task_id=1\tstop update: changed state to up',
      `<189>12: %${'A-1-'.repeat(20_000)}`,
    ];
    for (const line of drop) expect(mayCarryCommand(line), line).toBe(false);
  });

  it('keeps an untagged record whose command quotes a Cisco tag (fuzz: a %HMM tag after a tac_plus stop)', () => {
    // Any Cisco tag used to mean "chatter" even after an accounting record's own markers: `cmd=… # %LINK-1-X`
    // hid a command from every format without a tag of its own (tac_plus, ISE, Junos, the NX-OS local log).
    const keep = [
      'Nov 22 10:06:00\t10.0.0.1\tadmin\ttty2\t192.0.2.10\tstop\t<186>May  2 15:21:27 10.100.0.33 : 2023 May  2 15:21:27.206 UTC: %HMM-2-DUP_HOSTS:  hmm [27877]',
      'Nov 22 09:32:26\t10.0.0.1\teve\ttty2\t192.0.2.10\tstop\ttask_id=43\tservice=shell\tcmd=run bash tcpdump -i eth1 -w /bootflash/x.pcap # %LINK-3-UPDOWN <cr>',
      logLine('ise-elastic-tacacs-accounting.log', '3300 NOTICE').replace('show mac-address-table', 'monitor capture CAP start ! %LINK-3-UPDOWN'),
      "<189>Nov 22 10:06:00 mx1 mgd[1]: UI_CMDLINE_READ_LINE: User 'eve', command 'set forwarding-options analyzer a description %LINK-3-UPDOWN '",
      '17882650:Mon Jul 30 13:02:18 2018:update:10.0.0.1@pts/2:eve:configure terminal ; monitor session 1 ; description %LINK-3-UPDOWN (SUCCESS)',
    ];
    for (const line of keep) expect(mayCarryCommand(line), line).toBe(true);
  });

  it("keeps tacacsgui's |!| lines whatever their AV pairs (fuzz: a NUL inside task_id= hid the line)", () => {
    const line = '2020-07-08 08:42:51 +0000|!|192.168.179.252|!||!|tty0|!|async|!|stop|!|t\u0000ask_id=25|!|timezone=BST|!|service=shell|!|cmd=monitor capture CAP start <cr>';
    expect(mayCarryCommand(line)).toBe(true);
    expect(mayCarryCommand(line.replace('|!|t\u0000ask_id=25', ''))).toBe(true);
  });

  it('looks past percent signs that start no tag (fuzz: `%%%%%%PARSER-5-CFGLOG_LOGGEDCMD`)', () => {
    // The header parser finds the tag behind them, so the pre-filter must too; it used to give up after four `%`.
    for (const head of ['%%%%%%', '100% 100% 100% 100% ', '%a %b %c %d %e ']) {
      expect(mayCarryCommand(`${head}%PARSER-5-CFGLOG_LOGGEDCMD: User:aninchat  logged command:distance site-registrations 250`)).toBe(true);
    }
  });

  it('drops most of a mixed real corpus', () => {
    const all = logFixtureNames().flatMap((n) => logLines(n));
    const dropped = all.filter((l) => !mayCarryCommand(l)).length;
    expect(dropped / all.length).toBeGreaterThan(0.4);
  });

  it('ignores tag text deep in a body and bounds the work of a line full of %', () => {
    expect(mayCarryCommand(`<189>1: Mar  3 10:00:01 UTC: %LINK-3-UPDOWN: ${'x'.repeat(600)} %PARSER-5-CFGLOG_LOGGEDCMD:`)).toBe(false);
    const t0 = performance.now();
    expect(mayCarryCommand('%'.repeat(1 << 20))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('finds each untagged marker in a plain header, and before a Cisco tag its command quotes', () => {
    const K = PREFILTER_KEYS;
    const lines = [
      ...[...K.markers, ...K.fortiosMarkers, ...K.panosMarkers, ...K.nxosLocalLog].map((m) => `Nov 22 10:01:00 host1 ${m} x`),
      ...K.accountingMarkers.map((m) => `Nov 22 10:01:00 10.0.0.1 admin${m}stop x`),
      'Nov 22 10:01:00 leaf1 sudo: admin : TTY=pts/0 ; PWD=/home/admin ; USER=root ; COMMAND=/usr/sbin/tcpdump -i eth0',
    ];
    for (const line of lines) {
      expect(mayCarryCommand(line), line).toBe(true);
      expect(mayCarryCommand(`${line} show log | i %LINK-3-UPDOWN: x`), line).toBe(true);
    }
  });

  it('keeps a cloud mirroring record forwarded as syslog or as a bare JSON line, and drops other JSON', () => {
    const dir = join(import.meta.dirname, '..', 'fixtures', 'cloud');
    const records: string[] = [];
    const split = new JsonRecordSplitter();
    for (const f of readdirSync(dir).filter((f) => /\.jsonl?$/.test(f))) split.push(readFileSync(join(dir, f), 'utf8'), (r) => records.push(r));
    split.end();
    // One line each, as rsyslog's or Fluent Bit's JSON output writes them.
    const calls = records.map((r) => JSON.stringify(JSON.parse(r))).filter((r) => { const c = cloudCallFromText(r); return c !== null && !isParseFailure(c); });
    expect(calls.length).toBeGreaterThan(15);
    for (const r of calls) {
      for (const line of [r, `<14>Dec  4 12:00:00 fwd01 cloudtrail: ${r}`, `<14>1 2026-12-04T12:00:00Z fwd01 fluent-bit - - - ${r}`]) expect(mayCarryCommand(line), line.slice(0, 120)).toBe(true);
    }
    expect(mayCarryCommand('<14>Dec  4 12:00:00 fwd01 app: {"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com"}')).toBe(false);
    // Behind a Cisco tag the JSON is chatter's text, not a record.
    expect(mayCarryCommand('<189>1: Mar  3 10:00:01 UTC: %LINK-3-UPDOWN: {"TrafficMirror":1}')).toBe(false);
  });

  it('exports what it keys on', () => {
    expect(PREFILTER_KEYS.tags).toContain('PARSER-5-CFGLOG_LOGGEDCMD');
    expect(PREFILTER_KEYS.markers).toContain('CISE_TACACS_Accounting');
    expect(PREFILTER_KEYS.asaIds).toEqual(['111008', '111009', '111010']);
    expect(PREFILTER_KEYS.cloudMarkers).toContain('packetMirrorings');
  });
});
