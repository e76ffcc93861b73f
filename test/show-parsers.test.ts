// The show-output parsers against real device outputs (fixtures/show, each with the summary a person wrote by
// reading it), plus the answers a poller must not misread: rejected, paged, empty and hostile output.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRejected, isTruncated, parseShowOutputs, splitTranscript, type ShowOutput } from '../parsers/show/index.js';
import type { Platform } from '../parsers/types.js';
import type { CaptureFinding, DeviceFindings, SessionFinding } from '../src/types.js';

const DIR = resolve(import.meta.dirname, '../fixtures/show');

/** The sample as the device printed it: the first line names where it came from and is not device output. */
function sample(file: string): string {
  const text = readFileSync(resolve(DIR, file), 'utf8');
  expect(text.startsWith('# source:')).toBe(true);
  return text.slice(text.indexOf('\n') + 1);
}

function platformOf(file: string): Platform {
  return file.split('__')[0] as Platform;
}

function parseSample(file: string, command?: string): { findings: DeviceFindings; outputs: ShowOutput[] } {
  const outputs = splitTranscript(sample(file));
  // A bare output whose command the summary names (the sample lost its prompt line).
  if (command && outputs.length === 1) outputs[0] = { ...outputs[0]!, command };
  return { findings: parseShowOutputs(platformOf(file), outputs), outputs };
}

// ---- the summaries (.expected.json) in the finding vocabulary -------------------------------------------------

type Json = Record<string, unknown>;
interface Want {
  captures: Array<Partial<CaptureFinding> & { name: string }>;
  /** Checked against every capture: none found at all. */
  noCaptures?: boolean;
  activeCapture?: boolean;
  sessions: Array<Partial<SessionFinding> & { id: string }>;
  sessionCount?: number;
  /** False when the sample's command is not one that reveals captures or mirrors: it answers nothing either way. */
  supported: boolean;
}

const TYPES: Record<string, string> = {
  'Local Session': 'local',
  'Remote Source Session': 'remote-source',
  'Remote Destination Session': 'remote-destination',
  'ERSPAN Source Session': 'erspan-source',
  'ERSPAN Destination Session': 'erspan-destination',
  'ERSPAN Source': 'erspan-source',
};

