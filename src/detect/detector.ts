// Rules → state → severity → Detection, synchronously, once per CommandEvent.
//
// Detection facts (all strings; a key is present only when known):
//   capture        capture name (IOS-XE EPC, classic capture point, %BUFCAP)
//   buffer         classic IOS capture buffer
//   session        mirror session id (`all`, `local`, `remote`, `range …` for removals)
//   sessionType    as typed: erspan-source, erspan-destination, local, rspan-source, rspan-destination
//   interfaces     interfaces as typed, comma-separated (`GigabitEthernet1/0/1, GigabitEthernet1/0/2 - 4`)
//   direction      both | in | out | rx | tx | from-us (lowercase)
//   vlan           VLAN (list) of a VLAN source or RSPAN VLAN
//   filter         capture filter as typed: `match …`, `access-list ACL`, `class-map CM`, ethanalyzer capture-filter
//   file           capture file (`flash:tac.pcap`, `bootflash:x.pcap`)
//   url            export / copy destination URL
//   destinationIp  ERSPAN / GRE destination (also added from the session's state on later session lines)
//   erspanId, originIp
//   part           source | destination, for the removal of one end of a session
//   eemCommand     the command an EEM applet action runs
//   capturedBy     the capture that wrote `file`, when capwatch saw it written
//   typed          the command as logged, when an alias, an EEM variable or a wrapper stood for it
//   tool           the device feature that captures (`packet-trace`, `ip packet`) when it is no sniffer program
//   result         `failure` when the device refused the command (NX-OS accounting `(FAILURE)`)
//   committed, discarded  what a commit made take effect or a rollback threw away (`session 1 created, …`)
//   logHost, aaaServer   a syslog host / TACACS+ server removed (evasion); logTarget, aaaTarget: one added
//   eemApplet      an EEM applet removed
// plus any other named group a rule's regex defines.
import { maxSeverity, severityRank, type CommandEvent, type Detection, type DetectionKind, type Severity } from '../types.js';
import type { Mark } from './activity.js';
import { correlate, CORRELATED_KINDS, duration, echoes, EvasionPolicy, evasionWhy, relation, type EvasionOptions } from './evasion.js';
import type { ExpectedWork } from './expected/matcher.js';
import { silenceDetection, type SilenceFinding } from './silence/detections.js';
import { RuleIndex } from './sigma/dispatch.js';
import type { Rule } from './sigma/types.js';
import { EventView } from './sigma/view.js';
import { cloudWhy, isCloudPlatform } from './cloud.js';
import { assessSeverity, CollectorNetworks, isRemoteUrl } from './severity.js';
import { CommandLayers } from './layers.js';
import { urlHost } from './urls.js';
import { MirrorState, type CaptureState, type MirrorStateLimits, type SessionState, type StateChange } from './state.js';

export interface DetectorOptions {
  rules: readonly Rule[];
  /** Approvals, change windows and filters that mark hits as expected work. */
  expected?: ExpectedWork;
  /** Networks (CIDR) where ERSPAN collectors are approved; an ERSPAN destination elsewhere is critical. */
  collectors?: readonly string[];
  /** Log collectors and command-log applets: what an evasion removes. */
  evasion?: EvasionOptions;
  /** Capture or mirror work and an evasion this close in time, on one device, make each other critical (default 10 min). */
  windowMs?: number;
  limits?: MirrorStateLimits;
}

/** Facts come from attacker-typed text: keep them short enough for a chat message. */
const MAX_FACT_CHARS = 256;

function normaliseFacts(raw: Record<string, string>): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const k of Object.keys(raw)) {
    let v = raw[k]!.replace(/\s+/g, ' ').trim();
    if (v === '') continue;
    if (k === 'direction' || k === 'sessionType' || k === 'part') v = v.toLowerCase();
    else if (k === 'interfaces') v = v.replace(/ ?, ?/g, ', ');
    facts[k] = v.length > MAX_FACT_CHARS ? v.slice(0, MAX_FACT_CHARS) : v;
  }
  return facts;
}

