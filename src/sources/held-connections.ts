// The stream connections a listener holds open, counted per sending address, so a per-source cap is one lookup and
// the open-connections gauge stays exact however a connection ends.
import type { Socket } from 'node:net';

export class HeldConnections {
  readonly sockets = new Set<Socket>();
  private readonly perSource = new Map<string, number>();

  constructor(private readonly gauge: { inc(): void; dec(): void }) {}

  /** Connections `source` holds open now. */
  heldBy(source: string): number {
    return this.perSource.get(source) ?? 0;
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Counts `sock` as held by `source` until it closes. */
  hold(sock: Socket, source: string): void {
    this.perSource.set(source, this.heldBy(source) + 1);
    this.sockets.add(sock);
    this.gauge.inc();
    sock.once('close', () => {
      this.sockets.delete(sock);
      this.gauge.dec();
      const left = this.heldBy(source) - 1;
      if (left > 0) this.perSource.set(source, left);
      else this.perSource.delete(source);
    });
  }
}
