// `capwatch inspect`: the show-output parsers, offline, over saved outputs and transcripts (RANCID, Oxidized,
// terminal logs). One set of findings for all files of one invocation, as the poller would report one device.
import { readFileSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseShowOutputs, splitTranscript } from '../parsers/show/index.js';
import { excerpt } from './log.js';
import type { CaptureFinding, DeviceFindings, Platform, SessionFinding } from './types.js';

export const INSPECT_PLATFORMS = ['ios', 'iosxe', 'nxos', 'asa', 'junos'] as const satisfies readonly Platform[];
export type InspectPlatform = (typeof INSPECT_PLATFORMS)[number];

/** A saved show output is kilobytes; a file this large is not one, and is refused rather than read into memory. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface InspectOptions {
  platform: InspectPlatform;
  json: boolean;
  stdout?: Writable;
  stderr?: Writable;
}

export function isInspectPlatform(p: string): p is InspectPlatform {
  return (INSPECT_PLATFORMS as readonly string[]).includes(p);
}

export function inspect(files: readonly string[], o: InspectOptions): number {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const texts: string[] = [];
  for (const f of files) {
    try {
      const st = statSync(f);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.size > MAX_FILE_BYTES) throw Object.assign(new Error('too large'), { code: `larger than ${MAX_FILE_BYTES >> 20} MB` });
      texts.push(readFileSync(f, 'utf8'));
    } catch (err) {
      stderr.write(`capwatch inspect: cannot read ${excerpt(f)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 2;
    }
  }
  const outputs = texts.flatMap((t) => splitTranscript(t));
  const findings = parseShowOutputs(o.platform, outputs);
  stdout.write(o.json ? `${JSON.stringify(findingsJson(findings))}\n` : table(findings, outputs.length, files.length));
  return 0;
}

/** The documented shape, keys in order; `truncated` only when true (extra key, same shape). */
export function findingsJson(f: DeviceFindings): Record<string, unknown> {
  const json: Record<string, unknown> = {
    supported: f.supported,
    captures: f.captures.map((c) => ({ name: c.name, active: c.active, interfaces: c.interfaces, direction: c.direction, file: c.file })),
    sessions: f.sessions.map((s) => {
      const item: Record<string, unknown> = { id: s.id, type: s.type, active: s.active, sources: s.sources, destinations: s.destinations, destinationIp: s.destinationIp };
      if (s.sourceDirections) item.sourceDirections = s.sourceDirections;
      return item;
    }),
  };
  if (f.truncated) json.truncated = true;
  return json;
}

/** Device text made inert for a terminal: control characters and bidi overrides shown as escapes, long cells cut. */
function cell(text: string): string {
  return excerpt(text, 60).replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function captureRow(c: CaptureFinding): string[] {
  return [cell(c.name), yesNo(c.active), cell(c.interfaces.join(', ')) || '-', c.direction ?? '-', c.file ? cell(c.file) : '-'];
}

function sessionRow(s: SessionFinding): string[] {
  const sources = s.sources.map((src) => (s.sourceDirections?.[src] ? `${src} (${s.sourceDirections[src]})` : src));
  return [cell(s.id), cell(s.type), yesNo(s.active), cell(sources.join(', ')) || '-', cell(s.destinations.join(', ')) || '-', s.destinationIp ? cell(s.destinationIp) : '-'];
}

function table(f: DeviceFindings, outputs: number, files: number): string {
  const lines: string[] = [];
  const read = `${outputs} output${outputs === 1 ? '' : 's'} from ${files} file${files === 1 ? '' : 's'}`;
  lines.push(f.supported ? `Read ${read}.` : `Unsupported: no capture or mirror command was answered in ${read} (rejected, or none present).`);
  if (f.truncated) lines.push('Warning: output was cut by a pager (--More--); items may be missing. Use `terminal length 0`.');
  lines.push('');
  const active = (xs: Array<{ active: boolean }>) => xs.filter((x) => x.active).length;
  if (f.captures.length === 0) lines.push('Captures: none found');
  else {
    lines.push(`Captures: ${f.captures.length} (${active(f.captures)} active)`);
    lines.push(grid(['NAME', 'ACTIVE', 'INTERFACES', 'DIRECTION', 'FILE'], f.captures.map(captureRow)));
  }
  lines.push('');
  if (f.sessions.length === 0) lines.push('Sessions: none found');
  else {
    lines.push(`Sessions: ${f.sessions.length} (${active(f.sessions)} active)`);
    lines.push(grid(['ID', 'TYPE', 'ACTIVE', 'SOURCES', 'DESTINATIONS', 'DESTINATION IP'], f.sessions.map(sessionRow)));
  }
  return `${lines.join('\n')}\n`;
}