const list = (v: unknown): string[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : String(v) === 'None' ? [] : String(v).split(',');
const dir = (d: unknown) => (d === undefined ? null : ({ in: 'in', out: 'out', both: 'both' } as Record<string, 'in' | 'out' | 'both'>)[String(d).toLowerCase()] ?? null);

function wantSession(s: Json): Partial<SessionFinding> & { id: string } {
  const sources: string[] = [];
  const directions: Record<string, 'rx' | 'tx' | 'both'> = {};
  let sourceKnown = false;
  for (const section of ['source_ports', 'source_subinterfaces', 'source_intf', 'source_vlans']) {
    const sec = s[section] as Json | undefined;
    if (!sec) continue;
    sourceKnown = true;
    for (const [k, v] of Object.entries(sec)) {
      const d = ({ rx_only: 'rx', rx: 'rx', tx_only: 'tx', tx: 'tx', both: 'both' } as const)[k as 'rx'];
      for (const item of list(v)) {
        const name = section === 'source_vlans' ? `VLAN ${item}` : item;
        if (!sources.includes(name)) sources.push(name);
        directions[name] = directions[name] && directions[name] !== d ? 'both' : d;
      }
    }
  }
  if (s.source_rspan_vlan !== undefined) sources.push(`RSPAN VLAN ${s.source_rspan_vlan}`), (sourceKnown = true);
  if (s.source_ip_address !== undefined) sources.push(`ERSPAN ${s.source_ip_address}`), (sourceKnown = true);
  const destinations = list(s.destination_ports);
  if (s.dest_rspan_vlan !== undefined) destinations.push(`RSPAN VLAN ${s.dest_rspan_vlan}`);
  const destKnown = s.destination_ports !== undefined || s.dest_rspan_vlan !== undefined;
  const destinationIp = (s.destination_ip_address ?? s.destination_ip) as string | undefined;
  const type = s.type === null ? 'local' : (TYPES[String(s.type)] ?? String(s.type));
  const active =
    s.status !== undefined
      ? s.status === 'Admin Enabled'
      : s.state !== undefined
        ? s.state === 'up'
        : sources.length > 0 && (destinations.length > 0 || destinationIp !== undefined);
  const want: Partial<SessionFinding> & { id: string } = { id: String(s.session_id ?? s.session_number), type, active };
  if (sourceKnown) {
    want.sources = sources;
    if (Object.keys(directions).length) want.sourceDirections = directions;
  }
  if (destKnown) want.destinations = destinations;
  if (destinationIp !== undefined || type === 'erspan-source') want.destinationIp = destinationIp ?? null;
  return want;
}

function want(e: Json): Want | undefined {
  const w: Want = { captures: [], sessions: [], supported: true };
  let said = false;
  if (Array.isArray(e.captures)) {
    said = true;
    for (const c of e.captures as Json[]) {
      if (c.capture_name !== undefined) {
        const file = c.file as Json | null | undefined;
        w.captures.push({
          name: String(c.capture_name),
          active: c.status === 'Active',
          interfaces: c.interface ? [String(c.interface)] : [],
          direction: dir(c.direction),
          file: file ? String(file.file_name) : null,
        });
      } else {
        w.captures.push({ name: String(c.name), active: c.state === 'Capturing', interfaces: [String(c.interface)] });
      }
    }
    if (w.captures.length === 0) w.noCaptures = true;
  }
  if (typeof e.capture === 'string') (said = true), w.captures.push({ name: e.capture });
  if (typeof e.capture_name === 'string') {
    said = true;
    const c: Want['captures'][number] = { name: e.capture_name };
    for (const line of (e.config_lines as string[] | undefined) ?? []) {
      const m = /^monitor capture \S+ interface (\S+) (\S+)$/.exec(line);
      if (m) (c.interfaces = [m[1]!]), (c.direction = dir(m[2]));
    }
    w.captures.push(c);
  }
  const nested = e.expected as Json | undefined;
  if (nested?.capture && typeof e.command === 'string') {
    said = true;
    w.captures.push({ name: /capture (\S+) buffer/.exec(e.command)![1]! });
  }
  if (typeof e.point === 'string') {
    said = true;
    if (e.exists === false) w.noCaptures = true;
    else w.captures.push({ name: e.point, active: e.status === 'Active', file: (e.capture_buffer as string | null) ?? null });
  }
  if (typeof e.buffer === 'string') {
    said = true;
    if (e.exists === false) w.noCaptures = true;
    for (const p of (e.associated_points as Json[] | undefined) ?? []) w.captures.push({ name: String(p.name), active: p.status === 'Active', file: e.buffer });
  }
  if (typeof e.stopped_capture_name === 'string') (said = true), w.captures.push({ name: e.stopped_capture_name, active: false });
  if (typeof e.active_capture === 'boolean') (said = true), (w.activeCapture = e.active_capture);
  if (Array.isArray(e.sessions)) {
    said = true;
    w.sessions = (e.sessions as Json[]).map(wantSession);
    w.sessionCount = typeof e.session_count === 'number' ? e.session_count : w.sessions.length;
  }
  if (nested?.span_session !== undefined) {
    said = true;
    const erspan = nested.erspan as Json;
    w.sessions.push({ id: String(nested.span_session), type: TYPES[String(nested.type)], active: erspan.state === 'Enabled', destinationIp: String(erspan.destination_ip) });
    w.sessionCount = 1;
  }
  if (nested?.vlan_id !== undefined) {
    // A list of RSPAN VLANs: configuration, not a session.
    said = true;
    w.noCaptures = true;
    w.sessionCount = 0;
    w.supported = false;
  }
  for (const a of (e.analyzers as Json[] | undefined) ?? []) {
    said = true;
    const sources = [...list(a.ingress_interfaces), ...list(a.egress_interfaces).filter((i) => !list(a.ingress_interfaces).includes(i)), ...list(a.ingress_vlans).map((v) => `VLAN ${v}`)];
    w.sessions.push({ id: String(a.name), type: 'analyzer', active: a.state === 'up', sources, destinations: [String(a.output_interface)] });
  }
  for (const i of (e.instances as Json[] | undefined) ?? []) {
    said = true;
    const outs = i.outputs as Json[];
    w.sessions.push({ id: String(i.name), type: 'port-mirroring', active: outs.some((o) => o.state === 'up'), destinations: outs.map((o) => String(o.destination)) });
  }
  return said ? w : undefined;
}

/** `Fif1/0/7` is `FiftyGigE1/0/7`: genie expands interface names, devices abbreviate them. */
function sameInterface(a: string, b: string): boolean {
  const split = (s: string) => /^([A-Za-z-]*)(.*)$/.exec(s)!;
  const [, pa, ra] = split(a.toLowerCase());
  const [, pb, rb] = split(b.toLowerCase());
  return ra === rb && (pa!.startsWith(pb!) || pb!.startsWith(pa!));
}

// ---- samples a summary does not cover (or covers the way another parser chose to): what a reader sees ------------

const HAND: Record<string, (f: DeviceFindings, outputs: ShowOutput[]) => void> = {
  'ios__monitor_session_1_source_interface_vlan_100__1.txt': (f, o) => {
    expect(isRejected(o[0]!.output)).toBe(true);
    expect(f).toEqual({ supported: false, captures: [], sessions: [] });
  },
  'nxos__config_monitor_source_interface_error__1.txt': (_f, o) => {
    expect(o).toHaveLength(1);
    expect(isRejected(o[0]!.output)).toBe(true);
    expect(parseShowOutputs('nxos', [{ command: 'show monitor session all', output: o[0]!.output }]).supported).toBe(false);
  },
  'iosxe__monitor_capture_cap1_start__1.txt': (f) => expect(f.captures).toEqual([{ name: 'cap1', active: true, interfaces: [], direction: null, file: null }]),
  'iosxe__monitor_capture_cap1_stop__2.txt': (f) => expect(f.captures).toEqual([expect.objectContaining({ name: 'cap1', active: false })]),
  'iosxe__monitor_capture_test_start_capture-filter_ANY__1.txt': (f) => expect(f).toEqual({ supported: true, captures: [], sessions: [] }),
  'iosxe__no_monitor_capture_cap1__1.txt': (f) => expect(f).toEqual({ supported: true, captures: [], sessions: [] }),
  // The console says `%BUFCAP-6-DISABLE: Capture Point TEST disabled.` after the clear.
  'iosxe__monitor_capture_TEST_clear__1.txt': (f) => expect(f.captures).toEqual([expect.objectContaining({ name: 'TEST', active: false })]),
  // Only a truncated %BUFCAP-6-ENABLE with no name: nothing can be named, and nothing is rejected.
  'iosxe__monitor_capture_TEST_start__1.txt': (f) => expect(f).toEqual({ supported: true, captures: [], sessions: [] }),
  // Two `Session 2` blocks in one output. genie (whose summary this is) keeps the last and merges keys; both are real.
  'iosxe__show_monitor_session_2__1.txt': (f) =>
    expect(f.sessions).toEqual([
      { id: '2', type: 'remote-source', active: true, sources: ['Gi0/0/1'], destinations: [], destinationIp: null, sourceDirections: { 'Gi0/0/1': 'both' } },
      { id: '2', type: 'remote-destination', active: true, sources: ['RSPAN VLAN 100'], destinations: ['Gi0/0/1'], destinationIp: null },
    ]),
};

describe('show-output samples', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();

  it('every sample has a summary or a hand check', () => {
    expect(files.length).toBeGreaterThan(40);
    for (const f of files) expect(existsSync(resolve(DIR, f.replace(/\.txt$/, '.expected.json'))) || f in HAND, f).toBe(true);
  });

  for (const file of files) {
    it(file, () => {
      const expPath = resolve(DIR, file.replace(/\.txt$/, '.expected.json'));
      const e = existsSync(expPath) ? (JSON.parse(readFileSync(expPath, 'utf8')) as Json) : undefined;
      const { findings, outputs } = parseSample(file, e?.command as string | undefined);
      const hand = HAND[file];
      if (hand) return hand(findings, outputs);
      const w = want(e!);
      expect(w, `${file}: summary says nothing checkable`).toBeDefined();
      expect(findings.supported).toBe(w!.supported);
      expect(findings.truncated).toBeUndefined();
      if (w!.noCaptures) expect(findings.captures).toEqual([]);
      for (const c of w!.captures) {
        const got = findings.captures.filter((g) => g.name === c.name);
        expect(got, `capture ${c.name}`).toHaveLength(1);
        expect(got[0]).toMatchObject(c);
      }
      if (w!.captures.length > 0 && !w!.noCaptures) expect(findings.captures.map((c) => c.name).sort()).toEqual(w!.captures.map((c) => c.name).sort());
      if (w!.activeCapture !== undefined) expect(findings.captures.some((c) => c.active)).toBe(w!.activeCapture);
      if (w!.sessionCount !== undefined) expect(new Set(findings.sessions.map((s) => s.id)).size).toBe(w!.sessionCount);
      for (const s of w!.sessions) {
        const got = findings.sessions.find((g) => g.id === s.id && (s.type === undefined || g.type === s.type));
        expect(got, `session ${s.id} ${s.type}`).toBeDefined();
        const { sources, sourceDirections, ...rest } = s;
        expect(got).toMatchObject(rest);
        if (sources) {
          expect(got!.sources).toHaveLength(sources.length);
          for (const src of sources) expect(got!.sources.some((g) => sameInterface(g, src)), `source ${src}`).toBe(true);
        }
        if (sourceDirections) expect(got!.sourceDirections).toEqual(sourceDirections);
      }
    });
  }
});

