// The cloud audit-record parsers on the records in fixtures/cloud (SOURCES.md names where each comes from: the AWS
// records of aws-elastic-traffic-mirroring.jsonl are real, the others are synthesised from cited real shapes), the
// streaming splitter that cuts archives into records, and hostile JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloudCall, cloudCallFromText, mayBeCloudMirror } from '../parsers/cloud/index.js';
import { JsonRecordSplitter } from '../parsers/cloud/stream.js';
import type { CloudCall } from '../parsers/cloud/types.js';
import { isParseFailure } from '../parsers/types.js';

const dir = join(import.meta.dirname, '..', 'fixtures', 'cloud');
const text = (f: string) => readFileSync(join(dir, f), 'utf8');

/** Every record of a fixture, split the way replay splits it (in chunks of `chunk` characters). */
function records(f: string, chunk = 97): string[] {
  const s = new JsonRecordSplitter();
  const out: string[] = [];
  const t = text(f);
  for (let i = 0; i < t.length; i += chunk) s.push(t.slice(i, i + chunk), (r) => out.push(r));
  s.end();
  return out;
}

function calls(f: string): CloudCall[] {
  const out: CloudCall[] = [];
  for (const r of records(f)) {
    const c = cloudCallFromText(r);
    if (c === null) continue;
    if (isParseFailure(c)) throw new Error(c.error);
    out.push(c);
  }
  return out;
}

describe('AWS CloudTrail (real records from Elastic integration tests)', () => {
  const [filter, rule, target, session] = calls('aws-elastic-traffic-mirroring.jsonl');

  it('reads a session: source ENI, target, filter, actor, address, agent, account, region, time', () => {
    expect(session).toMatchObject({
      provider: 'aws',
      name: 'CreateTrafficMirrorSession',
      verb: 'create',
      object: 'mirror',
      account: '000000000000',
      region: 'us-east-1',
      principal: 'arn:aws:iam::000000000:user/test@elastic.co',
      principalType: 'IAMUser',
      sourceIp: '216.160.83.56',
      eventId: '035ab7d0-a150-4712-86fc-edffb81d054c',
      outcome: 'succeeded',
      attrs: { session: 'tms-089e55493216df002', sources: 'eni-0826181775f16c3b2', target: 'tmt-0c62986bff32556ac', filter: 'tmf-01bee5a4ef310ec1b', sessionNumber: '1', packetLength: '25', vni: '3272331' },
    });
    expect(session!.userAgent).toMatch(/^aws-cli\/2\.17\.60 /);
    expect(session!.time?.toISOString()).toBe('2024-10-14T12:32:18.000Z');
  });

  it('reads a target (an NLB) and who owns it', () => {
    expect(target).toMatchObject({
      object: 'target',
      attrs: {
        target: 'tmt-0c62986bff32556ac',
        targetType: 'network-load-balancer',
        targetResource: 'arn:aws:elasticloadbalancing:us-east-1:000000000:loadbalancer/net/my-network-load-balancer/6e52cfd7d977b43a',
        targetAccount: '000000000000',
      },
    });
  });

  it('reads a filter and its rule (protocol 6 is tcp, all addresses)', () => {
    expect(filter).toMatchObject({ object: 'filter', attrs: { filter: 'tmf-01bee5a4ef310ec1b' } });
    expect(rule).toMatchObject({
      object: 'filter-rule',
      attrs: { filter: 'tmf-01bee5a4ef310ec1b', filterRule: 'tmfr-0e6de11dee1a9c690', direction: 'ingress', protocols: 'tcp', cidrs: '0.0.0.0/0 > 0.0.0.0/0' },
      rules: [{ protocol: 'tcp', ports: [] }],
    });
  });

  it('a CloudTrail file (synthesised from the real records): error = attempt, RAM share, delete, unrelated records ignored', () => {
    const all = calls('aws-cloudtrail-synthesised.json');
    expect(all.map((c) => `${c.name}:${c.outcome}`)).toEqual([
      'CreateTrafficMirrorFilterRule:succeeded',
      'CreateTrafficMirrorSession:succeeded',
      'CreateTrafficMirrorSession:refused',
      'CreateResourceShare:succeeded',
      'DeleteTrafficMirrorSession:succeeded',
    ]);
    expect(all[0]!.attrs.ports).toBe('49');
    expect(all[2]).toMatchObject({ errorCode: 'Client.UnauthorizedOperation', principal: 'arn:aws:sts::111122223333:assumed-role/ReadOnly/intruder', sourceIp: '203.0.113.77' });
    expect(all[3]).toMatchObject({ verb: 'share', object: 'target', attrs: { target: 'tmt-0c62986bff32556ac', targetAccount: '111122223333', sharedWith: '444455556666' } });
    expect(all[4]).toMatchObject({ verb: 'delete', object: 'mirror', attrs: { session: 'tms-0bbbbbbbbbbbbbbb2' } });
  });

  it('an EventBridge event carries the same record in `detail`', () => {
    const c = cloudCall(JSON.parse(text('aws-eventbridge-session.json')));
    expect(c).toMatchObject({ name: 'CreateTrafficMirrorSession', eventId: '035ab7d0-a150-4712-86fc-edffb81d054c', attrs: { session: 'tms-089e55493216df002' } });
  });

  it('records re-rendered by pipelines: numeric account and ids, eventTime without T', () => {
    const rec = JSON.parse(text('aws-elastic-traffic-mirroring.jsonl').split('\n')[3]!) as Record<string, unknown>;
    rec.recipientAccountId = 111122223333;
    rec.eventTime = '2024-10-14 12:32:18';
    const c = cloudCall(rec);
    expect(c).toMatchObject({ account: '111122223333' });
    expect((c as CloudCall).time?.toISOString()).toBe('2024-10-14T12:32:18.000Z');
  });
});