/** What the state knows about the object fills in what this line did not say (a `start` names no interface). */
function enrich(facts: Record<string, string>, capture?: Readonly<CaptureState>, session?: Readonly<SessionState>): void {
  if (capture) {
    if (facts.interfaces === undefined && capture.interfaces.length > 0) facts.interfaces = capture.interfaces.join(', ');
    if (facts.direction === undefined && capture.direction !== undefined) facts.direction = capture.direction;
    if (facts.filter === undefined && capture.filter !== undefined) facts.filter = capture.filter;
    if (facts.file === undefined && capture.file !== undefined) facts.file = capture.file;
  }
  if (session && facts.erspanId === undefined && session.erspanId !== undefined) facts.erspanId = session.erspanId;
}

/** A mirror line's kind is the kind of the session it configures (`no shut` in an ERSPAN session is ERSPAN). */
function kindOf(rule: Rule, session?: Readonly<SessionState>): DetectionKind {
  if (!session || (rule.kind !== 'span' && rule.kind !== 'rspan' && rule.kind !== 'erspan')) return rule.kind;
  return sessionKind(session, rule.kind);
}

function sessionKind(session: Readonly<SessionState>, plain: DetectionKind): DetectionKind {
  switch (session.type) {
    case 'span':
    case 'traffic-export':
      return plain;
    case 'rspan':
      return 'rspan';
    case 'port-mirroring':
      return session.destinationIp !== undefined ? 'erspan' : plain;
    default:
      return 'erspan';
  }
}

/** The change a commit or discard is about: what now copies traffic first, then what was created, then any. */
function mainChange(changes: readonly StateChange[]): StateChange {
  return changes.find((c) => c.active) ?? changes.find((c) => c.change !== 'removed') ?? changes[0]!;
}

function minSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) <= severityRank(b) ? a : b;
}

// Where a mirror is configured in a submode and stays off until switched on: NX-OS and ERSPAN `monitor session`,
// FortiOS switch interfaces (`set span enable`).
/** A rule's hit on an event, as stored and alerted. */
function hit(rule: Rule, event: CommandEvent, kind: DetectionKind, severity: Severity, facts: Record<string, string>, tradecraft: string[], whyText: string): Detection {
  return { rule: rule.id, title: rule.title, kind, severity, technique: rule.techniques.join(', '), event, facts, tradecraft, why: whyText };
}

const SESSION_MODE = /^(?:monitor session |config system (?:switch-interface|virtual-switch)$)/i;
const SNIFFER = /ethanalyzer|tcpdump|tshark|dumpcap|monitor traffic/i;

function inSessionSubmode(context: readonly string[]): boolean {
  for (let i = 0; i < context.length; i++) if (SESSION_MODE.test(context[i]!)) return true;
  return false;
}

interface WhyInput {
  rule: Rule;
  event: CommandEvent;
  facts: Readonly<Record<string, string>>;
  session?: Readonly<SessionState>;
  outsideCollectors: boolean;
  /** An evasion removed one of the log collectors (see EvasionPolicy). */
  logCollector?: boolean;
}

function why(input: WhyInput): string {
  const { event, rule } = input;
  if (isCloudPlatform(event.device.platform)) return cloudWhy(rule.action, event, input.facts, input.outsideCollectors);
  // The device refused the command: nothing was set up, but someone tried.
  if (event.result === 'failure') {
    return `${event.device.hostname ?? event.device.address} refused "${event.command}" (FAILURE), so nothing changed; the attempt is what is reported (${rule.title.toLowerCase()}).`;
  }
  const done = whyDone(input);
  const text = input.rule.candidate ? `${done} Until a commit it is only a candidate change.` : done;
  return input.facts.typed !== undefined ? `${text} The command was typed as "${input.facts.typed}".` : text;
}

/** Router IP Traffic Export: a profile names where copies go (an interface and a MAC), `apply` names what is copied. */
function trafficExportWhy({ rule, event, facts: f, session }: WhyInput): string | undefined {
  const dev = event.device.hostname ?? event.device.address;
  if (event.tag === RITE_ACTIVATE) return `${dev} started copying the IP traffic of ${f.interfaces ?? 'an interface'} to another host (IP Traffic Export).`;
  if (session?.type !== 'traffic-export') return undefined;
  const copying = session.active ? `; it copies the traffic of ${session.sources.join(', ')}${session.destinations.length ? ` out of ${session.destinations.join(', ')}` : ''}` : '';
  switch (rule.action) {
    case 'source':
      return `IP traffic export profile ${session.id} was applied to ${f.interfaces ?? 'an interface'} on ${dev}${copying}.`;
    case 'destination':
      return `IP traffic export profile ${session.id} on ${dev} now sends copied packets out of ${f.interfaces ?? 'an interface'}${copying}.`;
    default:
      return `IP traffic export profile ${session.id} was set up on ${dev}; applied to an interface it copies that interface's packets to another host${copying}.`;
  }
}

