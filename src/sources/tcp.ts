// Syslog over TCP (RFC 6587) and over TLS (RFC 5425): accept, frame, hand on. Bounded per connection and in number.
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { looksLikeTlsClientHello, SyslogFramer, type FrameError } from '../../parsers/syslog/framing.js';
import { excerpt, RateLimitedLog } from '../log.js';
import { deliverTo, senderAddress } from './deliver.js';
import { listenStream } from './listen.js';
import { HeldConnections } from './held-connections.js';
import type { Listener, SourceDeps, SyslogSink, SyslogTransport } from './types.js';

export const TCP_DEFAULTS = { maxFrameBytes: 64 * 1024, idleTimeoutMs: 5 * 60_000, maxConnections: 1000, maxConnectionsPerSource: 50 } as const;

export interface TlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA(s) that sign client certificates; with requestCert, clients without a certificate it trusts are refused. */
  ca?: string | Buffer | Array<string | Buffer>;
  requestCert?: boolean;
}

export interface TcpOptions {
  host: string;
  port: number;
  maxFrameBytes?: number;
  /** A connection silent this long is closed; an unfinished frame it held is counted (`idle-timeout-partial`). */
  idleTimeoutMs?: number;
  /** Connections beyond this are closed at once and counted (`connection-limit`). */
  maxConnections?: number;
  /** Connections one address may hold: one host opening idle connections must not lock the others out. */
  maxConnectionsPerSource?: number;
  /** Serve RFC 5425 syslog over TLS instead of plain TCP (transport `tls`). */
  tls?: TlsOptions;
}

const FRAME_ERRORS: Record<FrameError, string> = {
  oversize: 'syslog frame longer than maxFrameBytes dropped',
  truncated: 'connection ended inside an octet-counted frame; partial frame dropped',
};
/** Remember this many senders already told about TLS on the plain port; a misconfigured device reconnects forever. */
const TLS_WARNED_MAX = 1024;

export async function startTcp(opts: TcpOptions, sink: SyslogSink, deps: SourceDeps): Promise<Listener> {
  const transport: SyslogTransport = opts.tls ? 'tls' : 'tcp';
  const maxFrameBytes = opts.maxFrameBytes ?? TCP_DEFAULTS.maxFrameBytes;
  const idleTimeoutMs = opts.idleTimeoutMs ?? TCP_DEFAULTS.idleTimeoutMs;
  const { metrics } = deps;
  const warn = new RateLimitedLog(deps.log);
  const deliver = deliverTo(sink, transport, metrics, warn);
  const held = new HeldConnections(metrics.connections.labels({ transport }));
  const tlsWarned = new Set<string>();

  const drop = (reason: string, sender: string, message: string, bytes?: Buffer) => {
    metrics.dropped.inc({ source: 'syslog', reason });
    warn.warn(`syslog-${transport}:${reason}`, { sender, transport, ...(bytes && { excerpt: excerpt(bytes.toString('latin1'), 120) }) }, message);
  };

  const serve = (sock: Socket | TLSSocket) => {
    const sender = senderAddress(sock.remoteAddress);
    const framer = new SyslogFramer({ maxFrameBytes });
    const emit = (frame: Buffer) => deliver(frame.toString('utf8'), sender);
    const frameError = (reason: FrameError, sample: Buffer) => drop(reason, sender, FRAME_ERRORS[reason], sample);
    let first = transport === 'tcp';
    sock.setTimeout(idleTimeoutMs);
    sock.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        if (looksLikeTlsClientHello(chunk)) {
          metrics.dropped.inc({ source: 'syslog', reason: 'tls-on-plain-port' });
          if (!tlsWarned.has(sender)) {
            if (tlsWarned.size >= TLS_WARNED_MAX) tlsWarned.clear();
            tlsWarned.add(sender);
            warn.warn('syslog-tcp:tls-on-plain-port', { sender, excerpt: excerpt(chunk.toString('latin1', 0, 16)) }, 'TLS ClientHello on plain TCP port: configure syslog.tls or send plain TCP');
          }
          sock.destroy();
          return;
        }
      }
      framer.push(chunk, emit, frameError);
    });
    sock.on('end', () => framer.end(emit, frameError));
    sock.on('timeout', () => {
      if (framer.discard() > 0) drop('idle-timeout-partial', sender, 'idle connection closed inside a frame; partial frame dropped');
      sock.destroy();
    });
    // Resets are routine (devices reload); what matters is a frame they cut, counted on close.
    sock.on('error', (err) => deps.log.debug({ sender, transport, err: err.message }, 'syslog connection error'));
    sock.on('close', () => {
      if (framer.discard() > 0) drop('truncated', sender, 'connection lost inside a frame; partial frame dropped');
    });
  };

  let server: Server;
  if (opts.tls) {
    server = createTlsServer({
      cert: opts.tls.cert,
      key: opts.tls.key,
      ...(opts.tls.ca && { ca: opts.tls.ca }),
      requestCert: opts.tls.requestCert ?? false,
      handshakeTimeout: Math.min(idleTimeoutMs, 60_000),
    });
    server.on('secureConnection', serve);
    // Plain syslog sent to the TLS port, expired or untrusted client certificates, port scanners.
    server.on('tlsClientError', (err: Error & { code?: string }, sock: TLSSocket) =>
      drop('tls-handshake', senderAddress(sock.remoteAddress), `TLS handshake failed: ${err.code ?? err.message}`),
    );
  } else {
    server = createNetServer(serve);
  }
  server.maxConnections = opts.maxConnections ?? TCP_DEFAULTS.maxConnections;
  server.on('drop', (peer) => drop('connection-limit', senderAddress(peer?.remoteAddress), `connection refused: maxConnections (${server.maxConnections}) reached`));
  const perSourceMax = opts.maxConnectionsPerSource ?? TCP_DEFAULTS.maxConnectionsPerSource;
  server.on('connection', (sock: Socket) => {
    const source = senderAddress(sock.remoteAddress);
    if (held.heldBy(source) >= perSourceMax) {
      drop('source-connection-limit', source, `connection refused: ${source} holds maxConnectionsPerSource (${perSourceMax}) already`);
      sock.destroy();
      return;
    }
    held.hold(sock, source);
  });

  return listenStream(server, opts, held.sockets, (err) =>
    warn.warn(`syslog-${transport}:server-error`, { err: err.message }, 'syslog listener error'),
  );
}
