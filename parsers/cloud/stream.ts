// Splits a stream of JSON text into one text per audit record, without ever holding more than one record: a
// CloudTrail file delivered to S3 is one object `{"Records":[…]}` on one line (often hundreds of MB once unzipped),
// Azure diagnostic settings write `{"records":[…]}`, log sinks and EventBridge archives write one object per line.
// Any top-level object whose first key is `Records` or `records` holding an array is a wrapper: its items are the
// records; so are the items of a top-level array. Every other top-level object is a record itself. Pure: text in,
// texts out, no I/O.

/** Records longer than this are skipped (counted), never kept: a hostile or broken file cannot fill the memory. */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

const OPEN_OBJ = 0x7b; // {
const CLOSE_OBJ = 0x7d; // }
const OPEN_ARR = 0x5b; // [
const CLOSE_ARR = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const COLON = 0x3a; // :
/** Nesting deeper than this is not checked for matching brackets (real records nest a dozen levels). */
const CHECKED_DEPTH = 256;
/** Longer first keys are not `Records`: they are not collected. */
const MAX_KEY_CHARS = 64;

/** Does the text end in an odd number of backslashes (so a quote right after it is escaped)? */
function oddBackslashes(text: string): boolean {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text.charCodeAt(i) === BACKSLASH; i--) n++;
  return n % 2 === 1;
}

type Mode =
  /** Between top-level values. */
  | 'top'
  /** Inside a top-level object, before its first key is known. */
  | 'first-key'
  /** Reading the first key. */
  | 'key'
  /** After the first key of a top-level object: `Records` → array of records, anything else → the object is one. */
  | 'after-key'
  /** Inside a top-level object that is a record. */
  | 'record'
  /** Inside the records array of a wrapper, between items. */
  | 'array'
  /** Inside one item of the records array. */
  | 'item'
  /** After the records array, inside the rest of the wrapper. */
  | 'wrapper-rest';

export interface SplitStats {
  records: number;
  /** Records over MAX_RECORD_CHARS, skipped. */
  oversized: number;
  /** Text that is not JSON at the top level (a stray line), skipped. */
  junk: number;
}

export class JsonRecordSplitter {
  private mode: Mode = 'top';
  private depth = 0;
  private inString = false;
  /** The previous chunk ended inside a string right after a backslash. */
  private escaped = false;
  /** The text of the current record from earlier chunks. */
  private parts: string[] = [];
  private partsLength = 0;
  private oversize = false;
  /** Where the next backslash of the current chunk is (-1: none left, -2: not searched yet). */
  private backslashAt = -2;
  /** Which bracket opened each depth, to notice a record broken by a mismatched one. */
  private readonly opened = new Uint8Array(CHECKED_DEPTH);
  /** The records array is the top-level value itself, not a wrapper's `Records`. */
  private topArray = false;
  /** The first key of the current top-level object, as far as read. */
  private key = '';
  readonly stats: SplitStats = { records: 0, oversized: 0, junk: 0 };

  constructor(private readonly maxChars = MAX_RECORD_CHARS) {}

