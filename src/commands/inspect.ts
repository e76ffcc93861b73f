// `capwatch inspect`: the show-output parsers, offline, over saved outputs and transcripts (RANCID, Oxidized,
// terminal logs). One set of findings for all files of one invocation, as the poller would report one device.
import { readFileSync, statSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { parseShowOutputs, splitTranscript } from '../../parsers/show/index.js';
import { excerpt } from '../log.js';
import { findingsJson } from '../alerts/json.js';
import { findingsTables } from './table.js';
import type { DeviceFindings, Platform } from '../types.js';

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

function table(f: DeviceFindings, outputs: number, files: number): string {
  const lines: string[] = [];
  const read = `${outputs} output${outputs === 1 ? '' : 's'} from ${files} file${files === 1 ? '' : 's'}`;
  lines.push(f.supported ? `Read ${read}.` : `Unsupported: no capture or mirror command was answered in ${read} (rejected, or none present).`);
  if (f.truncated) lines.push('Warning: output was cut by a pager (--More--); items may be missing. Use `terminal length 0`.');
  lines.push('', ...findingsTables(f));
  return `${lines.join('\n')}\n`;
}
