// The Sigma engine: modifiers, condition forms, facts from named groups, load errors naming file and reason.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCondition } from '../src/detect/sigma/condition.js';
import { RuleIndex } from '../src/detect/sigma/dispatch.js';
import { loadRules, RuleLoadError } from '../src/detect/sigma/load.js';
import type { Rule } from '../src/detect/sigma/types.js';
import { EventView } from '../src/detect/sigma/view.js';
import type { CommandEvent } from '../src/types.js';
import { commandEvent, type EventOptions } from './helpers/command-event.js';
import { tempDir } from './helpers/tmp.js';

let n = 0;
function ruleText(detection: string, over: Record<string, string> = {}): string {
  n++;
  const meta: Record<string, string> = {
    title: `test rule ${n}`,
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    status: 'test',
    tags: '\n  - attack.collection\n  - attack.t1040',
    logsource: '\n  product: cisco',
    level: 'medium',
    capwatch: '\n  kind: capture\n  action: define',
    ...over,
  };
  const head = Object.entries(meta)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return `${head}\ndetection:\n${detection.replace(/^/gm, '  ')}\n`;
}

function load(detection: string, over?: Record<string, string>): Rule {
  const dir = tempDir('capwatch-sigma-');
  writeFileSync(join(dir, 'rule.yml'), ruleText(detection, over));
  const [rule] = loadRules([dir]);
  return rule!;
}

const view = new EventView();
function ev(command: string, o?: EventOptions): CommandEvent {
  return commandEvent(command, o);
}
function hits(rule: Rule, e: CommandEvent): boolean {
  return rule.test(view.reset(e));
}
function facts(rule: Rule, e: CommandEvent): Record<string, string> | null {
  return rule.test(view.reset(e)) ? rule.extract(view) : null;
}

function loadError(text: string, fileName = 'bad.yml'): RuleLoadError {
  const dir = tempDir('capwatch-sigma-bad-');
  writeFileSync(join(dir, fileName), text);
  try {
    loadRules([dir]);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleLoadError);
    const e = err as RuleLoadError;
    expect(e.file).toBe(join(dir, fileName));
    expect(e.message).toContain(fileName);
    return e;
  }
  throw new Error('expected a RuleLoadError');
}

