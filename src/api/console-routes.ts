// Serves the web console's built files (dist/console: index.html, app.js, app.css) at `/`. They hold no data,
// so they are public routes; the API behind them needs credentials. index.html is revalidated on every load;
// it asks for the assets with `?v=<content hash>`, and those versioned requests may be cached for good.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../paths.js';

/** Where `npm run build` puts the console, found the same way from dist/src/… (installed) and src/… (tests). */
export function consoleRoot(root: string = packageRoot): string {
  return join(root, 'dist', 'console');
}

export async function consoleRoutes(app: FastifyInstance, opts: { root: string }): Promise<void> {
  // Every route of this plugin is public for the auth hook, @fastify/static's included.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });

  if (!existsSync(join(opts.root, 'index.html'))) {
    app.log.warn({ root: opts.root }, 'console not built: `npm run build` builds it');
    app.get('/', async (_req, reply) => reply.code(503).type('text/plain; charset=utf-8').send('capwatch: the console is not built; run `npm run build`\n'));
    return;
  }

  await app.register(fastifyStatic, {
    root: opts.root,
    prefix: '/',
    // One route per built file, found at start: nothing else under / is answered from disk.
    wildcard: false,
    index: 'index.html',
    decorateReply: false,
    cacheControl: false,
    setHeaders(reply, path) {
      const versioned = !path.endsWith('.html') && typeof (reply.request.query as Record<string, unknown> | undefined)?.v === 'string';
      reply.header('cache-control', versioned ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
    },
  });
}
