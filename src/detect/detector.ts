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
// plus any other named group a rule's regex defines.
import type { CommandEvent, Detection, DetectionKind, Severity } from '../types.js';
import type { ExpectedWork } from './expected/matcher.js';
import { RuleIndex } from './sigma/dispatch.js';
import type { Rule } from './sigma/types.js';
import { EventView } from './sigma/view.js';
import { cloudWhy, isCloudPlatform } from './cloud.js';
import { assessSeverity, CollectorNetworks, isRemoteUrl } from './severity.js';
import { MirrorState, type CaptureState, type MirrorStateLimits, type SessionState } from './state.js';

export interface DetectorOptions {
  rules: readonly Rule[];
  /** Approvals, change windows and filters that mark hits as expected work. */
  expected?: ExpectedWork;
  /** Networks (CIDR) where ERSPAN collectors are approved; an ERSPAN destination elsewhere is critical. */
  collectors?: readonly string[];
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
  return session.type === 'span' ? rule.kind : session.type === 'rspan' ? 'rspan' : 'erspan';
}

const SESSION_MODE = /^monitor session /i;
const SNIFFER = /ethanalyzer|tcpdump|tshark|dumpcap/i;

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
}

function why({ rule, event, facts: f, session, outsideCollectors }: WhyInput): string {
  if (isCloudPlatform(event.device.platform)) return cloudWhy(rule.action, event, f, outsideCollectors);
  const dev = event.device.hostname ?? event.device.address;
  const cap = f.capture ?? f.buffer ?? 'a capture';
  const s = f.session ?? '?';
  const nowCopying = session?.active ? '; the session is now copying traffic' : '';
  switch (rule.action) {
    case 'define':
      return `Packet capture ${cap} was set up on ${dev}; once started it records the traffic it selects${f.filter ? ` (${f.filter})` : ''}.`;
    case 'start':
      return `Packet capture ${cap} started on ${dev}: the device is now recording traffic${f.interfaces ? ` on ${f.interfaces}` : ''}.`;
    case 'stop':
      return `Packet capture ${cap} stopped on ${dev}; the packets it recorded stay in its buffer or file until cleared.`;
    case 'clear':
      return `The buffer of packet capture ${cap} was cleared on ${dev}, which also erases what it had captured.`;
    case 'export': {
      const what = (f.capture ?? f.buffer) !== undefined ? `Captured packets of ${cap}` : `Capture file ${f.file ?? ''}`.trim();
      const url = f.url ?? 'a file';
      return isRemoteUrl(url)
        ? `${what} left ${dev} for ${url}.`
        : `${what} were written to ${url} on ${dev}, ready to be copied off.`;
    }
    case 'run':
      return `A packet capture (${SNIFFER.exec(event.command)?.[0].toLowerCase() ?? 'sniffer'}) ran on ${dev}${f.file ? ` and wrote ${f.file}` : ''}, recording traffic its operator can read.`;
    case 'automate':
      return `An EEM applet on ${dev} will run "${f.eemCommand ?? event.command}" on its own, without anyone typing it.`;
    case 'session':
      return `Mirror session ${s}${f.sessionType ? ` (${f.sessionType})` : ''} was created on ${dev}; with a source and a destination it copies traffic elsewhere.`;
    case 'source':
      return `${f.interfaces ?? (f.vlan ? `VLAN ${f.vlan}` : 'Traffic')} became a source of mirror session ${s} on ${dev}${nowCopying}.`;
    case 'destination':
      if (f.destinationIp) {
        return `Mirror session ${s} on ${dev} now sends copied traffic over GRE to ${f.destinationIp}${outsideCollectors ? ', outside the approved collector networks' : ''}${nowCopying}.`;
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
  }
}

export class Detector {
  readonly state: MirrorState;
  readonly expected: ExpectedWork | undefined;
  private ruleList: readonly Rule[];
  private index: RuleIndex;
  private collectors: CollectorNetworks;
  private readonly view = new EventView();
  /** Reused candidate list: detection runs synchronously, one event at a time. */
  private readonly candidates: Rule[] = [];

  /** Throws when a collector network is malformed. */
  constructor(opts: DetectorOptions) {
    this.ruleList = opts.rules;
    this.expected = opts.expected;
    this.index = new RuleIndex(opts.rules);
    this.collectors = new CollectorNetworks(opts.collectors ?? []);
    this.state = new MirrorState(opts.limits);
  }

  get rules(): readonly Rule[] {
    return this.ruleList;
  }

  /** New rules and collector networks (a configuration reload); the capture and mirror state stays. */
  setRules(rules: readonly Rule[], collectors: readonly string[]): void {
    const index = new RuleIndex(rules);
    this.collectors = new CollectorNetworks(collectors);
    this.ruleList = rules;
    this.index = index;
  }

  detect(event: CommandEvent): Detection[] {
    const view = this.view.reset(event);
    const n = this.index.select(view, this.candidates);
    let out: Detection[] | undefined;
    for (let i = 0; i < n; i++) {
      const rule = this.candidates[i]!;
      if (rule.test(view)) (out ??= []).push(this.build(rule, view));
    }
    if (out && this.expected) this.expected.mark(out, view);
    return out ?? [];
  }

  private build(rule: Rule, view: EventView): Detection {
    const event = view.event;
    const facts = normaliseFacts(event.facts ? { ...event.facts, ...rule.extract(view) } : rule.extract(view));
    const changes = this.state.apply({
      device: event.device.address,
      kind: rule.kind,
      action: rule.action,
      facts,
      time: event.time,
      submode: inSessionSubmode(event.context),
    });
    const capture = changes[0]?.capture;
    const session = changes[0]?.session;
    const kind = kindOf(rule, session);
    const assessed = assessSeverity({ level: rule.level, kind, action: rule.action, command: event.command, facts, capture, session }, this.collectors);
    Object.assign(facts, assessed.facts);
    if (rule.kind !== 'removal') enrich(facts, capture, session);
    const severity: Severity = assessed.severity;
    const outsideCollectors =
      (facts.destinationIp !== undefined && !this.collectors.contains(facts.destinationIp)) || assessed.elsewhere === true;
    return {
      rule: rule.id,
      title: rule.title,
      kind,
      severity,
      technique: 'T1040',
      event,
      facts,
      tradecraft: assessed.tradecraft,
      why: why({ rule, event, facts, session, outsideCollectors }),
    };
  }
}