  /** Feeds a chunk; `emit` receives each complete record's text. */
  push(chunk: string, emit: (record: string) => void): void {
    this.backslashAt = -2;
    let start = this.collecting() ? 0 : -1;
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.inString) {
        i = this.skipString(chunk, i);
        continue;
      }
      const c = chunk.charCodeAt(i);
      switch (this.mode) {
        case 'top':
          if (c === OPEN_OBJ) {
            this.mode = 'first-key';
            this.depth = 1;
            this.opened[1] = OPEN_OBJ;
            this.key = '';
            start = i;
          } else if (c === OPEN_ARR) {
            // A JSON array of records (an Event Grid delivery, a saved API answer).
            this.mode = 'array';
            this.topArray = true;
          } else if (c > 0x20 && c !== 0x2c) {
            // A line that is not an object (a header, a truncated tail): skip to the end of the line.
            this.stats.junk++;
            const nl = chunk.indexOf('\n', i);
            i = nl < 0 ? n : nl;
            continue;
          }
          break;
        case 'first-key':
          if (c === QUOTE) {
            this.mode = 'key';
            this.key = '';
          } else if (c === CLOSE_OBJ) {
            this.endTop(chunk, start, i, emit);
            start = -1;
          } else if (c > 0x20) this.mode = 'record';
          break;
        case 'key': {
          // The first key may be split across chunks. A long one cannot be `Records`: the rest is a record's string.
          const q = chunk.indexOf('"', i);
          this.key += chunk.slice(i, q < 0 ? n : q);
          if (this.key.length > MAX_KEY_CHARS) {
            this.mode = 'record';
            this.inString = true;
            this.escaped = oddBackslashes(this.key);
            i = q < 0 ? n : q;
            continue;
          }
          if (q < 0) {
            i = n;
            continue;
          }
          if (oddBackslashes(this.key)) {
            // An escaped quote: the key goes on, as a string of a record.
            this.mode = 'record';
            this.inString = true;
          } else this.mode = 'after-key';
          i = q + 1;
          continue;
        }
        case 'after-key':
          if (c === COLON || c <= 0x20) break;
          if (c === OPEN_ARR && (this.key === 'Records' || this.key === 'records')) {
            this.mode = 'array';
            this.depth = 2;
            start = -1;
            this.dropParts();
            break;
          }
          this.mode = 'record';
          continue; // re-read this character as part of the record
        case 'record':
        case 'wrapper-rest':
          if (c === QUOTE) this.inString = true;
          else if (c === OPEN_OBJ || c === OPEN_ARR) this.open(c);
          else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
            if (!this.closes(c)) {
              i = this.resync(chunk, i);
              start = -1;
              continue;
            }
            if (--this.depth === 0) {
              if (this.mode === 'record') this.endTop(chunk, start, i, emit);
              this.mode = 'top';
              start = -1;
            }
          }
          break;
        case 'array':
          if (c === OPEN_OBJ) {
            this.mode = 'item';
            this.depth = 3;
            this.opened[3] = OPEN_OBJ;
            start = i;
          } else if (c === CLOSE_ARR) {
            this.mode = this.topArray ? 'top' : 'wrapper-rest';
            this.depth = this.topArray ? 0 : 1;
            this.topArray = false;
          }
          break;
        case 'item':
          if (c === QUOTE) this.inString = true;
          else if (c === OPEN_OBJ || c === OPEN_ARR) this.open(c);
          else if (c === CLOSE_OBJ || c === CLOSE_ARR) {
            if (!this.closes(c)) {
              i = this.resync(chunk, i);
              start = -1;
              continue;
            }
            if (--this.depth === 2) {
              this.endRecord(chunk, start, i, emit);
              this.mode = 'array';
              start = -1;
            }
          }
          break;
      }
      i++;
    }
    if (start >= 0 && this.collecting()) this.keep(chunk.slice(start));
  }

  private open(c: number): void {
    if (++this.depth < CHECKED_DEPTH) this.opened[this.depth] = c;
  }

  /** Does `c` close what is open at the current depth? (Deeper than CHECKED_DEPTH, it is taken on trust.) */
  private closes(c: number): boolean {
    return this.depth >= CHECKED_DEPTH || this.opened[this.depth] === (c === CLOSE_OBJ ? OPEN_OBJ : OPEN_ARR);
  }

  /** A bracket that closes nothing open: the record is broken. Drop it and start again at the next line. */
  private resync(chunk: string, i: number): number {
    this.stats.junk++;
    this.dropParts();
    this.mode = 'top';
    this.depth = 0;
    this.topArray = false;
    const nl = chunk.indexOf('\n', i);
    return nl < 0 ? chunk.length : nl;
  }

  /** The input ended: a record left open is incomplete and dropped (counted as junk). */
  end(): void {
    if (this.collecting() || this.mode !== 'top') this.stats.junk++;
    this.mode = 'top';
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.topArray = false;
    this.dropParts();
  }

  private collecting(): boolean {
    return this.mode === 'first-key' || this.mode === 'key' || this.mode === 'after-key' || this.mode === 'record' || this.mode === 'item';
  }

  /** In a string at `i`: returns the index just past its closing quote, or the chunk's length when it goes on. */
  private skipString(chunk: string, i: number): number {
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    for (;;) {
      const q = chunk.indexOf('"', i);
      // The next backslash is searched once per chunk and again only once passed: most strings have none, and a
      // search to the chunk's end per string would make splitting quadratic in the chunk size.
      if (this.backslashAt !== -1 && this.backslashAt < i) this.backslashAt = chunk.indexOf('\\', i);
      const b = this.backslashAt;
      if (b >= 0 && (q < 0 || b < q)) {
        if (b + 1 >= chunk.length) {
          this.escaped = true;
          return chunk.length;
        }
        i = b + 2;
        continue;
      }
      if (q < 0) return chunk.length;
      this.inString = false;
      return q + 1;
    }
  }

  private keep(text: string): void {
    if (this.oversize) return;
    if (this.partsLength + text.length > this.maxChars) {
      this.oversize = true;
      this.dropParts(true);
      return;
    }
    this.parts.push(text);
    this.partsLength += text.length;
  }

  private endTop(chunk: string, start: number, i: number, emit: (record: string) => void): void {
    this.mode = 'top';
    this.depth = 0;
    this.endRecord(chunk, start, i, emit);
  }

  private endRecord(chunk: string, start: number, i: number, emit: (record: string) => void): void {
    const tail = start >= 0 ? chunk.slice(start, i + 1) : chunk.slice(0, i + 1);
    if (this.oversize || this.partsLength + tail.length > this.maxChars) {
      this.stats.oversized++;
      this.dropParts();
      return;
    }
    const text = this.parts.length === 0 ? tail : this.parts.join('') + tail;
    this.dropParts();
    this.stats.records++;
    emit(text);
  }

  private dropParts(keepOversize = false): void {
    this.parts = [];
    this.partsLength = 0;
    if (!keepOversize) this.oversize = false;
  }
}
