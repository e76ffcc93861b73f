// Binding a stream listener (syslog TCP/TLS, TACACS+): one place for the listen error, the accept-error handler and
// a close that also ends the connections still open.
import type { Server, Socket } from 'node:net';
import type { Listener } from './types.js';

export async function listenStream(
  server: Server,
  at: { host: string; port: number },
  sockets: ReadonlySet<Socket>,
  onServerError: (err: Error) => void,
): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // accept() failures (EMFILE…) arrive here; without a handler they would crash the process.
  server.on('error', onServerError);

  const bound = server.address();
  const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { ...at };
  let closed: Promise<void> | undefined;
  return {
    address,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}
