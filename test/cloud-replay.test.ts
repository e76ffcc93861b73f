// `capwatch replay` on cloud audit files, recognised by their content: a CloudTrail file as delivered to S3
// (`{"Records":[…]}`, gzipped), GCP LogEntry lines on standard input, an Azure `{"records":[…]}` file and an
// EventBridge event, next to a syslog file in the same run. Records: fixtures/cloud (sources in SOURCES.md).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const CLOUD = resolve(import.meta.dirname, '../fixtures/cloud');
const LOGS = resolve(import.meta.dirname, '../fixtures/logs');

function replay(files: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, 'replay', '--json', ...files], { input, encoding: 'utf8', timeout: 20_000 });
  const detections = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { title: string; severity: string; kind: string; device: string; user: string; command: string; facts: Record<string, string> });
  return { code: r.status, detections, stderr: r.stderr };
}

describe('capwatch replay of cloud audit records', () => {
  it('a gzipped CloudTrail file, an EventBridge event and a syslog file in one run', () => {
    const dir = tempDir('capwatch-cloud-replay-');
    const gz = join(dir, '111122223333_CloudTrail_us-east-1_20241015T0805Z_abc.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(CLOUD, 'aws-cloudtrail-synthesised.json'))));
    const r = replay([gz, join(CLOUD, 'aws-eventbridge-session.json'), join(LOGS, 'ios-erspan-exfil-reconstruction.log')]);
    expect(r.code).toBe(0);
    const cloud = r.detections.filter((d) => d.device.startsWith('aws:'));
    expect(cloud.map((d) => `${d.device} ${d.command} ${d.severity}`)).toEqual([
      'aws:111122223333 CreateTrafficMirrorFilterRule high',
      'aws:111122223333 CreateTrafficMirrorSession high',
      'aws:111122223333 CreateTrafficMirrorSession refused Client.UnauthorizedOperation low',
      'aws:111122223333 CreateResourceShare critical',
      'aws:111122223333 DeleteTrafficMirrorSession low',
      'aws:000000000000 CreateTrafficMirrorSession high',
    ]);
    expect(cloud[1]).toMatchObject({ user: 'arn:aws:iam::111122223333:user/ops-automation', facts: { session: 'tms-0bbbbbbbbbbbbbbb2', region: 'us-east-1' } });
    // The syslog file is read as lines, as before.
    expect(r.detections.some((d) => d.facts.destinationIp === '198.51.100.7')).toBe(true);
    expect(r.stderr).toMatch(/replay: 12 lines read .*, 7 cloud audit records/);
  });

  it('GCP LogEntry lines on standard input and an Azure diagnostic-settings file', () => {
    const gcp = replay(['-'], readFileSync(join(CLOUD, 'gcp-packet-mirroring-synthesised.jsonl'), 'utf8'));
    expect(gcp.code).toBe(0);
    expect(gcp.detections.map((d) => d.severity)).toEqual(['high', 'high', 'critical', 'low', 'low']);
    expect(gcp.detections[2]).toMatchObject({ device: 'gcp:qwiklabs-gcp-02-05e37a194649', facts: { targetAccount: 'collector-elsewhere-7' } });
    const azure = replay([join(CLOUD, 'azure-activity-synthesised.json')]);
    expect(azure.detections.map((d) => `${d.kind} ${d.severity}`)).toEqual(['mirror medium', 'mirror high', 'capture critical', 'mirror low', 'removal low']);
    expect(azure.stderr).toMatch(/7 cloud audit records/);
  });

  it('a broken record is counted as a parse error; the rest of the file is still read', () => {
    const dir = tempDir('capwatch-cloud-replay-');
    const file = join(dir, 'broken.json');
    const good = readFileSync(join(CLOUD, 'aws-elastic-traffic-mirroring.jsonl'), 'utf8').split('\n')[3]!;
    writeFileSync(file, `{"eventName":"CreateTrafficMirrorSession","x":[}\n${good}\n`);
    const r = replay([file]);
    expect(r.code).toBe(0);
    expect(r.detections.map((d) => d.command)).toEqual(['CreateTrafficMirrorSession']);
    expect(r.stderr).toMatch(/1 parse errors/);
  });
});
