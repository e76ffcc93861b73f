// A principal's first mirror, mirror target or packet capture in an account is news: the automation and the people
// who build mirrors for a living do it again and again, a stolen key or a new insider does it once. The ledger that
// remembers who created what lives in the store (see alerts/cloud-principals.ts); here, what counts and what it adds.
import type { CloudCall, CloudObject } from '../../parsers/cloud/types.js';
import { SEVERITIES, severityRank, type Detection } from '../types.js';

/** One creation: the account (project, subscription) and principal as the audit record names them. */
export interface Creation {
  provider: CloudCall['provider'];
  account: string;
  principal: string;
  object: FirstObject;
}

/** Remembers creations; true when this principal had created no such object in this account before. */
export interface CreationLedger {
  noteCreation(creation: Creation, at: Date): boolean;
}

/** What a first creation is worth noting for, and how the note names it. */
const FIRST_OBJECTS = { mirror: 'mirror', target: 'mirror target', capture: 'packet capture' } as const satisfies Partial<Record<CloudObject, string>>;
export type FirstObject = keyof typeof FIRST_OBJECTS;

function isFirstObject(o: CloudObject): o is FirstObject {
  return Object.hasOwn(FIRST_OBJECTS, o);
}

/**
 * Notes a successful creation in the ledger and, when it is the principal's first of its kind in the account, raises
 * each of the call's detections one step and says why. A refused call created nothing and is not noted.
 */
export function noteFirstCreation(call: CloudCall, detections: readonly Detection[], ledger: CreationLedger, at: Date): void {
  if (call.verb !== 'create' || call.outcome !== 'succeeded' || call.principal === undefined || !isFirstObject(call.object)) return;
  const first = ledger.noteCreation({ provider: call.provider, account: call.account, principal: call.principal, object: call.object }, at);
  if (!first) return;
  for (const d of detections) {
    d.severity = SEVERITIES[Math.min(severityRank(d.severity) + 1, SEVERITIES.length - 1)]!;
    d.tradecraft.push(`first ${FIRST_OBJECTS[call.object]} created by this principal`);
  }
}