describe('Google Cloud Audit Logs (synthesised LogEntry lines)', () => {
  const all = calls('gcp-packet-mirroring-synthesised.jsonl');

  it('keeps the first entry of an operation, drops its successful last one; reads v1 and beta methods', () => {
    expect(all.map((c) => `${c.operation}:${c.outcome}`)).toEqual([
      'v1.compute.packetMirrorings.insert:succeeded',
      'beta.compute.packetMirrorings.patch:succeeded',
      'v1.compute.packetMirrorings.insert:succeeded',
      'v1.compute.packetMirrorings.insert:refused',
      'v1.compute.packetMirrorings.delete:succeeded',
    ]);
  });

  it('reads the mirrored resources, the collector and its project, the filter, the actor', () => {
    expect(all[0]).toMatchObject({
      provider: 'gcp',
      name: 'packetMirrorings.insert',
      account: 'qwiklabs-gcp-02-05e37a194649',
      region: 'us-east1',
      principal: 'student-01-41d0c1af2373@qwiklabs.net',
      principalType: 'user',
      sourceIp: '175.16.199.45',
      operationId: 'operation-1732021993132-62743cba4d27a-d29b55ba-2cd69d6a',
      attrs: {
        session: 'projects/qwiklabs-gcp-02-05e37a194649/regions/us-east1/packetMirrorings/cloud-ids-packet-mirroring',
        target: 'projects/qwiklabs-gcp-02-05e37a194649/regions/us-east1/forwardingRules/ids-fr-cloud--dwoamrfsm8fa5gid',
        targetAccount: 'qwiklabs-gcp-02-05e37a194649',
        sources: 'projects/qwiklabs-gcp-02-05e37a194649/regions/us-east1/subnetworks/cloud-ids-useast1',
        direction: 'both',
      },
    });
    expect(all[1]!.attrs.enabled).toBe('false');
    expect(all[2]).toMatchObject({ principalType: 'serviceAccount', attrs: { targetAccount: 'collector-elsewhere-7', sources: 'tag:tacacs-server', cidrs: '10.0.0.0/8', protocols: 'tcp' } });
    expect(all[3]!.errorCode).toMatch(/^Required 'compute\.packetMirrorings\.create' permission/);
  });
});

describe('Azure Activity Log (synthesised diagnostic-settings records and Event Grid events)', () => {
  const all = calls('azure-activity-synthesised.json');
  const SUB = '8a4de8b5-095c-47d0-a96f-a75130c61d53';

  it('skips Start records and unrelated operations; reads upper-case operation names', () => {
    expect(all.map((c) => `${c.name}:${c.outcome}`)).toEqual([
      'virtualNetworkTaps/write:succeeded',
      'tapConfigurations/write:succeeded',
      'packetCaptures/write:succeeded',
      'tapConfigurations/write:refused',
      'tapConfigurations/delete:succeeded',
    ]);
  });

  it('a TAP, a tapped NIC, a packet capture to a storage account in another subscription', () => {
    expect(all[0]).toMatchObject({ account: SUB, region: 'westus2', principal: 'operator@contoso.com', principalType: 'user', sourceIp: '81.2.69.144', object: 'target' });
    expect(all[0]!.attrs.targetResource).toMatch(/NETWORKINTERFACES\/COLLECTOR-NIC/i);
    expect(all[1]!.attrs).toMatchObject({ sources: expect.stringMatching(/NETWORKINTERFACES\/WEB-NIC$/i), target: expect.stringMatching(/virtualNetworkTaps\/vtap1$/) });
    expect(all[2]).toMatchObject({
      object: 'capture',
      attrs: { url: 'https://exfilstore.blob.core.windows.net/captures/pc1.cap', storageAccount: 'exfilstore', targetAccount: '0f6c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b', ports: '88, 389, 445' },
    });
    expect(all[2]!.attrs.captureTarget).toMatch(/virtualMachines\/dc01$/);
    expect(all[3]).toMatchObject({ outcome: 'refused', errorCode: 'Forbidden', principal: 'guest@contoso.com', sourceIp: '203.0.113.9' });
  });

  it('an Event Grid resource-write event', () => {
    const [ev] = JSON.parse(text('azure-eventgrid-tap.json')) as unknown[];
    expect(cloudCall(ev)).toMatchObject({ provider: 'azure', name: 'tapConfigurations/write', eventId: '4e0f1b2a-6c7d-4e8f-9a0b-1c2d3e4f5a6b', sourceIp: '81.2.69.144', outcome: 'succeeded' });
    expect(cloudCall(ev, 'aws')).toBeNull();
  });
});

