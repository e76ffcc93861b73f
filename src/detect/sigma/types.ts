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
 *           define-start (a named capture that records from the moment it is defined: ASA `capture NAME interface …`),
 *           automate (an EEM applet that will run a capture/mirror command), display (captured packets printed on
 *           screen: `show monitor capture CAP buffer dump`);
 * mirror sessions: session (submode entered / session declared), source, destination, enable (`no shutdown`),
 *           shutdown, erspan-id, origin, remote-vlan (a VLAN made RSPAN-capable);
 * both: remove; and recon (listing captures/sessions); trace (a packet-flow trace: the device's decisions, not the
 * packets: FortiOS `diagnose debug flow trace start`);
 * evasion: impair (logging or accounting turned off or narrowed), unlog (a log or accounting destination removed; its
 *           positive form, which names the destination added, only teaches the device's destinations and never
 *           alerts), erase (logs cleared, capture files deleted);
 * candidate configurations (IOS XR, Junos): commit (the candidate takes effect), discard (`rollback`, `abort`: it never
 *           does). Neither makes a detection unless capture or mirror changes were waiting.
 * none: a command worth an alert that changes no capture or mirror (the action of Sigma rules written without a
 *       `capwatch:` section, e.g. SigmaHQ's); its alert explains itself with the rule's description.
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
  'define-start',
  'automate',
  'display',
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
  'impair',
  'unlog',
  'erase',
  'trace',
  'commit',
  'discard',
  'none',
  'mirror',
  'attempt',
] as const;
export type RuleAction = (typeof ACTIONS)[number];

/**
 * What the device's state must already know for a hit to count (`capwatch.requires`). `capture-file`: the `file`
 * fact names a file captured packets were written to on this device (a copy of it, whatever its name, moves them).
 */
export const REQUIREMENTS = ['capture-file'] as const;
export type RuleRequirement = (typeof REQUIREMENTS)[number];

/** A literal (lowercase) the command must start with for a rule to match; `exact` when it is the whole command. */
export interface CommandPrefix {
  readonly text: string;
  readonly exact: boolean;
}

/** How a Sigma rule written without a `capwatch:` section was fitted onto capwatch's events. */
export interface ForeignMapping {
  /** The rule's log source, `product/service` or `category`, e.g. `cisco/aaa`. */
  readonly logsource: string;
  /** What capwatch receives as that log, in a few words. */
  readonly receivedAs: string;
  /** How its keywords and field names meet CommandEvent fields, e.g. `keywords → command`, `cmd → command`. */
  readonly fields: readonly string[];
  /** Why the rule got its kind. */
  readonly kindFrom: string;
}

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly author?: string;
  readonly status?: string;
  readonly level: Severity;
  readonly kind: DetectionKind;
  readonly action: RuleAction;
  readonly requires?: RuleRequirement;
  /**
   * `capwatch.candidate`: the command edits a candidate configuration (IOS XR, Junos), which takes effect only when
   * committed. Its effect waits in the device's candidate state until a `commit` rule fires.
   */
  readonly candidate: boolean;
  /** The YAML file the rule came from. */
  readonly file: string;
  readonly tags: readonly string[];
  /** ATT&CK technique ids among the tags, uppercase (`attack.t1070.003` → `T1070.003`). */
  readonly techniques: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
  readonly logsource: Readonly<Record<string, string>>;
  /** Present for a rule without a `capwatch:` section: how it was mapped. */
  readonly foreign?: ForeignMapping;
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
