import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeCommand } from '../parsers/command/normalize.js';
import { ContextTracker } from '../src/detect/context.js';
import { logLines } from './helpers/fixture-lines.js';

const CFGLOG = { configMode: true };

/** Feeds lines as one session would (normalised first, as the pipeline does) and returns each line's context. */
function feed(tracker: ContextTracker, key: string, lines: readonly string[], hint: { configMode?: boolean } = CFGLOG) {
  return lines.map((line, i) => {
    const command = normalizeCommand(line).command;
    return { command, context: tracker.track(key, command, hint, i) };
  });
}

const contextOf = (rows: Array<{ command: string; context: string[] }>, command: string, nth = 0) => {
  const hits = rows.filter((r) => r.command === command);
  if (!hits[nth]) throw new Error(`no ${command} #${nth}`);
  return hits[nth].context;
};

/** The two blocks of the aninchat fixture (two configuration sessions), as the commands CFGLOG logged. */
function aninchatBlocks(): string[][] {
  const text = readFileSync(new URL('../fixtures/logs/iosxe-aninchat-sda-cfglog.log', import.meta.url), 'utf8');
  return text
    .split(/^# source:.*$/m)
    .slice(1)
    .map((block) =>
      block
        .split('\n')
        .map((l) => /logged command:(.*)$/.exec(l)?.[1])
        .filter((c): c is string => c !== undefined),
    );
}

const ERSPAN = 'monitor session 10 type erspan-source';

describe('ContextTracker: ERSPAN destination submode vs interface address', () => {
  it('puts `ip address` under the ERSPAN destination, then back under an interface after `interface Vlan666`', () => {
    const rows = feed(new ContextTracker(), 'r1\0eve', [
      ERSPAN,
      'source interface GigabitEthernet0/0/1 both',
      'destination',
      'erspan-id 100',
      'ip address 198.51.100.7',
      'interface Vlan666',
      'ip address 192.2.21.1 255.255.255.0',
    ]);
    expect(rows.map((r) => r.context)).toEqual([
      [],
      [ERSPAN],
      [ERSPAN],
      [ERSPAN, 'destination'],
      [ERSPAN, 'destination'],
      [],
      ['interface Vlan666'],
    ]);
  });

  it('keeps `origin ip address` in the destination; a one-line SPAN climbs to global', () => {
    const rows = feed(new ContextTracker(), 'k', [
      ERSPAN,
      'dest',
      'ip add 198.51.100.7',
      'origin ip address 10.0.0.1',
      'mon ses 2 so int Gi1/0/1',
      'ip address 10.9.9.9',
    ]);
    expect(contextOf(rows, 'origin ip address 10.0.0.1')).toEqual([ERSPAN, 'destination']);
    expect(contextOf(rows, 'monitor session 2 source interface GigabitEthernet1/0/1')).toEqual([]);
    expect(contextOf(rows, 'ip address 10.9.9.9')).toEqual([]);
  });

  it('RECONSTRUCTION (logformats.md §1.8): the IOS-XE ERSPAN exfiltration, then CONFIG_I ends the session', () => {
    const tracker = new ContextTracker();
    const lines = logLines('ios-erspan-exfil-reconstruction.log');
    const commands = lines
      .map((l) => /logged command:(.*)$/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined);
    const rows = feed(tracker, 'r1\0eve', commands);
    const session = 'monitor session 1 type erspan-source';
    expect(rows.map((r) => [r.command, r.context])).toEqual([
      [session, []],
      ['source interface GigabitEthernet0/0/1 both', [session]],
      ['no shutdown', [session]],
      ['destination', [session]],
      ['erspan-id 100', [session, 'destination']],
      ['ip address 198.51.100.7', [session, 'destination']],
      ['origin ip address 10.0.0.1', [session, 'destination']],
    ]);
    expect(lines.some((l) => l.includes('%SYS-5-CONFIG_I'))).toBe(true);
    tracker.endSession('r1\0eve');
    expect(tracker.track('r1\0eve', 'ip address 198.51.100.8', CFGLOG, 99)).toEqual([]);
  });

  it('opens the source submode of an ERSPAN destination session', () => {
    const rows = feed(new ContextTracker(), 'k', [
      'monitor session 2 type erspan-destination',
      'destination interface GigabitEthernet0/0/2',
      'source',
      'erspan-id 100',
      'ip address 10.1.1.1',
      'no shutdown',
    ]);
    expect(rows.map((r) => r.context.length)).toEqual([0, 1, 1, 2, 2, 1]);
  });

  it('gives `remote-span` its VLAN and leaves it for the RSPAN session line', () => {
    const rows = feed(new ContextTracker(), 'k', ['vlan 900', 'remote-span', 'monitor session 1 destination remote vlan 900']);
    expect(rows.map((r) => r.context)).toEqual([[], ['vlan 900'], []]);
  });

  it('returned contexts stay what they were after later lines change the stack', () => {
    const rows = feed(new ContextTracker(), 'k', [ERSPAN, 'destination', 'erspan-id 7', 'interface Gi1', 'exit']);
    expect(contextOf(rows, 'erspan-id 7')).toEqual([ERSPAN, 'destination']);
    expect(contextOf(rows, 'exit')).toEqual(['interface GigabitEthernet1']);
  });
});

describe('ContextTracker: real CFGLOG sequences (aninchat Cat9k, DNA Center push)', () => {
  it('block 1: explicit exit-locator-set and the implicit climbs service ethernet → instance-id → service ipv4', () => {
    const [block1] = aninchatBlocks();
    const rows = feed(new ContextTracker(), 'border1\0aninchat', block1 ?? []);
    const lisp = 'router lisp';
    expect(contextOf(rows, 'router lisp')).toEqual([]);
    expect(contextOf(rows, 'ipv4 source-locator Loopback0')).toEqual([lisp]);
    expect(contextOf(rows, '172.21.1.3')).toEqual([lisp, 'locator-set WLC']);
    expect(contextOf(rows, 'exit-locator-set')).toEqual([lisp, 'locator-set WLC']);
    expect(contextOf(rows, 'service ipv4')).toEqual([lisp]);
    expect(contextOf(rows, 'etr map-server 192.2.99.65 key uci')).toEqual([lisp, 'service ipv4']);
    expect(contextOf(rows, 'service ethernet')).toEqual([lisp]);
    expect(contextOf(rows, 'etr map-server 192.2.99.65 key uci', 1)).toEqual([lisp, 'service ethernet']);
    // No exit-service-ethernet was logged: IOS climbed out because instance-id is not valid under service ethernet.
    expect(contextOf(rows, 'instance-id 4097')).toEqual([lisp]);
    expect(contextOf(rows, 'service ipv4', 1)).toEqual([lisp, 'instance-id 4097']);
    expect(contextOf(rows, 'route-export site-registrations')).toEqual([lisp, 'instance-id 4097', 'service ipv4']);
    expect(contextOf(rows, 'instance-id 4098')).toEqual([lisp]);
    expect(contextOf(rows, 'map-cache site-registration', 2)).toEqual([lisp, 'instance-id 4099', 'service ipv4']);
    expect(contextOf(rows, 'site site_uci')).toEqual([lisp]);
    expect(contextOf(rows, 'authentication-key uci')).toEqual([lisp, 'site site_uci']);
  });

  it('block 2: exit, exit-dynamic-eid, and an interface opened from deep inside router lisp', () => {
    const [, block2] = aninchatBlocks();
    const rows = feed(new ContextTracker(), 'border1\0aninchat', block2 ?? []);
    expect(contextOf(rows, 'no interface Loopback1027')).toEqual([]);
    expect(contextOf(rows, 'name 192_2_21_0-Guest_VN')).toEqual(['vlan 666']);
    expect(contextOf(rows, 'switchport mode trunk')).toEqual(['interface GigabitEthernet1/0/12']);
    expect(contextOf(rows, 'router lisp')).toEqual([]);
    const eid = 'dynamic-eid 192_2_21_0-Guest_VN-IPV4';
    expect(contextOf(rows, 'database-mapping 192.2.21.0/24 locator-set rloc_23bd3133-ba7b-4058-9552-e37e69cbc843')).toEqual(
      ['router lisp', 'instance-id 4099', eid],
    );
    expect(contextOf(rows, 'service ipv4')).toEqual(['router lisp', 'instance-id 4099']);
    expect(contextOf(rows, 'interface Vlan666')).toEqual([]);
    // The line that looks exactly like an ERSPAN destination address is an interface address here.
    expect(contextOf(rows, 'ip address 192.2.21.1 255.255.255.0')).toEqual(['interface Vlan666']);
    expect(contextOf(rows, 'lisp mobility 192_2_21_0-Guest_VN-IPV4')).toEqual(['interface Vlan666']);
    expect(contextOf(rows, 'ip dhcp snooping vlan 666')).toEqual([]);
  });
});

describe('ContextTracker: exec and config mode in TACACS+ streams', () => {
  it('is exec mode until configure terminal; end leaves config mode', () => {
    const tracker = new ContextTracker();
    const rows = feed(
      tracker,
      'r1\0admin\0tty2',
      ['show monitor session all', 'destination', 'conf t', ERSPAN, 'destination', 'ip address 198.51.100.7', 'end', 'ip address 1.1.1.1'],
      {},
    );
    expect(rows.map((r) => r.context)).toEqual([[], [], [], [], [ERSPAN], [ERSPAN, 'destination'], [ERSPAN, 'destination'], []]);
  });

  it('exit at global leaves config mode; exec commands do not disturb the stack', () => {
    const tracker = new ContextTracker();
    const rows = feed(
      tracker,
      'k',
      ['configure terminal', 'interface Gi1/0/1', 'show run', 'description to tap', 'exit', 'exit', 'description x'],
      {},
    );
    expect(rows.map((r) => r.context)).toEqual([[], [], [], ['interface GigabitEthernet1/0/1'], ['interface GigabitEthernet1/0/1'], [], []]);
  });

  it('reads the real tac_plus records (`cmd=… <cr>`, typed argument `Loopback 1`)', () => {
    const cmds = logLines('tacplus-accounting-examples.log')
      .filter((l) => l.includes('\tadmin') || l.includes(' admin '))
      .map((l) => /cmd=(.* <cr>)$/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined);
    expect(cmds).toEqual(['configure terminal <cr>', 'interface Loopback 1 <cr>']);
    // The follow-up line is a RECONSTRUCTION: the fixture stops at the interface.
    const rows = feed(new ContextTracker(), 'r1\0admin\0tty2', [...cmds, 'ip address 10.255.0.1 255.255.255.255 <cr>'], {});
    expect(rows.map((r) => r.context)).toEqual([[], [], ['interface Loopback1']]);
  });
});

describe('ContextTracker: NX-OS paths', () => {
  /** `…:admin:configure terminal ; vlan 501 ; name WIFI_GUEST (SUCCESS)` → parents and command. */
  function nxos(line: string): { path: string[]; command: string } {
    const text = /:admin:(.*) \((?:SUCCESS|FAILURE|REDIRECT)\)\)?$/.exec(line)?.[1] ?? '';
    const parts = text.split(' ; ');
    return { command: parts.pop() ?? '', path: parts };
  }

  it('takes the context from the path, minus configure terminal / configure sync (real lognorm records)', () => {
    const tracker = new ContextTracker();
    const rows = logLines('nxos-lognorm-rulebase-accounting.log')
      .filter((l) => l.includes(' ; '))
      .map((l) => nxos(l))
      .map(({ path, command }) => [command, tracker.track('n9k\0admin\0pts/0', command, { path }, 0)]);
    expect(rows).toEqual([
      ['vlan 501', []],
      ['vlan 501', []],
      ['name WIFI_GUEST', ['vlan 501']],
      ['interface Ethernet101/1/10', []],
      ['interface Ethernet101/1/10', []],
      ['no shutdown', ['interface Ethernet101/1/10']],
      ['commit', ['switch-profile KOL']],
    ]);
  });

  it('RECONSTRUCTION (logformats.md §3.3): an NX-OS ERSPAN destination, and later path-less lines agree', () => {
    const tracker = new ContextTracker();
    const session = 'monitor session 2 type erspan-source';
    const ctx = tracker.track('n9k\0eve', 'destination ip 198.51.100.7', { path: ['configure terminal', session] }, 0);
    expect(ctx).toEqual([session]);
    expect(tracker.track('n9k\0eve', 'no shut', {}, 1)).toEqual([session]);
    expect(tracker.track('n9k\0eve', 'show monitor session 2', { path: [] }, 2)).toEqual([]);
  });
});

