// The hot path: one received line → pre-filter → header → device record → CommandEvent → detections.
// Synchronous; the only allocation most lines cost is the pre-filter's scan.
import { isIP } from 'node:net';
import { cloudCall, cloudCallFromText, type CloudCall, type CloudProvider } from '../../parsers/cloud/index.js';
import { normalizeCommand } from '../../parsers/command/normalize.js';
import { extractRecord } from '../../parsers/messages/index.js';
import { IseReassembler, type ReadyMessage } from '../../parsers/messages/ise-reassembly.js';
import { hasCommandTag, mayCarryCommand } from '../../parsers/prefilter.js';
import { parseSyslog } from '../../parsers/syslog/header.js';
import type { DeviceRecord, SyslogMessage } from '../../parsers/types.js';
import { isParseFailure } from '../../parsers/types.js';
import { deviceKey } from '../alerts/store.js';
import { cloudEvent } from './cloud.js';
import { noteFirstCreation, type CreationLedger } from './cloud-first.js';
import type { ContextTracker } from './context.js';
import type { Detector } from './detector.js';
import { EditLevels } from './edit-levels.js';
import { SenderTally, type TakenSenders } from './sender-tally.js';
import { excerpt, type RateLimitedLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SyslogSink, SyslogTransport } from '../sources/types.js';
import type { CommandEvent, Detection, DeviceRef, EventSource } from '../types.js';

export interface IngestOptions {
  metrics: Metrics;
  warn: RateLimitedLog;
  detector: Detector;
  contexts: ContextTracker;
  eemApplets?: readonly string[];
  /** Receives every non-empty set of detections, in arrival order. */
  onDetections: (detections: Detection[]) => void;
  /** Who has created cloud mirrors before (the store's); without it, no first creation is told apart. */
  principals?: CreationLedger;
}

/** Device clocks drift, are never set (`*`) or lose sync (`.`): beyond this skew the receive time is used. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Start records waiting for their stop twin; beyond this the oldest are forgotten (a twin then counts twice). */
const MAX_TRACKED_TASKS = 10_000;
/** Device addresses whose syslog hostname is remembered for TACACS+ records; beyond this the oldest are forgotten. */
const MAX_KNOWN_HOSTS = 10_000;
/** What a TACACS+ record has in place of a syslog header: nothing but its rendering. */
const ACCOUNTING_MESSAGE: SyslogMessage = { format: 'bare', timeQuality: 'unknown', body: '' };
/** `{`: a message body that opens a JSON object is read as a cloud audit record. */
const OPEN_BRACE = 123;

export class Ingest implements SyslogSink {
  /** Messages per sender since the last `takeSenders()`. */
  private readonly senders = new SenderTally((address) => this.hostnames.get(address));
  private readonly ise = new IseReassembler();
  /** Accounting tasks already seen (device, task id, command), oldest first: bounded, see `repeatedTask`. */
  private readonly tasks = new Map<string, true>();
  /**
   * Sender address → the hostname its own syslog header gives. Syslog keys a device by hostname, a TACACS+ packet
   * only knows the NAS address: with this the two name the device alike, so one command seen by both counts once.
   */
  private readonly hostnames = new Map<string, string>();
  /** Junos sessions' `edit` levels: a line typed at one is rebuilt into the statement it makes. */
  private readonly junosLevels = new EditLevels();

  constructor(private readonly o: IngestOptions) {}

  /** The EEM applets trusted as command logs (a configuration reload). */
  setEemApplets(applets: readonly string[]): void {
    this.o.eemApplets = applets;
  }

  /** SyslogSink: a message from a live listener. */
  message(text: string, sender: string, _transport?: SyslogTransport, receivedAtMs?: number): void {
    this.senders.count(sender, text);
    // Most lines stop at the pre-filter: they are not worth a clock read.
    if (mayCarryCommand(text)) {
      this.o.metrics.parsedLine();
      this.kept(text, sender, 'syslog', receivedAtMs ?? Date.now());
    }
  }

