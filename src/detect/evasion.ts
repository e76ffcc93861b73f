// Evasion: what cuts the evidence trail around capture work (Salt Typhoon turns logging and accounting off and clears
// the logs). The rules say which commands do it; this says what one such command means on this device: which
// destination it removed and whether it is one of the user's log collectors, whether the device still logs to another
// of them (a move, not an evasion), and how it relates in time to capture and mirror work on the same device.
import { maxSeverity, type CommandEvent, type Detection, type DetectionKind } from '../types.js';
import type { DeviceActivity, LogChannel, Mark } from './activity.js';
import { CollectorNetworks } from './severity.js';
import type { Rule } from './sigma/types.js';

export interface EvasionOptions {
  /** CIDR networks of the user's own syslog and TACACS+ accounting servers (capwatch's among them). */
  logCollectors?: readonly string[];
  /** EEM applets trusted as command logs: removing one of them is an evasion. */
  eemApplets?: readonly string[];
}

/** Hits of these kinds are the capture and mirror work an evasion next to it makes critical. */
export const CORRELATED_KINDS: ReadonlySet<DetectionKind> = new Set(['capture', 'capture-export', 'span', 'rspan', 'erspan', 'mirror', 'removal']);

export const SALT_TYPHOON_EVASION = 'logging impaired around a packet capture (Salt Typhoon)';

/** A destination the command adds or removes: facts `logHost` / `aaaServer` (removed), `logTarget` / `aaaTarget` (added). */
interface Destination {
  channel: LogChannel;
  host: string;
  added: boolean;
}

function destinationOf(facts: Readonly<Record<string, string>>): Destination | undefined {
  if (facts.logHost !== undefined) return { channel: 'syslog', host: facts.logHost, added: false };
  if (facts.aaaServer !== undefined) return { channel: 'tacacs', host: facts.aaaServer, added: false };
  if (facts.logTarget !== undefined) return { channel: 'syslog', host: facts.logTarget, added: true };
  if (facts.aaaTarget !== undefined) return { channel: 'tacacs', host: facts.aaaTarget, added: true };
  return undefined;
}

/** What an evasion hit means here: nothing to alert on (a destination added, or not one of yours), or a detection. */
export type EvasionVerdict =
  | { alert: false; learned?: Destination }
  | { alert: true; label: string; removed?: Destination; collector: boolean };

export class EvasionPolicy {
  private readonly collectors: CollectorNetworks;
  private readonly applets: ReadonlySet<string>;

  /** Throws when a log collector network is malformed. */
  constructor(o: EvasionOptions = {}) {
    this.collectors = new CollectorNetworks(o.logCollectors ?? []);
    this.applets = new Set((o.eemApplets ?? []).map((a) => a.toLowerCase()));
  }

  private isCollector(host: string): boolean {
    return this.collectors.contains(host);
  }

  /** One of the user's servers: in a collector network, or named (`tacacs server ISE1` cannot be placed in one). */
  private isMine(host: string): boolean {
    return !/^[0-9a-f.:]+$/i.test(host) || this.isCollector(host);
  }

  /**
   * Judges one evasion hit against what the device is known to log to (`activity`, updated here for destinations
   * unless `took` is false: the device refused the command).
   * A removed destination alerts when it is one of the log collectors (or none are configured, so nobody can tell),
   * unless the device was seen being pointed at another of them: that is a move between your collectors.
   */
  judge(rule: Rule, event: CommandEvent, facts: Readonly<Record<string, string>>, activity: DeviceActivity, took = true): EvasionVerdict {
    const applet = facts.eemApplet;
    if (applet !== undefined) {
      // Only an applet named as a command log is one; any other is an ordinary automation change.
      return this.applets.has(applet.toLowerCase()) ? { alert: true, label: `command-logging EEM applet ${applet} removed`, collector: false } : { alert: false };
    }
    const dest = destinationOf(facts);
    if (!dest) return { alert: true, label: `"${event.command}"`, collector: false };
    if (took) activity.setTarget(dest.channel, dest.host, dest.added);
    if (dest.added) return took ? { alert: false, learned: dest } : { alert: false };
    const configured = this.collectors.size > 0;
    const collector = this.isCollector(dest.host);
    const host = dest.host.toLowerCase();
    if (configured && !this.isMine(dest.host)) return { alert: false };
    if (configured && activity.targets[dest.channel].some((t) => t.toLowerCase() !== host && this.isMine(t))) return { alert: false };
    const label = dest.channel === 'syslog' ? `logging to ${dest.host} removed` : `TACACS+ server ${dest.host} removed`;
    return { alert: true, label, removed: dest, collector };
  }
}

