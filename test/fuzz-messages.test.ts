// Property tests from a syslog line to a detection: the device-message extractors (never fail inside, bounded time,
// clean output), the pre-filter (never drops what the pipeline would use), command normalisation (idempotent,
// bounded) and ISE reassembly (segments in any order give the message back).
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeCommand } from '../parsers/command/normalize.js';
import { extractRecord } from '../parsers/messages/index.js';
import { IseReassembler } from '../parsers/messages/ise-reassembly.js';
import { mayCarryCommand } from '../parsers/prefilter.js';
import { parseSyslog } from '../parsers/syslog/header.js';
import { isParseFailure, type DeviceRecord, type Platform, type SyslogMessage } from '../parsers/types.js';
import { buildDetection } from '../src/app.js';
import { buildConfig } from '../src/config.js';
import { Metrics } from '../src/metrics.js';
import type { Detection, EventSource } from '../src/types.js';
import { COMMANDS } from '../src/detect/warmup.js';
import { logLines } from './helpers/fixture-lines.js';
import { adversarial, allLogLines, anyText, BIG_INPUT_MS, COMMON_PIECES, cpuMs, mutated, NASTY_CHARS, PROPERTY_TIMEOUT, runs } from './helpers/fuzz.js';

const LINES = allLogLines();
const RECEIVED = new Date('2023-06-01T00:00:00Z');

function record(line: string): DeviceRecord | { error: string } | null {
  const m = parseSyslog(line, RECEIVED);
  return isParseFailure(m) ? m : extractRecord(m);
}

// What no extracted string may carry: controls (TAB aside), C1, line separators, bidi overrides.
const UNSAFE = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;

function checkRecord(r: DeviceRecord | { error: string } | null): void {
  if (r === null) return;
  if (isParseFailure(r)) {
    expect(r.error).not.toMatch(/extractor failed|header parser failed/);
    return;
  }
  for (const s of [r.command, r.user, r.line, r.remoteAddress, r.taskId, r.timezone, r.device?.address, r.device?.hostname, r.capturePoint?.name, ...(r.path ?? [])]) {
    if (s !== undefined) expect(s, JSON.stringify(r)).not.toMatch(UNSAFE);
  }
  if (r.type === 'command') expect(r.command, JSON.stringify(r)).toBeTruthy();
  if (r.time) expect(Number.isNaN(r.time.getTime())).toBe(false);
}

/** The head of each kind of command-bearing message, up to where its attacker-controlled text begins. */
const MESSAGE_HEADS = [
  '<189>1: r1: 1: Nov 22 10:06:00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:',
  '<189>1: r1: 1: Nov 22 10:06:00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:',
  '<189>1: r1: 1: Nov 22 10:06:00.000 UTC: %SYS-5-CONFIG_I: Configured from ',
  '<189>1: r1: 1: Nov 22 10:06:00.000 UTC: %SYS-5-CONFIG_P: Configured programmatically by process ',
  '<190>1: r1: 1: Nov 22 10:06:00.000 UTC: %BUFCAP-6-ENABLE: Capture Point ',
  '<190>1: r1: 1: Nov 22 10:06:00.000 UTC: %HA_EM-6-LOG: ',
  '<189>: 2026 Nov 22 10:06:00 UTC: %AAA-6-AAA_ACCOUNTING_MESSAGE: update:',
  '<189>: 2026 Nov 22 10:06:00 UTC: %AAA-6-AAA_ACCOUNTING_MESSAGE: update:10.1.1.1@pts/0:eve:',
  '<189>: 2026 Nov 22 10:06:00 UTC: %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty by ',
  '<189>: 2026 Nov 22 10:06:00 UTC: %AUTHPRIV-5-SYSTEM_MSG: ',
  '<166>Nov 22 10:06:00 fw1 : %ASA-5-111008: User \'',
  '<166>Nov 22 10:06:00 fw1 : %ASA-5-111010: User \'a\', running \'',
  '<189>Nov 22 10:06:00 eos1 Aaa: %ACCOUNTING-6-CMD: ',
  '<189>Nov 22 10:06:00 mx1 mgd[1]: UI_CMDLINE_READ_LINE: User \'',
  '<182>Nov 22 10:06:00 ise1 CISE_TACACS_Accounting 0000000001 1 0 2020-02-21 19:13:08.328 +00:00 0018415781 3300 NOTICE Tacacs-Accounting: ',
  'Nov 22 10:06:00\t10.0.0.1\tadmin\ttty2\t192.0.2.10\tstop\t',
  'Nov 22 10:06:00 10.0.0.1 admin tty2 192.0.2.10 stop task_id=1 ',
  '17882650:Mon Jul 30 13:02:18 2018:update:',
  'Sun Nov 22 11:30:12 2026:type=update:id=',
];
const MESSAGE_PIECES = [
  ...COMMON_PIECES, ' logged command:', 'User:', "'", "' executed the '", "' command", ' ; ', '(SUCCESS)', ' (x)', 'a@b:', '@', 'COMMAND=',
  'TTY=', ', User=', 'CmdSet=[ CmdAV=', ' <cr> ]', ' CmdArgAV=', 'cmd=', 'task_id=', '\t', 'x=', 'x="', ' by ', ' on ', ' (', ' from ', ' as ',
];