// ---- what the poller relies on --------------------------------------------------------------------------------

describe('rejected, paged and empty answers', () => {
  const invalid = `show monitor capture\n                 ^\n% Invalid input detected at '^' marker.\n`;

  it('recognises each platform\'s way of refusing a command', () => {
    for (const out of [
      invalid,
      "% Invalid command at '^' marker.",
      '% Incomplete command.',
      '% Ambiguous command:  "show mon"',
      'ERROR: % Invalid input detected at \'^\' marker.',
      'ERROR: Eth1/3: Interface is a PC member',
      "% Unrecognized command found at '^' position.",
      'syntax error, expecting <command>.',
      'unknown command.',
      '% Authorization failed.',
    ])
      expect(isRejected(out), out).toBe(true);
    for (const out of ['', 'Session 1\n---------\nType : Local Session', 'Description : ERROR: not at line start', 'Capture does not exist'])
      expect(isRejected(out), out).toBe(false);
  });

  it('all show commands refused = unsupported; one accepted (the legacy fallback) = supported', () => {
    expect(parseShowOutputs('iosxe', [{ command: 'show monitor capture', output: invalid }, { command: 'show monitor session all', output: invalid }]).supported).toBe(false);
    const legacy = sample('ios__show_monitor_capture_point_POINT__4.txt').split('\n').slice(1).join('\n');
    const f = parseShowOutputs('ios', [
      { command: 'terminal length 0', output: '' },
      { command: 'show monitor capture', output: invalid },
      { command: 'show monitor capture point all', output: legacy },
    ]);
    expect(f.supported).toBe(true);
    expect(f.captures).toEqual([{ name: 'POINT', active: true, interfaces: [], direction: 'both', file: 'BUF' }]);
  });

  it('`terminal length 0` answering alone does not make a device whose show commands failed look supported', () => {
    expect(parseShowOutputs('nxos', [{ command: 'terminal length 0', output: '' }, { command: 'show monitor session all', output: "% Invalid command at '^' marker." }]).supported).toBe(false);
  });

  it('empty output is "none found", not unsupported', () => {
    for (const p of ['ios', 'iosxe', 'nxos', 'asa'] as const)
      expect(parseShowOutputs(p, [{ command: 'show monitor session all', output: '' }, { command: 'show capture', output: '\r\n  \r\n' }])).toEqual({ supported: true, captures: [], sessions: [] });
    expect(splitTranscript('')).toEqual([{ command: '', output: '' }]);
  });

  it('paged output is flagged truncated and what was shown before the pager is still reported', () => {
    const asa = 'capture CAPA type raw-data interface inside [Capturing - 80 bytes]\n  match ip any any\n<--- More --->\n              ';
    expect(isTruncated(asa)).toBe(true);
    const fa = parseShowOutputs('asa', [{ command: 'show capture', output: asa }]);
    expect(fa.truncated).toBe(true);
    expect(fa.captures).toEqual([{ name: 'CAPA', active: true, interfaces: ['inside'], direction: null, file: null }]);

    const ios = 'Session 1\n---------\nType : Local Session\nSource Ports :\n    Both : Gi1/0/1\n --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\bDestination Ports : Gi1/0/2\n';
    const fi = parseShowOutputs('iosxe', [{ command: 'show monitor session all', output: ios }]);
    expect(fi.truncated).toBe(true);
    expect(fi.sessions).toEqual([{ id: '1', type: 'local', active: true, sources: ['Gi1/0/1'], destinations: ['Gi1/0/2'], destinationIp: null, sourceDirections: { 'Gi1/0/1': 'both' } }]);
    expect(isTruncated(sample('iosxe__show_monitor_session_all__1.txt'))).toBe(false);
  });

  it('NX-OS \\r\\r\\n line endings and ASA leading \\r read like plain lines', () => {
    const nx = sample('nxos__show_monitor_session_3__1.txt').replace(/\n/g, '\r\r\n\r');
    const f = parseShowOutputs('nxos', splitTranscript(nx));
    expect(f.sessions).toEqual([expect.objectContaining({ id: '3', type: 'erspan-source', active: true, sources: ['Eth1/31'], destinationIp: '11.11.11.11' })]);
    const asa = sample('asa__show_capture__2.txt').replace(/\n/g, '\r\n\r');
    expect(parseShowOutputs('asa', splitTranscript(asa)).captures.map((c) => [c.name, c.active])).toEqual([
      ['capture-1', false],
      ['capture-2', true],
    ]);
  });

  it('a later output about the same session replaces it; sessions of other outputs are kept', () => {
    const first = 'Session 1\nType : Local Session\nSource Ports :\n    Both : Gi1\nDestination Ports : Gi2\n';
    const later = 'Session 1\nType : Local Session\nSource Ports :\n    RX Only : Gi1\nDestination Ports : Gi3\nSession 2\nType : Local Session\n';
    const f = parseShowOutputs('ios', [{ command: 'show monitor', output: first }, { command: 'show monitor session all', output: later }]);
    expect(f.sessions.map((s) => [s.id, s.destinations, s.active])).toEqual([
      ['1', ['Gi3'], true],
      ['2', [], false],
    ]);
  });
});

