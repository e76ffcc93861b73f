import { describe, expect, it } from 'vitest';
import { parseSyslog } from '../parsers/syslog/header.js';
import { isParseFailure, type SyslogMessage } from '../parsers/types.js';
import { logFixtureNames, logLine, logLines } from './helpers/fixture-lines.js';

const RECEIVED = new Date('2023-06-01T00:00:00Z');

function parsed(line: string, receivedAt = RECEIVED): SyslogMessage {
  const m = parseSyslog(line, receivedAt);
  if (isParseFailure(m)) throw new Error(`parse failure: ${m.error}`);
  return m;
}

/** The fields a reader of the message cares about, with dates as ISO strings. */
function shape(m: SyslogMessage): Record<string, unknown> {
  return {
    format: m.format,
    hostname: m.hostname,
    deviceHostname: m.deviceHostname,
    appName: m.appName,
    tag: m.tag?.text,
    timeQuality: m.timeQuality,
    deviceTime: m.deviceTime?.toISOString(),
    relayTime: m.relayTime?.toISOString(),
  };
}

describe('parseSyslog on every real fixture line', () => {
  for (const name of logFixtureNames()) {
    it(`parses all of ${name}`, () => {
      const lines = logLines(name);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const m = parseSyslog(line, RECEIVED);
        expect(isParseFailure(m), line).toBe(false);
        if (!isParseFailure(m)) expect(typeof m.body).toBe('string');
      }
    });
  }

  it('finds the %FAC-SEV-MNEMONIC tag on every tagged line of the IOS and NX-OS files', () => {
    for (const name of ['ios-elastic-test-syslog-header.log', 'ios-elastic-test-asr920.log', 'iosxe-aninchat-sda-cfglog.log', 'ios-logzilla-cfglog.log']) {
      for (const line of logLines(name)) {
        const m = parsed(line);
        const expected = /%([A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*-[0-7]-[A-Z0-9_]+) ?:/.exec(line)?.[1];
        expect(m.tag?.text, line).toBe(expected);
      }
    }
  });
});

describe('IOS header stacks (elastic test-syslog-header.log, one shape per line)', () => {
  const lines = logLines('ios-elastic-test-syslog-header.log');
  const inner = '2023-07-14T08:23:43.398Z';
  const cases: [number, Record<string, unknown>][] = [
    [0, { format: 'cisco', hostname: '192.168.100.2', deviceHostname: 'sw01', deviceTime: inner, relayTime: '2022-07-13T08:23:43.000Z' }],
    [1, { format: 'cisco', hostname: '192.168.100.2', deviceHostname: 'sw01', deviceTime: inner }],
    [2, { format: 'cisco', hostname: '192.168.100.2', deviceHostname: undefined, deviceTime: inner }],
    [3, { format: 'cisco', hostname: '2a02:cf40::', deviceTime: inner }],
    [4, { format: 'cisco', hostname: 'sw01', deviceTime: inner }],
    [5, { format: 'cisco', hostname: undefined, deviceTime: inner }],
    [6, { hostname: 'sw01', deviceTime: inner }],
    [7, { hostname: 'sw01', deviceTime: inner }],
    [8, { hostname: undefined, deviceTime: inner }],
    [9, { hostname: 'sw01', deviceTime: inner }],
    [10, { hostname: undefined, deviceTime: inner }],
    [11, { hostname: undefined, timeQuality: 'synced', deviceTime: inner }],
    [12, { timeQuality: 'unsynced', deviceTime: inner }],
    [13, { hostname: 'sw01', timeQuality: 'uptime', deviceTime: undefined }],
    [14, { hostname: '192.168.100.2', deviceTime: '2023-07-14T08:23:43.000Z' }],
    [15, { format: 'cisco', hostname: '192.168.100.2', deviceTime: '2023-07-14T08:23:43.000Z' }],
  ];
  for (const [i, want] of cases) {
    it(`line ${i + 1}: ${lines[i]?.slice(0, 60)}`, () => {
      const m = parsed(lines[i] ?? '');
      expect(shape(m)).toMatchObject({ tag: 'FOO-6-BAR', ...want });
      expect(m.body).toBe('Test header format');
      expect(m.pri === undefined).toBe(i === 15);
    });
  }
});