const RITE_ACTIVATE = 'RITE-5-ACTIVATE';

function whyDone(input: WhyInput): string {
  const { rule, event, facts: f, session, outsideCollectors } = input;
  const rite = trafficExportWhy(input);
  if (rite !== undefined) return rite;
  const dev = event.device.hostname ?? event.device.address;
  const cap = f.capture ?? f.buffer ?? 'a capture';
  const s = f.session ?? '?';
  const nowCopying = !session?.active ? '' : rule.candidate ? '; with both ends set, it copies traffic from the commit on' : '; the session is now copying traffic';
  switch (rule.action) {
    case 'define':
      return `Packet capture ${cap} was set up on ${dev}; once started it records the traffic it selects${f.filter ? ` (${f.filter})` : ''}.`;
    case 'define-start':
      return `Packet capture ${cap} was set up on ${dev} and records at once the traffic it selects${f.interfaces ? ` on ${f.interfaces}` : ''}${f.filter ? ` (${f.filter})` : ''}.`;
    case 'start':
      return `Packet capture ${cap} started on ${dev}: the device is now recording traffic${f.interfaces ? ` on ${f.interfaces}` : ''}.`;
    case 'stop':
      return `Packet capture ${cap} stopped on ${dev}; the packets it recorded stay in its buffer or file until cleared.`;
    case 'clear':
      return `The buffer of packet capture ${cap} was cleared on ${dev}, which also erases what it had captured.`;
    case 'export': {
      const file = `Capture file ${f.file ?? ''}`.trim() + (f.capturedBy ? ` (written by ${f.capturedBy})` : '');
      const what = (f.capture ?? f.buffer) !== undefined ? `Captured packets of ${cap}` : file;
      const url = f.url ?? 'a file';
      if (!isRemoteUrl(url)) return `${what} were written to ${url} on ${dev}, ready to be copied off.`;
      // `copy X tftp:` asks for the server at a prompt, and no log records the answer.
      return urlHost(url) === undefined ? `${what} left ${dev} for a ${url} server given at the device's prompt (not logged).` : `${what} left ${dev} for ${url}.`;
    }
    case 'run': {
      const tool = f.tool ?? SNIFFER.exec(event.command)?.[0].toLowerCase() ?? 'sniffer';
      if (tool === 'monitor traffic' && !f.file) return `A packet capture (monitor traffic, tcpdump underneath) ran on ${dev}, printing the packets on the operator's screen.`;
      return `A packet capture (${tool}) ran on ${dev}${f.file ? ` and wrote ${f.file}` : ''}, recording traffic its operator can read.`;
    }
    case 'display':
      return `The packets ${f.capture ?? f.buffer ?? f.tool ?? 'a capture'} recorded on ${dev} were printed on screen: their contents are read without exporting a file.`;
    case 'automate':
      return `An EEM applet on ${dev} will run "${f.eemCommand ?? event.command}" on its own, without anyone typing it.`;
    case 'session':
      return `Mirror session ${s}${f.sessionType ? ` (${f.sessionType})` : ''} was created on ${dev}; with a source and a destination it copies traffic elsewhere.`;
    case 'source':
      return `${f.interfaces ?? (f.vlan ? `VLAN ${f.vlan}` : 'Traffic')} became a source of mirror session ${s} on ${dev}${nowCopying}.`;
    case 'destination':
      if (f.destinationIp) {
        return `Mirror session ${s} on ${dev} now sends copied traffic over IP to ${f.destinationIp}${outsideCollectors ? ', outside the approved collector networks' : ''}${nowCopying}.`;
      }
      if (rule.kind === 'rspan') return `Mirror session ${s} on ${dev} now copies traffic into RSPAN VLAN ${f.vlan ?? '?'}, which carries it to other switches${nowCopying}.`;
      return `Mirror session ${s} on ${dev} now copies traffic out of ${f.interfaces ?? 'a destination port'}${nowCopying}.`;
    case 'enable':
      return `Mirror session ${s} on ${dev} was switched on${session?.active ? ' and is now copying traffic' : ''}.`;
    case 'shutdown':
      return `Mirror session ${s} on ${dev} was shut down and stops copying traffic.`;
    case 'erspan-id':
      return `ERSPAN session ${s} on ${dev} got flow id ${f.erspanId ?? '?'}, a step in building a GRE mirror to a remote collector.`;
    case 'origin':
      return `ERSPAN on ${dev} got source address ${f.originIp ?? '?'}, which it needs before it sends mirrored traffic.`;
    case 'remote-vlan':
      return `VLAN ${f.vlan ?? '?'} on ${dev} became an RSPAN VLAN, which carries mirrored traffic between switches.`;
    case 'remove':
      if (f.capture ?? f.buffer) return `Packet capture ${cap} was removed from ${dev}.`;
      return f.part ? `A ${f.part} was removed from mirror session ${s} on ${dev}.` : `Mirror session ${s} was removed from ${dev}.`;
    case 'mirror':
    case 'attempt':
      return cloudWhy(rule.action, event, f, outsideCollectors);
    case 'recon':
      return `Someone listed the captures or mirror sessions on ${dev}, which often comes before setting one up or checking that one still runs.`;
    case 'trace':
      return `A packet-flow trace ran on ${dev}: it shows how the device handles the flow it selects (route, policy, NAT), not the packets' contents.`;
    case 'commit': {
      const what = f.capture ? `capture ${f.capture}` : `mirror session ${s}`;
      const to = f.destinationIp ? ` to ${f.destinationIp}${outsideCollectors ? ', outside the approved collector networks' : ''}` : '';
      const now = session?.active ? `${what} now copies traffic${to}` : `${what} is now configured${to}`;
      return `A commit on ${dev} made the waiting capture and mirror changes take effect (${f.committed ?? '?'}): ${now}.`;
    }
    case 'discard':
      return `Uncommitted capture and mirror changes on ${dev} (${f.discarded ?? '?'}) were thrown away before any commit: they never took effect.`;
    case 'none':
      return ruleExplains(rule);
    case 'impair':
    case 'unlog':
    case 'erase':
      return evasionWhy(rule, event, f, input.logCollector === true);
  }
}