  /**
   * A message a syslog reader thread received and its pre-filter kept; the thread counted the ones it set aside in
   * its own tally (`mergeSenders`).
   */
  screened(text: string, sender: string, receivedAtMs: number): void {
    this.senders.count(sender, text);
    this.o.metrics.parsedLine();
    this.kept(text, sender, 'syslog', receivedAtMs);
  }

  /** A reader thread's tally of the messages its pre-filter set aside. */
  mergeSenders(taken: TakenSenders): void {
    this.senders.merge(taken);
  }

  /** What each sender sent since the last call, and how many messages came from senders the tally had no room for. */
  takeSenders(): TakenSenders {
    return this.senders.take();
  }

  /** Runs one line through the pipeline. `sender` is the peer address (live) or a file name (replay). */
  line(text: string, sender: string, source: EventSource, receivedAtMs: number): Detection[] | undefined {
    return mayCarryCommand(text) ? this.kept(text, sender, source, receivedAtMs) : undefined;
  }

  /** A TACACS+ accounting record capwatch received itself (already stored), from the device at `sender`. */
  accounting(rec: DeviceRecord, raw: string, sender: string, receivedAtMs: number): Detection[] | undefined {
    const counted = this.senders.count(sender);
    if (counted !== undefined) counted.accounting = (counted.accounting ?? 0) + 1;
    const hostname = this.hostnames.get(sender);
    rec.device = hostname === undefined ? { address: sender } : { address: sender, hostname };
    return this.record(rec, ACCOUNTING_MESSAGE, raw, sender, 'tacacs', new Date(receivedAtMs));
  }

  /**
   * One cloud audit record, as JSON text (a replayed file's record) or already parsed (`value`, an HTTP body's),
   * from `sender` (a file name or the poster's address). `expect` keeps a provider's endpoint to its own records.
   */
  cloudRecord(text: string, sender: string, source: EventSource, receivedAtMs: number, expect?: CloudProvider, value?: unknown): Detection[] | undefined {
    const call = value === undefined ? cloudCallFromText(text, expect) : cloudCall(value, expect);
    if (call === null) return undefined;
    if (isParseFailure(call)) return this.parseError(source, sender, call.error, text);
    return this.cloudDetections(call, text, source, receivedAtMs);
  }

  private cloudDetections(call: CloudCall, raw: string, source: EventSource, receivedAtMs: number): Detection[] | undefined {
    this.o.metrics.commands.inc({ source });
    const event = cloudEvent(call, raw, source, new Date(receivedAtMs));
    const detections = this.o.detector.detect(event);
    if (this.o.principals) noteFirstCreation(call, detections, this.o.principals, event.time);
    if (detections.length === 0) return undefined;
    for (const d of detections) this.o.metrics.detections.inc({ rule: d.rule, title: d.title, severity: d.severity });
    this.o.onDetections(detections);
    return detections;
  }

  private kept(text: string, sender: string, source: EventSource, receivedAtMs: number): Detection[] | undefined {
    const receivedAt = new Date(receivedAtMs);
    const parsed = parseSyslog(text, receivedAt);
    if (isParseFailure(parsed)) return this.parseError(source, sender, parsed.error, text);
    if (parsed.appName === 'CISE_TACACS_Accounting') return this.messages(this.ise.push(sender, parsed, receivedAtMs), source, receivedAt);
    return this.fromMessage(parsed, text, sender, source, receivedAt);
  }

  /**
   * Releases ISE messages whose missing segments are given up on: those older than the reassembly window, or all
   * of them (`nowMs` omitted) at the end of a replayed input.
   */
  flush(source: EventSource, nowMs?: number): Detection[] | undefined {
    const ready = nowMs === undefined ? this.ise.drain() : this.ise.expire(nowMs);
    const at = new Date(nowMs ?? Date.now());
    return this.messages(ready, source, at);
  }

  /** ISE records: the reassembled body stands for the raw line, which may have been one segment of several. */
  private messages(ready: ReadyMessage[], source: EventSource, receivedAt: Date): Detection[] | undefined {
    let all: Detection[] | undefined;
    for (const { sender, message } of ready) {
      const d = this.fromMessage(message, message.body, sender, source, receivedAt);
      if (d) (all ??= []).push(...d);
    }
    return all;
  }