describe('named header shapes from real devices', () => {
  it('relay header before the PRI, two counters, * = clock never set (C2960C)', () => {
    const m = parsed(logLine('ios-elastic-test-parsing-issue-5150.log', '%SYS-5-CONFIG_I:'));
    expect(shape(m)).toEqual({
      format: 'cisco',
      hostname: 'es-tf-sw-224.vceaa.votorantim.grupo',
      deviceHostname: undefined,
      appName: undefined,
      tag: 'SYS-5-CONFIG_I',
      timeQuality: 'unsynced',
      // Aug 22 would be in the future on 2023-06-01: the relay wrote it the year before, and the
      // device's year-less stamp is dated from the relay's.
      deviceTime: '2022-01-02T00:00:59.567Z',
      relayTime: '2022-08-22T05:11:06.000Z',
    });
    expect(m.pri).toBe(189);
    expect(m.severity).toBe(5);
    expect(m.facility).toBe(23);
    expect(m.body).toBe('Configured from memory by console');
  });

  it('boot banner lines without a tag keep their text as the body', () => {
    const m = parsed(logLine('ios-elastic-test-parsing-issue-5150.log', 'Cisco IOS Software'));
    expect(m.tag).toBeUndefined();
    expect(m.body).toBe('Cisco IOS Software, C2960C Software (C2960c405-UNIVERSALK9-M), Version 15.2(7)E7, RELEASE SOFTWARE (fc10)');
  });

  it('rsyslog file format without PRI: the host field is the device, its own stamp wins over the relay', () => {
    const m = parsed(logLine('ios-otuslab-relay-cfglog.log', 'ip ssh version 2'));
    expect(shape(m)).toMatchObject({
      hostname: 'one.one.one.one',
      tag: 'PARSER-5-CFGLOG_LOGGEDCMD',
      deviceTime: '2023-01-06T10:24:19.000Z',
      relayTime: '2023-01-06T13:24:20.000Z',
    });
    expect(m.pri).toBeUndefined();
    expect(m.body).toBe('User:console  logged command:ip ssh version 2');
  });

  it('host and counter without PRI (Sigma regression line)', () => {
    const m = parsed(logLine('ios-sigma-regression-cfglog.log', 'CFGLOG'));
    expect(shape(m)).toMatchObject({ hostname: '172.16.5.10', deviceTime: '2023-02-17T13:40:03.673Z' });
  });

  it('uptime stamps (2y10w, 00:00:46, 07:02:19) have no date', () => {
    expect(shape(parsed(logLine('ios-elastic-test-asr920.log', 'CONFIG_I')))).toMatchObject({
      hostname: 'ASR920',
      timeQuality: 'uptime',
      deviceTime: undefined,
      tag: 'SYS-5-CONFIG_I',
    });
    expect(parsed(logLine('research-verbatim-extra.log', '00:00:46:')).timeQuality).toBe('uptime');
    expect(parsed(logLine('research-verbatim-extra.log', 'ISP_A_down')).timeQuality).toBe('uptime');
  });

  it('. = clock lost sync, * = never set', () => {
    expect(parsed(logLine('research-verbatim-extra.log', '1348: .Jun')).timeQuality).toBe('sync-lost');
    expect(parsed(logLine('research-verbatim-extra.log', '1348: *Jun')).timeQuality).toBe('unsynced');
  });

  it('time zones: UTC+1, UTC+07:30, mdt, CEST, ISO offsets', () => {
    const lines = logLines('ios-elastic-test-syslog.log');
    const at = (needle: string) => parsed(lines.find((l) => l.includes(needle)) ?? '').deviceTime?.toISOString();
    expect(at('UTC+1:')).toBe('2023-05-06T15:13:09.123Z');
    expect(at('UTC+07:30:')).toBe('2023-05-06T08:43:09.123Z');
    expect(at('3352436:')).toBe('2023-08-12T18:14:24.412Z');
    expect(at('2637085:')).toBe('2022-08-18T05:15:04.461Z');
    expect(at('TestDevice')).toBe('2024-10-11T15:15:31.208Z');
  });

  it('ISO 8601 header with a bare host', () => {
    const m = parsed(logLine('ios-elastic-test-syslog.log', 'TestDevice'));
    expect(shape(m)).toMatchObject({ format: 'cisco', hostname: 'TestDevice', tag: 'LINEPROTO-5-UPDOWN', timeQuality: 'synced' });
  });

  it('messages with no tag after a Cisco header (NTP Core)', () => {
    const m = parsed(logLine('ios-elastic-test-syslog.log', 'Clock synchronization lost'));
    expect(shape(m)).toMatchObject({ format: 'cisco', hostname: 'rt401-rk30409', tag: undefined });
    expect(m.body).toBe('NTP Core (NOTICE): Clock synchronization lost.');
  });

  it('IOS-XR: node id before the stamp, process[pid], space before the tag colon', () => {
    const m = parsed(logLine('ios-elastic-test-syslog.log', 'for monitor FM'));
    expect(shape(m)).toMatchObject({
      hostname: 'irgendwo12-mgmt',
      appName: 'nfsvr',
      tag: 'MGBL-NETFLOW-6-INFO_CACHE_SIZE_EXCEEDED',
      deviceTime: '2022-10-07T08:16:04.041Z',
    });
    expect(m.tag?.facility).toBe('MGBL');
    expect(m.tag?.mnemonic).toBe('INFO_CACHE_SIZE_EXCEEDED');
    expect(m.procId).toBe('244');
    expect(m.body).toBe('Cache size of 10000 for monitor FM has been exceeded');
  });

  it('the first tag anchors the body when the text embeds another one (IOSXE-6-PLATFORM)', () => {
    const m = parsed(logLine('ios-elastic-test-syslog.log', '3352436:'));
    expect(m.tag?.text).toBe('IOSXE-6-PLATFORM');
    expect(m.body.startsWith('R0/0: cpp_cp: QFP:0.0')).toBe(true);
  });

  it('WLC task name before the stamp is not the hostname', () => {
    const m = parsed(logLine('research-verbatim-extra.log', 'Dot1x_NW_MsgTask_0'));
    expect(shape(m)).toMatchObject({ hostname: 'host-1', tag: 'DOT1X-3-INVALID_REPLAY_CTR', deviceTime: '2023-02-18T13:04:15.123Z' });
  });

  it('Kiwi relay: RFC 5424 outer header without structured data around a Cisco message; its year dates the inner stamp', () => {
    const m = parsed(logLine('research-verbatim-extra.log', 'Kiwi_SyslogNet_Server'));
    expect(shape(m)).toMatchObject({
      format: 'rfc5424',
      hostname: 'syslog-host-1',
      deviceHostname: 'TEST-HOST-1',
      appName: 'Kiwi_SyslogNet_Server',
      tag: 'SYS-6-LOGOUT',
      timeQuality: 'unsynced',
      deviceTime: '2025-06-23T15:52:38.534Z',
      relayTime: '2025-06-23T16:13:32.168Z',
    });
    expect(m.msgId).toBe('MSGOUT');
  });
});

