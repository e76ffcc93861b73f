// Server-Sent Events: incident, device, sweep and audit changes as they happen, so the console updates without
// reloading. Each change is rendered once for all watchers; a watcher that cannot keep up is dropped (its browser
// reconnects and reloads), and every stream ends after an hour so that its credentials are checked again.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Change, Changes } from '../alerts/changes.js';
import { auditJson, incidentSummaryJson } from '../alerts/json.js';
import type { Store } from '../alerts/store.js';
import { errorRef } from './schemas.js';

export interface StreamDeps {
  changes: Changes;
  store: Store;
  maxClients?: number;
  heartbeatMs?: number;
  maxStreamMs?: number;
}

/** A watcher this far behind is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export async function streamRoutes(app: FastifyInstance, deps: StreamDeps): Promise<void> {
  const clients = new Set<ServerResponse>();
  const maxClients = deps.maxClients ?? 200;

  const render = (c: Change): string | undefined => {
    switch (c.type) {
      case 'incident': {
        const [summary] = deps.store.incidentSummaries({ id: c.id, limit: 1 });
        return summary && frame('incident', incidentSummaryJson(summary));
      }
      case 'audit':
        return frame('audit', auditJson(c.entry));
      case 'sweep':
        return frame('sweep', c.sweep);
      case 'device':
        return frame('device', c.device);
    }
  };
  const stopWatching = deps.changes.watch((c) => {
    if (clients.size === 0) return;
    const text = render(c);
    if (text !== undefined) for (const res of clients) send(res, text);
  });
  const send = (res: ServerResponse, text: string) => {
    if (res.writableLength > MAX_BUFFERED_BYTES) return res.destroy();
    res.write(text);
  };
  const heartbeat = setInterval(() => {
    for (const res of clients) send(res, ': ping\n\n');
  }, deps.heartbeatMs ?? 15_000).unref();
  // preClose, not onClose: the server waits for open streams before it closes, so they must end first.
  app.addHook('preClose', async () => {
    clearInterval(heartbeat);
    stopWatching();
    for (const res of clients) res.end();
  });

  app.get(
    '/api/stream',
    {
      schema: {
        tags: ['live'],
        summary: 'Live changes as Server-Sent Events',
        description:
          'Events: `incident` (an IncidentSummary, when one opens, grows, changes status or is confirmed), `device` ({name, address, lastMessageAt}), `sweep` ({id, status, total, done}), `audit` (an AuditEntry). A comment line every 15 s keeps proxies from closing the stream.',
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 503: errorRef },
      },
    },
    async (req, reply) => {
      if (clients.size >= maxClients) return reply.code(503).send({ error: `too many live streams (${maxClients})` });
      const res = reply.raw;
      reply.hijack();
      // Hijacked replies skip fastify's header handling: carry over what the hooks set (security headers).
      res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      res.write('retry: 3000\n\n');
      clients.add(res);
      const end = setTimeout(() => res.end(), deps.maxStreamMs ?? 3_600_000).unref();
      req.raw.once('close', () => {
        clearTimeout(end);
        clients.delete(res);
      });
    },
  );
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newlines, so one data line always holds it.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
