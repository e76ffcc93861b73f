// Logging: pino, plus a rate limiter so hostile input cannot flood the log.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  // Secrets never reach the log through these keys, wherever they sit in a logged object.
  const redact = ['*.key', '*.keys', '*.password', '*.passphrase', '*.secret', '*.token', '*.privateKey', 'key', 'secret'];
  const options = { level: opts.level ?? process.env.CAPWATCH_LOG_LEVEL ?? 'info', redact: { paths: redact, censor: '[redacted]' } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * Logs at most `burst` messages per `intervalMs` for each key, then one summary line with the count suppressed.
 * Keys are kinds of trouble ("udp:parse-error"), not senders, so the map stays small whatever arrives.
 */
export class RateLimitedLog {
  private readonly windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly burst = 10,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, obj: Record<string, unknown>, msg: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.intervalMs) {
      if (w && w.suppressed > 0) this.log.warn({ kind: key, suppressed: w.suppressed }, 'similar warnings suppressed');
      w = { start: t, count: 0, suppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.count < this.burst) {
      w.count++;
      this.log.warn({ kind: key, ...obj }, msg);
    } else {
      w.suppressed++;
    }
  }
}

/** Shortens attacker-controlled text for a log line and makes control characters visible. */
export function excerpt(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}…(${text.length} chars)` : clean;
}
