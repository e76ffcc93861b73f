// One audit record (its JSON text or parsed value) → the traffic-mirroring call it states, whichever provider wrote
// it. The provider is recognised by the record's shape, so one reader serves files, HTTP posts and syslog payloads.
import { isParseFailure, type ParseFailure } from '../types.js';
import { activityLogCall, isActivityRecord } from './azure.js';
import { cloudTrailCall, isCloudTrailRecord } from './aws.js';
import { auditLogCall, isLogEntry } from './gcp.js';
import { get, obj, str, type Obj } from './json.js';
import type { CloudCall, CloudProvider } from './types.js';

export type { CloudCall, CloudProvider } from './types.js';
export { CLOUD_PROVIDERS } from './types.js';

/**
 * Words one of which every record capwatch reads contains, in the cases providers write them (Azure storage writes
 * operation names upper case). Anything else is skipped before JSON.parse: nearly every audit record is unrelated.
 */
export const CLOUD_MARKERS = [
  'TrafficMirror',
  'traffic-mirror-target',
  'packetMirrorings',
  'virtualNetworkTaps',
  'VIRTUALNETWORKTAPS',
  'virtualnetworktaps',
  'tapConfigurations',
  'TAPCONFIGURATIONS',
  'tapconfigurations',
  'packetCaptures',
  'PACKETCAPTURES',
  'packetcaptures',
] as const;

/** One alternation scans a record once (a dozen `includes` would scan it a dozen times); markers are plain words. */
const MARKER = new RegExp(CLOUD_MARKERS.join('|'));

export function mayBeCloudMirror(text: string): boolean {
  return MARKER.test(text);
}

/** Which provider wrote a record, by its shape; undefined when it is none of theirs. */
export function providerOf(rec: Obj): CloudProvider | undefined {
  if (isCloudTrailRecord(rec) || isEventBridge(rec)) return 'aws';
  if (isLogEntry(rec)) return 'gcp';
  if (isActivityRecord(rec)) return 'azure';
  return undefined;
}

/** EventBridge's envelope around a CloudTrail record: `detail-type: AWS API Call via CloudTrail`, `detail` the record. */
function isEventBridge(rec: Obj): boolean {
  return obj(get(rec, 'detail')) !== undefined && typeof get(rec, 'detail-type') === 'string';
}

/**
 * The mirroring call a parsed record states. `expect` restricts the provider (an endpoint for one provider must not
 * accept another's records). null: not a mirroring call (or not this provider's); ParseFailure: one, but unreadable.
 */
export function cloudCall(value: unknown, expect?: CloudProvider): CloudCall | null | ParseFailure {
  const rec = obj(value);
  if (!rec) return null;
  const provider = providerOf(rec);
  if (provider === undefined || (expect !== undefined && provider !== expect)) return null;
  switch (provider) {
    case 'aws': {
      const detail = isCloudTrailRecord(rec) ? rec : obj(get(rec, 'detail'));
      if (!detail) return null;
      const call = cloudTrailCall(detail);
      // EventBridge gives the event its own id; the record's eventID stays the better key (it dedupes with S3 files).
      if (call && !isParseFailure(call) && call.eventId === undefined) {
        const id = str(get(rec, 'id'), 128);
        if (id !== undefined) call.eventId = id;
      }
      return call;
    }
    case 'gcp':
      return auditLogCall(rec);
    case 'azure':
      return activityLogCall(rec);
  }
}

/** `cloudCall` on a record's JSON text; null for text that is not JSON (not ours to judge) or holds no mirror marker. */
export function cloudCallFromText(text: string, expect?: CloudProvider): CloudCall | null | ParseFailure {
  if (!mayBeCloudMirror(text)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'a record naming a mirror operation is not valid JSON' };
  }
  return cloudCall(value, expect);
}
