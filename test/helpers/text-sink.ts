// A writable stream that keeps what a command wrote (its stdout or stderr), for tests to read back.
import { Writable } from 'node:stream';

export function textSink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString('utf8')), cb()) });
  return { stream, text: () => text };
}