describe('device message extractors', () => {
  it('never fail inside, and give clean records, on arbitrary and mutated real lines', { timeout: PROPERTY_TIMEOUT }, () => {
    const heads = fc.tuple(fc.constantFrom(...MESSAGE_HEADS), anyText).map(([h, t]) => h + t);
    fc.assert(fc.property(fc.oneof(anyText, mutated(LINES), heads), (line) => checkRecord(record(line))), runs(2));
  });

  it('read a 64 KB message aimed at their regexes in bounded time', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(adversarial(MESSAGE_HEADS, MESSAGE_PIECES), (line) => {
        const { value, ms } = cpuMs(() => record(line));
        checkRecord(value);
        expect(ms, `${ms.toFixed(0)} ms for ${JSON.stringify(line.slice(0, 120))}…`).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.5),
    );
  });

  it('the pre-filter keeps every line the parsers turn into a record', { timeout: PROPERTY_TIMEOUT }, () => {
    const heads = fc.tuple(fc.constantFrom(...MESSAGE_HEADS), fc.oneof(anyText, fc.constantFrom(...LINES))).map(([h, t]) => h + t);
    fc.assert(
      fc.property(fc.oneof(mutated(LINES, 3), heads), (line) => {
        const r = record(line);
        if (r !== null && !isParseFailure(r)) expect(mayCarryCommand(line), line).toBe(true);
      }),
      runs(5),
    );
  });

  it('the pre-filter is bounded on 64 KB of tags and markers', { timeout: PROPERTY_TIMEOUT }, () => {
    const pieces = ['%', '%A', '%PARSER-5-', '%ASA-5-', '%MGBL-', '%AUTHPRIV-5-SYSTEM_MSG', 'A-1-', '\t', 'task_id=', 'update', 'CISE_'];
    fc.assert(
      fc.property(adversarial(MESSAGE_HEADS, pieces), (line) => {
        const { ms } = cpuMs(() => mayCarryCommand(line));
        expect(ms).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });
});

// ---- the whole pipeline ------------------------------------------------------------------------------------------

const metrics = new Metrics();
const detections: Detection[] = [];
const { ingest } = buildDetection(buildConfig({}), metrics, pino({ level: 'silent' }), (d) => detections.push(...d));
afterAll(() => metrics.registry.clear());

type Kept = (text: string, sender: string, source: EventSource, receivedAtMs: number) => Detection[] | undefined;
/**
 * The pipeline after the pre-filter (Ingest's own `kept`): what the line would give if the pre-filter let it through.
 * Reached around `private` because the property is exactly about the step the public entry takes first.
 */
const afterPrefilter = (ingest as unknown as { kept: Kept }).kept.bind(ingest);

/** A device's lines go to its own sender address, so one property run never sees another's config context. */
let sender = 0;
const nextSender = () => `198.18.${(sender >> 8) & 255}.${sender++ & 255}`;

/** Lines that give detections in the real pipeline: the warm-up's command shapes and every fixture command line. */
const DETECTING = [
  ...COMMANDS.map((f) => f(7)),
  ...LINES.filter((l) => (afterPrefilter(l, nextSender(), 'replay', RECEIVED.getTime())?.length ?? 0) > 0),
];

describe('pre-filter against the pipeline', () => {
  it('finds lines to start from', () => {
    expect(DETECTING.length).toBeGreaterThan(10);
  });

  it('never drops a line that the pipeline after it would turn into a detection (real shapes with noise)', { timeout: PROPERTY_TIMEOUT }, () => {
    const noisy = fc
      .tuple(fc.constantFrom(...DETECTING), fc.string({ unit: fc.constantFrom(...NASTY_CHARS), maxLength: 6 }), fc.string({ unit: fc.constantFrom(...NASTY_CHARS), maxLength: 6 }))
      .map(([l, pre, post]) => pre + l + post);
    fc.assert(
      fc.property(fc.oneof(noisy, mutated(DETECTING, 3)), (line) => {
        const found = afterPrefilter(line, nextSender(), 'syslog', RECEIVED.getTime()) ?? [];
        if (found.length > 0) expect(mayCarryCommand(line), line).toBe(true);
      }),
      runs(2),
    );
  });

  /**
   * Real command shapes (CFGLOG, EEM, NX-OS sudo, tac_plus) naming a capture; `NAME` is replaced, and `DEV` by a
   * device of its own, whose config mode no earlier run has left it in.
   */
  const CAPTURE_LINES = [
    '<189>1: DEV: 1: Nov 22 10:06:00.000 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve  logged command:monitor capture NAME start',
    '<189>1: DEV: 1: Nov 22 10:06:00.000 UTC: %HA_EM-6-LOG: CLI-LOG: monitor capture NAME start',
    '<189>: 2026 Nov 22 10:06:00 UTC: %AUTHPRIV-5-SYSTEM_MSG:    eve : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/tcpdump -i eth1 -w /bootflash/NAME.pcap - sudo',
    'Nov 22 10:06:00\tDEV\teve\ttty2\t192.0.2.10\tstop\ttask_id=1\tservice=shell\tcmd=monitor capture NAME start <cr>',
  ];
  const capName = fc
    .tuple(fc.string({ unit: fc.constantFrom(...'ACPTacpt019_-'), minLength: 1, maxLength: 6 }), fc.constantFrom('\u0000', '\u0007', '\u001b', '\u007f', '\u009b', '\u202e', '\u2066', '\u200b', ''), fc.string({ unit: fc.constantFrom(...'ACPTacpt019_-'), minLength: 1, maxLength: 6 }))
    .map(([a, c, b]) => a + c + b);

  // Line breaks (LF, NEL, U+2028…) are left out: they separate words, as a command logged across lines needs.
  it('a capture whose name holds a control or bidi character is still detected', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...CAPTURE_LINES), capName, (template, name) => {
        const line = template.replace('NAME', name).replace('DEV', `dev${sender}`);
        expect(mayCarryCommand(line)).toBe(true);
        const found = ingest.line(line, nextSender(), 'syslog', RECEIVED.getTime()) ?? [];
        expect(found.length, JSON.stringify(line)).toBeGreaterThan(0);
      }),
      runs(),
    );
  });
});

