// What "kind" means in a window or an approval: a detection kind, or `capture` / `mirror` for the whole family.
// Evasion (logging or accounting turned off, logs cleared, a device gone quiet) is in neither family and is never
// implied: capture or mirror work never needs the evidence trail cut, so only a window or approval that names
// `evasion` covers it (a planned collector move, a reload in a maintenance window). And an evasion next to capture
// work is critical, which nothing but a filter naming its rule sets apart.
import { DETECTION_KINDS, type DetectionKind } from '../../types.js';

export const WORK_KINDS = ['capture', 'mirror', ...DETECTION_KINDS.filter((k) => k !== 'capture' && k !== 'mirror')] as const;
export type WorkKind = (typeof WORK_KINDS)[number];

const FAMILY: Record<'capture' | 'mirror', ReadonlySet<DetectionKind>> = {
  // Listing and removing are part of any capture or mirror work.
  capture: new Set(['capture', 'capture-export', 'recon', 'removal']),
  mirror: new Set(['span', 'rspan', 'erspan', 'mirror', 'recon', 'removal']),
};

export function kindCovered(kinds: readonly WorkKind[] | undefined, kind: DetectionKind): boolean {
  if (!kinds || kinds.length === 0) return kind !== 'evasion';
  return kinds.some((k) => (k === 'capture' || k === 'mirror' ? FAMILY[k].has(kind) : k === kind));
}
