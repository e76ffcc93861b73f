// RELP (rsyslog's Reliable Event Logging Protocol) from syslog relays: each message is acknowledged (`200 OK`) only
// once it is in the journal, then run through detection. The relay keeps what is not acknowledged and resends it
// when it reconnects, so a message is lost neither by a crash of capwatch nor by a write that fails.
//
// A failed write is never answered `500`: librelp (rsyslog's omrelp) drops a message answered 500 and goes on. The
// connection is closed instead, unanswered; the relay reconnects and resends every message not acknowledged.
import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ok, RelpServerSession, SERVERCLOSE, type RelpProblem, type RelpStep } from '../../parsers/relp/session.js';
import { contentEnd, looksLikeTlsClientHello } from '../../parsers/syslog/framing.js';
import type { Config } from '../config.js';
import { RateLimitedLog } from '../log.js';
import { packageVersion } from '../paths.js';
import { deliverTo, senderAddress, type Deliver } from './deliver.js';
import { listenStream } from './listen.js';
import { HeldConnections } from './held-connections.js';
import { RelpJournal, type RelpStore } from './relp-journal.js';
import type { TlsOptions } from './tcp.js';
import type { Listener, SourceDeps, SyslogSink, SyslogTransport } from './types.js';

export const RELP_DEFAULTS = { maxDataBytes: 128 * 1024, idleTimeoutMs: 5 * 60_000, maxConnections: 1000, maxConnectionsPerSource: 50 } as const;

export interface RelpOptions {
  host: string;
  port: number;
  /** A larger DATALEN is answered 500 (the relay gives that message up) and its data skipped unread. */
  maxDataBytes?: number;
  /** A connection silent this long is closed (with a `serverclose` hint: the relay reconnects when it next sends). */
  idleTimeoutMs?: number;
  /** Connections beyond this are closed at once and counted (`relp-connection-limit`). */
  maxConnections?: number;
  /** Connections one address may hold (`relp-source-connection-limit`): one host must not lock the relays out. */
  maxConnectionsPerSource?: number;
  /** RELP over TLS (transport `relp-tls`), as rsyslog's `omrelp tls="on"` speaks it. */
  tls?: TlsOptions;
}

export interface RelpDeps extends SourceDeps {
  journal: RelpStore;
}

type Reason =
  | `relp-${RelpProblem}`
  | 'relp-store-failed'
  | 'relp-truncated'
  | 'relp-connection-limit'
  | 'relp-source-connection-limit'
  | 'relp-tls-handshake'
  | 'relp-tls-on-plain-port';

const MESSAGES: Record<Reason, string> = {
  'relp-bad-frame': 'RELP stream malformed (not TXNR SP COMMAND SP DATALEN [SP DATA] LF): connection closed',
  'relp-bad-txnr': 'RELP transaction number out of sequence: connection closed',
  'relp-oversize': 'RELP message longer than syslog.relp.maxDataBytes: answered 500, the relay drops it',
  'relp-not-open': 'RELP command before a successful open: answered 500, connection closed',
  'relp-bad-offer': 'RELP open without a relp_version or the syslog command: answered 500, connection closed',
  'relp-bad-command': 'RELP command capwatch does not serve: answered 500',
  'relp-hint': 'RELP hint (TXNR 0) from a client: ignored',
  'relp-store-failed': 'RELP message could not be journaled: not acknowledged, connection closed (the relay resends it)',
  'relp-truncated': 'RELP connection ended inside a frame (the relay resends what was not acknowledged)',
  'relp-connection-limit': 'RELP connection refused: syslog.relp.maxConnections reached',
  'relp-source-connection-limit': 'RELP connection refused: this address holds syslog.relp.maxConnectionsPerSource already',
  'relp-tls-handshake': 'RELP TLS handshake failed',
  'relp-tls-on-plain-port': 'TLS ClientHello on the plain RELP port: configure syslog.relp.tls, or omrelp tls="off"',
};

/** What `relp_software` says this server is. */
const SOFTWARE = `capwatch,${packageVersion}`;