/** A rule from elsewhere explains itself; its author is named, as the SigmaHQ rules' license (DRL 1.1) asks of alerts. */
function ruleExplains(rule: Rule): string {
  const text = rule.description.replace(/\s+/g, ' ').trim();
  return rule.author ? `${text} (Sigma rule "${rule.title}" by ${rule.author})` : text;
}

/** A hit as a correlation mark names it: the command under its submodes. */
function workLabel(event: CommandEvent): string {
  return [...event.context, event.command].join(' > ');
}

export class Detector {
  readonly state: MirrorState;
  /** Aliases and EEM variables, learned into `state`: what a typed name stands for. */
  readonly layers: CommandLayers;
  readonly expected: ExpectedWork | undefined;
  private ruleList: readonly Rule[];
  private index: RuleIndex;
  private collectors: CollectorNetworks;
  private evasion: EvasionPolicy;
  private readonly windowMs: number;
  private readonly view = new EventView();
  /** Reused candidate list: detection runs synchronously, one event at a time. */
  private readonly candidates: Rule[] = [];

  /** Throws when a collector network is malformed. */
  constructor(opts: DetectorOptions) {
    this.ruleList = opts.rules;
    this.expected = opts.expected;
    this.index = new RuleIndex(opts.rules);
    this.collectors = new CollectorNetworks(opts.collectors ?? []);
    this.evasion = new EvasionPolicy(opts.evasion);
    this.windowMs = opts.windowMs ?? 600_000;
    this.state = new MirrorState(opts.limits);
    this.layers = new CommandLayers(this.state);
  }

  get rules(): readonly Rule[] {
    return this.ruleList;
  }

  /** New rules and collector networks (a configuration reload); the capture and mirror state stays. */
  setRules(rules: readonly Rule[], collectors: readonly string[], evasion: EvasionOptions = {}): void {
    const index = new RuleIndex(rules);
    this.collectors = new CollectorNetworks(collectors);
    this.evasion = new EvasionPolicy(evasion);
    this.ruleList = rules;
    this.index = index;
  }

