// Expected work, piece by piece: Sigma filters loaded like rules, change windows (a weekly slot across a daylight-
// saving change), approvals and what they do not cover, the matcher's precedence and its critical rule, and the
// check for work left running when an approval ends — with injected clocks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApprovalIndex, type Approval } from '../src/detect/expected/approvals.js';
import { ExpiryWatch, type ActiveNow, type CoveredObject } from '../src/detect/expected/expiry.js';
import { ExpectedWork } from '../src/detect/expected/matcher.js';
import { compileWindow } from '../src/detect/expected/windows.js';
import { Detector } from '../src/detect/detector.js';
import { loadFilters, loadRules, RuleLoadError } from '../src/detect/sigma/load.js';
import type { Detection } from '../src/types.js';
import { commandEvent as ev } from './helpers/command-event.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function filterDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-filters-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const LAB = `title: Lab switches capture all day
id: 6f0e8c0a-5d0e-4d43-9a5b-1b0c1c2d3e4f
description: The lab VLAN's switches are where engineers learn to capture
logsource: { product: cisco }
filter:
  rules:
    - IOS-XE Embedded Packet Capture defined
    - IOS-XE Embedded Packet Capture started
  selection:
    address|cidr: 10.99.0.0/16
  condition: not selection
`;

function detector(o: ConstructorParameters<typeof ExpectedWork>[0], collectors = ['10.20.0.0/16']) {
  return new Detector({ rules, collectors, expected: new ExpectedWork(o) });
}

describe('Sigma filters', () => {
  it('load with the rules loader and set apart what their selection names (cidr included), nothing else', () => {
    const filters = loadFilters([filterDir({ 'lab.yml': LAB })], rules);
    expect(filters.map((f) => f.title)).toEqual(['Lab switches capture all day']);
    const d = detector({ filters });
    const [lab] = d.detect(ev('monitor capture CAP interface GigabitEthernet1 both', { device: { address: '10.99.3.4' } }));
    expect(lab!.expected).toEqual({ by: 'filter', name: 'Lab switches capture all day', reason: "The lab VLAN's switches are where engineers learn to capture" });
    const [core] = d.detect(ev('monitor capture CAP interface GigabitEthernet1 both', { device: { address: '10.20.3.4' } }));
    expect(core!.expected).toBeUndefined();
    // A rule the filter does not name is untouched, even on the lab network.
    const [stop] = d.detect(ev('monitor capture CAP stop', { device: { address: '10.99.3.4' } }));
    expect(stop!.expected).toBeUndefined();
  });

  it('cannot widen a rule: what no rule matches stays unmatched, whatever a filter selects', () => {
    const widening = filterDir({
      'wide.yml': `title: Everything from the monitoring account\nfilter:\n  selection:\n    user: nagios\n  condition: selection\n`,
    });
    const d = detector({ filters: loadFilters([widening], rules) });
    expect(d.detect(ev('show ip interface brief', { user: 'nagios' }))).toEqual([]);
    expect(d.detect(ev('terminal monitor', { user: 'nagios' }))).toEqual([]);
  });

  it('never set a critical hit apart unless they name its rule and allow it', () => {
    const erspan = [ev('monitor session 1 type erspan-source'), ev('destination', { context: ['monitor session 1 type erspan-source'] })];
    const ip = ev('ip address 198.51.100.7', { context: ['monitor session 1 type erspan-source', 'destination'], device: { address: '10.99.0.1' } });
    const soft = loadFilters([filterDir({ 'soft.yml': `title: Lab mirrors\nfilter:\n  selection:\n    address|cidr: 10.99.0.0/16\n  condition: not selection\n` })], rules);
    const d1 = detector({ filters: soft });
    for (const e of erspan) d1.detect({ ...e, device: { ...e.device, address: '10.99.0.1' } });
    const critical = d1.detect(ip).find((x) => x.severity === 'critical')!;
    expect(critical.expected).toBeUndefined();
    expect(critical.unexpected).toMatch(/filter "Lab mirrors" sets this apart, but it is critical/);

    const named = rules.find((r) => r.file.endsWith('erspan_destination_ip.yml'))!;
    const allow = loadFilters([filterDir({ 'allow.yml': `title: Lab collector\nfilter:\n  rules: [${named.id}]\n  selection:\n    address|cidr: 10.99.0.0/16\n  condition: not selection\ncapwatch:\n  allowCritical: true\n` })], rules);
    const d2 = detector({ filters: allow });
    for (const e of erspan) d2.detect({ ...e, device: { ...e.device, address: '10.99.0.1' } });
    expect(d2.detect(ip).find((x) => x.rule === named.id)!.expected?.by).toBe('filter');
  });

  it('that do not load stop start-up naming the file and the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['title: x\nfilter:\n  rules: [no such rule]\n  selection: {user: a}\n  condition: not selection\n', /no loaded rule has the id or title "no such rule"/],
      ['title: x\nfilter:\n  selection: {user: a}\n', /missing field 'filter.condition'/],
      ['title: x\nfilter:\n  selection: {user|nope: a}\n  condition: not selection\n', /nope/],
      ['title: x\nfilter:\n  selection: {user: a}\n  condition: not selection\ncapwatch: {allowCritical: true}\n', /allowCritical needs filter.rules/],
      ['title: x\nlogsource: {product: cisco}\ndetection:\n  s: {command: a}\n  condition: s\n', /a filter has 'filter:', not 'detection:'/],
      ['title: [unclosed\n', /bad YAML/],
    ];
    for (const [text, reason] of cases) {
      const dir = filterDir({ 'bad.yml': text });
      let err: unknown;
      try {
        loadFilters([dir], rules);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(RuleLoadError);
      expect((err as RuleLoadError).file).toBe(join(dir, 'bad.yml'));
      expect((err as RuleLoadError).reason).toMatch(reason);
    }
  });
});

describe('change windows', () => {
  it('a weekly slot in Europe/Berlin stays at 02:00 local across the switch to summer time', () => {
    const w = compileWindow({ name: 'tuesday-maintenance', devices: ['tag:core'], cron: '0 2 * * 2', durationMinutes: 120, timezone: 'Europe/Berlin' });
    // Winter (UTC+1): 02:00–04:00 local is 01:00–03:00 UTC.
    expect(w.occurrence(new Date('2026-03-24T00:59:00Z'))).toBeUndefined();
    expect(w.occurrence(new Date('2026-03-24T01:00:00Z'))).toEqual({ start: new Date('2026-03-24T01:00:00Z'), end: new Date('2026-03-24T03:00:00Z') });
    expect(w.occurrence(new Date('2026-03-24T02:59:59Z'))).toBeDefined();
    expect(w.occurrence(new Date('2026-03-24T03:00:00Z'))).toBeUndefined();
    // Summer time began on Sunday 29 March: the next Tuesday's slot is 00:00–02:00 UTC.
    expect(w.occurrence(new Date('2026-03-31T00:30:00Z'))?.start).toEqual(new Date('2026-03-31T00:00:00Z'));
    expect(w.occurrence(new Date('2026-03-31T02:30:00Z'))).toBeUndefined();
    expect(w.endsBetween(new Date('2026-03-23T00:00:00Z'), new Date('2026-04-01T00:00:00Z')).map((o) => o.end.toISOString())).toEqual(['2026-03-24T03:00:00.000Z', '2026-03-31T02:00:00.000Z']);
  });

  it('refuse what they cannot mean, naming the field', () => {
    expect(() => compileWindow({ name: 'w', devices: ['core-rtr1'], from: '2026-12-04T10:00:00', until: '2026-12-04T12:00:00Z' })).toThrow(/^from: not an ISO 8601 time with a zone/);
    expect(() => compileWindow({ name: 'w', devices: ['core-rtr1'], from: '2026-12-04T12:00:00Z', until: '2026-12-04T10:00:00Z' })).toThrow(/^until: must be after from/);
    expect(() => compileWindow({ name: 'w', devices: ['core-rtr1'], cron: '0 2 * * 2', durationMinutes: 60, timezone: 'Mars/Olympus' })).toThrow(/^timezone: unknown time zone/);
    expect(() => compileWindow({ name: 'w', devices: ['core-rtr1'], cron: 'every tuesday', durationMinutes: 60 })).toThrow(/^cron:/);
    expect(() => compileWindow({ name: 'w', devices: ['<b>x</b>'], from: '2026-12-04T10:00:00Z', until: '2026-12-04T12:00:00Z' })).toThrow(/^devices: /);
  });

  it('cover named devices, tags and networks for the listed users, never a critical hit', () => {
    const windows = [compileWindow({ name: 'lab-night', devices: ['tag:lab', '10.50.0.0/16'], users: ['alice'], from: '2026-03-03T09:00:00Z', until: '2026-03-03T11:00:00Z' })];
    const directory = (d: { hostname?: string }) => (d.hostname === 'lab-sw1' ? { name: 'lab-sw1', tags: ['lab'] } : undefined);
    const d = detector({ windows, directory });
    const at = new Date('2026-03-03T10:00:00Z');
    expect(d.detect(ev('monitor capture C interface GigabitEthernet1 both', { user: 'alice', device: { hostname: 'lab-sw1' }, time: at }))[0]!.expected).toMatchObject({ by: 'window', name: 'lab-night', until: new Date('2026-03-03T11:00:00Z') });
    expect(d.detect(ev('monitor capture C interface GigabitEthernet1 both', { user: 'alice', device: { hostname: 'x', address: '10.50.1.1' }, time: at }))[0]!.expected?.by).toBe('window');
    expect(d.detect(ev('monitor capture C interface GigabitEthernet1 both', { user: 'bob', device: { hostname: 'lab-sw1' }, time: at }))[0]!.expected).toBeUndefined();
    expect(d.detect(ev('monitor capture C interface GigabitEthernet1 both', { user: 'alice', device: { hostname: 'core-rtr1' }, time: at }))[0]!.expected).toBeUndefined();
    expect(d.detect(ev('monitor capture C interface GigabitEthernet1 both', { user: 'alice', device: { hostname: 'lab-sw1' }, time: new Date('2026-03-03T11:00:00Z') }))[0]!.expected).toBeUndefined();
  });
});

describe('approvals', () => {
  const base: Approval = {
    id: 'a-1',
    devices: ['core-rtr1'],
    user: 'alice',
    kind: 'capture',
    name: 'VOIP',
    ticket: 'CHG-1234',
    reason: 'one-way audio on the SBC trunk',
    createdAt: new Date('2026-03-03T09:00:00Z'),
    createdBy: 'noc-lead',
    expiresAt: new Date('2026-03-03T13:00:00Z'),
  };
  const at = new Date('2026-03-03T10:00:00Z');
  const on = (command: string, o: Parameters<typeof ev>[1] = {}) => ev(command, { user: 'alice', device: { hostname: 'core-rtr1.example.net', address: '192.0.2.1' }, time: at, ...o });

  function hits(approvals: Approval[], events: ReturnType<typeof ev>[]): Detection[] {
    const d = detector({ approvals: new ApprovalIndex(approvals) });
    return events.flatMap((e) => d.detect(e));
  }

  it('cover the approved capture by the approved person on the approved device while they last, and say who approved it', () => {
    const [defined, started] = hits([base], [on('monitor capture VOIP interface GigabitEthernet1 both'), on('monitor capture VOIP start')]);
    expect(defined!.expected).toEqual({ by: 'approval', name: 'a-1', reason: 'approved by noc-lead (CHG-1234): one-way audio on the SBC trunk', until: base.expiresAt });
    expect(started!.expected?.by).toBe('approval');
    const [late] = hits([base], [on('monitor capture VOIP start', { time: new Date('2026-03-03T13:00:00Z') })]);
    expect(late!.expected).toBeUndefined();
  });

  it('do not cover another person, another capture, or an export off the box, and the hit says which', () => {
    const [bob] = hits([base], [on('monitor capture VOIP start', { user: 'bob' })]);
    expect(bob!.expected).toBeUndefined();
    expect(bob!.unexpected).toBe('approved capture VOIP on core-rtr1.example.net for alice, but bob did it');
    const [second] = hits([base], [on('monitor capture CAP2 interface GigabitEthernet2 both')]);
    expect(second!.unexpected).toBe('approved capture VOIP on core-rtr1.example.net for alice, but this is capture CAP2');
    const [exported] = hits([base], [on('monitor capture VOIP export tftp://203.0.113.9/voip.pcap')]);
    expect(exported!.unexpected).toBe('approved capture VOIP on core-rtr1.example.net for alice, but exported to tftp://203.0.113.9/voip.pcap');
    const [other] = hits([base], [on('monitor capture VOIP start', { device: { hostname: 'core-rtr2', address: '192.0.2.2' } })]);
    expect(other!.expected).toBeUndefined();
  });

  it('an approved ERSPAN is covered to its approved collector and not when the destination changes', () => {
    const mirror: Approval = { ...base, kind: 'mirror', name: '1', destination: '10.20.5.5' };
    const d = detector({ approvals: new ApprovalIndex([mirror]) });
    const ctx = ['monitor session 1 type erspan-source'];
    d.detect(on('monitor session 1 type erspan-source'));
    d.detect(on('destination', { context: ctx }));
    const [approved] = d.detect(on('ip address 10.20.5.5', { context: [...ctx, 'destination'] }));
    expect(approved!.expected?.by).toBe('approval');
    const moved = d.detect(on('ip address 10.20.9.9', { context: [...ctx, 'destination'] }));
    expect(moved.every((x) => x.expected === undefined)).toBe(true);
    expect(moved[0]!.unexpected).toBe('approved mirror 1 on core-rtr1.example.net for alice, but mirrored to 10.20.9.9, not the approved 10.20.5.5');
  });

  it('10,000 in force are looked up by device, not scanned', () => {
    const many = Array.from({ length: 10_000 }, (_, i): Approval => ({ ...base, id: `a-${i}`, devices: [`edge-${i}`] }));
    const index = new ApprovalIndex([...many, base]);
    expect(index.candidates({ address: '192.0.2.1', hostname: 'core-rtr1.example.net' }, () => undefined).map((c) => c.approval.id)).toEqual(['a-1']);
  });
});

describe('when approved work ends', () => {
  const approval: Approval = {
    id: 'a-9',
    devices: ['core-rtr1'],
    user: 'alice',
    name: 'CAP',
    ticket: 'CHG-9',
    createdAt: new Date('2026-03-03T09:00:00Z'),
    createdBy: 'lead',
    expiresAt: new Date('2026-03-03T14:00:00Z'),
  };
  const covered: CoveredObject[] = [{ device: { address: '192.0.2.1', hostname: 'core-rtr1' }, user: 'alice', kind: 'capture', capture: 'CAP' }];

  function watch(active: ActiveNow, due: Approval[] = [approval]) {
    const recorded: Detection[][] = [];
    const checked: string[] = [];
    const w = new ExpiryWatch(
      {
        dueApprovals: (endedBy) => due.filter((a) => a.expiresAt <= endedBy && !checked.includes(a.id)),
        approvalChecked: (id) => checked.push(id),
        windows: () => [],
        covered: () => covered,
        activeNow: async () => active,
        record: (d) => recorded.push(d),
        graceMs: 5 * 60_000,
        log: { warn() {}, info() {} },
      },
      new Date('2026-03-03T09:00:00Z'),
    );
    return { w, recorded, checked };
  }

  it('waits out the grace, then alerts for a capture the device still shows, once', async () => {
    const { w, recorded } = watch({ source: 'device', findings: { supported: true, captures: [{ name: 'CAP', active: true, interfaces: [], direction: null, file: null }], sessions: [] } });
    expect(await w.run(new Date('2026-03-03T14:04:00Z'))).toBe(0);
    expect(await w.run(new Date('2026-03-03T14:05:00Z'))).toBe(1);
    expect(await w.run(new Date('2026-03-03T14:06:00Z'))).toBe(0);
    const [d] = recorded[0]!;
    expect(d!.why).toBe('capture CAP (capture or mirror CAP approved until 2026-03-03 14:00 UTC (CHG-9)) is still running at 2026-03-03 14:05 UTC; core-rtr1 shows it active');
    expect(d!).toMatchObject({ severity: 'high', kind: 'capture', event: { user: 'alice', source: 'expiry' }, unexpected: d!.why });
  });

  it('without SSH the logs decide, and the alert says so; stopped work is no alert', async () => {
    const logs = watch({ source: 'logs', captures: ['CAP'], sessions: [] });
    expect(await logs.w.run(new Date('2026-03-03T14:05:00Z'))).toBe(1);
    expect(logs.recorded[0]![0]!.why).toMatch(/as far as the logs tell: capwatch cannot log into core-rtr1 to check$/);
    const stopped = watch({ source: 'device', findings: { supported: true, captures: [{ name: 'CAP', active: false, interfaces: [], direction: null, file: null }], sessions: [] } });
    expect(await stopped.w.run(new Date('2026-03-03T14:05:00Z'))).toBe(0);
    expect(stopped.checked).toEqual(['a-9']);
  });
});
