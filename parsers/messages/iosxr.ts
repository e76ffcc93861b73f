// Cisco IOS XR: configuration is a candidate until `commit`, and XR logs the commit, not the lines typed
// (those arrive as TACACS+ accounting). `%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user 'admin'. Use
// 'show configuration commit changes 1000000024' to view the changes.`
import type { DeviceRecord } from '../types.js';
import { commandText, field } from './text.js';

const COMMITTED = /^Configuration committed by user '([^']{0,64})'/;

/** The commit a DB_COMMIT message reports; a body in another shape still reports a commit, without a user. */
export function xrCommitRecord(body: string): DeviceRecord {
  const rec: DeviceRecord = { type: 'commit', origin: 'device', platform: 'iosxr', command: commandText(body) };
  const user = field(COMMITTED.exec(body)?.[1]);
  if (user !== undefined) rec.user = user;
  return rec;
}