describe('transcripts', () => {
  it('splits on every prompt form and keeps the echoed command', () => {
    const t = [
      'Router#show monitor capture',
      'Status Information for Capture A',
      'SW1(config)#monitor session 1 source interface Gi1/0/1',
      'switch# show monitor session all',
      'Router  # show monitor session 2',
      'asa-1/pri/context-1/act# show capture',
      'ciscoasa (config)# show capture',
      'root@ex> show forwarding-options analyzer',
      'SW1(config)#$to de captura',
      'Router#',
    ].join('\n');
    expect(splitTranscript(t).map((o) => o.command)).toEqual([
      'show monitor capture',
      'monitor session 1 source interface Gi1/0/1',
      'show monitor session all',
      'show monitor session 2',
      'show capture',
      'show capture',
      'show forwarding-options analyzer',
      '$to de captura',
    ]);
  });

  it('output lines that merely contain # or > are not prompts', () => {
    const out = splitTranscript('asa# show capture X\n2 packets captured\n   1: 09:41:12.5 802.1Q vlan#2 P0 10.0.0.1 > 10.0.0.2: icmp\n10.0.0.1 > 10.0.0.2\n2 packets shown\n');
    expect(out).toHaveLength(1);
    expect(out[0]!.output).toContain('10.0.0.1 > 10.0.0.2\n2 packets shown');
  });

  it('a bare output with no prompt is one output and its command is guessed from the content', () => {
    expect(splitTranscript(sample('iosxe__show_monitor_session_1__2.txt')).map((o) => o.command)).toEqual(['show monitor session all']);
    expect(splitTranscript(sample('ios__show_monitor_capture_point_POINT__3.txt')).map((o) => o.command)).toEqual(['show monitor capture point all']);
    expect(splitTranscript('capture c type raw-data interface in [Capturing - 0 bytes]\n')[0]!.command).toBe('show capture');
    expect(splitTranscript('something else entirely\n')[0]!.command).toBe('');
  });

  it('a banner or header before the first prompt is not taken for an answer', () => {
    expect(splitTranscript('!RANCID-CONTENT-TYPE: cisco\n!\nR1#show monitor session all\n').map((o) => o.command)).toEqual(['show monitor session all']);
  });

  it('a pyATS log line before an unprompted echo is skipped and the echo becomes the command', () => {
    expect(splitTranscript(sample('iosxe__show_monitor_session_all__2.txt'))[0]!.command).toBe('show monitor session all');
  });
});

