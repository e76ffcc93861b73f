// Shared by the listener tests: a sink that collects, metrics and a log the test can read, polling.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { Metrics } from '../../src/metrics.js';
import type { SourceDeps, SyslogSink, SyslogTransport } from '../../src/sources/types.js';

export interface Received {
  text: string;
  sender: string;
  transport: SyslogTransport;
  receivedAtMs?: number;
}

export class CollectingSink implements SyslogSink {
  readonly messages: Received[] = [];
  message(text: string, sender: string, transport: SyslogTransport, receivedAtMs?: number): void {
    this.messages.push({ text, sender, transport, ...(receivedAtMs !== undefined && { receivedAtMs }) });
  }
  texts(): string[] {
    return this.messages.map((m) => m.text);
  }
}

export interface TestDeps extends SourceDeps {
  /** Everything logged so far, as pino JSON lines. */
  logs(): string;
  dropped(reason: string): Promise<number>;
  received(transport: SyslogTransport): Promise<number>;
  connections(transport: SyslogTransport): Promise<number>;
}

export function testDeps(): TestDeps {
  const metrics = new Metrics();
  let logged = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  const value = async (metric: 'dropped' | 'received' | 'connections', key: string, label: string) =>
    (await metrics[metric].get()).values.find((v) => (v.labels as Record<string, string | number | undefined>)[key] === label)?.value ?? 0;
  return {
    metrics,
    log: createLogger({ level: 'debug', destination }),
    logs: () => logged,
    dropped: (reason) => value('dropped', 'reason', reason),
    received: (transport) => value('received', 'transport', transport),
    connections: (transport) => value('connections', 'transport', transport),
  };
}

/** Polls until `check` holds (it may be async), failing after `ms`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Real device lines from a fixture file, without its `# source:` line. */
export function fixtureLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('# source:'));
}
