// What one output says about one capture. Several outputs (status, parameters, buffer, exec messages) can speak about
// the same capture; they are merged by name, later statements winning.
import type { CaptureFinding } from '../../src/types.js';

export interface CaptureNote {
  name: string;
  /** Undefined when this output does not say whether it runs. */
  active?: boolean;
  interfaces?: string[];
  direction?: CaptureFinding['direction'];
  file?: string | null;
}

export function mergeCaptures(notes: readonly CaptureNote[]): CaptureFinding[] {
  const byName = new Map<string, CaptureFinding>();
  for (const n of notes) {
    let c = byName.get(n.name);
    if (!c) {
      c = { name: n.name, active: false, interfaces: [], direction: null, file: null };
      byName.set(n.name, c);
    }
    if (n.active !== undefined) c.active = n.active;
    for (const i of n.interfaces ?? []) if (!c.interfaces.includes(i)) c.interfaces.push(i);
    if (n.direction) c.direction = n.direction;
    if (n.file) c.file = n.file;
  }
  return [...byName.values()];
}
