// The contract between the network listeners and the pipeline behind them.
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

export type SyslogTransport = 'udp' | 'tcp' | 'tls' | 'relp' | 'relp-tls';

/** Receives every framed, decoded syslog message. Synchronous and must not throw. */
export interface SyslogSink {
  /**
   * `sender` is the peer's IP address (IPv4-mapped IPv6 addresses unwrapped), without the port. `receivedAtMs`, when
   * the listener knows it (RELP journals it), else the sink reads the clock.
   */
  message(text: string, sender: string, transport: SyslogTransport, receivedAtMs?: number): void;
}

export interface Listener {
  /** The address actually bound (the real port when 0 was configured). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export interface SourceDeps {
  metrics: Metrics;
  log: Logger;
}
