// A device gone quiet, and the same device speaking again, as detections: nothing was typed, so the event stands
// for the gap (source `silence`) and the rule ids are capwatch's own.
import type { Detection } from '../../types.js';
import { duration } from '../evasion.js';

/** syslog: everything the device sends; tacacs: its TACACS+ accounting records. */
export type SilenceStream = 'syslog' | 'tacacs';

/** A stream that was arriving steadily and stopped for longer than its usual rhythm allows. */
export interface SilenceFinding {
  address: string;
  hostname?: string;
  stream: SilenceStream;
  /** When it was last heard: the silence starts here. */
  since: Date;
  /** Its usual interval between messages, and the quiet that counted as silence. */
  usualMs: number;
  thresholdMs: number;
  /** Accounting only: the device's syslog kept arriving after accounting should have. */
  syslogContinues?: boolean;
}

/** A silenced stream heard again. */
export interface Resumption {
  finding: SilenceFinding;
  at: Date;
  /** The incident the silence was filed in, when known. */
  incident?: string;
}

export const SILENCE_RULES = {
  syslog: { id: 'capwatch-silence-syslog', title: 'Device stopped sending syslog', technique: 'T1685' },
  tacacs: { id: 'capwatch-silence-accounting', title: 'TACACS+ accounting stopped', technique: 'T1690' },
  resumed: { id: 'capwatch-silence-resumed', title: 'Device sending again after a silence' },
} as const;

function what(f: SilenceFinding): string {
  return `${f.stream === 'syslog' ? 'syslog' : 'TACACS+ accounting'} from ${f.hostname ?? f.address}`;
}

function deviceOf(f: SilenceFinding) {
  return { address: f.address, ...(f.hostname !== undefined && f.hostname !== f.address && { hostname: f.hostname }) };
}

/** The detection of a silence: low (the detector raises it when capture work is near). */
export function silenceDetection(f: SilenceFinding, now: Date): Detection {
  const rule = SILENCE_RULES[f.stream];
  const dev = f.hostname ?? f.address;
  const since = f.since.toISOString();
  const quiet = duration(now.getTime() - f.since.getTime());
  const usual = duration(Math.max(1000, f.usualMs));
  const why =
    f.stream === 'syslog'
      ? `${dev} usually sends syslog every ${usual} and has sent nothing for ${quiet} (since ${since}): its logging may have been turned off or pointed elsewhere, or the device or the path to capwatch is down.`
      : `${dev} usually sends TACACS+ accounting every ${usual} and has sent none for ${quiet} (since ${since})${f.syslogContinues ? ' while its syslog keeps arriving' : ''}: command accounting may have been turned off or pointed elsewhere.`;
  return {
    rule: rule.id,
    title: rule.title,
    kind: 'evasion',
    severity: 'low',
    technique: rule.technique,
    facts: {
      silence: `${what(f)} stopped`,
      lastHeard: since,
      usualIntervalSeconds: String(Math.round(f.usualMs / 1000)),
      silentAfterSeconds: String(Math.round(f.thresholdMs / 1000)),
    },
    tradecraft: [],
    why,
    event: {
      time: f.since,
      receivedAt: now,
      device: deviceOf(f),
      command: `no ${f.stream === 'syslog' ? 'syslog' : 'TACACS+ accounting'} from ${f.address} since ${since}`,
      context: [],
      source: 'silence',
      raw: JSON.stringify({ stream: f.stream, address: f.address, lastHeard: since, usualMs: f.usualMs, thresholdMs: f.thresholdMs }),
    },
  };
}

/**
 * The note that the device speaks again. It does not resolve the silence's incident: what was done while nothing was
 * logged is still unknown, and someone should look (a sweep shows what runs now).
 */
export function resumedDetection(r: Resumption): Detection {
  const f = r.finding;
  const at = r.at.toISOString();
  return {
    rule: SILENCE_RULES.resumed.id,
    title: SILENCE_RULES.resumed.title,
    kind: 'evasion',
    severity: 'informational',
    technique: SILENCE_RULES[f.stream].technique,
    facts: { silence: `${what(f)} resumed`, lastHeard: f.since.toISOString(), resumedAt: at },
    tradecraft: [],
    why: `${what(f)} arrives again since ${at}, after ${duration(r.at.getTime() - f.since.getTime())} of silence. What was done on the device meanwhile was not logged: check what it runs now.`,
    event: {
      time: r.at,
      receivedAt: r.at,
      device: deviceOf(f),
      command: `${f.stream === 'syslog' ? 'syslog' : 'TACACS+ accounting'} from ${f.address} again at ${at}`,
      context: [],
      source: 'silence',
      raw: JSON.stringify({ stream: f.stream, address: f.address, lastHeard: f.since.toISOString(), resumedAt: at }),
    },
  };
}
