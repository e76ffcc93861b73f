// One event as rules see it. Reused across events so matching allocates only the lowercased copies it needs.
import type { CommandEvent } from '../../types.js';
import { FIELDS, type FieldName } from './types.js';

const NO_CONTEXT: readonly string[] = [];
const FIELD_INDEX = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<FieldName, number>;

export class EventView {
  private ev: CommandEvent | undefined;
  // Lowercased copies, valid while their generation equals the view's (cheaper than clearing a cache per event).
  private gen = 0;
  private readonly loweredGen = new Uint32Array(FIELDS.length);
  private readonly lowered: (string | undefined)[] = new Array<string | undefined>(FIELDS.length).fill(undefined);
  private contextLowered: readonly string[] | undefined;

  reset(event: CommandEvent): this {
    this.ev = event;
    this.gen = (this.gen + 1) >>> 0 || 1;
    this.contextLowered = undefined;
    return this;
  }

  get event(): CommandEvent {
    if (!this.ev) throw new Error('EventView used before reset()');
    return this.ev;
  }

  /** A scalar field as written; undefined when the event lacks it. */
  value(field: Exclude<FieldName, 'context'>): string | undefined {
    const e = this.event;
    switch (field) {
      case 'command':
        return e.command;
      case 'mode':
        return e.context.length > 0 ? e.context[e.context.length - 1] : '';
      case 'platform':
        return e.device.platform;
      case 'user':
        return e.user;
      case 'device':
        return e.device.hostname ?? e.device.address;
      case 'address':
        return e.device.address;
      case 'source':
        return e.source;
      case 'tag':
        return e.tag;
      case 'raw':
        return e.raw;
      case 'line':
        return e.line;
      case 'remoteAddress':
        return e.remoteAddress;
    }
  }

  /** The same field lowercased (Sigma string matching is case-insensitive), computed once per event. */
  lower(field: Exclude<FieldName, 'context'>): string | undefined {
    const i = FIELD_INDEX[field];
    if (this.loweredGen[i] === this.gen) return this.lowered[i];
    const v = this.value(field)?.toLowerCase();
    this.lowered[i] = v;
    this.loweredGen[i] = this.gen;
    return v;
  }

  context(): readonly string[] {
    return this.event.context ?? NO_CONTEXT;
  }

  contextLower(): readonly string[] {
    this.contextLowered ??= this.context().map((c) => c.toLowerCase());
    return this.contextLowered;
  }
}