  detect(event: CommandEvent): Detection[] {
    const view = this.view.reset(event);
    const n = this.index.select(view, this.candidates);
    let out: Detection[] | undefined;
    for (let i = 0; i < n; i++) {
      const rule = this.candidates[i]!;
      if (!rule.test(view) || !this.satisfied(rule, view)) continue;
      const d = rule.action === 'commit' || rule.action === 'discard' ? this.buildCommit(rule, view) : this.build(rule, view);
      if (d) (out ??= []).push(d);
    }
    if (out && this.expected) this.expected.mark(out, view);
    return out ?? [];
  }

  /**
   * A device that stopped sending (SilenceWatch), as a detection: low, high when capture or mirror work on the device
   * is within the window of when it went quiet. Recorded in the device's activity like any hit.
   */
  silence(finding: SilenceFinding, now: Date): Detection {
    const d = silenceDetection(finding, now);
    const activity = this.state.activity(finding.address, finding.since);
    const work = activity.nearest(['capture'], finding.since, this.windowMs, undefined);
    if (work) {
      d.severity = maxSeverity(d.severity, 'high');
      d.why = `${d.why} It went quiet ${duration(finding.since.getTime() - work.at.getTime())} ${work.at <= finding.since ? 'after' : 'before'} ${work.label}${work.user ? ` (by ${work.user})` : ''}: a capture whose evidence then stops arriving.`;
    }
    activity.mark({ kind: 'silence', at: finding.since, label: d.facts.silence!, ...(finding.hostname !== undefined && { host: finding.hostname }) }, this.windowMs);
    this.state.activityChanged(finding.address, now);
    // A change window that names evasion covers a planned reload; critical is never set apart (it cannot be here).
    this.expected?.mark([d], this.view.reset(d.event));
    return d;
  }

  /** Does the device's state know what the rule requires (`capwatch.requires`)? */
  private satisfied(rule: Rule, view: EventView): boolean {
    if (rule.requires !== 'capture-file') return true;
    const file = rule.extract(view).file;
    return file !== undefined && this.state.captureFile(view.event.device.address, file) !== undefined;
  }

  /**
   * A commit (or discard) is a detection only when capture or mirror changes were waiting in the candidate: its kind
   * and severity are those of what it made take effect.
   */
  private buildCommit(rule: Rule, view: EventView): Detection | undefined {
    const event = view.event;
    const changes = rule.action === 'commit' ? this.state.commit(event.device.address, event.time) : this.state.discard(event.device.address);
    if (changes.length === 0) return undefined;
    const main = mainChange(changes);
    const facts = normaliseFacts(rule.extract(view));
    facts[rule.action === 'commit' ? 'committed' : 'discarded'] = changes.map((c) => `${c.object} ${c.id} ${c.change}`).join(', ').slice(0, MAX_FACT_CHARS);
    const { session, capture } = main;
    if (session) {
      facts.session = session.id;
      if (session.sources.length > 0) facts.interfaces = session.sources.join(', ');
      if (session.destinationIp !== undefined) facts.destinationIp = session.destinationIp;
    }
    if (capture) facts.capture = capture.name;
    const removal = rule.action === 'discard' || main.change === 'removed';
    const kind: DetectionKind = removal ? 'removal' : capture ? 'capture' : sessionKind(session!, 'span');
    const severity = removal ? rule.level : assessSeverity({ level: rule.level, kind, action: rule.action, command: event.command, facts, capture, session }, this.collectors).severity;
    const outsideCollectors = facts.destinationIp !== undefined && !this.collectors.contains(facts.destinationIp);
    const detection = hit(rule, event, kind, severity, facts, [], why({ rule, event, facts, ...(session && { session }), outsideCollectors }));
    // A commit is capture or mirror work taking effect; a discard is work that never did.
    if (rule.action === 'commit' && CORRELATED_KINDS.has(kind)) this.correlateWork(detection);
    return detection;
  }

