// SigmaHQ's own network rules (fixtures/sigmahq, unchanged) pointed at through detection.rules, as a user would:
// which load and how they are mapped, which cannot run and why, and Cisco command logs firing them as detections.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/alerts/notify/content.js';
import { formatters } from '../src/alerts/notify/formats/index.js';
import type { RenderInput } from '../src/alerts/notify/types.js';
import { Detector } from '../src/detect/detector.js';
import { loadRuleSet, loadRules } from '../src/detect/sigma/load.js';
import type { Detection, Incident } from '../src/types.js';
import { commandEvent } from './helpers/command-event.js';
import { logLine } from './helpers/fixture-lines.js';
import { CLI } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const SIGMAHQ = resolve(import.meta.dirname, '../fixtures/sigmahq/rules/network');

function ymlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? ymlFiles(join(dir, d.name)) : d.name.endsWith('.yml') ? [join(dir, d.name)] : []));
}

function config(dir: string, rulesDir = SIGMAHQ): string {
  const file = join(dir, 'capwatch.yaml');
  writeFileSync(file, `detection:\n  rules: [${JSON.stringify(rulesDir)}]\n`);
  return file;
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `capwatch replay --json` over `lines` with SigmaHQ's rules configured: the detections a user sees. */
function replay(lines: string[]): Record<string, unknown>[] {
  const dir = tempDir('capwatch-sigmahq-');
  const log = join(dir, 'in.log');
  writeFileSync(log, lines.join('\n') + '\n');
  const r = run(['replay', '--json', '--config', config(dir), log]);
  expect(r.code).toBe(0);
  return r.stdout.trim() === '' ? [] : r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('SigmaHQ rules/network through detection.rules', () => {
  const { rules, skipped } = loadRuleSet([SIGMAHQ]);

  it('every rule file either loads, mapped, or is skipped with the reason; none stops the load', () => {
    const files = ymlFiles(SIGMAHQ);
    expect(files.length).toBe(53);
    expect([...rules.map((r) => r.file), ...skipped.map((s) => s.file)].sort()).toEqual(files.sort());
    // Every Cisco AAA (command accounting) rule runs; nothing else does.
    const loaded = rules.map((r) => relative(SIGMAHQ, r.file));
    expect(loaded.length).toBe(13);
    expect(loaded.every((f) => f.startsWith('cisco/aaa/'))).toBe(true);
    for (const r of rules) {
      expect(r.foreign).toMatchObject({ logsource: 'cisco/aaa', fields: ['keywords → command'] });
      expect(r.action).toBe('none');
    }
  });

  it('a rule tagged attack.t1040 is a capture; any other is kind other, with its own ATT&CK techniques', () => {
    const byTitle = new Map(rules.map((r) => [r.title, r]));
    expect(byTitle.get('Cisco Sniffing')).toMatchObject({ kind: 'capture', techniques: ['T1040'], level: 'medium' });
    expect(byTitle.get('Cisco Clear Logs')).toMatchObject({ kind: 'other', techniques: ['T1070.003'], level: 'high' });
  });

  it('skipped rules say why: routing-protocol messages, Zeek, DNS, firewall and FortiGate logs are not what capwatch reads', () => {
    const reasonOf = (path: string) => skipped.find((s) => relative(SIGMAHQ, s.file) === path)?.reason;
    expect(reasonOf('cisco/bgp/cisco_bgp_md5_auth_failed.yml')).toMatch(/^logsource cisco\/bgp: routing-protocol messages/);
    expect(reasonOf('juniper/bgp/juniper_bgp_missing_md5.yml')).toMatch(/^logsource juniper\/bgp: routing-protocol messages/);
    expect(reasonOf('zeek/zeek_dns_torproxy.yml')).toMatch(/^logsource zeek\/dns: Zeek network-sensor logs/);
    expect(reasonOf('dns/net_dns_mal_cobaltstrike.yml')).toMatch(/^logsource category:dns: DNS query logs/);
    expect(reasonOf('firewall/net_firewall_cleartext_protocols.yml')).toMatch(/^logsource category:firewall: firewall connection logs/);
    expect(reasonOf('fortinet/fortigate/fortinet_fortigate_new_local_user_created.yml')).toMatch(/^logsource fortigate\/event: FortiGate event logs/);
    expect(skipped.find((s) => s.title === 'Cisco BGP Authentication Failures')).toBeDefined();
  });

  it('capwatch rules lists the mapped rules with their mapping and the skipped ones with the reason', () => {
    const r = run(['rules', '--config', config(tempDir('capwatch-sigmahq-'))]);
    expect(r.code).toBe(0);
    const [own, mapped, skippedPart] = r.stdout.split(/\n(?=Sigma rules without|Skipped)/);
    expect(own).toMatch(/Mirror session source added/);
    expect(mapped).toMatch(/logsource cisco\/aaa, received as Cisco command accounting/);
    expect(mapped).toMatch(/b9e1f193-d236-4451-aaae-2f3d2102120d\s+medium\s+capture\s+Cisco Sniffing\n\s+keywords → command; kind capture: tagged attack\.t1040/);
    expect(skippedPart).toMatch(/cisco_ldp_md5_auth_failed\.yml {2}Cisco LDP Authentication Failures\n\s+logsource cisco\/ldp: routing-protocol messages/);
    expect(r.stdout).toMatch(/\d+ rules loaded \(13 of them Sigma rules mapped\), 40 skipped, from /);
  });

  it("SigmaHQ's own regression line (IOS archive log) fires its rule as a detection, naming the rule's author", () => {
    const line = logLine('ios-sigma-regression-cfglog.log', 'no access-session port-control');
    const [d, ...more] = replay([line]);
    expect(more).toEqual([]);
    expect(d).toMatchObject({
      rule: 'ef0ff092-a24a-4fbc-beea-06c08d53e085',
      title: 'Cisco Dot1x Disabled',
      kind: 'other',
      severity: 'medium',
      technique: 'T1685, T1556.004',
      user: 'admin',
      command: 'no access-session port-control',
    });
    expect(d!.why).toMatch(/^Detects the manual disablement of IEEE 802\.1X .*\(Sigma rule "Cisco Dot1x Disabled" by Luc Génaux\)$/);
  });

  it('a TACACS+ accounting record (tac_plus) fires a rule by its cmd=', () => {
    const line = logLine('research-verbatim-extra.log', 'cmd=show version');
    const ds = replay([line]);
    expect(ds.map((d) => d.title)).toEqual(['Cisco Discovery']);
    expect(ds[0]).toMatchObject({ user: 'username1', command: 'show version', severity: 'low', kind: 'other' });
  });

  it("keywords meet the command, not the whole syslog line: NX-OS accounting's %AAA- tag does not fire 'aaa'", () => {
    const line = logLine('nxos-lognorm-rulebase-accounting.log', 'terminal length 0');
    expect(line).toContain('%AAA-6-AAA_ACCOUNTING_MESSAGE');
    expect(rules.find((r) => r.title === 'Cisco Local Accounts')).toBeDefined();
    expect(replay([line])).toEqual([]);
  });

  it('cisco/aaa rules run on Cisco devices and on records that name no platform, not on other vendors', () => {
    const d = new Detector({ rules, collectors: [] });
    const titles = (platform: 'junos' | 'eos' | 'nxos' | undefined) =>
      d.detect(commandEvent('show version', { device: { address: '192.0.2.20', platform } })).map((x) => x.title);
    expect(titles('nxos')).toEqual(['Cisco Discovery']);
    expect(titles(undefined)).toEqual(['Cisco Discovery']);
    expect(titles('junos')).toEqual([]);
    expect(titles('eos')).toEqual([]);
  });

  it('a cisco/aaa rule may use the accounting record’s own field names; one naming a field capwatch lacks is skipped, saying which', () => {
    const dir = tempDir('capwatch-sigmahq-');
    const rule = (id: string, title: string, field: string) =>
      `title: ${title}\nid: ${id}\nlogsource:\n  product: cisco\n  service: aaa\ndetection:\n  sel:\n    ${field}|startswith: 'show ver'\n  condition: sel\nlevel: low\n`;
    writeFileSync(join(dir, 'by-cmd.yml'), rule('5d1f7a43-3f1e-4a57-9d2c-0f6c1e1e0a01', 'By cmd', 'cmd'));
    writeFileSync(join(dir, 'by-priv.yml'), rule('5d1f7a43-3f1e-4a57-9d2c-0f6c1e1e0a02', 'By priv-lvl', 'priv-lvl'));
    const set = loadRuleSet([dir]);
    expect(set.rules.map((r) => [r.title, r.foreign?.fields])).toEqual([['By cmd', ['cmd → command']]]);
    expect(set.skipped).toEqual([
      { file: join(dir, 'by-priv.yml'), title: 'By priv-lvl', reason: expect.stringMatching(/^field 'priv-lvl' is not in cisco\/aaa events as capwatch receives them \(fields: command, .*cmd, port, rem_addr\)$/) },
    ]);
    const d = new Detector({ rules: set.rules, collectors: [] });
    expect(d.detect(commandEvent('show version', { device: { platform: undefined } })).map((x) => x.title)).toEqual(['By cmd']);
  });

  it('an incident of their hits is titled and paged with its own ATT&CK techniques, not as T1040', () => {
    const builtin = loadRules([resolve(import.meta.dirname, '../rules')]);
    const d = new Detector({ rules: [...builtin, ...rules], collectors: [] });
    const incident = (detections: Detection[]): RenderInput => {
      const inc: Incident = {
        id: '7d1c6f0e-0000-4000-8000-00000000000a',
        severity: 'high',
        status: 'open',
        device: { address: '192.0.2.10', hostname: 'core-rtr1', platform: 'iosxe' },
        user: 'eve',
        firstSeen: new Date('2026-03-03T10:00:00Z'),
        lastSeen: new Date('2026-03-03T10:00:05Z'),
        detections,
      };
      const target = { name: 'pd', type: 'pagerduty' as const, url: 'http://127.0.0.1:9/pd', secret: 'k' };
      return { incident: inc, first: true, fresh: detections, publicUrl: undefined, deliveryId: 'd1', now: new Date('2026-03-03T10:00:06Z'), target };
    };
    const clear = d.detect(commandEvent('clear logging'));
    expect(clear.map((x) => [x.title, x.technique, x.severity])).toEqual([['Cisco Clear Logs', 'T1070.003', 'high']]);
    const alone = incident(clear);
    expect(summarize(alone).title).toBe('HIGH: Cisco Clear Logs (T1070.003) on core-rtr1');
    expect(summarize(alone).facts.find((f) => f.label === 'Severity')?.value).toMatch(/MITRE ATT&CK T1070\.003$/);
    const pd = JSON.parse(formatters.pagerduty(alone).body) as { payload: { summary: string; group: string } };
    expect(pd.payload).toMatchObject({ summary: 'HIGH T1070.003 on core-rtr1 by eve: clear logging', group: 'T1070.003' });

    const capture = d.detect(commandEvent('monitor capture CAP interface GigabitEthernet1 both'));
    expect(capture.map((x) => x.technique)).toEqual(['T1040']);
    expect(summarize(incident([...capture, ...clear])).title).toBe('HIGH: packet capture / traffic mirroring and other commands (T1040, T1070.003) on core-rtr1');
    expect(summarize(incident(capture)).title).toBe('HIGH: packet capture / traffic mirroring (T1040) on core-rtr1');
  });
});