export async function startRelp(opts: RelpOptions, sink: SyslogSink, deps: RelpDeps): Promise<Listener> {
  const transport: SyslogTransport = opts.tls ? 'relp-tls' : 'relp';
  const maxDataBytes = opts.maxDataBytes ?? RELP_DEFAULTS.maxDataBytes;
  const idleTimeoutMs = opts.idleTimeoutMs ?? RELP_DEFAULTS.idleTimeoutMs;
  const { metrics, journal } = deps;
  const warn = new RateLimitedLog(deps.log);
  const deliver = deliverTo(sink, transport, metrics, warn);
  const held = new HeldConnections(metrics.connections.labels({ transport }));

  const drop = (reason: Reason, sender: string, extra: Record<string, unknown> = {}) => {
    metrics.dropped.inc({ source: 'syslog', reason });
    warn.warn(`syslog-${transport}:${reason}`, { sender, transport, ...extra }, MESSAGES[reason]);
  };

  /** One relay's session: answers in command order, each message's once it is journaled. */
  class Connection {
    private readonly session = new RelpServerSession({ maxDataBytes, software: SOFTWARE });
    /** An answer per command, in order; `frame` is set once the answer is known, written once all before it are. */
    private answers: Array<{ frame?: Buffer; close: boolean }> = [];
    private next = 0;
    /** No more is read; the connection ends once the answers known are written (`hint`: with a serverclose). */
    private closing: { hint: boolean } | undefined;
    private first = transport === 'relp';

    constructor(
      private readonly sock: Socket,
      private readonly sender: string,
    ) {
      sock.setTimeout(idleTimeoutMs);
      sock.on('data', (chunk: Buffer) => {
        if (this.closing) return;
        if (this.first) {
          this.first = false;
          if (looksLikeTlsClientHello(chunk)) {
            drop('relp-tls-on-plain-port', sender);
            sock.destroy();
            return;
          }
        }
        // One clock read per read, not per message: what arrived together was received together.
        const at = Date.now();
        this.session.push(chunk, (step) => this.step(step, at));
      });
      // Answers waiting for a slow reader are not piled up: reading stops until they are taken.
      sock.on('drain', () => sock.resume());
      sock.on('timeout', () => {
        if (this.closing) sock.destroy();
        else this.close({ hint: true });
      });
      sock.on('close', () => {
        if (this.session.midFrame()) drop('relp-truncated', sender);
      });
      // Resets are routine (relays restart); what matters is a frame they cut, counted on close.
      sock.on('error', (err) => deps.log.debug({ sender, transport, err: err.message }, 'RELP connection error'));
    }

    private step(step: RelpStep, receivedAt: number): void {
      switch (step.kind) {
        case 'message':
          return this.message(step.txnr, step.data, receivedAt);
        case 'answer':
          if (step.problem) drop(`relp-${step.problem}`, this.sender);
          this.answers.push({ frame: step.frame, close: step.close });
          return this.flush();
        case 'ignore':
          drop(`relp-${step.problem}`, this.sender);
          return;
        case 'fail':
          drop(`relp-${step.problem}`, this.sender);
          return this.close({ hint: true });
      }
    }

    private message(txnr: number, data: Buffer, receivedAt: number): void {
      const answer: { frame?: Buffer; close: boolean } = { close: false };
      this.answers.push(answer);
      const end = contentEnd(data, data.length);
      if (end === 0) {
        // Nothing to keep, nothing to lose.
        answer.frame = ok(txnr);
        return this.flush();
      }
      const message = data.toString('utf8', 0, end);
      journal.append({ receivedAt, sender: this.sender, message }, (err, id) => {
        if (err) {
          drop('relp-store-failed', this.sender, { err: err.message });
          // Unanswered: this message and any after it are resent by the relay when it reconnects.
          this.answers.length = this.next;
          return this.close({ hint: true });
        }
        answer.frame = ok(txnr);
        this.flush();
        // Stored, so detected even if the relay is gone by now (it will resend, and that copy is a duplicate).
        deliver(message, this.sender, receivedAt);
        journal.processed(id);
      });
    }

    /** Writes the answers known, in order, stopping at the first not yet known. */
    private flush(): void {
      while (this.next < this.answers.length) {
        const a = this.answers[this.next]!;
        if (!a.frame) return;
        this.next++;
        if (!this.sock.destroyed && !this.sock.write(a.frame)) this.sock.pause();
        if (a.close) return this.close({ hint: false });
      }
      this.answers = [];
      this.next = 0;
      if (this.closing) this.end();
    }

    private close(how: { hint: boolean }): void {
      this.closing ??= how;
      this.sock.pause();
      if (this.next === this.answers.length) this.end();
    }

    private end(): void {
      if (this.sock.writableEnded || this.sock.destroyed) return;
      if (this.closing!.hint) this.sock.end(SERVERCLOSE);
      else this.sock.end();
    }
  }

  const serve = (sock: Socket | TLSSocket) => new Connection(sock, senderAddress(sock.remoteAddress));
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
    server.on('tlsClientError', (err: Error & { code?: string }, sock: TLSSocket) =>
      drop('relp-tls-handshake', senderAddress(sock.remoteAddress), { err: err.code ?? err.message }),
    );
  } else {
    server = createNetServer(serve);
  }
  server.maxConnections = opts.maxConnections ?? RELP_DEFAULTS.maxConnections;
  server.on('drop', (peer) => drop('relp-connection-limit', senderAddress(peer?.remoteAddress)));
  const perSourceMax = opts.maxConnectionsPerSource ?? RELP_DEFAULTS.maxConnectionsPerSource;
  server.on('connection', (sock: Socket) => {
    const source = senderAddress(sock.remoteAddress);
    if (held.heldBy(source) >= perSourceMax) {
      drop('relp-source-connection-limit', source);
      sock.destroy();
      return;
    }
    held.hold(sock, source);
  });

  return listenStream(server, opts, held.sockets, (err) => warn.warn(`syslog-${transport}:server-error`, { err: err.message }, 'RELP listener error'));
}

