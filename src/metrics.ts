// Prometheus metrics. One registry per App so tests can run several in one process.
import { Counter, Gauge, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';

function tally<T extends string>(labels: LabelValues<T>, read?: () => number): TallyState<T> {
  return {
    labels,
    n: 0,
    reported: 0,
    ...(read && { read }),
    inc() {
      this.n++;
    },
  };
}

/** A per-message counter for the hot path: a plain number, handed to prom-client only when scraped. */
export interface Tally {
  inc(): void;
}

interface TallyState<T extends string> extends Tally {
  readonly labels: LabelValues<T>;
  n: number;
  reported: number;
  /** Where the count is kept elsewhere (reader threads' shared memory): read when scraped, in place of `n`. */
  read?: () => number;
}

const countOf = (t: TallyState<string>): number => (t.read ? t.read() : t.n);

/** Hands prom-client what the tallies counted since the last scrape. */
function report<T extends string>(counter: Counter<T>, tallies: ReadonlyArray<TallyState<T>>): void {
  for (const t of tallies) {
    const n = countOf(t);
    if (n === t.reported) continue;
    counter.inc(t.labels, n - t.reported);
    t.reported = n;
  }
}

export type Transport = 'udp' | 'tcp' | 'tls' | 'file' | 'stdin';

export class Metrics {
  readonly registry = new Registry();
  // prom-client hashes the label set on every inc(): a fifth of the UDP listener's CPU under a flood.
  private readonly receivedTallies: Array<TallyState<'source' | 'transport'>> = [];

  readonly received: Counter<'source' | 'transport'> = new Counter({
    name: 'capwatch_messages_received_total',
    help: 'Messages received, by source and transport',
    labelNames: ['source', 'transport'] as const,
    registers: [this.registry],
    collect: () => report(this.received, this.receivedTallies),
  });

  private readonly droppedElsewhere: Array<TallyState<'source' | 'reason'>> = [];

  readonly dropped: Counter<'source' | 'reason'> = new Counter({
    name: 'capwatch_messages_dropped_total',
    help: 'Messages dropped before detection, by source and reason',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
    collect: () => report(this.dropped, this.droppedElsewhere),
  });

  /** Syslog lines past the pre-filter (parsed), counted as a plain number: received − parsed is what it set aside. */
  private parsedLines = 0;
  private parsedReported = 0;
  private prefilteredReported = 0;

  readonly prefiltered = new Counter({
    name: 'capwatch_messages_prefiltered_total',
    help: 'Syslog messages the pre-filter set aside as chatter, never parsed (received minus parsed)',
    registers: [this.registry],
    collect: () => {
      let received = 0;
      for (const t of this.receivedTallies) if (t.labels.source === 'syslog') received += countOf(t);
      const now = Math.max(0, received - this.parsedLines);
      if (now > this.prefilteredReported) this.prefiltered.inc(now - this.prefilteredReported);
      this.prefilteredReported = Math.max(this.prefilteredReported, now);
    },
  });

  readonly parsed = new Counter({
    name: 'capwatch_messages_parsed_total',
    help: 'Syslog messages the pre-filter let through to the parsers',
    registers: [this.registry],
    collect: () => {
      const reported = this.parsedReported;
      if (this.parsedLines > reported) this.parsed.inc(this.parsedLines - reported);
      this.parsedReported = this.parsedLines;
    },
  });

  /** One more syslog line went past the pre-filter (the hot path: a plain increment). */
  parsedLine(): void {
    this.parsedLines++;
  }

  readonly parseErrors = new Counter({
    name: 'capwatch_parse_errors_total',
    help: 'Messages that could not be parsed',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly detections = new Counter({
    name: 'capwatch_detections_total',
    help: 'Rule hits, by rule (id and title, so a dashboard reads without a lookup) and severity',
    labelNames: ['rule', 'title', 'severity'] as const,
    registers: [this.registry],
  });

  /** Bounded caches dropping entries to stay within their size (a flood of spoofed names): nothing stored is lost. */
  readonly evictions = new Counter({
    name: 'capwatch_cache_evictions_total',
    help: 'Entries bounded in-memory caches dropped to stay within their size, by cache (what is stored is not lost)',
    labelNames: ['cache'] as const,
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'capwatch_commands_total',
    help: 'Operator commands reconstructed, by source',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly cacheSizes = new Map<string, () => number>();
  /** How full each bounded cache is, read at scrape time: what a flood of spoofed names can hold in memory. */
  readonly cacheEntries = new Gauge({
    name: 'capwatch_cache_entries',
    help: 'Entries held in bounded in-memory caches, by cache',
    labelNames: ['cache'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [cache, size] of this.cacheSizes) this.cacheEntries.set({ cache }, size());
    },
  });

  /** Reports a bounded cache's size in capwatch_cache_entries. */
  watchCache(cache: string, size: () => number): void {
    this.cacheSizes.set(cache, size);
  }

  readonly connections = new Gauge({
    name: 'capwatch_connections_open',
    help: 'Open stream connections, by transport',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaults?: boolean; version?: string } = {}) {
    if (opts.defaults) collectDefaultMetrics({ register: this.registry });
    if (opts.version !== undefined) {
      // The usual Prometheus way to say what is running: join on it, or alert when versions differ across instances.
      new Gauge({ name: 'capwatch_build_info', help: 'capwatch version and Node.js version (always 1)', labelNames: ['version', 'node'] as const, registers: [this.registry] }).set(
        { version: opts.version, node: process.versions.node },
        1,
      );
    }
  }

  private readonly sharedMetrics = new Map<string, unknown>();

  /**
   * A metric that a part restarted by a configuration reload (the API, the TACACS+ listener) registers again: the
   * first registration is kept, so counts go on and the registry holds one of each name.
   */
  shared<T>(name: string, make: () => T): T {
    if (!this.sharedMetrics.has(name)) this.sharedMetrics.set(name, make());
    return this.sharedMetrics.get(name) as T;
  }

  /**
   * A hot-path tally of `capwatch_messages_received_total` for one label set; or, with `read`, one kept by syslog
   * reader threads, read when scraped.
   */
  receivedTally(labels: LabelValues<'source' | 'transport'>, read?: () => number): Tally {
    const t = tally(labels, read);
    this.receivedTallies.push(t);
    return t;
  }

  /** Drops counted by syslog reader threads, added to `capwatch_messages_dropped_total` when scraped. */
  droppedFrom(labels: LabelValues<'source' | 'reason'>, read: () => number): void {
    this.droppedElsewhere.push(tally(labels, read));
  }

  /**
   * A counter kept by someone else (the kernel's UDP drop count), read when scraped. It only ever goes up here: when
   * the source starts again from zero (the socket was re-bound), what it counts from then on is added.
   */
  counterFrom(name: string, help: string, read: () => number | undefined): void {
    let last = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const v = read();
        if (v === undefined) return;
        const delta = v >= last ? v - last : v;
        if (delta > 0) this.inc(delta);
        last = v;
      },
    });
  }

  /** Gauges whose value is read when scraped. */
  gaugeFrom(name: string, help: string, read: () => number | undefined): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const v = read();
        if (v !== undefined) this.set(v);
      },
    });
  }
}
