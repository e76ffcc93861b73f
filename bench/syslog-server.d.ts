// Types for the syslog-server package (it ships none), as far as bench/udp-loss.ts uses it.
declare module 'syslog-server' {
  import { EventEmitter } from 'node:events';
  class SyslogServer extends EventEmitter {
    start(options?: { port?: number; address?: string; exclusive?: boolean }): Promise<void>;
    stop(): Promise<void>;
    on(event: 'message', listener: (m: { date: Date; host: string; message: string; protocol: string }) => void): this;
    on(event: 'error', listener: (err: unknown) => void): this;
  }
  export = SyslogServer;
}
