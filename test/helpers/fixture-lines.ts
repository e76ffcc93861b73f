// Reads the log fixtures: one message per line; `#` lines (sources, comments) and empty lines are skipped.
import { readdirSync, readFileSync } from 'node:fs';

const LOGS = new URL('../../fixtures/logs/', import.meta.url);

export function logFixtureNames(): string[] {
  return readdirSync(LOGS).filter((f) => f.endsWith('.log')).sort();
}

export function logLines(name: string): string[] {
  return readFileSync(new URL(name, LOGS), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** The one fixture line that contains `needle` (fails loudly when there is none or several). */
export function logLine(name: string, needle: string): string {
  const hits = logLines(name).filter((l) => l.includes(needle));
  if (hits.length !== 1) throw new Error(`${name}: ${hits.length} lines contain ${JSON.stringify(needle)}`);
  return hits[0] as string;
}