describe('field modifiers', () => {
  it('matches plain values exactly and case-insensitively', () => {
    const r = load("sel:\n  command: 'Remote-Span'\ncondition: sel");
    expect(hits(r, ev('remote-span'))).toBe(true);
    expect(hits(r, ev('remote-span 5'))).toBe(false);
  });

  it('supports contains, startswith and endswith', () => {
    const c = load("sel:\n  command|contains: 'CAPTURE'\ncondition: sel");
    const s = load("sel:\n  command|startswith: 'monitor session '\ncondition: sel");
    const e = load("sel:\n  command|endswith: ' start'\ncondition: sel");
    expect(hits(c, ev('monitor capture CAP start'))).toBe(true);
    expect(hits(c, ev('terminal monitor'))).toBe(false);
    expect(hits(s, ev('monitor session 1 source interface GigabitEthernet1/0/1'))).toBe(true);
    expect(hits(s, ev('no monitor session 1'))).toBe(false);
    expect(hits(e, ev('monitor capture CAP start'))).toBe(true);
    expect(hits(e, ev('monitor capture CAP stop'))).toBe(false);
  });

  it('treats * and ? as Sigma wildcards, and \\* as a literal star', () => {
    const r = load("sel:\n  command: 'monitor capture * st?rt'\ncondition: sel");
    expect(hits(r, ev('monitor capture TEST start'))).toBe(true);
    expect(hits(r, ev('monitor capture TEST stop'))).toBe(false);
    const lit = load("sel:\n  command|contains: 'a\\*b'\ncondition: sel");
    expect(hits(lit, ev('x a*b y'))).toBe(true);
    expect(hits(lit, ev('x aXb y'))).toBe(false);
  });

  it('matches re as written, with (?i) and |i for case-insensitivity', () => {
    const cs = load("sel:\n  command|re: '^Capture Point'\ncondition: sel");
    const inline = load("sel:\n  command|re: '(?i)^capture point'\ncondition: sel");
    const mod = load("sel:\n  command|re|i: '^capture point'\ncondition: sel");
    expect(hits(cs, ev('Capture Point TEST enabled.'))).toBe(true);
    expect(hits(cs, ev('capture point TEST enabled.'))).toBe(false);
    expect(hits(inline, ev('Capture Point TEST enabled.'))).toBe(true);
    expect(hits(mod, ev('CAPTURE POINT TEST enabled.'))).toBe(true);
  });

  it('ORs a value list and ANDs it with |all', () => {
    const any = load("sel:\n  command|contains:\n    - erspan\n    - remote vlan\ncondition: sel");
    const all = load("sel:\n  command|contains|all:\n    - monitor session\n    - erspan\ncondition: sel");
    expect(hits(any, ev('monitor session 1 destination remote vlan 900'))).toBe(true);
    expect(hits(any, ev('monitor session 1 source interface Gi1/0/1'))).toBe(false);
    expect(hits(all, ev('monitor session 2 type erspan-source'))).toBe(true);
    expect(hits(all, ev('monitor erspan origin ip-address 10.0.0.1 global'))).toBe(false);
  });

  it('matches IPv4 and IPv6 networks with cidr', () => {
    const r = load("sel:\n  remoteAddress|cidr:\n    - 198.51.100.0/24\n    - 2001:db8::/32\ncondition: sel");
    expect(hits(r, ev('x', { remoteAddress: '198.51.100.7' }))).toBe(true);
    expect(hits(r, ev('x', { remoteAddress: '198.51.101.7' }))).toBe(false);
    expect(hits(r, ev('x', { remoteAddress: '2001:db8:0:1::50' }))).toBe(true);
    expect(hits(r, ev('x', { remoteAddress: '2001:db9::1' }))).toBe(false);
    expect(hits(r, ev('x', { remoteAddress: '::ffff:198.51.100.9' }))).toBe(true);
    expect(hits(r, ev('x', { remoteAddress: 'not-an-ip' }))).toBe(false);
    expect(hits(r, ev('x'))).toBe(false);
  });

  it('matches context when any element matches, and mode against the innermost submode only', () => {
    const anyCtx = load("sel:\n  context|startswith: 'monitor session '\ncondition: sel");
    const mode = load("sel:\n  mode: destination\ncondition: sel");
    const ctx = ['monitor session 10 type erspan-source', 'destination'];
    expect(hits(anyCtx, ev('ip address 198.51.100.7', { context: ctx }))).toBe(true);
    expect(hits(anyCtx, ev('ip address 10.1.1.1 255.255.255.0', { context: ['interface Vlan666'] }))).toBe(false);
    expect(hits(mode, ev('ip address 198.51.100.7', { context: ctx }))).toBe(true);
    expect(hits(mode, ev('erspan-id 100', { context: ['destination', 'monitor session 10 type erspan-source'] }))).toBe(false);
  });

  it('reads platform, user, device (hostname, else address), source and tag', () => {
    const r = load(
      "sel:\n  platform: nxos\n  user: eve\n  device: core1\n  source: tacacs\n  tag|startswith: 'AAA-'\ncondition: sel",
    );
    const base = { device: { platform: 'nxos' as const, hostname: 'core1' }, source: 'tacacs' as const, tag: 'AAA-6-AAA_ACCOUNTING_MESSAGE' };
    expect(hits(r, ev('x', base))).toBe(true);
    expect(hits(r, ev('x', { ...base, user: 'bob' }))).toBe(false);
    const byAddress = load("sel:\n  device: 192.0.2.99\ncondition: sel");
    expect(hits(byAddress, ev('x', { device: { address: '192.0.2.99', hostname: undefined } }))).toBe(true);
  });

  it('searches keywords in the command and in the raw line', () => {
    const r = load('keywords:\n  - monitor capture point\n  - set span\ncondition: keywords');
    expect(hits(r, ev('monitor capture point start POINT'))).toBe(true);
    expect(hits(r, ev('something', { raw: '%BUFCAP... set span 1/1 1/2 both' }))).toBe(true);
    expect(hits(r, ev('monitor capture CAP start'))).toBe(false);
  });

  it('turns named groups of matching re values into facts, never from negated or failed parts', () => {
    const r = load(
      [
        'sel_a:',
        "  command|re: '^monitor capture (?<capture>\\S+) start$'",
        'sel_b:',
        "  - command|re: '^monitor capture (?<other>\\S+) never$'",
        "  - command|re: '^monitor (?<word>\\S+) '",
        'filter:',
        "  command|re: '^(?<negated>x)'",
        'condition: (sel_a or sel_b) and not filter',
      ].join('\n'),
    );
    expect(facts(r, ev('monitor capture TEST start'))).toEqual({ capture: 'TEST', word: 'capture' });
  });

  it('accepts numbers as values', () => {
    const r = load('sel:\n  command|endswith: 100\ncondition: sel');
    expect(hits(r, ev('erspan-id 100'))).toBe(true);
  });
});