/**
 * Why an evasion hit matters (before any correlation). A candidate edit (Junos, IOS XR) is reported when typed, where
 * its author is known, and says that it takes effect at the next commit.
 */
export function evasionWhy(rule: Rule, event: CommandEvent, f: Readonly<Record<string, string>>, collector: boolean): string {
  const why = evasionSentence(rule, event, f, collector);
  return rule.candidate ? `${why} It is a candidate change: it takes effect at the next commit.` : why;
}

function evasionSentence(rule: Rule, event: CommandEvent, f: Readonly<Record<string, string>>, collector: boolean): string {
  const dev = event.device.hostname ?? event.device.address;
  switch (rule.action) {
    case 'unlog':
      if (f.eemApplet !== undefined) return `EEM applet ${f.eemApplet}, which logs the commands typed on ${dev}, was removed: what is typed there next goes unlogged.`;
      if (f.aaaServer !== undefined) return `TACACS+ server ${f.aaaServer} was removed from ${dev}${collector ? ', one of your accounting servers' : ''}: commands typed there are no longer accounted to it.`;
      return `Logging to ${f.logHost ?? 'a log host'} was removed on ${dev}${collector ? ', one of your log collectors' : ''}: what ${dev} logs from now on no longer reaches it.`;
    case 'erase':
      if (f.file !== undefined) return `Capture file ${f.file} was deleted on ${dev}, and with it the packets it held and the evidence they were taken.`;
      return `${rule.title} on ${dev}: the record kept on the device of what was done there is gone.`;
    default:
      return `${rule.title} on ${dev}: commands typed there from now on may reach no log collector.`;
  }
}

/** How long after a command its device's own notice of the change may arrive and still be the same change. */
const ECHO_MS = 120_000;

/** True when the device recorded the evasion `label` from a command shortly before `at` (its notice echoes it). */
export function echoes(activity: DeviceActivity, label: string, at: Date, host: string | undefined): boolean {
  const t = at.getTime();
  return activity.marks.some(
    (m) => m.kind === 'evasion' && m.label === label && m.user !== undefined && t - m.at.getTime() >= 0 && t - m.at.getTime() <= ECHO_MS && (host === undefined || m.host === undefined || m.host === host),
  );
}

/** `40 s`, `3 min`. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/** "logging to 10.0.0.5 removed 40 s before monitor capture CAP start" */
export function relation(evasion: Pick<Mark, 'label' | 'at'>, capture: Pick<Mark, 'label' | 'at'>): string {
  const dt = capture.at.getTime() - evasion.at.getTime();
  return `${evasion.label} ${duration(dt)} ${dt >= 0 ? 'before' : 'after'} ${capture.label}`;
}

/** A capture or mirror hit or an evasion, made critical by the other one nearby: the detection says why. */
export function correlate(d: Detection, sentence: string, other: Mark): void {
  const by = other.user !== undefined && other.user !== d.event.user ? ` (by ${other.user})` : '';
  d.severity = maxSeverity(d.severity, 'critical');
  d.why = `${d.why} Critical: ${sentence} on the same device${by}; cutting the evidence trail around a capture is how Salt Typhoon works.`;
  if (!d.tradecraft.includes(SALT_TYPHOON_EVASION)) d.tradecraft.push(SALT_TYPHOON_EVASION);
}
