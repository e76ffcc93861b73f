// IOS-XE Embedded Packet Capture (`show monitor capture [NAME]`, `… NAME parameter`), classic IOS EPC
// (`show monitor capture point all`, `show monitor capture buffer all parameters`), and what the device says when a
// capture is started or stopped (exec messages, %BUFCAP console lines) in a transcript.
import { captureDirection, keyValue } from './lines.js';
import type { CaptureNote } from './capture-note.js';

const XE_HEADER = /^\s*Status Information for Capture (?!Point )(\S+)\s*$/;
const POINT_HEADER = /^\s*Status Information for Capture Point (\S+)\s*$/;
const BUFFER_HEADER = /^\s*Capture buffer (\S+)/i;
const XE_TARGET = /^\s*Interface:\s*(.+?),\s*Direction\s*:\s*(\S+)/i;
const PARAMETER = /^\s*monitor capture (\S+) (.*)$/;
const POINT_CONFIG = /^\s*monitor capture point (?:ip|ipv6) (cef|process-switched) (\S+) (.*)$/;
const ASSOCIATED = /^\s*Name\s*:\s*(\S+?)\s*,\s*Status\s*:\s*(\w+)/;
const MESSAGES: Array<[RegExp, boolean]> = [
  [/^\s*Started capture point\s*:\s*(\S+)/i, true],
  [/^\s*Stopped capture point\s*:\s*(\S+)/i, false],
  [/^\s*Capture (\S+) is not active/i, false],
];
const BUFCAP = /%BUFCAP-\d-(?:ENABLE|DISABLE):\s*Capture Point (\S+) (enabled|disabled)/i;

/** `show monitor capture` (IOS-XE) status blocks. */
function statusBlocks(lines: readonly string[], notes: CaptureNote[]): void {
  let cur: CaptureNote | undefined;
  for (const line of lines) {
    const h = XE_HEADER.exec(line);
    if (h) {
      cur = { name: h[1]!, active: false, interfaces: [], file: null };
      notes.push(cur);
      continue;
    }
    if (!cur) continue;
    const target = XE_TARGET.exec(line);
    if (target) {
      cur.interfaces!.push(target[1]!.trim());
      cur.direction = captureDirection(target[2]) ?? cur.direction;
      continue;
    }
    const kv = keyValue(line);
    if (kv?.[0] === 'status') cur.active = /^active$/i.test(kv[1]);
    else if (kv?.[0] === 'associated file name' && kv[1]) cur.file = kv[1];
  }
}

/** `show monitor capture NAME parameter`: the effective configuration lines. Says nothing about running. */
function parameterLines(lines: readonly string[], notes: CaptureNote[]): void {
  for (const line of lines) {
    if (POINT_CONFIG.test(line)) continue;
    const m = PARAMETER.exec(line);
    if (!m || /^(?:point|buffer)$/.test(m[1]!)) continue;
    const words = m[2]!.trim().split(/\s+/);
    const note: CaptureNote = { name: m[1]! };
    if (words[0] === 'interface' && words[1]) {
      note.interfaces = [words[1]];
      note.direction = captureDirection(words[2]);
    } else if (words[0] === 'control-plane') {
      note.interfaces = ['Control Plane'];
      note.direction = captureDirection(words[1]);
    } else if (words[0] === 'file' && words[1] === 'location' && words[2]) {
      note.file = words[2];
    }
    notes.push(note);
  }
}

/** Classic IOS capture point blocks and their `Configuration:` lines. */
function pointBlocks(lines: readonly string[], notes: CaptureNote[]): void {
  let cur: CaptureNote | undefined;
  for (const line of lines) {
    const h = POINT_HEADER.exec(line);
    if (h) {
      cur = { name: h[1]!, active: false, interfaces: [], file: null };
      notes.push(cur);
      continue;
    }
    const cfg = POINT_CONFIG.exec(line);
    if (cfg) {
      // `… cef NAME INTERFACE DIR` or `… process-switched NAME DIR`
      const words = cfg[3]!.trim().split(/\s+/);
      const note: CaptureNote = cur && cur.name === cfg[2] ? cur : { name: cfg[2]! };
      if (cfg[1] === 'cef' && words.length >= 2) {
        note.interfaces = [...(note.interfaces ?? []), words[0]!];
        note.direction = captureDirection(words[1]);
      } else {
        note.direction = captureDirection(words[0]);
      }
      if (note !== cur) notes.push(note);
      continue;
    }
    if (!cur) continue;
    const buffer = /Capture Buffer\s*:\s*(\S+)/i.exec(line);
    if (buffer && !/^none$/i.test(buffer[1]!)) cur.file = buffer[1]!;
    const kv = keyValue(line);
    if (kv?.[0] === 'status') cur.active = /^active$/i.test(kv[1]);
  }
}

/** Classic IOS buffer blocks: the points attached to a buffer, with their status. */
function bufferBlocks(lines: readonly string[], notes: CaptureNote[]): void {
  let buffer: string | undefined;
  for (const line of lines) {
    const h = BUFFER_HEADER.exec(line);
    if (h && !/does not exist/i.test(line)) {
      buffer = h[1]!;
      continue;
    }
    const a = buffer ? ASSOCIATED.exec(line) : null;
    if (a) notes.push({ name: a[1]!, active: /^active$/i.test(a[2]!), file: buffer! });
  }
}

/** Exec-command answers and console messages a terminal log carries: the device saying a capture started or stopped. */
function statusMessages(all: readonly string[], notes: CaptureNote[]): void {
  for (const line of all) {
    for (const [re, active] of MESSAGES) {
      const m = re.exec(line);
      if (m) notes.push({ name: m[1]!, active });
    }
    const b = line.includes('%BUFCAP') ? BUFCAP.exec(line) : null;
    if (b) notes.push({ name: b[1]!, active: /^enabled$/i.test(b[2]!) });
  }
}

/**
 * Outputs that prove a named capture exists without saying whether it runs: its packet display or its statistics.
 * The name comes from the command, since the output does not repeat it.
 */
function existence(command: string, lines: readonly string[], notes: CaptureNote[]): void {
  const m = /^sh\S*\s+monitor\s+capture\s+(\S+)\s+(?:buffer|capture-statistics)\b/i.exec(command);
  if (m && m[1] !== 'point' && m[1] !== 'buffer' && lines.some((l) => /^\s*(?:Starting the packet display|capture statistics collected)/i.test(l)))
    notes.push({ name: m[1]! });
}

/**
 * @param lines the output without noise lines
 * @param all   every line, console messages included
 */
export function parseIosCaptures(command: string, lines: readonly string[], all: readonly string[]): CaptureNote[] {
  const notes: CaptureNote[] = [];
  statusBlocks(lines, notes);
  parameterLines(lines, notes);
  pointBlocks(lines, notes);
  bufferBlocks(lines, notes);
  statusMessages(all, notes);
  existence(command, lines, notes);
  return notes;
}