describe('NX-OS header shapes (elastic test-nexus.log)', () => {
  const lines = logLines('nxos-elastic-test-nexus.log');
  const first = (needle: string) => parsed(lines.find((l) => l.includes(needle)) ?? '');

  it('year first with an empty host field', () => {
    expect(shape(first('<189>: 2023 May  2 12:57:15 UTC: %ETHPORT-5-IF_DOWN_ADMIN_DOWN'))).toMatchObject({
      hostname: undefined,
      tag: 'ETHPORT-5-IF_DOWN_ADMIN_DOWN',
      deviceTime: '2023-05-02T12:57:15.000Z',
    });
  });

  it('host with a space before its colon, relay stamp in front', () => {
    expect(shape(first('%AUTHPRIV-5-SYSTEM_MSG:    admin'))).toMatchObject({
      hostname: '10.100.0.33',
      tag: 'AUTHPRIV-5-SYSTEM_MSG',
      deviceTime: '2023-05-02T15:21:27.206Z',
      relayTime: '2023-05-02T15:21:27.000Z',
    });
  });

  it('AEST device stamp after a relay header', () => {
    expect(shape(first('%VSHD-5-VSHD_SYSLOG_CONFIG_I'))).toMatchObject({
      hostname: 'ac2106-pesr1-eps-vdi-7k-data',
      deviceTime: '2023-05-03T03:55:35.928Z',
    });
  });

  it('year-first header stamp followed by a bare host', () => {
    const m = first('2023 May  1 22:58:09 switchname %AAA-6-AAA_ACCOUNTING_MESSAGE');
    expect(shape(m)).toMatchObject({ hostname: 'switchname', tag: 'AAA-6-AAA_ACCOUNTING_MESSAGE', deviceTime: '2023-05-01T22:58:09.000Z' });
    expect(m.body).toBe('stop:10.63.12.105@ssh.26046:SRVC_A00A12_0006_PRD:');
  });

  it('counter and host: fields before a year-less stamp', () => {
    expect(shape(first('<190>109692: 10.100.0.36: May 9 14:40:12.903: %AAA-6'))).toMatchObject({
      hostname: '10.100.0.36',
      deviceTime: '2023-05-09T14:40:12.903Z',
    });
  });

  it('member suffixes in the tag: %SEC_LOGIN-SW2-5-…, %EARL-SW2_DFC1-1-…', () => {
    const m = first('%SEC_LOGIN-SW2-5-LOGIN_SUCCESS');
    expect(m.tag).toEqual({ facility: 'SEC_LOGIN', severity: 5, mnemonic: 'LOGIN_SUCCESS', text: 'SEC_LOGIN-SW2-5-LOGIN_SUCCESS' });
    expect(first('%EARL-SW2_DFC1-1-EXCESSIVE').tag?.severity).toBe(1);
  });

  it('a zone a relay pushed behind the host is read as the zone, not the app name', () => {
    const m = first('ac45ce-sr1 AEST:');
    expect(shape(m)).toMatchObject({ hostname: 'ac45ce-sr1', appName: undefined, deviceTime: '2022-06-14T01:34:35.000Z' });
  });

  it('space before the colon after the zone (ACI fault)', () => {
    const m = parsed(logLine('research-verbatim-extra.log', 'LOG_LOCAL7'));
    expect(shape(m)).toMatchObject({ tag: 'LOG_LOCAL7-3-SYSTEM_MSG', deviceTime: '2025-09-25T08:49:23.000Z' });
  });
});

