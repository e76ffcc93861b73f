// The TACACS+ accounting server (RFC 8907; RFC 9887 over TLS 1.3): defined clients only, one key per connection
// found by trial, single-connect, SUCCESS only after the record is stored, ERROR and close on anything wrong.
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Counter } from 'prom-client';
import { TacacsFramer, type FrameError } from '../../../parsers/tacacs/framer.js';
import {
  ACCT_STATUS,
  accountingKind,
  accountingReply,
  bodyFits,
  decodeAccountingRequest,
  errorReply,
  FLAG,
  headerFlags,
  headerSeq,
  headerSessionId,
  headerType,
  HEADER_BYTES,
  obfuscate,
  TYPE,
  unknownTypeReply,
  type AccountingRequest,
} from '../../../parsers/tacacs/packet.js';
import { accountingDeviceRecord, renderAccounting } from '../../../parsers/tacacs/record.js';
import { isParseFailure, type DeviceRecord } from '../../../parsers/types.js';
import { RateLimitedLog, type Logger } from '../../log.js';
import type { Metrics, Tally } from '../../metrics.js';
import { senderAddress } from '../deliver.js';
import { listenStream } from '../listen.js';
import { HeldConnections } from '../held-connections.js';
import type { Listener } from '../types.js';
import type { ClientTable, TacacsClient } from './clients.js';
import type { AccountingJournal } from './journal.js';

/** Where stored records go next: the same pipeline as syslog (Ingest). Synchronous; must not throw. */
export interface AccountingSink {
  accounting(rec: DeviceRecord, raw: string, sender: string, receivedAtMs: number): void;
}

export interface TacacsTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA(s) that sign the devices' client certificates (RFC 9887 requires mutual authentication). */
  ca: string | Buffer | Array<string | Buffer>;
}

export interface TacacsOptions {
  host: string;
  port: number;
  clients: ClientTable;
  /** Connections one device address may hold open at once; more are refused (`connection-limit`). */
  maxConnectionsPerClient: number;
  /** All clients together: the per-client cap times many spoofed-but-allowed addresses must still fit the process. */
  maxConnections: number;
  idleTimeoutMs: number;
  /** RFC 9887: TLS 1.3, client certificates, no obfuscation, UNENCRYPTED flag on every packet. */
  tls?: TacacsTlsOptions;
}

export interface TacacsDeps {
  metrics: Metrics;
  log: Logger;
  journal: AccountingJournal;
  sink: AccountingSink;
}

type Transport = 'tcp' | 'tls';

const MESSAGES = {
  'unknown-client': 'TACACS+ connection from an address no tacacs.clients network contains: refused',
  'connection-limit': 'TACACS+ connection refused: maxConnectionsPerClient reached for this address',
  'connection-limit-total': 'TACACS+ connection refused: maxConnections reached for all clients together',
  'bad-version': 'TACACS+ stream with a major version other than 0xC (not TACACS+): connection closed',
  oversize: 'TACACS+ packet longer than the largest legal accounting request: connection closed',
  'unencrypted-on-tcp': 'TACACS+ packet with the UNENCRYPTED flag on plain TCP: refused, connection closed',
  'obfuscated-on-tls': 'TACACS+ packet without the UNENCRYPTED flag over TLS: ERROR, connection closed',
  'bad-key-or-malformed': 'TACACS+ body does not decode with any key of this client (wrong key or malformed): ERROR, connection closed',
  'stray-sequence': 'TACACS+ packet that does not start a session (seq != 1): connection closed',
  'unknown-type': 'TACACS+ packet of unknown type: zero-length reply, connection closed',
  'not-accounting': 'TACACS+ authentication/authorization request: capwatch does accounting only, ERROR sent',
  'invalid-flags': 'TACACS+ accounting record with an invalid START/STOP/WATCHDOG combination: stored, ERROR sent',
  'after-close': 'TACACS+ packet after the connection stopped accepting sessions: ignored',
  'store-failed': 'TACACS+ accounting record could not be stored: ERROR sent',
  truncated: 'TACACS+ connection ended inside a packet: partial packet dropped',
  'idle-timeout': 'TACACS+ connection idle past idleTimeoutSeconds: closed',
  'tls-handshake': 'TACACS+ TLS handshake failed',
} as const;
type Reason = keyof typeof MESSAGES;

const NOT_ACCOUNTING_MSG = 'capwatch is an accounting-only TACACS+ server';

function recordsCounter(metrics: Metrics): Counter<'outcome'> {
  return metrics.shared(
    'capwatch_tacacs_records_total',
    () =>
      new Counter({
        name: 'capwatch_tacacs_records_total',
        help: 'TACACS+ accounting records, by outcome (stored, store-failed)',
        labelNames: ['outcome'] as const,
        registers: [metrics.registry],
      }),
  );
}

