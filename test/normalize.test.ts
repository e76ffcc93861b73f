import { describe, expect, it } from 'vitest';
import { normalizeCommand } from '../parsers/command/normalize.js';
import { logLines } from './helpers/fixture-lines.js';

const n = (text: string, platform?: Parameters<typeof normalizeCommand>[1]) => normalizeCommand(text, platform).command;

/** Commands typed at a prompt in the console transcripts (`host#command`). */
function typedAtPrompt(): string[] {
  return logLines('ios-epc-console-transcripts.log')
    .map((l) => /^[\w.-]+#(.+)$/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);
}

/** Commands as archive logging wrote them (already expanded by the device). */
function cfglogCommands(): string[] {
  return logLines('iosxe-aninchat-sda-cfglog.log').map((l) => /logged command:(.*)$/.exec(l)?.[1] ?? '');
}

describe('normalizeCommand: abbreviations typed by operators', () => {
  it('expands a SPAN one-liner and its interface', () => {
    expect(n('mon ses 2 so int Gi1/0/5 both')).toBe('monitor session 2 source interface GigabitEthernet1/0/5 both');
  });

  it('expands an IOS-XE capture definition', () => {
    expect(n('mon cap CAP int gi1 both')).toBe('monitor capture CAP interface GigabitEthernet1 both');
  });

  it('reads the Catalyst 3850 transcript, where the capture is named like a keyword (tftp)', () => {
    const typed = typedAtPrompt().filter((c) => c.startsWith('mon cap tftp') || c.startsWith('sh mon'));
    expect(typed.map((c) => n(c))).toEqual([
      'monitor capture tftp interface TenGigabitEthernet1/1/3 both vlan 12 both',
      'monitor capture tftp match ipv4 host 10.9.0.32 any',
      'monitor capture tftp file location flash:tftp.pcap',
      'monitor capture tftp start',
      'monitor capture tftp stop',
      'show monitor capture file flash:tftp.pcap',
    ]);
  });

  it('keeps classic EPC and CSR1000v transcript lines, joining `GigabitEthernet 1`', () => {
    const typed = typedAtPrompt().filter((c) => !c.startsWith('mon cap') && !c.startsWith('sh mon'));
    expect(typed.map((c) => n(c))).toEqual([
      'monitor capture buffer test-buffer size 128',
      'monitor capture point ip cef capture-p1 FastEthernet0/0 both',
      'monitor capture point associate capture-p1 test-buffer',
      'monitor capture point start capture-p1',
      'monitor capture buffer test-buffer export scp://10.10.10.111/capture/capture-p1',
      'monitor capture point stop capture-p1',
      'monitor capture point stop POINT',
      'monitor capture TEST start',
      'monitor capture TEST interface GigabitEthernet1 in',
      'show monitor capture TEST parameter',
      'monitor capture TEST stop',
      'monitor capture TEST clear',
    ]);
  });

  it('tells a capture named `b` from the classic `buffer` keyword by what follows', () => {
    expect(n('mon cap b int gi1 both')).toBe('monitor capture b interface GigabitEthernet1 both');
    expect(n('mon cap b test-buffer size 128')).toBe('monitor capture buffer test-buffer size 128');
    // Both readings are valid (classic buffer BUF / IOS-XE capture `b` with `buffer size`): left as typed.
    expect(n('mon cap b BUF size 2048')).toBe('mon cap b BUF size 2048');
  });

  it('expands mirror submode lines', () => {
    expect(n('dest')).toBe('destination');
    expect(n('ip add 198.51.100.7')).toBe('ip address 198.51.100.7');
    expect(n('orig ip add 10.0.0.1')).toBe('origin ip address 10.0.0.1');
    expect(n('erspan 100')).toBe('erspan-id 100');
    expect(n('so int ethernet1/1 b')).toBe('source interface Ethernet1/1 both');
    expect(n('rem', 'ios')).toBe('remote-span');
    expect(n('no shut', 'ios')).toBe('no shutdown');
    expect(n('no shut', 'nxos')).toBe('no shut'); // NX-OS keeps its own keyword
  });

  it('expands RSPAN, ERSPAN origin, and conf t', () => {
    expect(n('mon ses 1 dest rem vl 900')).toBe('monitor session 1 destination remote vlan 900');
    expect(n('mon ses 2 ty erspan-s')).toBe('monitor session 2 type erspan-source');
    expect(n('mon ers or ip-address 10.0.0.1 gl')).toBe('monitor erspan origin ip-address 10.0.0.1 global');
    expect(n('conf t')).toBe('configure terminal');
  });

  it('expands the everyday look-alikes so rules can tell them apart', () => {
    expect(n('term mon')).toBe('terminal monitor');
    expect(n('term no mon')).toBe('terminal no monitor');
    expect(n('logg mon informational')).toBe('logging monitor informational');
    expect(n('sh mon ses all')).toBe('show monitor session all');
  });

  it('expands NX-OS ethanalyzer and bash, keeping the quoted filter as typed', () => {
    expect(n('eth loc int inband capture-filter "port 49" w bootflash:TAC.pcap', 'nxos')).toBe(
      'ethanalyzer local interface inband capture-filter "port 49" write bootflash:TAC.pcap',
    );
    expect(n('ru bash sudo tcpdump -i eth1 -w /bootflash/x.pcap', 'nxos')).toBe(
      'run bash sudo tcpdump -i eth1 -w /bootflash/x.pcap',
    );
  });

  it('the one-line `monitor session N des …` is destination: Catalyst has no description keyword there', () => {
    expect(n('mon ses 1 des int gi0/2')).toBe('monitor session 1 destination interface GigabitEthernet0/2');
  });
});

describe('normalizeCommand: commands behind a wrapper', () => {
  it('`do-exec` is `do`: an exec command from configuration mode', () => {
    expect(normalizeCommand('do-exec sh mon cap CAP buf dump', 'iosxe')).toEqual({ command: 'show monitor capture CAP buffer dump', doPrefix: true });
  });

  it('`guestshell run dohost "…"` is the quoted host command, with the wrapper kept', () => {
    expect(normalizeCommand('guestshell run dohost "mon cap CAP sta"', 'iosxe')).toEqual({
      command: 'monitor capture CAP start',
      doPrefix: false,
      wrapper: 'guestshell run dohost',
    });
    expect(n("run guestshell dohost 'eth loc int inband w bootflash:x.bin'", 'nxos')).toBe('ethanalyzer local interface inband write bootflash:x.bin');
  });

  it('unwraps one layer only, so the result normalises to itself', () => {
    const nested = 'guestshell run dohost "guestshell run dohost monitor capture CAP start"';
    const once = n(nested, 'iosxe');
    expect(n(once, 'iosxe')).toBe(once);
  });
});

describe('normalizeCommand: ambiguity stays as typed', () => {
  it('`mo` is `more` or `monitor` in exec mode; `mon` is not ambiguous', () => {
    expect(n('mo cap CAP start')).toBe('mo cap CAP start');
    expect(n('mon cap CAP start')).toBe('monitor capture CAP start');
  });

  it('`st` is `start` or `stop`', () => {
    expect(n('mon cap CAP st')).toBe('mon cap CAP st');
    expect(n('mon cap CAP sta')).toBe('monitor capture CAP start');
  });

  it('`des` is `description` or `destination`; `log` is `logging` or `login`', () => {
    expect(n('des tap to collector')).toBe('des tap to collector');
    expect(n('log mon 7')).toBe('log mon 7');
  });

  it('an ambiguous interface type (`Tw`: TwoGigabitEthernet or TwentyFiveGigE) stays as typed', () => {
    expect(n('mon ses 1 so int Tw1/0/1 rx')).toBe('monitor session 1 source interface Tw1/0/1 rx');
    expect(n('mon ses 1 so int Twe1/0/1 rx')).toBe('monitor session 1 source interface TwentyFiveGigE1/0/1 rx');
  });
});

describe('normalizeCommand: interface names', () => {
  const cases: Array<[string, string, Parameters<typeof normalizeCommand>[1]?]> = [
    ['interface Gi 1/0/1', 'interface GigabitEthernet1/0/1'],
    ['interface gi1/0/1', 'interface GigabitEthernet1/0/1'],
    ['interface GigabitEthernet 1/0/1', 'interface GigabitEthernet1/0/1'],
    ['int te1/1/3', 'interface TenGigabitEthernet1/1/3'],
    ['int fa0/1', 'interface FastEthernet0/1'],
    ['int Fo1/1/1', 'interface FortyGigabitEthernet1/1/1'],
    ['int Hu1/0/49', 'interface HundredGigE1/0/49'],
    ['int ethernet1/1', 'interface Ethernet1/1', 'nxos'],
    ['int eth1/1', 'interface Ethernet1/1', 'nxos'],
    ['int po10', 'interface Port-channel10'],
    ['int po10', 'interface port-channel10', 'nxos'],
    ['int vl666', 'interface Vlan666'],
    ['interface Loopback 1', 'interface Loopback1'],
    ['int tu0', 'interface Tunnel0'],
    ['mon ses 1 dest int mgmt0', 'monitor session 1 destination interface mgmt0'],
    ['mon ses 1 dest int sup-eth0', 'monitor session 1 destination interface sup-eth0'],
    ['mon ses 1 so int gi1/0/1 , gi1/0/3 - 4 rx', 'monitor session 1 source interface GigabitEthernet1/0/1 , GigabitEthernet1/0/3 - 4 rx'],
    ['mon ses 1 so int gi1/0/1,gi1/0/3 tx', 'monitor session 1 source interface GigabitEthernet1/0/1,GigabitEthernet1/0/3 tx'],
  ];
  it.each(cases)('%s → %s', (typed, expected, platform) => {
    expect(n(typed, platform)).toBe(expected);
  });
});

describe('normalizeCommand: what it must not change', () => {
  it('keeps argument case: names, ACLs, URLs, descriptions', () => {
    expect(n('MON CAP MyCap ACC ACL-Cap')).toBe('monitor capture MyCap access-list ACL-Cap');
    expect(n('monitor capture buffer BUF export TFTP://10.1.1.1/Tac.PCAP')).toBe(
      'monitor capture buffer BUF export TFTP://10.1.1.1/Tac.PCAP',
    );
    expect(n('DESCRIPTION Uplink To SPAN Box')).toBe('description Uplink To SPAN Box');
    expect(n('NAME RSPAN_VLAN')).toBe('name RSPAN_VLAN');
  });

  it('passes commands outside the tree through whitespace-normalised, case untouched', () => {
    expect(n('  router   LISP ')).toBe('router LISP');
    expect(n('sh ip int br')).toBe('sh ip int br');
    expect(n('etr map-server 192.2.99.65 key uci')).toBe('etr map-server 192.2.99.65 key uci');
  });

  it('gives CFGLOG lines back as logged, only whitespace-normalised (the device expanded them)', () => {
    const cmds = cfglogCommands();
    expect(cmds.length).toBeGreaterThan(70);
    for (const c of cmds) expect(n(c)).toBe(c.trim().replace(/\s+/g, ' '));
  });

  it('leaves other vendors alone (Junos `monitor traffic` is not IOS)', () => {
    expect(n('mon tr int ge-0/0/0 write-file x.pcap', 'junos')).toBe('mon tr int ge-0/0/0 write-file x.pcap');
  });
});

describe('normalizeCommand: TACACS+, do, whitespace', () => {
  it('strips the TACACS+ ` <cr>` (real tac_plus records)', () => {
    const cmds = logLines('tacplus-accounting-examples.log')
      .map((l) => /cmd=(.* <cr>)$/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined);
    expect(cmds.map((c) => n(c))).toEqual(expect.arrayContaining(['configure terminal', 'interface Loopback1']));
    expect(cmds.every((c) => !n(c).endsWith('<cr>'))).toBe(true);
  });

  it('strips `do ` and says so', () => {
    expect(normalizeCommand('do sh mon cap')).toEqual({ command: 'show monitor capture', doPrefix: true });
    expect(normalizeCommand('DO show run')).toEqual({ command: 'show run', doPrefix: true });
    expect(normalizeCommand('mon cap X start')).toEqual({ command: 'monitor capture X start', doPrefix: false });
  });

  it('collapses tabs and repeated spaces', () => {
    expect(n('\tmonitor   session  1\t type erspan-source  ')).toBe('monitor session 1 type erspan-source');
  });
});

describe('normalizeCommand: idempotent (NX-OS paths and TACACS+ text arrive already expanded)', () => {
  it('normalize(normalize(x)) === normalize(x) on fixtures and generated abbreviations', () => {
    const full = [
      ...typedAtPrompt(),
      ...cfglogCommands(),
      'monitor session 2 source interface GigabitEthernet1/0/5 both',
      'monitor capture tftp interface TenGigabitEthernet1/1/3 both vlan 12 both',
      'monitor capture CAP limit pps 100 duration 60 match any',
      'monitor capture point ip cef P1 FastEthernet0/0 both',
      'ethanalyzer local interface inband limit-captured-frames 0 write bootflash:x.pcap detail',
      'terminal no monitor',
      'interface port-channel 10',
      'origin ip address 10.0.0.1',
      'monitor session 1 destination remote vlan 900',
      'monitor erspan origin ip-address 10.0.0.1 global',
      'no shut',
      'do do show monitor session all <cr> <cr>',
    ];
    // Deterministic abbreviations: every keyword-looking word cut to a pseudo-random prefix, some upper-cased.
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const inputs = [...full];
    for (const f of full) {
      for (let k = 0; k < 20; k++) {
        inputs.push(
          f
            .split(' ')
            .map((w) => (/^[a-z_-]+$/.test(w) && rnd() < 0.7 ? (rnd() < 0.3 ? w.toUpperCase() : w).slice(0, 1 + Math.floor(rnd() * w.length)) : w))
            .join(' '),
        );
      }
    }
    for (const platform of [undefined, 'ios', 'nxos'] as const) {
      for (const x of inputs) {
        const once = n(x, platform);
        expect(n(once, platform), `${platform}: ${x}`).toBe(once);
      }
    }
  });
});

describe('normalizeCommand: hostile input', () => {
  it('survives control characters and binary', () => {
    expect(n('mon\x00ses\x07 1\x1b so int gi1 b\r\n')).toBe('monitor session 1 source interface GigabitEthernet1 both');
    expect(() => n('\u0000\uffff\ud800%s%n<cr>')).not.toThrow();
    expect(n('')).toBe('');
    expect(n(' <cr>')).toBe('<cr>');
  });

  it('expands a short command however much whitespace pads it (fuzz: idempotence broke past 4,096 characters)', () => {
    // The length cap looked at the raw text, so `int` + 4,000 spaces + `monitor` stayed `int monitor`, and normalising
    // that again gave `interface monitor`: padding was a way to keep `mon cap X start` from reading as a capture.
    const padded = `int${' '.repeat(4100)}monitor${' '.repeat(10)}monitor x`;
    expect(n(padded)).toBe('interface monitor monitor x');
    expect(n(n(padded))).toBe(n(padded));
    expect(n(`mon${' '.repeat(5000)}cap CAP start`)).toBe('monitor capture CAP start');
  });

  it('returns a 100 KB line whitespace-normalised, quickly', () => {
    const big = 'mon cap x  int gi1 b '.repeat(5000);
    const t0 = performance.now();
    const out = n(big);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(out).toBe(big.trim().replace(/\s+/g, ' '));
    expect(() => n('w '.repeat(60_000), 'nxos')).not.toThrow();
  });
});
