// A real HTTP server on loopback standing in for a chat service: records every request and answers as scripted.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Answer this late (for timeouts). */
  delayMs?: number;
}

export interface ChatServer {
  url: string;
  port: number;
  received: Received[];
  /** Answers for the next requests, in order; when empty, `fallback` answers. */
  script: Answer[];
  fallback: Answer;
  close(): Promise<void>;
}

export async function startChatServer(fallback: Answer = { status: 200, body: 'ok' }, port = 0): Promise<ChatServer> {
  const received: Received[] = [];
  const state = { script: [] as Answer[], fallback };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const a = state.script.shift() ?? state.fallback;
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(a.status, { 'content-type': a.body?.startsWith('{') ? 'application/json' : 'text/plain', ...a.headers });
        res.end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(reply, a.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}/hooks/T000/B000/SECRETTOKEN`,
    port: p,
    received,
    get script() {
      return state.script;
    },
    set script(v) {
      state.script = v;
    },
    get fallback() {
      return state.fallback;
    },
    set fallback(v) {
      state.fallback = v;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A loopback port nothing listens on (connections are refused). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