// ---- command normalisation ---------------------------------------------------------------------------------------

/** Commands as operators type them: real keywords, abbreviated, with interface names and arguments mixed in. */
const WORDS = [
  'monitor', 'mon', 'moni', 'capture', 'cap', 'session', 'ses', 'source', 'sou', 'destination', 'dest', 'interface', 'int', 'in',
  'gi', 'Gi1/0/1', 'gi', '1/0/1', 'te1/1', 'po1', 'vlan', '10', '10,20-30', ',', '-', 'both', 'rx', 'tx', 'start', 'stop', 'export',
  'tftp://x/y', 'buffer', 'size', 'circular', 'point', 'ip', 'cef', 'type', 'erspan-source', 'erspan-id', 'show', 'sh', 'no', 'do',
  'default', 'terminal', 'term', 'ethanalyzer', 'local', 'capture-filter', '"a', 'b"', 'limit', 'match', 'any', 'control-plane',
  'file', 'location', 'flash:a.pcap', 'remote', 'shut', 'shutdown', 'run', 'bash', 'tcpdump', 'configure', 'conf', 't', 'e', 'CAP',
  '<cr>', 'access-list', 'class-map', 'description', 'origin', 'address', '198.51.100.7', 'logging', 'event-trace', 'filter',
];
const PLATFORMS: (Platform | undefined)[] = [undefined, 'ios', 'iosxe', 'nxos', 'asa', 'eos', 'junos'];
const typed = fc.oneof(
  fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 14 }).map((w) => w.join(' ')),
  fc
    .tuple(fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom(...NASTY_CHARS), anyText), { maxLength: 10 }), fc.constantFrom(' ', '  ', '\t', ''))
    .map(([w, sep]) => w.join(sep)),
  anyText,
);

