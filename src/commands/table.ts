// Plain-text tables for terminals (`inspect`, `sweep`): device text made inert, columns padded.
import { excerpt } from '../log.js';
import type { CaptureFinding, DeviceFindings, SessionFinding } from '../types.js';

/** Device text made inert for a terminal: control characters and bidi overrides shown as escapes, long cells cut. */
export function cell(text: string, max = 60): string {
  return excerpt(text, max).replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function yesNo(b: boolean): string {
  return b ? 'yes' : 'no';
}

export function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function active(xs: ReadonlyArray<{ active: boolean }>): number {
  return xs.filter((x) => x.active).length;
}

/** The captures and the sessions a device reported, as two titled tables. */
export function findingsTables(f: DeviceFindings): string[] {
  const lines: string[] = [];
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
  return lines;
}

function captureRow(c: CaptureFinding): string[] {
  return [cell(c.name), yesNo(c.active), cell(c.interfaces.join(', ')) || '-', c.direction ?? '-', c.file ? cell(c.file) : '-'];
}

function sessionRow(s: SessionFinding): string[] {
  const sources = s.sources.map((src) => (s.sourceDirections?.[src] ? `${src} (${s.sourceDirections[src]})` : src));
  return [cell(s.id), cell(s.type), yesNo(s.active), cell(sources.join(', ')) || '-', cell(s.destinations.join(', ')) || '-', s.destinationIp ? cell(s.destinationIp) : '-'];
}

