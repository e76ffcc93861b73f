// A principal's first cloud mirror, mirror target or packet capture in an account is raised one step and says so;
// the ledger of who created what is a table in the store's SQLite file, so a restart does not forget it. Records:
// fixtures/cloud/aws-elastic-traffic-mirroring.jsonl (Elastic's integration test data, see SOURCES.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CloudPrincipals } from '../src/alerts/cloud-principals.js';
import { Store } from '../src/alerts/store.js';
import { ContextTracker } from '../src/detect/context.js';
import { Detector } from '../src/detect/detector.js';
import { Ingest } from '../src/detect/ingest.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { RateLimitedLog } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import type { Detection } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const rules = loadRules([join(import.meta.dirname, '..', 'rules')]);
const ELASTIC = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cloud', 'aws-elastic-traffic-mirroring.jsonl'), 'utf8').trim().split('\n');
const RECEIVED = Date.parse('2026-12-04T12:00:00Z');

/** A fresh detection pipeline (as after a restart) over the store file at `path`; returns each record's detections. */
function ingestAll(path: string, records: readonly string[]): Detection[][] {
  const store = new Store(path);
  try {
    const ingest = new Ingest({
      metrics: new Metrics(),
      warn: new RateLimitedLog(pino({ level: 'silent' })),
      detector: new Detector({ rules, collectors: [] }),
      contexts: new ContextTracker(),
      onDetections: () => {},
      principals: new CloudPrincipals(store.database),
    });
    return records.map((r) => ingest.cloudRecord(r, 'test', 'http', RECEIVED) ?? []);
  } finally {
    store.close();
  }
}

const shown = (ds: Detection[][]) => ds.map((d) => d.map((x) => `${x.severity}${x.tradecraft.length > 0 ? ` [${x.tradecraft.join('; ')}]` : ''}`).join());

describe('first creation per principal', () => {
  it("raises a principal's first target and first session one step, and not again after a restart", () => {
    const path = join(tempDir(), 'capwatch.db');
    // Filter, filter rule, target, session, all by arn:aws:iam::000000000:user/test@elastic.co.
    expect(shown(ingestAll(path, ELASTIC))).toEqual([
      'low',
      'low',
      'high [first mirror target created by this principal]',
      'critical [first mirror created by this principal]',
    ]);
    expect(shown(ingestAll(path, ELASTIC))).toEqual(['low', 'low', 'medium', 'high']);
  });

  it('another principal in the same account has its own first', () => {
    const path = join(tempDir(), 'capwatch.db');
    ingestAll(path, ELASTIC);
    const other = ELASTIC[3]!.replace('user/test@elastic.co', 'user/contractor');
    expect(shown(ingestAll(path, [other]))).toEqual(['critical [first mirror created by this principal]']);
  });

  it('a refused attempt created nothing: the first successful creation after it is still the first', () => {
    const path = join(tempDir(), 'capwatch.db');
    // Derived from the real session record: the same call as CloudTrail writes it when refused (errorCode set, no
    // responseElements), as in the refused CreateTrafficMirrorSession of fixtures/cloud/aws-cloudtrail-synthesised.json.
    const real = JSON.parse(ELASTIC[3]!) as Record<string, unknown>;
    const { responseElements: _, ...rest } = real;
    const refused = JSON.stringify({ ...rest, errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized to perform this operation.' });
    expect(shown(ingestAll(path, [refused]))).toEqual(['low']);
    expect(shown(ingestAll(path, [ELASTIC[3]!]))).toEqual(['critical [first mirror created by this principal]']);
  });
});
