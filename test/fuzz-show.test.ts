// Property tests of the show-output parsers (what the SSH poller and `capwatch inspect` read): any text, mutated real
// outputs and 64 KB inputs aimed at their regexes parse without throwing, in bounded time, into well-formed findings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guessCommand, isRejected, isTruncated, parseShowOutputs, splitTranscript, type ShowOutput } from '../parsers/show/index.js';
import type { Platform } from '../parsers/types.js';
import type { DeviceFindings } from '../src/types.js';
import { adversarial, anyText, BIG, BIG_INPUT_MS, COMMON_PIECES, cpuMs, mutated, PROPERTY_TIMEOUT, runs, showSamples } from './helpers/fuzz.js';

const SAMPLES = showSamples();
const PLATFORMS: Platform[] = ['ios', 'iosxe', 'nxos', 'asa', 'junos', 'eos'];
const COMMANDS = ['', 'show monitor capture', 'show monitor session all', 'show capture', 'show capture CAP', 'show monitor capture CAP buffer', 'show forwarding-options analyzer', 'show forwarding-options port-mirroring', 'show monitor capture point all', 'show monitor capture buffer all parameters'];

function checkFindings(f: DeviceFindings): void {
  expect(typeof f.supported).toBe('boolean');
  for (const c of f.captures) {
    expect(typeof c.name).toBe('string');
    expect(typeof c.active).toBe('boolean');
    expect(Array.isArray(c.interfaces)).toBe(true);
  }
  for (const s of f.sessions) {
    expect(typeof s.id).toBe('string');
    expect(typeof s.active).toBe('boolean');
    expect(Array.isArray(s.sources) && Array.isArray(s.destinations)).toBe(true);
    if (s.sourceDirections) expect(Object.getPrototypeOf(s.sourceDirections)).toBe(Object.prototype);
  }
}

/** Everything the poller and `inspect` do with one device's text. */
function inspect(platform: Platform, text: string, command?: string): DeviceFindings {
  const outputs: ShowOutput[] = command === undefined ? splitTranscript(text) : [{ command, output: text }];
  guessCommand(text);
  isRejected(text);
  isTruncated(text);
  return parseShowOutputs(platform, outputs);
}

const sampleText = SAMPLES.map((s) => s.text);
const sampleLines = sampleText.flatMap((t) => t.split('\n')).filter((l) => l.trim() !== '');
/** A real output with lines mutated, duplicated and spliced from other outputs. */
const mutatedOutput = fc
  .tuple(fc.constantFrom(...sampleText), fc.array(fc.tuple(fc.nat(), mutated(sampleLines, 3)), { maxLength: 6 }))
  .map(([text, edits]) => {
    const lines = text.split('\n');
    for (const [at, line] of edits) lines.splice(at % (lines.length + 1), 0, line);
    return lines.join('\n');
  });

const SHOW_PIECES = [
  ...COMMON_PIECES, '--More--', ' --More-- ', '<--- More --->', '---(more 50%)---', '[a', '[a ', '[Capturing - ', ' bytes', 'capture a ',
  'interface ', 'Session 1', 'session 1', 'Status Information for Capture ', 'Interface: ', ', Direction', 'Direction : ', 'monitor capture ',
  'Source Ports', 'RX Only', ':', ' : ', 'Name : ', ', Status : ', 'Capture Buffer : ', 'up ', 'down ', 'router#', 'router> ', 'a#', '(config)#',
  '\u001b[0m', '\b', '\r\r\n', '\n\r', 'Feature ', 'Legend:', 'Analyzer name', 'Instance Name:', 'Load for five secs:', '*Jan  1 00:00:00: %A-1-B:',
];

describe('show-output parser properties', () => {
  it('never throw on arbitrary text and mutated real outputs, and give well-formed findings', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.oneof(anyText, mutatedOutput), fc.constantFrom(...PLATFORMS), fc.option(fc.constantFrom(...COMMANDS), { nil: undefined }), (text, platform, command) => {
        checkFindings(inspect(platform, text, command));
      }),
      runs(),
    );
  });

  it('read 64 KB of output aimed at their regexes in bounded time', { timeout: PROPERTY_TIMEOUT }, () => {
    const heads = [...SAMPLES.map((s) => s.text.slice(0, 400)), 'capture c type raw-data interface inside ', '  Interface: ', 'Session 1\n', 'session 1\n'];
    // Lines longer than MAX_LINE (2,048) are skipped whole, so the worst case is many lines just under it.
    const longLines = fc
      .tuple(fc.constantFrom('', ...heads.map((h) => h.split('\n').pop()!)), fc.constantFrom(...SHOW_PIECES), fc.constantFrom('', 'x', ':', '-', ']'), fc.integer({ min: 1500, max: 2047 }))
      .map(([head, piece, tail, len]) => {
        const line = (head + piece.repeat(Math.ceil(len / piece.length))).slice(0, len - tail.length) + tail;
        return `${line}\n`.repeat(Math.floor(BIG / (len + 1)));
      });
    fc.assert(
      fc.property(fc.oneof(adversarial(heads, SHOW_PIECES), longLines), fc.constantFrom(...PLATFORMS), fc.option(fc.constantFrom(...COMMANDS), { nil: undefined }), (text, platform, command) => {
        const { value, ms } = cpuMs(() => inspect(platform, text, command));
        checkFindings(value);
        expect(ms, `${ms.toFixed(0)} ms for ${platform} ${JSON.stringify(text.slice(0, 100))}…`).toBeLessThan(BIG_INPUT_MS);
      }),
      runs(0.25),
    );
  });

  it('find the same captures and sessions in a real output whatever line endings the terminal used', { timeout: PROPERTY_TIMEOUT }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.constantFrom('\r\n', '\r\r\n', '\n\r'), ({ platform, text }, eol) => {
        const p = platform as Platform;
        expect(inspect(p, text.replaceAll('\n', eol))).toEqual(inspect(p, text));
      }),
      runs(0.5),
    );
  });
});