  private build(rule: Rule, view: EventView): Detection | undefined {
    if (rule.kind === 'evasion') return this.buildEvasion(rule, view);
    const event = view.event;
    const facts = normaliseFacts(event.facts ? { ...event.facts, ...rule.extract(view) } : rule.extract(view));
    const written = facts.file !== undefined && facts.capture === undefined ? this.state.captureFile(event.device.address, facts.file)?.capture : undefined;
    if (written !== undefined) facts.capturedBy = written;
    // A refused command changed nothing on the device.
    const failed = event.result === 'failure';
    if (failed) facts.result = 'failure';
    // What the log showed, when an alias, an EEM variable or a wrapper stood for the command.
    if (event.typed !== undefined) facts.typed = event.typed.slice(0, MAX_FACT_CHARS);
    const changes = failed || rule.action === 'none'
      ? []
      : this.state.apply({
          device: event.device.address,
          kind: rule.kind,
          action: rule.action,
          facts,
          time: event.time,
          submode: inSessionSubmode(event.context),
          candidate: rule.candidate,
        });
    const capture = changes[0]?.capture;
    const session = changes[0]?.session;
    const kind = kindOf(rule, session);
    const assessed = assessSeverity({ level: rule.level, kind, action: rule.action, command: event.command, facts, capture, session }, this.collectors);
    Object.assign(facts, assessed.facts);
    if (rule.kind !== 'removal') enrich(facts, capture, session);
    // A refused attempt is worth knowing about, not waking someone for.
    const severity: Severity = failed ? minSeverity(assessed.severity, 'low') : assessed.severity;
    const outsideCollectors =
      (facts.destinationIp !== undefined && !this.collectors.contains(facts.destinationIp)) || assessed.elsewhere === true;
    const detection = hit(rule, event, kind, severity, facts, assessed.tradecraft, why({ rule, event, facts, session, outsideCollectors }));
    // A refused command is no capture work to correlate with.
    if (CORRELATED_KINDS.has(kind) && !failed) this.correlateWork(detection);
    return detection;
  }

  /** Capture or mirror work: critical when an evasion on the device is near it; then remembered for later ones. */
  private correlateWork(d: Detection): void {
    const e = d.event;
    const host = e.device.hostname;
    const activity = this.state.activity(e.device.address, e.time);
    const mark: Mark = { kind: 'capture', at: e.time, label: workLabel(e), ...(e.user !== undefined && { user: e.user }), ...(host !== undefined && { host }) };
    const evasion = activity.nearest(['evasion'], e.time, this.windowMs, host);
    if (evasion) correlate(d, relation(evasion, mark), evasion);
    else {
      const quiet = activity.nearest(['silence'], e.time, this.windowMs, host);
      if (quiet) {
        d.severity = maxSeverity(d.severity, 'high');
        d.why = `${d.why} It came ${duration(e.time.getTime() - quiet.at.getTime())} ${quiet.at <= e.time ? 'after' : 'before'} ${quiet.label}.`;
      }
    }
    activity.mark(mark, this.windowMs);
  }

  /** An evasion rule's hit: a detection unless it removes nothing watched (see EvasionPolicy); near capture work, critical. */
  private buildEvasion(rule: Rule, view: EventView): Detection | undefined {
    const event = view.event;
    const host = event.device.hostname;
    const facts = normaliseFacts(rule.extract(view));
    // A refused command changed nothing: what the device logs to stays as it was.
    const failed = event.result === 'failure';
    if (failed) facts.result = 'failure';
    if (event.typed !== undefined) facts.typed = event.typed.slice(0, MAX_FACT_CHARS);
    const activity = this.state.activity(event.device.address, event.time);
    const verdict = this.evasion.judge(rule, event, facts, activity, !failed);
    if (!verdict.alert) {
      if (verdict.learned) this.state.activityChanged(event.device.address, event.receivedAt);
      return undefined;
    }
    // A refused attempt is worth knowing about, not waking someone for.
    const severity = failed ? minSeverity(rule.level, 'low') : rule.level;
    const detection = hit(rule, event, 'evasion', severity, facts, [], why({ rule, event, facts, outsideCollectors: false, logCollector: verdict.collector }));
    if (failed) return detection;
    // The device's own notice of a removal (no user: `%SYS-6-LOGGINGHOST_STARTSTOP … stopped`) right after the command
    // that made it was reported is that same removal.
    if (event.user === undefined && verdict.removed && echoes(activity, verdict.label, event.time, host)) return undefined;
    const mark: Mark = { kind: 'evasion', at: event.time, label: verdict.label, ...(event.user !== undefined && { user: event.user }), ...(host !== undefined && { host }) };
    const work = activity.nearest(['capture'], event.time, this.windowMs, host);
    if (work) correlate(detection, relation(mark, work), work);
    activity.mark(mark, this.windowMs);
    return detection;
  }
}