describe('other vendors and messages without a % tag', () => {
  it('Junos: app name and pid, body keeps the UI_ event', () => {
    const m = parsed(logLine('junos-mx-interactive-cli.log', "command 'set disable '"));
    expect(shape(m)).toMatchObject({ format: 'rfc3164', hostname: 'MX-BP-02-06', appName: 'mgd', tag: undefined });
    expect(m.procId).toBe('67468');
    expect(m.body).toBe("UI_CMDLINE_READ_LINE: User 'P1362636_RW', command 'set disable '");
  });

  it('Junos relay with two spaces before the host', () => {
    expect(shape(parsed(logLine('research-verbatim-extra.log', 'NEW_SNMP')))).toMatchObject({ hostname: 'R1', appName: 'mgd' });
  });

  it('Junos RFC 5424 with structured data', () => {
    const m = parsed(logLine('junos-mx-interactive-cli.log', 'SNMP_TRAP_LINK_DOWN'));
    expect(shape(m)).toMatchObject({ format: 'rfc5424', hostname: 'MX-BP-02-06', appName: 'mib2d', deviceTime: '2026-04-28T15:12:48.188Z' });
    expect(m.msgId).toBe('SNMP_TRAP_LINK_DOWN');
    expect(m.body.startsWith('ifIndex 738,')).toBe(true);
  });

  it('Arista: the 3164 tag Aaa is the app name, then the tag', () => {
    const m = parsed(logLine('arista-eos-accounting.log', 'task_id=17'));
    expect(shape(m)).toMatchObject({ hostname: 'eos', appName: 'Aaa', tag: 'ACCOUNTING-6-CMD' });
    expect(m.body.startsWith('admin vty6 192.168.2.1 stop')).toBe(true);
  });

  it('ISE: the category is the app name, the body starts at the message id', () => {
    const m = parsed(logLine('ise-elastic-tacacs-accounting.log', '3300 NOTICE'));
    expect(shape(m)).toMatchObject({ hostname: 'cisco-ise-host', appName: 'CISE_TACACS_Accounting', tag: undefined });
    expect(m.body.startsWith('0000000001 4 0 2020-02-21 19:13:08.328 +00:00 0018415781 3300')).toBe(true);
  });

  it('ASA: year in the device stamp, host with colon, and a device-id found past the header', () => {
    expect(shape(parsed(logLine('research-verbatim-extra.log', '10.113.219.101')))).toMatchObject({
      hostname: '10.113.219.101',
      tag: 'PIX-5-111010',
      deviceTime: '2013-11-08T10:18:30.000Z',
    });
    expect(shape(parsed(logLine('research-verbatim-extra.log', 'FW-LZQ')))).toMatchObject({ hostname: '192.168.1.1', tag: 'ASA-5-111010' });
    expect(shape(parsed(logLine('asa-elastic-additional-messages-excerpt.log', "executed 'clear'")))).toMatchObject({ hostname: 'dev01', tag: 'ASA-5-111010' });
  });

  it('accounting files are bare messages whose body is the whole line, dated by their leading stamp', () => {
    const tab = logLine('tacplus-accounting-examples.log', 'task_id=131');
    const m = parsed(tab);
    expect(m.format).toBe('bare');
    expect(m.body).toBe(tab);
    expect(m.deviceTime?.toISOString()).toBe('2020-07-17T17:42:11.000Z');
    const nano = logLine('tacplus-accounting-examples.log', 'cmd=interface Loopback 1');
    expect(parsed(nano)).toMatchObject({ format: 'bare', body: nano });
    const nx = logLine('research-verbatim-extra.log', '17882650:');
    expect(parsed(nx)).toMatchObject({ format: 'bare', body: nx });
  });

  it('a tag inside an accounting command is not taken for the message tag', () => {
    const line = 'Nov 22 09:32:26\t127.0.0.1\tadmin\ttty2\t192.0.2.10\tstop\ttask_id=7\tcmd=send log %SYS-5-CONFIG_I: Configured from console by root <cr>';
    const m = parsed(line);
    expect(m.tag).toBeUndefined();
    expect(m.body).toBe(line);
  });
});