describe('hostile input', () => {
  const platforms: Platform[] = ['ios', 'iosxe', 'nxos', 'asa', 'junos', 'eos'];
  const hostile = [
    Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919 + 13) % 256)).toString('latin1'),
    'a'.repeat(1 << 20),
    `Session 1\nType : ${' '.repeat(1 << 20)}x\n`,
    `Router#${'show monitor '.repeat(90_000)}\n`,
    `capture ${'interface '.repeat(100_000)}\n`,
    'Session 1\nType : Local\u0000 Session\u001b[2J\nSource Ports :\n    Both : __proto__,constructor\nDestination Ports : Gi1\x07\n',
    '\r\r\r\n\n\r\b\b\b--More--'.repeat(10_000),
    `${'Session 9\n'.repeat(20_000)}`,
  ];

  it('never throws, and a crafted interface name stays plain data', () => {
    for (const text of hostile) {
      for (const p of platforms) {
        const f = parseShowOutputs(p, splitTranscript(text));
        expect(typeof f.supported).toBe('boolean');
        expect(Array.isArray(f.captures) && Array.isArray(f.sessions)).toBe(true);
        isRejected(text);
        isTruncated(text);
      }
    }
    const crafted = parseShowOutputs('ios', splitTranscript(hostile[5]!)).sessions[0]!;
    expect(crafted.sources).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(crafted.sourceDirections)).toBe(Object.prototype);
    expect(Object.keys(crafted.sourceDirections!)).toEqual(['__proto__', 'constructor']);
    expect(crafted.destinations).toEqual(['Gi1']);
  });

  /** Everything `capwatch inspect` does with a file, timed in CPU ms. */
  function inspectMs(platform: Platform, text: string): number {
    const before = process.cpuUsage();
    parseShowOutputs(platform, splitTranscript(text));
    isRejected(text);
    const d = process.cpuUsage(before);
    return (d.user + d.system) / 1000;
  }

  it('lines of blanks just under the line limit take linear time (fuzz: 399 ms for 32 such lines)', () => {
    // `\s+$` and the pager pattern's leading `\s*` were retried at every blank of the line: quadratic.
    const blanks = `${' '.repeat(2040)}x\n`.repeat(32);
    for (const p of platforms) expect(inspectMs(p, blanks)).toBeLessThan(100);
    expect(parseShowOutputs('nxos', [{ command: 'show monitor session all', output: 'session 1\n  --More--  state : up\n' }]).sessions[0]!.active).toBe(true);
  });

  it('an ASA state bracket followed by blanks takes linear time (fuzz: `[a` + 2,000 blanks per line)', () => {
    // The state's lazy `[A-Za-z ]*?` and the `\s*` after it shared the blanks and backtracked over every split.
    expect(inspectMs('asa', `capture c type raw-data interface inside [a${' '.repeat(2000)}x\n`.repeat(32))).toBeLessThan(100);
    const f = parseShowOutputs('asa', [{ command: 'show capture', output: 'capture A type raw-data interface inside [Buffer  Full - 524 bytes]\ncapture B type raw-data interface inside [ Capturing \u2013 0 bytes ]' }]);
    expect(f.captures.map((c) => [c.name, c.active])).toEqual([['A', false], ['B', true]]);
  });

  it('a run of carriage returns takes linear time (fuzz: 64 KB of CR took 4 s)', () => {
    // `split(/\r*\n/)` rescanned the run from each CR.
    expect(inspectMs('iosxe', `${'\r'.repeat(65_000)}x`)).toBeLessThan(100);
    expect(splitTranscript('r1#show monitor capture\r\r\n\rStatus Information for Capture C\r\n')[0]).toEqual({ command: 'show monitor capture', output: 'Status Information for Capture C\n' });
  });

  it('an oversized line is skipped, not parsed', () => {
    const f = parseShowOutputs('asa', [{ command: 'show capture', output: `capture BIG type raw-data interface ${'x'.repeat(5000)} [Capturing - 1 bytes]\ncapture OK type raw-data interface inside [Capturing - 1 bytes]` }]);
    expect(f.captures.map((c) => c.name)).toEqual(['OK']);
  });
});