describe('conditions', () => {
  const sels = ["a:\n  command|contains: alpha", "b:\n  command|contains: beta", "c:\n  command|contains: gamma", "_x:\n  command|contains: delta"].join('\n');
  const rule = (cond: string): Rule => load(`${sels}\ncondition: ${cond}`);

  it('binds not tighter than and, and and tighter than or', () => {
    const r = rule('a or b and not c');
    expect(hits(r, ev('alpha gamma'))).toBe(true);
    expect(hits(r, ev('beta'))).toBe(true);
    expect(hits(r, ev('beta gamma'))).toBe(false);
  });

  it('honours parentheses', () => {
    const r = rule('(a or b) and not c');
    expect(hits(r, ev('alpha gamma'))).toBe(false);
    expect(hits(r, ev('alpha'))).toBe(true);
  });

  it('supports 1 of / all of a pattern', () => {
    const one = load("sel_x:\n  command|contains: alpha\nsel_y:\n  command|contains: beta\nother:\n  command|contains: gamma\ncondition: 1 of sel_*");
    const all = load("sel_x:\n  command|contains: alpha\nsel_y:\n  command|contains: beta\ncondition: all of sel_*");
    expect(hits(one, ev('beta'))).toBe(true);
    expect(hits(one, ev('gamma'))).toBe(false);
    expect(hits(all, ev('alpha beta'))).toBe(true);
    expect(hits(all, ev('alpha'))).toBe(false);
  });

  it('supports 1 of them / all of them, leaving out _-prefixed selections', () => {
    expect(hits(rule('1 of them'), ev('gamma'))).toBe(true);
    expect(hits(rule('1 of them'), ev('delta'))).toBe(false);
    expect(hits(rule('all of them'), ev('alpha beta gamma'))).toBe(true);
    expect(hits(rule('all of them'), ev('alpha beta'))).toBe(false);
  });

  it('a condition nested 2,257 levels deep is refused with a reason, not a stack overflow (fuzz)', () => {
    const deep = `${'( not '.repeat(2257)}sel_a${')'.repeat(2257)}`;
    expect(() => parseCondition(deep, ['sel_a'])).toThrow(/^condition nests deeper than 100 levels$/);
    expect(parseCondition(`${'('.repeat(100)}sel_a${')'.repeat(100)}`, ['sel_a'])).toEqual({ op: 'sel', name: 'sel_a' });
  });

  it('a pattern with many wildcards matches long selection names in bounded time (fuzz: `1 of a*a*…c` hung)', () => {
    const names = ['a'.repeat(60), `${'a'.repeat(60)}b`, 'sel_x', 'filter_y'];
    const t0 = performance.now();
    expect(() => parseCondition(`1 of ${'a*'.repeat(30)}c`, names)).toThrow(/matches no selection/);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(parseCondition('1 of *_y', names)).toEqual({ op: 'of', all: false, names: ['filter_y'] });
    expect(parseCondition('all of s*l_?', [...names, 'sel_?'])).toEqual({ op: 'of', all: true, names: ['sel_?'] });
  });
});