describe('untrusted device time', () => {
  it('year-less stamps take the receive year, or the year before when they would be a day in the future', () => {
    const line = '<189>12: Dec 31 23:59:00.000 UTC: %SYS-5-CONFIG_I: Configured from console by eve on vty0 (192.0.2.1)';
    expect(parsed(line, new Date('2024-01-01T00:00:10Z')).deviceTime?.toISOString()).toBe('2023-12-31T23:59:00.000Z');
    expect(parsed(line, new Date('2024-12-31T23:00:00Z')).deviceTime?.toISOString()).toBe('2024-12-31T23:59:00.000Z');
  });

  it('an unknown zone or an impossible date leaves no time but still parses the message', () => {
    for (const line of [
      '<189>12: Feb 30 10:00:00.000 UTC: %SYS-5-CONFIG_I: Configured from console by eve',
      '<189>12: Jan  6 2022 25:61:00.000: %SYS-5-CONFIG_I: Configured from console by eve',
      '*May 26 2026 13:05:23.086 PDST: %HA_EM-6-LOG: catchall: show logging',
    ]) {
      const m = parsed(line);
      expect(m.deviceTime, line).toBeUndefined();
      expect(m.timeQuality, line).toBe('unknown');
      expect(m.tag, line).toBeDefined();
    }
  });

  it('a garbage receive time does not break year-less stamps', () => {
    const m = parsed('<189>12: Jun  1 10:00:00: %SYS-5-CONFIG_I: Configured from console by eve', new Date(Number.NaN));
    expect(m.tag?.text).toBe('SYS-5-CONFIG_I');
    expect(m.deviceTime).toBeUndefined();
  });
});

describe('hostile input never throws', () => {
  it('empty, blank and binary lines are ParseFailures with a short reason', () => {
    for (const line of ['', '   ', '\r\n', '\u0000\u0001\u0002\u0003garbage\u0007']) {
      const m = parseSyslog(line, RECEIVED);
      expect(isParseFailure(m), JSON.stringify(line)).toBe(true);
      if (isParseFailure(m)) expect(m.error.length).toBeLessThan(60);
    }
  });

  it('a line longer than any frame is refused quickly', () => {
    const line = `<189>1: ${'A'.repeat(1 << 20)}`;
    const t0 = performance.now();
    const m = parseSyslog(line, RECEIVED);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(isParseFailure(m)).toBe(true);
  });

  it('adversarial 64 KiB lines complete quickly', () => {
    const big = 60_000;
    const lines = [
      `<189>${'1: '.repeat(big / 3)}`,
      `<189>${'a:'.repeat(big / 2)}`,
      `<190>${'%FOO-'.repeat(big / 5)}1-X:`,
      `<189>: ${'a '.repeat(big / 2)}`,
      `<1>${'Jan  1 00:00:00 '.repeat(big / 16)}`,
      `Jan  1 00:00:00 h ${' '.repeat(big)}x`,
      `${'%'.repeat(big)}`,
      `<13>1 2023-01-01T00:00:00Z h a p m [${'x="\\]'.repeat(big / 6)}`,
      `${'2a02:'.repeat(big / 5)}: x`,
    ];
    for (const line of lines) {
      const t0 = performance.now();
      const m = parseSyslog(line, RECEIVED);
      expect(performance.now() - t0, line.slice(0, 30)).toBeLessThan(500);
      expect(typeof (isParseFailure(m) ? m.error : m.body)).toBe('string');
    }
  });

  it('invalid UTF-8 (replacement characters) and stray bytes give a best-effort message', () => {
    const m = parsed('<189>12: \uFFFD\uFFFD: Jan  6 10:24:17: %PARSER-5-CFGLOG_LOGGEDCMD: User:\uFFFD  logged command:mon\uFFFDitor');
    expect(m.tag?.mnemonic).toBe('CFGLOG_LOGGEDCMD');
    expect(parsed('\uFFFD\uFFFD\uFFFD not syslog at all').format).toBe('bare');
  });

  it('random header-like text never throws', () => {
    const alphabet = ['<', '>', '1', '89', ':', ' ', '  ', '*', '.', '%', '-', 'SYS', '5', 'Jan', ' 6', '2023', '10:24:17', '.123', 'UTC', '+07:30', '[', ']', '"', '\\', '\t', '|!|', 'a', '=', '\u0000', '\uFFFD', 'T', 'Z'];
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      let line = '';
      const parts = 1 + rnd(40);
      for (let j = 0; j < parts; j++) line += alphabet[rnd(alphabet.length)];
      const m = parseSyslog(line, RECEIVED);
      expect(typeof (isParseFailure(m) ? m.error : m.body), line).toBe('string');
    }
  });
});

