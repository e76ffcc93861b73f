// One mirror session as a parser assembles it from key/value lines, whatever the platform.
import type { SessionFinding } from '../../src/types.js';

export type SpanDirection = 'rx' | 'tx' | 'both';

export class SessionDraft {
  /** The device's own state line (`Admin Enabled`, `state : up`), when it prints one. */
  state: boolean | undefined;
  destinationIp: string | null = null;
  private readonly sources = new Map<string, SpanDirection | undefined>();
  private readonly destinations: string[] = [];

  constructor(
    readonly id: string,
    public type: string,
  ) {}

  addSource(name: string, direction?: SpanDirection): void {
    const had = this.sources.get(name);
    // The same port listed under rx and tx (NX-OS lists it under all three) is mirrored both ways.
    const merged = had === undefined ? direction : direction === undefined || had === direction ? had : 'both';
    this.sources.set(name, merged);
  }

  addDestination(name: string): void {
    if (!this.destinations.includes(name)) this.destinations.push(name);
  }

  /** Active when the device says so; with no state line, when traffic has somewhere to come from and go to. */
  finish(): SessionFinding {
    const sources = [...this.sources.keys()];
    const directed = [...this.sources].filter((e): e is [string, SpanDirection] => e[1] !== undefined);
    const reaches = this.destinations.length > 0 || this.destinationIp !== null;
    const finding: SessionFinding = {
      id: this.id,
      type: this.type,
      active: this.state ?? (sources.length > 0 && reaches),
      sources,
      destinations: [...this.destinations],
      destinationIp: this.destinationIp,
    };
    // fromEntries defines own properties, so a crafted `__proto__` interface name stays inert data.
    if (directed.length > 0) finding.sourceDirections = Object.fromEntries(directed);
    return finding;
  }
}