describe('splitting archives into records', () => {
  it('the same records whatever the chunk size, from a wrapper, JSON lines and a pretty-printed array wrapper', () => {
    for (const f of ['aws-cloudtrail-synthesised.json', 'gcp-packet-mirroring-synthesised.jsonl', 'azure-activity-synthesised.json']) {
      const whole = records(f, 1 << 20);
      expect(whole.length).toBeGreaterThan(4);
      for (const chunk of [1, 2, 7, 4096]) expect(records(f, chunk)).toEqual(whole);
      for (const r of whole) expect(() => JSON.parse(r) as unknown).not.toThrow();
    }
  });

  it('braces and escaped quotes inside strings do not end a record; a record over the bound is skipped, not kept', () => {
    const s = new JsonRecordSplitter(100);
    const out: string[] = [];
    s.push('{"Records":[{"a":"}\\"{"},{"b":"' + 'x'.repeat(200) + '"},{"c":[1,{"d":2}]}]}\n{"e":1}', (r) => out.push(r));
    s.end();
    expect(out).toEqual(['{"a":"}\\"{"}', '{"c":[1,{"d":2}]}', '{"e":1}']);
    expect(s.stats).toMatchObject({ records: 3, oversized: 1 });
  });
});

describe('hostile JSON', () => {
  it('deep nesting, wrong types, prototype keys and huge values neither throw nor leak', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const inputs: unknown[] = [
      null,
      42,
      'TrafficMirror',
      [],
      { eventName: 'CreateTrafficMirrorSession', eventSource: 'ec2.amazonaws.com' },
      { eventName: 'CreateTrafficMirrorSession', eventSource: 'ec2.amazonaws.com', recipientAccountId: '111122223333', requestParameters: 'x', responseElements: [1, 2], userIdentity: 7 },
      { eventName: 'CreateTrafficMirrorSession', eventSource: 'ec2.amazonaws.com', recipientAccountId: { toString: 1 }, __proto__: { recipientAccountId: '111122223333' } },
      JSON.parse('{"eventName":"CreateTrafficMirrorSession","eventSource":"ec2.amazonaws.com","recipientAccountId":"111122223333","constructor":{"prototype":{"x":1}},"__proto__":{"polluted":true}}'),
      { protoPayload: { methodName: 'v1.compute.packetMirrorings.insert', request: { mirroredResources: { subnetworks: 'nope', instances: [null, 3, { url: {} }] } } }, resource: { labels: { project_id: 'p-1' } } },
      { operationName: 'Microsoft.Network/virtualNetworkTaps/write', resourceId: 5, subscriptionId: '8a4de8b5-095c-47d0-a96f-a75130c61d53', properties: { requestbody: '{"properties":' + deep } },
      { operationName: { value: 'MICROSOFT.NETWORK/NETWORKWATCHERS/PACKETCAPTURES/WRITE' }, resourceId: '/subscriptions/8a4de8b5-095c-47d0-a96f-a75130c61d53/x', properties: { requestbody: '{"properties":{"filters":"all","storageLocation":[1]}}' } },
    ];
    for (const v of inputs) expect(() => cloudCall(v)).not.toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A mirroring call with no account is a ParseFailure, never a guess.
    expect(isParseFailure(cloudCall(inputs[4])!)).toBe(true);

    const huge = JSON.stringify({
      eventName: 'CreateTrafficMirrorSession',
      eventSource: 'ec2.amazonaws.com',
      recipientAccountId: '111122223333',
      userAgent: 'a'.repeat(10 * 1024 * 1024),
      requestParameters: { NetworkInterfaceId: Array.from({ length: 100_000 }, (_, i) => `eni-${i}`) },
    });
    const c = cloudCallFromText(huge) as CloudCall;
    expect(c.userAgent!.length).toBeLessThanOrEqual(512);
    expect(c.attrs.sources).toBeUndefined();
    expect(isParseFailure(cloudCallFromText('{"eventName":"CreateTrafficMirrorSession", broken')!)).toBe(true);
    expect(() => cloudCallFromText(`{"TrafficMirror":${deep}}`)).not.toThrow();
  });

  it('the pre-filter keeps every marker case Azure writes and drops ordinary records', () => {
    expect(mayBeCloudMirror('"operationName":"MICROSOFT.NETWORK/VIRTUALNETWORKTAPS/WRITE"')).toBe(true);
    expect(mayBeCloudMirror('{"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com"}')).toBe(false);
  });
});