describe('relay wrappers around the device message', () => {
  const CMD = '%PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor capture CAP start';
  const cases: Array<[string, string, Record<string, unknown>]> = [
    [
      'util-linux logger sending a device line that keeps its own <PRI> (RFC 3164 outside)',
      `<13>May 30 15:10:00 vm root: <189>123: *Mar  1 00:10:00.123: ${CMD}`,
      { format: 'cisco', hostname: 'vm', appName: undefined, tag: 'PARSER-5-CFGLOG_LOGGEDCMD', timeQuality: 'unsynced', deviceTime: '2023-03-01T00:10:00.123Z', relayTime: '2023-05-30T15:10:00.000Z' },
    ],
    [
      'the same with an RFC 5424 header outside',
      `<13>1 2023-05-30T15:10:00.000Z vm root - - - <189>123: *Mar  1 00:10:00.123: ${CMD}`,
      { format: 'cisco', hostname: 'vm', tag: 'PARSER-5-CFGLOG_LOGGEDCMD', deviceTime: '2023-03-01T00:10:00.123Z', relayTime: '2023-05-30T15:10:00.000Z' },
    ],
    [
      'an RFC 3164 device message inside a relay’s RFC 5424 (rsyslog forwarding the raw message)',
      `<13>1 2023-05-30T15:10:00.000Z relay1 rsyslogd - - - <189>May 30 15:09:59 core-rtr1 ${CMD}`,
      { hostname: 'core-rtr1', appName: undefined, tag: 'PARSER-5-CFGLOG_LOGGEDCMD', deviceTime: '2023-05-30T15:09:59.000Z', relayTime: '2023-05-30T15:10:00.000Z' },
    ],
    [
      'two RFC 3164 headers, the relay’s then the device’s (an rsyslog template with %msg%)',
      `<189>May 30 15:10:00 relay1 May 30 15:09:59 core-rtr2 ${CMD}`,
      { hostname: 'core-rtr2', tag: 'PARSER-5-CFGLOG_LOGGEDCMD', deviceTime: '2023-05-30T15:09:59.000Z', relayTime: '2023-05-30T15:10:00.000Z' },
    ],
    [
      'syslog-ng’s chained $HOST/$HOST_FROM names the originating host first',
      `<189>May 30 15:10:00 10.77.9.9/logrelay-dc1 123: *May 30 15:09:59.000: ${CMD}`,
      { hostname: '10.77.9.9', tag: 'PARSER-5-CFGLOG_LOGGEDCMD', deviceTime: '2023-05-30T15:09:59.000Z' },
    ],
  ];
  for (const [name, line, want] of cases) {
    it(name, () => {
      const m = parsed(line);
      expect(shape(m)).toMatchObject(want);
      expect(m.body).toBe('User:eve  logged command:monitor capture CAP start');
    });
  }

  it('a second <…> that is no PRI leaves the relay header as the message', () => {
    const m = parsed('<13>Dec  4 15:10:00 vm root: <not a pri> hello');
    expect(m).toMatchObject({ hostname: 'vm', appName: 'root', body: '<not a pri> hello' });
  });
});
