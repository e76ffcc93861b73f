// Devices gone quiet, as incidents: the silence watch learns each device's rhythm from the once-a-second sender tally,
// and a periodic check files what went quiet (low; high near capture work, which the detector decides). When a silenced
// device speaks again, a note goes into the silence's incident. The rhythms are stored, so a restart neither forgets
// the steady devices nor takes capwatch's own downtime for their silence.
//
// Clock: every method takes the time from its caller (the service passes the wall clock; tests pass what they like).
import type { Detector } from '../detect/detector.js';
import type { SenderCount } from '../detect/sender-tally.js';
import { resumedDetection } from '../detect/silence/detections.js';
import { SilenceWatch, type SilenceConfig } from '../detect/silence/rhythm.js';
import type { Detection } from '../types.js';
import type { IncidentUpdate } from './incidents.js';
import type { Rhythms } from './rhythms.js';

export interface SilenceDeps {
  detector: Detector;
  /** Files detections as any hit (grouped into incidents); undefined when they are waiting for the store. */
  record: (detections: Detection[]) => IncidentUpdate | undefined;
  /** Adds a note to a known incident (IncidentBook.addTo). */
  addTo: (incident: string, detections: Detection[]) => IncidentUpdate | undefined;
  rhythms: Rhythms;
}

export class SilenceAlerts {
  private readonly watch: SilenceWatch;

  constructor(
    cfg: SilenceConfig,
    private readonly deps: SilenceDeps,
    nowMs: number,
  ) {
    this.watch = new SilenceWatch(cfg);
    this.watch.restore(deps.rhythms.load(), nowMs);
  }

  /** One second's tally of senders: learns their rhythm; a silenced device heard again is noted in its incident. */
  observe(senders: readonly SenderCount[], nowMs: number): void {
    for (const r of this.watch.observe(senders, nowMs)) {
      if (r.incident !== undefined) this.deps.addTo(r.incident, [resumedDetection(r)]);
    }
  }

  /** Files the devices that went quiet since the last check; returns their detections. */
  check(now: Date): Detection[] {
    const out: Detection[] = [];
    for (const f of this.watch.due(now.getTime())) {
      const d = this.deps.detector.silence(f, now);
      const update = this.deps.record([d]);
      if (update) this.watch.filed(f, update.incident.id);
      out.push(d);
    }
    return out;
  }

  /** Stores the steady devices' rhythms (and forgets those no longer steady). */
  save(now: Date): void {
    const { rows, drop } = this.watch.snapshot();
    if (rows.length > 0 || drop.length > 0) this.deps.rhythms.save(rows, drop, now);
  }
}
