// The built-in cloud rules (rules/cloud_*.yml) over the fixture records (fixtures/cloud, sources in SOURCES.md): which
// detection each call makes, its kind and severity, the cross-account policy, tradecraft, attempts, and the state of
// active cloud mirrors per account.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudCall, cloudCallFromText } from '../parsers/cloud/index.js';
import { JsonRecordSplitter } from '../parsers/cloud/stream.js';
import { isParseFailure } from '../parsers/types.js';
import { cloudEvent } from '../src/detect/cloud.js';
import { Detector } from '../src/detect/detector.js';
import { kindCovered } from '../src/detect/expected/kinds.js';
import { loadRules } from '../src/detect/sigma/load.js';
import type { Detection } from '../src/types.js';
import { commandEvent } from './helpers/command-event.js';
import { configProblems } from './helpers/config.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const cloudRules = rules.filter((r) => basename(r.file).startsWith('cloud_'));
const dir = join(import.meta.dirname, '..', 'fixtures', 'cloud');
const RECEIVED = new Date('2026-12-04T12:00:00Z');

function recordsOf(file: string): string[] {
  const s = new JsonRecordSplitter();
  const out: string[] = [];
  s.push(readFileSync(join(dir, file), 'utf8'), (r) => out.push(r));
  s.end();
  return out;
}

/** Each record's detections (records that are no mirroring call are left out). */
function detect(file: string, d = new Detector({ rules, collectors: [] })): Detection[][] {
  const out: Detection[][] = [];
  for (const text of recordsOf(file)) {
    const call = cloudCallFromText(text);
    if (call === null || isParseFailure(call)) continue;
    out.push(d.detect(cloudEvent(call, text, 'replay', RECEIVED)));
  }
  return out;
}

const summary = (ds: Detection[]) => ds.map((d) => `${basename(rules.find((r) => r.id === d.rule)!.file, '.yml')} ${d.kind} ${d.severity}`);

