// What every listener does with a decoded message, and how it names the sender.
import { excerpt, type RateLimitedLog } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { SyslogSink, SyslogTransport } from './types.js';

export type Deliver = (text: string, sender: string, receivedAtMs?: number) => void;

/**
 * Counts each message and hands it to the sink. The sink must not throw; if a bug makes it throw anyway, the message
 * is counted as dropped (`internal-error`) and logged, so one crafted line cannot take the listener down.
 */
export function deliverTo(sink: SyslogSink, transport: SyslogTransport, metrics: Metrics, warn: RateLimitedLog): Deliver {
  const received = metrics.receivedTally({ source: 'syslog', transport });
  const failed = metrics.dropped.labels({ source: 'syslog', reason: 'internal-error' });
  return (text, sender, receivedAtMs) => {
    received.inc();
    try {
      sink.message(text, sender, transport, receivedAtMs);
    } catch (err) {
      failed.inc();
      warn.warn('syslog:internal-error', { sender, transport, err, excerpt: excerpt(text) }, 'message handler threw; message dropped');
    }
  };
}

/** Peers of a dual-stack (`::`) socket show up as `::ffff:192.0.2.1`; devices are known by their IPv4 address. */
export function senderAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
