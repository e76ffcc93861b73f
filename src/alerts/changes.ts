// What changed, for whoever watches live (the console's event stream). Published after the store has the change,
// so a watcher that reads the store on an event finds it there.
import type { AuditEntry } from './audit.js';

export type Change =
  | { type: 'incident'; id: string }
  | { type: 'audit'; entry: AuditEntry }
  | { type: 'sweep'; sweep: { id: string; status: string; total: number; done: number } }
  | { type: 'device'; device: { name: string; address: string; lastMessageAt: string | null } };

export class Changes {
  private readonly watchers = new Set<(c: Change) => void>();

  get watching(): number {
    return this.watchers.size;
  }

  /** Calls `fn` with every change until the returned function is called. */
  watch(fn: (c: Change) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  publish(change: Change): void {
    // A watcher that throws (a closed socket) must not keep the others, or the publisher, from going on.
    for (const w of this.watchers) {
      try {
        w(change);
      } catch {
        this.watchers.delete(w);
      }
    }
  }
}