describe('load errors name the file and the reason', () => {
  const good = "sel:\n  command|startswith: 'monitor capture '\ncondition: sel";

  it('bad YAML', () => {
    expect(loadError('title: x\n  id: [unclosed\n').reason).toMatch(/^bad YAML/);
  });

  it('missing field', () => {
    expect(loadError(ruleText(good, { level: '' })).reason).toBe("missing field 'level'");
    expect(loadError(ruleText(good, { capwatch: '\n  kind: capture' })).reason).toBe("missing field 'capwatch.action'");
  });

  it('an unknown capwatch.requires', () => {
    expect(loadError(ruleText(good, { capwatch: '\n  kind: capture\n  action: export\n  requires: capture-files' })).reason).toBe(
      "field 'capwatch.requires' must be one of capture-file",
    );
  });

  it('a rule without attack.t1040', () => {
    expect(loadError(ruleText(good, { tags: '\n  - attack.collection' })).reason).toMatch(/attack\.t1040/);
  });

  it('unknown kind or action', () => {
    expect(loadError(ruleText(good, { capwatch: '\n  kind: sniff\n  action: define' })).reason).toMatch(/capwatch\.kind/);
  });

  it('unknown modifier', () => {
    expect(loadError(ruleText("sel:\n  command|base64: x\ncondition: sel")).reason).toBe("'command|base64': unknown modifier 'base64'");
  });

  it('unknown field', () => {
    expect(loadError(ruleText('sel:\n  CommandLine: x\ncondition: sel')).reason).toMatch(/^unknown field 'CommandLine'/);
  });

  it('bad regex', () => {
    expect(loadError(ruleText("sel:\n  command|re: '^monitor (capture'\ncondition: sel")).reason).toMatch(/bad regex '\^monitor \(capture'/);
  });

  it('bad CIDR', () => {
    expect(loadError(ruleText("sel:\n  remoteAddress|cidr: '10.0.0.0/33'\ncondition: sel")).reason).toMatch(/bad CIDR '10\.0\.0\.0\/33'/);
  });

  it('condition syntax errors', () => {
    expect(loadError(ruleText("sel:\n  command: x\ncondition: (sel or")).reason).toMatch(/condition/);
    expect(loadError(ruleText("sel:\n  command: x\ncondition: sel and and sel")).reason).toMatch(/unexpected 'and'/);
    expect(loadError(ruleText("sel:\n  command: x\ncondition: sel | count() > 5")).reason).toMatch(/aggregations/);
  });

  it('unknown selection names', () => {
    expect(loadError(ruleText("sel:\n  command: x\ncondition: sel and selection")).reason).toBe("condition names unknown selection 'selection'");
    expect(loadError(ruleText("sel:\n  command: x\ncondition: 1 of foo*")).reason).toMatch(/matches no selection/);
  });

  it('duplicate ids across files', () => {
    const dir = tempDir('capwatch-sigma-dup-');
    const text = ruleText(good);
    writeFileSync(join(dir, 'a.yml'), text);
    writeFileSync(join(dir, 'b.yaml'), text);
    try {
      loadRules([dir]);
      throw new Error('expected a RuleLoadError');
    } catch (err) {
      expect(err).toBeInstanceOf(RuleLoadError);
      expect((err as RuleLoadError).file).toBe(join(dir, 'b.yaml'));
      expect((err as RuleLoadError).reason).toMatch(/^duplicate id .* \(also in .*a\.yml\)$/);
    }
  });

  it('a missing directory', () => {
    const missing = join(tmpdir(), 'capwatch-no-such-dir-xyz');
    expect(() => loadRules([missing])).toThrow(RuleLoadError);
  });
});

describe('rule index (the early exit)', () => {
  const selected = (index: RuleIndex, e: CommandEvent): Rule[] => {
    const out: Rule[] = [];
    return out.slice(0, index.select(view.reset(e), out));
  };

  it('derives the literal a command must start with, and runs only the rules that can match', () => {
    const capture = load("sel:\n  command|re: '^monitor capture (?<capture>\\S+) start$'\ncondition: sel");
    const exact = load("sel:\n  command: remote-span\ncondition: sel");
    const negated = load("sel:\n  command: x\ncondition: not sel");
    const anyStart = load("sel:\n  command|startswith:\n    - tcpdump\n    - 'sudo '\ncondition: sel");
    expect(capture.commandPrefixes).toEqual([{ text: 'monitor capture ', exact: false }]);
    expect(exact.commandPrefixes).toEqual([{ text: 'remote-span', exact: true }]);
    expect(negated.commandPrefixes).toBeNull();

    const index = new RuleIndex([capture, exact, anyStart]);
    expect(selected(index, ev('interface GigabitEthernet1'))).toEqual([]);
    expect(selected(index, ev('monitor event-trace cef ipv4 enable'))).toEqual([]);
    expect(selected(index, ev('Monitor capture CAP start'))).toEqual([capture]);
    expect(selected(index, ev('tcpdump -i eth1'))).toEqual([anyStart]);
    expect(selected(new RuleIndex([capture, negated]), ev('interface x'))).toEqual([negated]);
  });
});