  private fromMessage(msg: SyslogMessage, text: string, sender: string, source: EventSource, receivedAt: Date): Detection[] | undefined {
    // A cloud audit record a forwarder (rsyslog, syslog-ng, Fluent Bit) sent as the message, or a bare JSON line.
    if (msg.tag === undefined && msg.body.charCodeAt(0) === OPEN_BRACE) return this.cloudRecord(msg.body, sender, source, receivedAt.getTime());
    const record = extractRecord(msg, { eemApplets: this.o.eemApplets ?? [] });
    if (record === null) {
      // The pre-filter saw a command tag that the header parser did not find: a shape it misreads, not chatter.
      if (msg.tag === undefined && hasCommandTag(text)) return this.parseError(source, sender, 'a command tag is in the line but not where a syslog header ends', text);
      return undefined;
    }
    if (isParseFailure(record)) return this.parseError(source, sender, record.error, text);
    return this.record(record, msg, text, sender, source, receivedAt);
  }

  private record(
    rec: DeviceRecord,
    msg: SyslogMessage,
    raw: string,
    sender: string,
    source: EventSource,
    receivedAt: Date,
  ): Detection[] | undefined {
    const device = deviceOf(rec, msg, sender, source);
    if (source === 'syslog' && !rec.device && device.hostname && device.address === sender) this.learnHostname(sender, device.hostname);
    if ((source === 'syslog' || source === 'tacacs') && device.address === sender) {
      const seen = this.senders.get(sender);
      if (seen) {
        if (device.hostname) seen.hostname = device.hostname;
        if (device.platform) seen.platform = device.platform;
      }
    }
    const dkey = deviceKey(device);
    // CFGLOG names no line, TACACS+ and CONFIG_I do: a session is closed under both keys.
    const userKey = `${dkey}\0${rec.user ?? ''}`;
    const sessionKey = rec.line ? `${userKey}\0${rec.line}` : userKey;

    if (rec.type === 'config-end' || rec.type === 'session-end' || rec.type === 'config-start') {
      // Entering configuration mode starts from a clean slate too (EOS `%SYS-5-CONFIG_E`).
      this.o.contexts.endSession(sessionKey);
      if (sessionKey !== userKey) this.o.contexts.endSession(userKey);
      this.junosLevels.end(sessionKey);
      return undefined;
    }

    let command: string;
    let context: string[] = [];
    /** What was typed, when an alias, an EEM variable or a `dohost` wrapper stood for `command`. */
    let typed: string | undefined;
    const time = eventTime(rec, msg, source, receivedAt);
    if (rec.type === 'capture-point' || rec.type === 'notification') {
      command = msg.body.trim();
    } else if (rec.type === 'commit') {
      command = rec.command ?? msg.body.trim();
    } else {
      if (!rec.command) return undefined;
      if (this.repeatedTask(dkey, rec)) return undefined;
      const n = normalizeCommand(rec.command, rec.platform);
      command = rec.platform === 'junos' ? this.junosLevels.absolute(sessionKey, n.command) : n.command;
      if (!command) return undefined;
      this.o.metrics.commands.inc({ source });
      if (n.wrapper !== undefined) typed = rec.command;
      else if (!n.doPrefix && rec.platform !== 'junos') {
        const layers = this.o.detector.layers;
        const aliased = layers.alias(device.address, command, rec.configMode ?? this.o.contexts.inConfig(sessionKey));
        if (aliased !== undefined) {
          typed = command;
          command = normalizeCommand(aliased, rec.platform).command;
        }
        const hint = {
          ...(rec.configMode !== undefined && { configMode: rec.configMode }),
          ...(rec.path && { path: rec.path.map((p) => normalizeCommand(p, rec.platform).command) }),
        };
        context = this.o.contexts.track(sessionKey, command, hint, receivedAt.getTime());
        const built = layers.learn(device.address, command, context, time);
        if (built !== undefined) {
          typed ??= command;
          command = built;
        }
      }
    }

    const event: CommandEvent = {
      time,
      receivedAt,
      device,
      ...(rec.user !== undefined && rec.user !== '' && { user: rec.user }),
      ...(rec.line !== undefined && { line: rec.line }),
      ...(rec.remoteAddress !== undefined && { remoteAddress: rec.remoteAddress }),
      command,
      context,
      source,
      ...((msg.tag ?? rec.notification) && { tag: msg.tag?.text ?? rec.notification }),
      raw,
      ...(rec.taskId !== undefined && { taskId: rec.taskId }),
      ...(rec.privLevel !== undefined && { privLevel: rec.privLevel }),
      ...(rec.timezone !== undefined && { timezone: rec.timezone }),
      ...(typed !== undefined && { typed }),
      ...(rec.result !== undefined && { result: rec.result }),
    };
    const detections = this.o.detector.detect(event);
    if (detections.length === 0) return undefined;
    for (const d of detections) this.o.metrics.detections.inc({ rule: d.rule, title: d.title, severity: d.severity });
    this.o.onDetections(detections);
    return detections;
  }

