// The compiled form of a capwatch Sigma rule, and the vocabulary rules are written in.
import type { DetectionKind, Severity } from '../../types.js';
import type { EventView } from './view.js';

/**
 * CommandEvent fields a rule may test. `device` is hostname ?? address; `mode` is the innermost config submode
 * (the last element of `context`, '' in global/exec mode), so a rule can say "typed directly inside X";
 * `context` matches when any element matches.
 */
export const FIELDS = [
  'command',
  'context',
  'mode',
  'platform',
  'user',
  'device',
  'address',
  'source',
  'tag',
  'raw',
  'line',
  'remoteAddress',
] as const;
export type FieldName = (typeof FIELDS)[number];

export { DETECTION_KINDS as KINDS } from '../../types.js';

/**
 * The lifecycle effect of a rule hit (`capwatch.action`), which drives the capture/mirror state:
 * captures: define, start, stop, clear, export, run (a foreground capture: ethanalyzer, tcpdump; no lasting object),
 *           automate (an EEM applet that will run a capture/mirror command);
 * mirror sessions: session (submode entered / session declared), source, destination, enable (`no shutdown`),
 *           shutdown, erspan-id, origin, remote-vlan (a VLAN made RSPAN-capable);
 * both: remove; and recon (listing captures/sessions);
 * cloud: mirror (a traffic mirror made or changed in one call, copying at once unless disabled), attempt (a call the
 *           provider refused: no object changed).
 */
export const ACTIONS = [
  'define',
  'start',
  'stop',
  'clear',
  'export',
  'run',
  'automate',
  'session',
  'source',
  'destination',
  'enable',
  'shutdown',
  'erspan-id',
  'origin',
  'remote-vlan',
  'remove',
  'recon',
  'mirror',
  'attempt',
] as const;
export type RuleAction = (typeof ACTIONS)[number];

/** A literal (lowercase) the command must start with for a rule to match; `exact` when it is the whole command. */
export interface CommandPrefix {
  readonly text: string;
  readonly exact: boolean;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly status?: string;
  readonly level: Severity;
  readonly kind: DetectionKind;
  readonly action: RuleAction;
  /** The YAML file the rule came from. */
  readonly file: string;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly logsource: Readonly<Record<string, string>>;
  /**
   * Literals one of which the command of every matching event starts with (case-insensitively); null when the
   * condition does not pin the start of the command (such a rule is evaluated for every event).
   */
  readonly commandPrefixes: readonly CommandPrefix[] | null;
  /** Does the event in `view` match? No allocation beyond the view's lazily lowercased fields. */
  test(view: EventView): boolean;
  /** Named regex groups of the matching, non-negated selections. Call only after `test` returned true. */
  extract(view: EventView): Record<string, string>;
}
