// How far a device is trusted when alerts compete for a chat target's pace. A device in the inventory, or one heard
// from for a while, is an operator's real device; a name first heard just now may be one of ten thousand spoofed ones.
import type { DeviceRef } from '../types.js';

export type DeviceTrust = 'new' | 'known' | 'inventory';

export const TRUST_RANK: Record<DeviceTrust, number> = { new: 0, known: 1, inventory: 2 };

export interface TrustSources {
  inInventory(device: DeviceRef): boolean;
  /** Did this device send anything, or have an incident, at or before `beforeMs`? */
  heardBefore(device: DeviceRef, beforeMs: number): boolean;
}

/** A device is known once it has been heard from for `knownAfterMs`: a flood cannot make its own names old. */
export function deviceTrust(sources: TrustSources, knownAfterMs: number): (device: DeviceRef, nowMs: number) => DeviceTrust {
  return (device, nowMs) => {
    if (sources.inInventory(device)) return 'inventory';
    return sources.heardBefore(device, nowMs - knownAfterMs) ? 'known' : 'new';
  };
}