  /**
   * Some NAS (SR Linux, tac_plus configured so) account a command at start and at stop: one typed command, two
   * records with the same task id. Counting both would double every `exit` in the context tracker.
   */
  private repeatedTask(dkey: string, rec: DeviceRecord): boolean {
    if (rec.taskId === undefined || rec.accounting === undefined) return false;
    const key = `${dkey}\0${rec.taskId}\0${rec.command}`;
    if (this.tasks.has(key)) {
      this.tasks.delete(key);
      return true;
    }
    this.tasks.set(key, true);
    if (this.tasks.size > MAX_TRACKED_TASKS) {
      this.tasks.delete(this.tasks.keys().next().value as string);
      this.o.metrics.evictions.inc({ cache: 'accounting-tasks' });
    }
    return false;
  }

  private learnHostname(address: string, hostname: string): void {
    if (this.hostnames.get(address) === hostname) return;
    this.hostnames.delete(address);
    this.hostnames.set(address, hostname);
    if (this.hostnames.size > MAX_KNOWN_HOSTS) {
      this.hostnames.delete(this.hostnames.keys().next().value as string);
      this.o.metrics.evictions.inc({ cache: 'hostnames' });
    }
  }

  private parseError(source: EventSource, sender: string, reason: string, text: string): undefined {
    this.o.metrics.parseErrors.inc({ source });
    const c = this.senders.get(sender);
    if (c !== undefined) {
      c.parseErrors = (c.parseErrors ?? 0) + 1;
      c.lastParseError = reason;
    }
    this.o.warn.warn(`${source}:parse-error`, { sender, reason, line: excerpt(text) }, 'unparseable message');
    return undefined;
  }
}

function deviceOf(rec: DeviceRecord, msg: SyslogMessage, sender: string, source: EventSource): DeviceRef {
  // Records relayed by a TACACS+ server or ISE are about the NAS they name, not about the relay.
  const host = rec.device?.address ?? rec.device?.hostname ?? msg.hostname;
  const hostIsIp = host !== undefined && isIP(host) !== 0;
  const address = hostIsIp ? host : rec.device?.address ?? (source === 'replay' && host ? host : sender);
  const hostname = rec.device?.hostname ?? msg.deviceHostname ?? (host !== undefined && !hostIsIp ? host : undefined);
  const device: DeviceRef = { address };
  if (hostname && hostname !== address) device.hostname = hostname;
  if (rec.platform) device.platform = rec.platform;
  return device;
}

function eventTime(rec: DeviceRecord, msg: SyslogMessage, source: EventSource, receivedAt: Date): Date {
  const own = rec.time ?? msg.deviceTime;
  if (!own) return receivedAt;
  // Archived logs have no receive time worth the name: their own timestamps are all there is.
  if (source === 'replay') return own;
  if (msg.timeQuality !== 'synced' && !rec.time) return receivedAt;
  return Math.abs(own.getTime() - receivedAt.getTime()) <= MAX_CLOCK_SKEW_MS ? own : receivedAt;
}