export interface RelpService {
  readonly relp?: { host: string; port: number };
  readonly tls?: { host: string; port: number };
  /** Closes the listeners, then commits what is queued and closes the journal. */
  close(): Promise<void>;
}

/**
 * `syslog.relp` of a configuration, when it enables plain RELP or RELP over TLS (else undefined): the journal in the
 * SQLite file at `storagePath`, what it holds from before a crash run through detection first, then the listeners.
 */
export async function startRelpService(syslog: Config['syslog'], storagePath: string, sink: SyslogSink, deps: SourceDeps): Promise<RelpService | undefined> {
  const r = syslog.relp;
  if (!r.enabled && !r.tls.enabled) return undefined;
  const journal = new RelpJournal(storagePath);
  const listeners: Listener[] = [];
  const close = async () => {
    await Promise.allSettled(listeners.map((l) => l.close()));
    journal.close();
  };
  try {
    recover(journal, deliverTo(sink, 'relp', deps.metrics, new RateLimitedLog(deps.log)), deps);
    const common = {
      host: syslog.host,
      maxDataBytes: r.maxDataBytes,
      idleTimeoutMs: r.idleTimeoutSeconds * 1000,
      maxConnections: r.maxConnections,
      maxConnectionsPerSource: r.maxConnectionsPerSource,
    };
    const relpDeps = { ...deps, journal };
    let plain: Listener | undefined;
    if (r.enabled) {
      plain = await startRelp({ ...common, port: r.port }, sink, relpDeps);
      listeners.push(plain);
    }
    let tls: Listener | undefined;
    if (r.tls.enabled && r.tls.cert && r.tls.key) {
      const certs = {
        cert: readFileSync(r.tls.cert),
        key: readFileSync(r.tls.key),
        ...(r.tls.ca && { ca: readFileSync(r.tls.ca) }),
        requestCert: r.tls.requestCert,
      };
      tls = await startRelp({ ...common, port: r.tls.port, tls: certs }, sink, relpDeps);
      listeners.push(tls);
    }
    return { ...(plain && { relp: plain.address }), ...(tls && { tls: tls.address }), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Messages acknowledged and journaled by a process that died before detection saw them: detected now. */
function recover(journal: RelpJournal, deliver: Deliver, deps: SourceDeps): void {
  let count = 0;
  let last = 0;
  for (const row of journal.unprocessed()) {
    deliver(row.message, row.sender, row.receivedAt);
    last = row.id;
    count++;
  }
  if (count === 0) return;
  journal.processed(last);
  deps.log.info({ messages: count }, 'RELP messages journaled but not yet run through detection (capwatch stopped in between): detected now');
}