describe('cloud rules', () => {
  it('carry Sigma metadata, a cloud logsource and a command prefix (device events never evaluate them)', () => {
    expect(cloudRules.length).toBe(14);
    for (const r of cloudRules) {
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(['aws', 'gcp', 'azure', undefined]).toContain(r.logsource.product);
      expect(r.commandPrefixes, r.file).not.toBeNull();
      expect(r.references.length).toBeGreaterThan(0);
    }
  });

  it('a device command of the same name does not fire them', () => {
    const d = new Detector({ rules });
    expect(d.detect(commandEvent('CreateTrafficMirrorSession'))).toEqual([]);
  });

  it('AWS: the real filter, rule, target and session; the session is an active mirror in the account', () => {
    const d = new Detector({ rules });
    expect(detect('aws-elastic-traffic-mirroring.jsonl', d).map(summary)).toEqual([
      ['cloud_aws_traffic_mirror_filter mirror low'],
      ['cloud_aws_traffic_mirror_filter mirror low'],
      ['cloud_aws_traffic_mirror_target mirror medium'],
      ['cloud_aws_traffic_mirror_session mirror high'],
    ]);
    const session = d.state.get('aws:000000000000')!.sessions.get('tms-089e55493216df002')!;
    expect(session).toMatchObject({ type: 'cloud', active: true, sources: ['eni-0826181775f16c3b2'], destinations: ['tmt-0c62986bff32556ac'] });
  });

  it('AWS file: a TACACS+ filter is tradecraft, a refused call is a low attempt, sharing the target with another account is critical, delete ends the mirror', () => {
    const d = new Detector({ rules });
    const all = detect('aws-cloudtrail-synthesised.json', d);
    expect(all.map(summary)).toEqual([
      ['cloud_aws_traffic_mirror_filter mirror high'],
      ['cloud_aws_traffic_mirror_session mirror high'],
      ['cloud_mirror_attempt_refused mirror low'],
      ['cloud_aws_traffic_mirror_target_shared mirror critical'],
      ['cloud_aws_traffic_mirror_removed removal low'],
    ]);
    expect(all[0]![0]!.tradecraft).toEqual(['mirror filter targets TACACS+ (TCP 49)']);
    const attempt = all[2]![0]!;
    expect(attempt.event).toMatchObject({ user: 'arn:aws:sts::111122223333:assumed-role/ReadOnly/intruder', remoteAddress: '203.0.113.77', command: 'CreateTrafficMirrorSession refused Client.UnauthorizedOperation' });
    expect(attempt.why).toMatch(/refused \(Client\.UnauthorizedOperation\)/);
    expect(all[3]![0]!.why).toMatch(/shared by arn:aws:iam::111122223333:user\/ops-automation with 444455556666/);
    expect(all[1]![0]!.facts).toMatchObject({ account: '111122223333', region: 'us-east-1', session: 'tms-0bbbbbbbbbbbbbbb2', eventId: '5a0c1b6e-0000-4000-8000-000000000002' });
    expect(d.state.get('aws:111122223333')!.sessions.size).toBe(0);
  });

  it('the collector account, once approved, is no longer critical', () => {
    const d = new Detector({ rules, collectors: ['aws:444455556666'] });
    expect(detect('aws-cloudtrail-synthesised.json', d)[3]!.map((x) => x.severity)).toEqual(['high']);
  });

  it('GCP: a mirror to a collector in another project is critical; disabling keeps the policy but not the copying', () => {
    const d = new Detector({ rules });
    const all = detect('gcp-packet-mirroring-synthesised.jsonl', d);
    expect(all.map(summary)).toEqual([
      ['cloud_gcp_packet_mirroring mirror high'],
      ['cloud_gcp_packet_mirroring mirror high'],
      ['cloud_gcp_packet_mirroring mirror critical'],
      ['cloud_mirror_attempt_refused mirror low'],
      ['cloud_gcp_packet_mirroring_removed removal low'],
    ]);
    expect(all[2]![0]!.why).toMatch(/owned by collector-elsewhere-7, outside the approved collectors/);
    const sessions = d.state.get('gcp:qwiklabs-gcp-02-05e37a194649')!.sessions;
    // cloud-ids-packet-mirroring was disabled, then deleted; tacacs-tap stays active.
    expect([...sessions.values()].map((s) => [s.id.split('/').pop(), s.active])).toEqual([['tacacs-tap', true]]);
  });

  it('Azure: TAP, tapped NIC, a capture into another subscription (critical, Kerberos/LDAP/SMB tradecraft), a refused tap, a delete', () => {
    const d = new Detector({ rules });
    const all = detect('azure-activity-synthesised.json', d);
    expect(all.map(summary)).toEqual([
      ['cloud_azure_virtual_network_tap mirror medium'],
      ['cloud_azure_nic_tap_configuration mirror high'],
      ['cloud_azure_packet_capture capture critical'],
      ['cloud_mirror_attempt_refused mirror low'],
      ['cloud_azure_mirror_removed removal low'],
    ]);
    expect(all[2]![0]!.tradecraft).toEqual(['mirror filter targets LDAP (389)', 'mirror filter targets Kerberos (88)', 'mirror filter targets SMB (445)']);
    expect(all[2]![0]!.why).toMatch(/packet capture ran on .*dc01.*written to https:\/\/exfilstore\.blob\.core\.windows\.net\/captures\/pc1\.cap/i);
    const dev = d.state.get('azure:8a4de8b5-095c-47d0-a96f-a75130c61d53')!;
    expect(dev.sessions.size).toBe(0);
    expect([...dev.captures.values()].map((c) => c.active)).toEqual([true]);
  });

  it('EventBridge and Event Grid deliveries make the same detections as the files', () => {
    const d = new Detector({ rules });
    const eb = cloudCall(JSON.parse(readFileSync(join(dir, 'aws-eventbridge-session.json'), 'utf8')));
    const [grid] = JSON.parse(readFileSync(join(dir, 'azure-eventgrid-tap.json'), 'utf8')) as unknown[];
    const g = cloudCall(grid);
    if (!eb || isParseFailure(eb) || !g || isParseFailure(g)) throw new Error('not read');
    expect(summary(d.detect(cloudEvent(eb, '', 'http', RECEIVED)))).toEqual(['cloud_aws_traffic_mirror_session mirror high']);
    expect(summary(d.detect(cloudEvent(g, '', 'http', RECEIVED)))).toEqual(['cloud_azure_nic_tap_configuration mirror high']);
  });

  it('a cloud mirror is mirror work: a planned window for mirror work covers it, one for capture work does not', () => {
    const filter = detect('aws-elastic-traffic-mirroring.jsonl')[0]?.[0];
    expect(filter!.kind).toBe('mirror');
    expect(kindCovered(['mirror'], filter!.kind)).toBe(true);
    expect(kindCovered(['capture'], filter!.kind)).toBe(false);
  });
});

describe('configuration', () => {
  it('detection.collectors takes cloud accounts beside CIDR networks, and names a malformed one', () => {
    expect(configProblems({ detection: { collectors: ['10.0.0.0/8', 'aws:444455556666', 'gcp:security-collectors', 'azure:0f6c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b'] } })).toEqual([]);
    expect(configProblems({ detection: { collectors: ['aws:4444'] } })).toEqual(['detection.collectors[0]: not a CIDR network (got "aws:4444")']);
  });

  it('http.ingest.pubsub needs its audience', () => {
    expect(configProblems({ http: { ingest: { pubsub: { serviceAccounts: ['a@b.iam.gserviceaccount.com'] } } } })).toEqual(["http.ingest.pubsub: must have required property 'audience'"]);
  });
});