describe('ContextTracker: sessions and memory', () => {
  it('keeps sessions apart', () => {
    const tracker = new ContextTracker();
    tracker.track('a', ERSPAN, CFGLOG, 0);
    tracker.track('b', 'interface Vlan666', CFGLOG, 1);
    tracker.track('a', 'destination', CFGLOG, 2);
    expect(tracker.track('a', 'ip address 198.51.100.7', CFGLOG, 3)).toEqual([ERSPAN, 'destination']);
    expect(tracker.track('b', 'ip address 192.2.21.1 255.255.255.0', CFGLOG, 4)).toEqual(['interface Vlan666']);
  });

  it('holds at most maxSessions, evicting the least recently used', () => {
    const tracker = new ContextTracker({ maxSessions: 2 });
    tracker.track('a', 'interface Gi1', CFGLOG, 0);
    tracker.track('b', 'interface Gi2', CFGLOG, 1);
    tracker.track('a', 'description a', CFGLOG, 2); // a is now the most recent
    tracker.track('c', 'interface Gi3', CFGLOG, 3); // evicts b
    expect(tracker.size).toBe(2);
    expect(tracker.track('a', 'description a', CFGLOG, 4)).toEqual(['interface Gi1']);
    expect(tracker.track('b', 'description b', CFGLOG, 5)).toEqual([]);
    for (let i = 0; i < 1000; i++) tracker.track(`s${i}`, 'interface Gi9', CFGLOG, 10 + i);
    expect(tracker.size).toBe(2);
  });

  it('forgets a session idle longer than idleMs (time from the caller, no clock)', () => {
    const tracker = new ContextTracker({ idleMs: 1000 });
    tracker.track('a', 'interface Gi1', CFGLOG, 0);
    expect(tracker.track('a', 'description x', CFGLOG, 999)).toEqual(['interface Gi1']);
    expect(tracker.track('a', 'description y', CFGLOG, 2500)).toEqual([]);
    tracker.track('old', 'interface Gi2', CFGLOG, 3000);
    tracker.track('new', 'interface Gi3', CFGLOG, 10_000); // creating a session sweeps idle ones
    expect(tracker.size).toBe(1);
  });

  it('survives hostile commands', () => {
    const tracker = new ContextTracker();
    const big = normalizeCommand('interface ' + 'x'.repeat(100_000)).command;
    expect(() => tracker.track('k', big, CFGLOG, 0)).not.toThrow();
    for (const junk of ['', ' ', '\x00\x1b[2J', 'exit-', 'exit-exit-exit', 'no', 'default', '!config: USER TABLE MODIFIED']) {
      expect(Array.isArray(tracker.track('k', junk, CFGLOG, 1))).toBe(true);
    }
    expect(tracker.track('k', 'description x', CFGLOG, 2)).toEqual([]);
  });
});