describe('normalizeCommand properties', () => {
  it('is idempotent: a normalised command normalises to itself', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(typed, fc.constantFrom(...PLATFORMS), (text, platform) => {
        const once = normalizeCommand(text, platform).command;
        expect(normalizeCommand(once, platform).command, JSON.stringify(text)).toBe(once);
      }),
      runs(5),
    );
  });

  it('is idempotent on long commands too (over its token and length limits)', { timeout: PROPERTY_TIMEOUT }, () => {
    const long = fc
      .tuple(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 0, max: 300 }))
      .map(([w, spaces, extra]) => `${w.join(' '.repeat(spaces))}${' x'.repeat(extra)}`);
    fc.assert(
      fc.property(long, fc.constantFrom(...PLATFORMS), (text, platform) => {
        const once = normalizeCommand(text, platform).command;
        expect(normalizeCommand(once, platform).command).toBe(once);
      }),
      runs(0.5),
    );
  });

  it('takes bounded time on 64 KB of keywords', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(adversarial(['monitor capture x ', 'mon ses 1 sou int ', 'ethanalyzer local interface x ', 'do do ', ''], [...WORDS.map((w) => `${w} `), ', ', '- ']), fc.constantFrom(...PLATFORMS), (text, platform) => {
        const { ms } = cpuMs(() => normalizeCommand(text, platform));
        expect(ms).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });
});

// ---- ISE reassembly ----------------------------------------------------------------------------------------------

describe('IseReassembler properties', () => {
  const iseLines = logLines('ise-elastic-tacacs-accounting.log');

  it('segments cut anywhere and arriving in any order (duplicates too) give the whole message back', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...iseLines),
        fc.uniqueArray(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
        (line, cutAt, order, duplicate) => {
          const whole = parseSyslog(line, RECEIVED) as SyslogMessage;
          const m = /^(\d+) \d+ 0 /.exec(whole.body)!;
          const header = m[0].length;
          // Cut the text after segment 0's own header; every later segment carries `<msgid> <nseg> <seg> `.
          const cuts = [...new Set(cutAt.map((c) => header + 1 + Math.floor(c * (whole.body.length - header - 1))))].sort((a, b) => a - b);
          const bounds = [0, ...cuts.filter((c) => c < whole.body.length), whole.body.length];
          const n = bounds.length - 1;
          const first = `${m[1]} ${n} 0 ${whole.body.slice(header, bounds[1])}`;
          const segments = [{ ...whole, body: first }];
          for (let i = 1; i < n; i++) segments.push({ ...whole, body: `${m[1]} ${n} ${i} ${whole.body.slice(bounds[i], bounds[i + 1])}` });
          const shuffled = segments.map((s, i) => ({ s, k: order[i] ?? 0 })).sort((a, b) => a.k - b.k).map((x) => x.s);
          if (duplicate) shuffled.splice(1, 0, shuffled[0]!);
          const r = new IseReassembler();
          const out = shuffled.flatMap((s) => r.push('192.0.2.1', s, 0));
          if (n === 1) {
            expect(out.map((o) => o.message.body)).toEqual(duplicate ? [first, first] : [first]);
            return;
          }
          expect(out.map((o) => o.message.body)).toEqual([`${m[1]} ${n} 0 ${whole.body.slice(header)}`]);
          expect(r.pending).toBe(0);
        },
      ),
      runs(),
    );
  });

  it('holds a bounded number of groups whatever arrives, and gives every one back when drained', { timeout: PROPERTY_TIMEOUT }, () => {
    const seg = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }), anyText).map(([id, n, i, text]): SyslogMessage => ({ format: 'rfc3164', timeQuality: 'unknown', appName: 'CISE_TACACS_Accounting', body: `${id} ${n} ${i} ${text}` }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b'), seg, fc.nat(60_000)), { maxLength: 60 }), (arrivals) => {
        const r = new IseReassembler(8);
        let t = 0;
        for (const [sender, msg, dt] of arrivals) {
          t += dt;
          r.push(sender, msg, t);
          expect(r.pending).toBeLessThanOrEqual(8);
        }
        r.drain();
        expect(r.pending).toBe(0);
      }),
      runs(),
    );
  });
});