export async function startTacacs(opts: TacacsOptions, deps: TacacsDeps): Promise<Listener> {
  const transport: Transport = opts.tls ? 'tls' : 'tcp';
  const { metrics, journal, sink } = deps;
  const warn = new RateLimitedLog(deps.log);
  const received: Tally = metrics.receivedTally({ source: 'tacacs', transport });
  const records = recordsCounter(metrics);
  const held = new HeldConnections(metrics.connections.labels({ transport: `tacacs-${transport}` }));

  const drop = (reason: Reason, sender: string, client?: TacacsClient) => {
    metrics.dropped.inc({ source: 'tacacs', reason });
    // Keys never appear here: only the sender and the network it matched.
    warn.warn(`tacacs-${transport}:${reason}`, { sender, transport, ...(client && { client: client.network }) }, MESSAGES[reason]);
  };

  /** A device's connection: frames packets, answers each session, closes when told to stop. */
  class Connection {
    private readonly framer = new TacacsFramer();
    /** The key that decoded this connection's first packet; later packets must decode with it too. */
    private key: Buffer | undefined;
    private sessions = 0;
    private single = false;
    /** No new session is accepted; the connection ends once the sessions in flight are answered. */
    private closing = false;
    private inflight = 0;

    constructor(
      private readonly sock: Socket,
      private readonly sender: string,
      private readonly client: TacacsClient,
    ) {
      sock.setTimeout(opts.idleTimeoutMs);
      sock.on('data', (chunk: Buffer) => {
        const err = this.framer.push(chunk, this.packet);
        if (err) this.fail(err);
      });
      sock.on('timeout', () => {
        deps.log.debug({ sender, transport }, MESSAGES['idle-timeout']);
        sock.destroy();
      });
      // A packet begun and never finished (cut by the peer, a reset or the idle timeout) is counted once, here.
      sock.on('close', () => {
        if (this.framer.pending > 0) drop('truncated', sender, client);
      });
      // Resets are routine (devices reload, give up waiting).
      sock.on('error', (err) => deps.log.debug({ sender, transport, err: err.message }, 'TACACS+ connection error'));
    }

    private fail(reason: FrameError | 'unencrypted-on-tcp' | 'stray-sequence'): void {
      drop(reason, this.sender, this.client);
      this.sock.destroy();
    }

    private get replyFlags(): number {
      return (opts.tls ? FLAG.unencrypted : 0) | (this.single ? FLAG.singleConnect : 0);
    }

    private get replyKey(): Buffer | null {
      return opts.tls ? null : this.key ?? this.client.keys[0] ?? null;
    }

    private send(reply: Buffer): void {
      if (!this.sock.destroyed) this.sock.write(reply);
    }

    /** Ends the connection once nothing is in flight, if it accepts no more sessions. */
    private settle(): void {
      if (this.closing && this.inflight === 0 && !this.sock.destroyed) this.sock.end();
    }

    private readonly packet = (pkt: Buffer): void => {
      if (this.sock.destroyed) return;
      if (this.closing) {
        drop('after-close', this.sender, this.client);
        return;
      }
      received.inc();
      const flags = headerFlags(pkt);
      if (!opts.tls && flags & FLAG.unencrypted) return this.fail('unencrypted-on-tcp');
      if (headerSeq(pkt) !== 1) return this.fail('stray-sequence');
      if (this.sessions++ === 0) {
        // Single-connect is agreed in the first exchange only; without it the connection ends after this session.
        this.single = (flags & FLAG.singleConnect) !== 0;
        if (!this.single) this.closing = true;
      }
      const type = headerType(pkt);
      if (type !== TYPE.acct && type !== TYPE.authen && type !== TYPE.author) {
        drop('unknown-type', this.sender, this.client);
        this.send(unknownTypeReply(pkt));
        this.closing = true;
        return this.settle();
      }
      if (opts.tls && !(flags & FLAG.unencrypted)) {
        drop('obfuscated-on-tls', this.sender, this.client);
        return this.refuse(pkt, 'TLS connections must set the UNENCRYPTED flag (RFC 9887)');
      }
      const plain = this.reveal(type, pkt);
      if (!plain) {
        drop('bad-key-or-malformed', this.sender, this.client);
        return this.refuse(pkt, 'bad secret or malformed packet');
      }
      if (type !== TYPE.acct) {
        drop('not-accounting', this.sender, this.client);
        this.send(errorReply(pkt, { flags: this.replyFlags, key: this.replyKey, serverMsg: NOT_ACCOUNTING_MSG }) as Buffer);
        return this.settle();
      }
      const request = decodeAccountingRequest(plain);
      if (isParseFailure(request)) {
        drop('bad-key-or-malformed', this.sender, this.client);
        return this.refuse(pkt, 'malformed accounting request');
      }
      this.store(Buffer.from(pkt.subarray(0, HEADER_BYTES)), request);
    };

    /** ERROR of the packet's own type, then no new session on this connection (RFC 8907 §10.5.2). */
    private refuse(pkt: Buffer, serverMsg: string): void {
      this.send(errorReply(pkt, { flags: this.replyFlags, key: this.replyKey, serverMsg }) as Buffer);
      this.closing = true;
      this.settle();
    }

    /** The plaintext body, trying each of the client's keys on the first packet; null when none fits. */
    private reveal(type: number, pkt: Buffer): Buffer | null {
      const header = pkt.subarray(0, HEADER_BYTES);
      const body = pkt.subarray(HEADER_BYTES);
      if (opts.tls) return bodyFits(type, body) ? body : null;
      if (this.key) {
        const plain = obfuscate(body, this.key, header);
        return bodyFits(type, plain) ? plain : null;
      }
      for (const key of this.client.keys) {
        const plain = obfuscate(body, key, header);
        if (bodyFits(type, plain)) {
          this.key = key;
          return plain;
        }
      }
      return null;
    }

    /** Stores the record; answers SUCCESS (or ERROR) once stored; then hands it to the detection pipeline. */
    private store(header: Buffer, request: AccountingRequest): void {
      const receivedAt = Date.now();
      const valid = accountingKind(request.flags) !== null;
      if (!valid) drop('invalid-flags', this.sender, this.client);
      this.inflight++;
      journal.append({ receivedAt, nas: this.sender, sessionId: headerSessionId(header), request }, (err) => {
        this.inflight--;
        if (err) {
          records.inc({ outcome: 'store-failed' });
          metrics.dropped.inc({ source: 'tacacs', reason: 'store-failed' });
          warn.warn(`tacacs-${transport}:store-failed`, { sender: this.sender, err: err.message }, MESSAGES['store-failed']);
          this.send(accountingReply(header, ACCT_STATUS.error, { flags: this.replyFlags, key: this.replyKey, serverMsg: 'record not stored' }));
          return this.settle();
        }
        records.inc({ outcome: 'stored' });
        const status = valid ? ACCT_STATUS.success : ACCT_STATUS.error;
        this.send(accountingReply(header, status, { flags: this.replyFlags, key: this.replyKey, ...(!valid && { serverMsg: 'invalid accounting flags' }) }));
        this.settle();
        this.detect(request, receivedAt);
      });
    }

    private detect(request: AccountingRequest, receivedAt: number): void {
      try {
        const rec = accountingDeviceRecord(request);
        if (rec) sink.accounting(rec, renderAccounting(request, this.sender), this.sender, receivedAt);
      } catch (err) {
        // The record is stored and answered; a bug in detection must cost this record's detection only.
        metrics.parseErrors.inc({ source: 'tacacs' });
        warn.warn(`tacacs-${transport}:detect-failed`, { sender: this.sender, err: err instanceof Error ? err.message : String(err) }, 'TACACS+ record could not be run through detection');
      }
    }
  }

  // Admission on the raw connection, before any TLS handshake: undefined clients and floods cost nothing more.
  const admit = (sock: Socket): void => {
    const sender = senderAddress(sock.remoteAddress);
    const client = opts.clients.match(sender);
    if (!client) {
      drop('unknown-client', sender);
      sock.destroy();
      return;
    }
    const n = held.heldBy(sender);
    if (n >= opts.maxConnectionsPerClient || held.size >= opts.maxConnections) {
      drop(n >= opts.maxConnectionsPerClient ? 'connection-limit' : 'connection-limit-total', sender, client);
      sock.destroy();
      return;
    }
    held.hold(sock, sender);
  };
  const serve = (sock: Socket | TLSSocket): void => {
    if (sock.destroyed) return;
    const sender = senderAddress(sock.remoteAddress);
    const client = opts.clients.match(sender);
    if (client) new Connection(sock, sender, client);
  };

  let server: Server;
  if (opts.tls) {
    server = createTlsServer({
      cert: opts.tls.cert,
      key: opts.tls.key,
      ca: opts.tls.ca,
      minVersion: 'TLSv1.3',
      requestCert: true,
      rejectUnauthorized: true,
      handshakeTimeout: Math.min(opts.idleTimeoutMs, 30_000),
    });
    server.on('connection', admit);
    server.on('secureConnection', serve);
    server.on('tlsClientError', (err: Error & { code?: string }, sock: TLSSocket) => {
      metrics.dropped.inc({ source: 'tacacs', reason: 'tls-handshake' });
      warn.warn('tacacs-tls:tls-handshake', { sender: senderAddress(sock.remoteAddress), err: err.code ?? err.message }, MESSAGES['tls-handshake']);
    });
  } else {
    server = createNetServer((sock) => {
      admit(sock);
      serve(sock);
    });
  }

  return listenStream(server, opts, held.sockets, (err) =>
    warn.warn(`tacacs-${transport}:server-error`, { err: err.message }, 'TACACS+ listener error'),
  );
}
