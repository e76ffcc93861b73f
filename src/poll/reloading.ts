// A value read from a file and read again when the file changes, so an edit (an inventory, a known_hosts line
// removed after a device was replaced) takes effect without a restart. A read that fails after a good one keeps the
// good value and is reported once per change.
import { statSync } from 'node:fs';

export class Reloading<T> {
  private value: T;
  private mtimeMs: number;

  /** The first read happens here and throws: there is no good value to keep yet. */
  constructor(
    private readonly file: string,
    private readonly read: (file: string) => T,
    private readonly onError: (err: unknown) => void,
  ) {
    this.mtimeMs = mtime(file);
    this.value = read(file);
  }

  get(): T {
    const m = mtime(this.file);
    if (m !== this.mtimeMs) {
      this.mtimeMs = m;
      try {
        this.value = this.read(this.file);
      } catch (err) {
        this.onError(err);
      }
    }
    return this.value;
  }
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}
