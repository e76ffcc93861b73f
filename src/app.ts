// Wires sources → ingest → detection → incidents → store → API, and the SSH poller beside them. The only place
// that knows all the parts.
import { readFileSync } from 'node:fs';
import { Counter, Gauge } from 'prom-client';
import { Activity, SAMPLE_MS } from './alerts/activity.js';
import { Approvals } from './alerts/approvals.js';
import { AuditLog } from './alerts/audit.js';
import { isStorageError, StoreGuard } from './alerts/guard.js';
import { fileBytes, Retention } from './alerts/retention.js';
import { SeenDevices } from './alerts/devices.js';
import { deviceTrust, type DeviceTrust } from './alerts/trust.js';
import { Changes } from './alerts/changes.js';
import { IncidentBook, type IncidentUpdate } from './alerts/incidents.js';
import { Rhythms } from './alerts/rhythms.js';
import { CloudPrincipals } from './alerts/cloud-principals.js';
import { SilenceAlerts } from './alerts/silence.js';
import { deviceName } from './alerts/json.js';
import { Store } from './alerts/store.js';
import { bootstrapToken, type BootstrapToken } from './api/auth/bootstrap.js';
import { hasAuth } from './api/config.js';
import { startHttp, type HttpServer } from './api/server.js';
import type { Config } from './config.js';
import { ContextTracker } from './detect/context.js';
import { Detector } from './detect/detector.js';
import type { EvasionOptions } from './detect/evasion.js';
import type { CreationLedger } from './detect/cloud-first.js';
import { loadFilters, loadRuleSet, type SkippedRule } from './detect/sigma/load.js';
import { ApprovalIndex, type Approval } from './detect/expected/approvals.js';
import { compileWindows } from './detect/expected/config.js';
import type { DeviceDirectory } from './detect/expected/devices.js';
import { ExpiryWatch } from './detect/expected/expiry.js';
import { ExpectedWork } from './detect/expected/matcher.js';
import { Ingest } from './detect/ingest.js';
import { RateLimitedLog, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { deliveryOptions } from './alerts/notify/config.js';
import { Notifier } from './alerts/notify/notifier.js';
import { builtinRulesDir, packageVersion } from './paths.js';
import { startRelpService, type RelpService } from './sources/relp.js';
import { startTcp } from './sources/tcp.js';
import type { Listener } from './sources/types.js';
import { readerCount, startUdp } from './sources/udp.js';
import { Poller } from './poll/index.js';
import { startTacacsService } from './sources/tacacs/index.js';
import { warmUp } from './detect/warmup.js';
import type { Confirmation, Detection, DeviceRef, Incident } from './types.js';
import { scheduleCloudSweeps } from './cloud-sweep/schedule.js';
import { CollectorNetworks } from './detect/severity.js';

export interface RunningApp {
  readonly http: { host: string; port: number; url: string };
  readonly udp?: { host: string; port: number };
  readonly tcp?: { host: string; port: number };
  readonly tls?: { host: string; port: number };
  readonly relp?: { host: string; port: number };
  readonly relpTls?: { host: string; port: number };
  readonly tacacs?: { host: string; port: number };
  readonly tacacsTls?: { host: string; port: number };
  readonly store: Store;
  /** The first-start admin token, when no user, token or identity provider is configured. */
  readonly bootstrap?: BootstrapToken;
  /** Tell chat targets about an incident change that carries no new detection (confirmation, status). */
  readonly notifier: Notifier;
  /** The SSH poller, when an inventory is configured. */
  readonly poller?: Poller;
  /**
   * Applies a new configuration (SIGHUP): rules, filters, windows, collectors, EEM applets, chat targets, inventory,
   * log level, and the listeners and API bound where it says. Throws, leaving the running configuration, when a rule
   * or filter does not load or an address cannot be bound. `needRestart` lists what changed but takes a restart.
   */
  reload(next: Config): Promise<{ needRestart: string[] }>;
  stop(): Promise<void>;
}

/** The listeners of one configuration. */
interface Inputs {
  udp?: Awaited<ReturnType<typeof startUdp>>;
  tcp?: Listener;
  tls?: Listener;
  relp?: RelpService;
  tacacs?: NonNullable<Awaited<ReturnType<typeof startTacacsService>>>;
  listeners: Listener[];
}

/** Sections only read at start: a reload that changes them says a restart is needed. */
const RESTART_KEYS = ['storage', 'incidents', 'poll', 'notifyDelivery', 'expected.approvals', 'expected.expiryGraceMinutes', 'expected.checkIntervalSeconds', 'detection.silence'] as const;

function pick(config: Config, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], config);
}

export function ruleDirs(config: Config): string[] {
  return [...(config.detection.builtinRules ? [builtinRulesDir] : []), ...config.detection.rules];
}

/** Sigma rules that cannot run on what capwatch receives are not an error, but the operator hears of them. */
function logSkipped(log: Logger, skipped: readonly SkippedRule[]): void {
  if (skipped.length === 0) return;
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  const reasons = Object.fromEntries([...byReason].sort((a, b) => b[1] - a[1]).slice(0, 10));
  log.warn({ skipped: skipped.length, reasons }, 'Sigma rules skipped: they cannot run on what capwatch receives (capwatch rules lists each and why)');
}

/** What an evasion removes that matters: the user's log collectors and command-logging applets. */
function evasionOptions(config: Config): EvasionOptions {
  return { logCollectors: config.detection.logCollectors, eemApplets: config.detection.eemApplets };
}

/**
 * The detection half of the app, shared by `serve` and `replay`: rules, and the expected work (filters, windows,
 * approvals from the store when there is one) that marks their hits.
 */
export function buildDetection(
  config: Config,
  metrics: Metrics,
  log: Logger,
  onDetections: (d: Detection[]) => void,
  opts: { approvals?: readonly Approval[]; directory?: DeviceDirectory; onStateChange?: (address: string, at: Date) => void; principals?: CreationLedger } = {},
) {
  const { rules, skipped } = loadRuleSet(ruleDirs(config));
  logSkipped(log, skipped);
  const expected = new ExpectedWork({
    filters: loadFilters(config.detection.filters, rules),
    windows: compileWindows(config.expected).windows,
    approvals: new ApprovalIndex(opts.approvals ?? []),
    ...(opts.directory && { directory: opts.directory }),
  });
  const detector = new Detector({
    rules,
    collectors: config.detection.collectors,
    expected,
    limits: { onEvict: () => metrics.evictions.inc({ cache: 'mirror-state' }), ...(opts.onStateChange && { onChange: opts.onStateChange }) },
    evasion: evasionOptions(config),
    windowMs: config.incidents.windowSeconds * 1000,
  });
  const contexts = new ContextTracker({ onEvict: () => metrics.evictions.inc({ cache: 'config-sessions' }) });
  metrics.watchCache('config-sessions', () => contexts.size);
  const ingest = new Ingest({
    metrics,
    warn: new RateLimitedLog(log),
    detector,
    contexts,
    eemApplets: config.detection.eemApplets,
    onDetections,
    ...(opts.principals && { principals: opts.principals }),
  });
  return { detector, ingest };
}

/**
 * The alert half, shared by `serve` and `capwatch sweep`: incidents grouped and stored, each queued for the chat
 * targets in the same transaction. The notifier sends only once started.
 */
export function buildAlerting(config: Config, store: Store, log: Logger, metrics: Metrics, trust?: (device: DeviceRef, nowMs: number) => DeviceTrust) {
  const notifier = new Notifier(store, config.notify, {
    ...deliveryOptions(config.notifyDelivery),
    ...(config.http.publicUrl && { publicUrl: config.http.publicUrl }),
    log,
    metrics,
    ...(trust && { trust }),
  });
  const book = new IncidentBook(store, {
    windowMs: config.incidents.windowSeconds * 1000,
    dedupeMs: config.incidents.dedupeSeconds * 1000,
    cacheSize: config.incidents.cacheSize,
    onSaved: (update) => notifier.enqueue(update),
    onEvict: (cache) => metrics.evictions.inc({ cache }),
  });
  metrics.watchCache('incidents', () => book.cached);
  return { notifier, book };
}

/** Where each open input listens, under the names the start-up log and RunningApp give them. */
function inputAddresses(i: Inputs) {
  return {
    ...(i.udp && { udp: i.udp.address }),
    ...(i.tcp && { tcp: i.tcp.address }),
    ...(i.tls && { tls: i.tls.address }),
    ...(i.relp?.relp && { relp: i.relp.relp }),
    ...(i.relp?.tls && { relpTls: i.relp.tls }),
    ...(i.tacacs && { tacacs: i.tacacs.tcp }),
    ...(i.tacacs?.tls && { tacacsTls: i.tacacs.tls }),
  };
}

export async function startApp(config: Config, log: Logger): Promise<RunningApp> {
  const metrics = new Metrics({ defaults: true, version: packageVersion });
  const store = new Store(config.storage.path);
  let inputs: Inputs | undefined;
  let httpServer: HttpServer | undefined;
  // Component loggers, so that a reload's log level reaches each of them.
  const loggers: Logger[] = [log];
  const component = (name: string) => {
    const child = log.child({ component: name });
    loggers.push(child);
    return child;
  };
  const stopTimers: Array<() => void> = [];
  let saveState = () => {};
  let poller: Poller | undefined;
  try {
    const seen = new SeenDevices(store.database);
    // Alerts about real devices go first: in the inventory, or heard from before a flood could have invented them.
    const trust = deviceTrust(
      {
        inInventory: (device) => poller?.describe(device) !== undefined,
        heardBefore: (device, beforeMs) => seen.heardBefore(device, beforeMs) || store.hadIncidentBefore(device, beforeMs),
      },
      config.notifyDelivery.knownDeviceAfterMinutes * 60_000,
    );
    const { notifier, book } = buildAlerting(config, store, component('notify'), metrics, trust);
    const changes = new Changes();
    const audit = new AuditLog(store.database, (entry) => changes.publish({ type: 'audit', entry }));
    /** Chat targets and live watchers hear of an incident change that carries no new detection. */
    const incidentChanged = (incident: Incident) => {
      notifier.incidentChanged(incident);
      changes.publish({ type: 'incident', id: incident.id });
    };
    // Device state is written once a second, not per detection: a busy device's state is rewritten whole each time.
    const changedState = new Map<string, Date>();
    const file = (detections: Detection[], confirmation?: Confirmation) => {
      const update = book.record(detections, confirmation);
      if (update) {
        logIncident(log, update);
        changes.publish({ type: 'incident', id: update.incident.id });
        poller?.confirmer?.incidentUpdated(update);
      }
      return update;
    };
    // A full disk or a read-only file system must not lose detections: they wait, in order, and the service says so.
    const guard = new StoreGuard(file, { metrics, log, maxWaiting: 10_000 });
    const record = (detections: Detection[], confirmation?: Confirmation) => guard.record(detections, confirmation);
    const retryTimer = setInterval(() => guard.problem && guard.retry(), 2000).unref();
    stopTimers.push(() => clearInterval(retryTimer));
    if (config.inventory) {
      poller = new Poller(config, config.inventory, {
        store,
        log: component('poll'),
        metrics,
        record,
        changed: incidentChanged,
        sweepProgress: (v) => changes.publish({ type: 'sweep', sweep: { id: v.id, status: v.status, total: v.total, done: v.done } }),
      });
    }
    const approvals = new Approvals(store.database);
    const graceMs = config.expected.expiryGraceMinutes * 60_000;
    // Approvals that ended count for hits logged until the grace is over (a line can arrive late).
    const approvalsInForce = () => approvals.current(new Date(Date.now() - graceMs));
    const directory: DeviceDirectory = (device) => poller?.describe(device);
    const { detector, ingest } = buildDetection(
      config,
      metrics,
      log,
      (detections) => {
        record(detections);
        const event = detections[0]?.event;
        // Mirror state is per sending address: a hostname can be shared or change, the address it reports from cannot.
        if (event) changedState.set(event.device.address, event.receivedAt);
      },
      // An alias, an EEM variable or a log destination learned without a detection is device state too.
      { approvals: approvalsInForce(), directory, onStateChange: (address, at) => changedState.set(address, at), principals: new CloudPrincipals(store.database) },
    );
    const expected = detector.expected!;
    const reloadApprovals = () => expected.setApprovals(new ApprovalIndex(approvalsInForce()));
    // `capwatch expect` writes the same file from another process: SQLite's data_version says when anyone did.
    let dataVersion = store.database.pragma('data_version', { simple: true }) as number;
    const approvalsTimer = setInterval(() => {
      const v = store.database.pragma('data_version', { simple: true }) as number;
      if (v !== dataVersion) reloadApprovals();
      dataVersion = v;
    }, 1000).unref();
    // Ended approvals leave the index at the next reload; once a minute keeps it small on a quiet system.
    const pruneTimer = setInterval(reloadApprovals, 60_000).unref();
    stopTimers.push(() => clearInterval(approvalsTimer), () => clearInterval(pruneTimer));
    const expiry = new ExpiryWatch(
      {
        dueApprovals: (endedBy) => approvals.due(endedBy),
        approvalChecked: (id, at) => approvals.markChecked(id, at),
        windows: () => expected.windows,
        covered: (by, name, from, to) => store.coveredObjects(by, name, from, to),
        activeNow: async (device) => {
          const check = await poller?.checkNow(device);
          if (check?.findings) return { source: 'device', findings: check.findings };
          const state = detector.state.get(device.address);
          const active = <T extends { active: boolean }>(m: ReadonlyMap<string, T> | undefined) => [...(m?.entries() ?? [])].filter(([, x]) => x.active).map(([k]) => k);
          return { source: 'logs', captures: active(state?.captures), sessions: active(state?.sessions) };
        },
        record: (detections) => void record(detections),
        graceMs,
        log: component('expected'),
      },
      new Date(),
    );
    let expiryRunning = false;
    const expiryTimer = setInterval(() => {
      // A look that logs into devices can outlast the interval: one at a time.
      if (expiryRunning) return;
      expiryRunning = true;
      expiry
        .run(new Date())
        .catch((err: unknown) => log.error({ err: (err as Error).message }, 'could not check ended approvals'))
        .finally(() => (expiryRunning = false));
    }, config.expected.checkIntervalSeconds * 1000).unref();
    stopTimers.push(() => clearInterval(expiryTimer));
    stopTimers.push(scheduleCloudSweeps(config.cloud.sweep, { store, record, collectors: new CollectorNetworks(config.detection.collectors), log: component('cloud-sweep') }));
    for (const { state } of store.deviceStates()) detector.state.restore(state);
    const silenceCfg = config.detection.silence;
    const silence = silenceCfg.enabled
      ? new SilenceAlerts(
          silenceCfg,
          {
            detector,
            record,
            addTo: (id, detections) => {
              const update = book.addTo(id, detections);
              if (update) changes.publish({ type: 'incident', id });
              return update;
            },
            rhythms: new Rhythms(store.database),
          },
          Date.now(),
        )
      : undefined;
    if (silence) {
      const silenceTimer = setInterval(() => guard.run('silence', () => (silence.check(new Date()), silence.save(new Date()))), 30_000).unref();
      stopTimers.push(() => clearInterval(silenceTimer));
    }
    new Gauge({
      name: 'capwatch_devices',
      help: 'Devices by whether they sent anything in the last 15 minutes (active) or only before that, within 7 days (silent)',
      labelNames: ['state'] as const,
      registers: [metrics.registry],
      collect() {
        const c = seen.counts(new Date(), 15 * 60_000, 7 * 24 * 3_600_000);
        this.set({ state: 'active' }, c.active);
        this.set({ state: 'silent' }, c.silent);
      },
    });
    const untallied = new Counter({
      name: 'capwatch_senders_untallied_total',
      help: 'Messages from senders the per-device "last seen" tally had no room for (many distinct addresses at once)',
      registers: [metrics.registry],
    });
    saveState = () => {
      guard.run('device-state', () => {
        for (const [address, at] of changedState) {
          store.saveDeviceState(address, detector.state.get(address) ?? null, at);
          changedState.delete(address);
        }
      });
      const tally = ingest.takeSenders();
      if (silence) guard.run('silence', () => silence.observe(tally.senders, Date.now()));
      if (tally.untallied > 0) untallied.inc(tally.untallied);
      if (tally.senders.length === 0) return;
      const now = new Date();
      guard.run('devices-seen', () => {
        for (const s of seen.record(tally.senders, now)) {
          changes.publish({ type: 'device', device: { name: s.hostname ?? s.address, address: s.address, lastMessageAt: now.toISOString() } });
        }
      });
    };
    // Aged rows go in small batches, yielding to ingest between them; an hour apart, and a minute after start.
    const retention = new Retention(store.database, config.storage.path, config.storage.retention);
    const pruned = new Counter({ name: 'capwatch_pruned_rows_total', help: 'Rows deleted by retention (storage.retention), by table', labelNames: ['table'] as const, registers: [metrics.registry] });
    metrics.gaugeFrom('capwatch_db_size_bytes', 'The SQLite file with its write-ahead log, on disk', () => fileBytes(config.storage.path));
    const prune = () =>
      retention
        .prune(new Date(), () => new Promise((r) => setImmediate(r)))
        .then((counts) => {
          for (const [table, n] of Object.entries(counts)) pruned.inc({ table }, n);
          if (Object.keys(counts).length) log.info({ pruned: counts }, 'old rows pruned (storage.retention)');
        })
        .catch((err: unknown) => (isStorageError(err) ? guard.refused('retention', err) : log.error({ err: (err as Error).message }, 'could not prune old rows')));
    const firstPrune = setTimeout(prune, 60_000).unref();
    const pruneHourly = setInterval(prune, 3_600_000).unref();
    stopTimers.push(() => clearTimeout(firstPrune), () => clearInterval(pruneHourly));
    const stateTimer = setInterval(saveState, 1000).unref();
    stopTimers.push(() => clearInterval(stateTimer));
    warmUp(buildDetection(config, new Metrics(), log, () => {}).ingest);
    // An ISE message whose last segment was lost still carries its command in the first one.
    const iseSweep = setInterval(() => ingest.flush('syslog', Date.now()), 5000).unref();
    stopTimers.push(() => clearInterval(iseSweep));

    const kernelDrops = { read: (): number | undefined => undefined };
    metrics.counterFrom('capwatch_udp_kernel_drops_total', 'Datagrams the kernel dropped on the syslog UDP socket (/proc/net/udp): loss nobody else sees', () => kernelDrops.read());
    /** The syslog and TACACS+ listeners of a configuration: started at start, and again when a reload moves them. */
    const startInputs = async (c: Config): Promise<Inputs> => {
      const deps = { metrics, log };
      const s = c.syslog;
      const started: Inputs = { listeners: [] };
      try {
        if (s.udp.enabled) {
          const udp = await startUdp({ host: s.host, port: s.udp.port, recvBufferBytes: s.udp.recvBufferBytes, readers: readerCount(s.workers) }, ingest, deps);
          started.udp = udp;
          started.listeners.push(udp);
          kernelDrops.read = () => udp.kernelDrops();
        }
        const tcpOpts = { maxFrameBytes: s.tcp.maxFrameBytes, idleTimeoutMs: s.tcp.idleTimeoutSeconds * 1000, maxConnections: s.tcp.maxConnections, maxConnectionsPerSource: s.tcp.maxConnectionsPerSource };
        if (s.tcp.enabled) {
          started.tcp = await startTcp({ host: s.host, port: s.tcp.port, ...tcpOpts }, ingest, deps);
          started.listeners.push(started.tcp);
        }
        if (s.tls.enabled && s.tls.cert && s.tls.key) {
          const tlsOpts = {
            cert: readFileSync(s.tls.cert),
            key: readFileSync(s.tls.key),
            ...(s.tls.ca && { ca: readFileSync(s.tls.ca) }),
            requestCert: s.tls.requestCert,
          };
          started.tls = await startTcp({ host: s.host, port: s.tls.port, ...tcpOpts, tls: tlsOpts }, ingest, deps);
          started.listeners.push(started.tls);
        }
        const relp = await startRelpService(s, c.storage.path, ingest, deps);
        if (relp) {
          started.relp = relp;
          started.listeners.push({ address: relp.relp ?? relp.tls!, close: relp.close });
        }
        const tacacs = await startTacacsService(c, { metrics, log, sink: ingest });
        if (tacacs) {
          started.tacacs = tacacs;
          started.listeners.push({ address: tacacs.tcp, close: tacacs.close });
        }
        return started;
      } catch (err) {
        await Promise.allSettled(started.listeners.map((l) => l.close()));
        throw err;
      }
    };
    inputs = await startInputs(config);
    const activity = new Activity(store.database, metrics, () => kernelDrops.read());
    const sampleActivity = () =>
      activity.sample(new Date()).catch((err: unknown) => (isStorageError(err) ? guard.refused('activity', err) : log.warn({ err: (err as Error).message }, 'could not store activity')));
    void sampleActivity();
    const activityTimer = setInterval(sampleActivity, SAMPLE_MS).unref();
    stopTimers.push(() => clearInterval(activityTimer));

    const startedAt = Date.now();
    let bootstrap: BootstrapToken | undefined;
    const httpLog = component('http');
    /** The API and console of a configuration: started at start, and again at every reload (rules, windows, auth…). */
    const startWeb = async (c: Config): Promise<HttpServer> => {
      bootstrap = hasAuth(c.http.auth) ? undefined : bootstrapToken(c.storage.path);
      return startHttp(c.http, {
        store,
        audit,
        changes,
        metrics,
        log: httpLog,
        health: () => ({ uptimeSeconds: Math.round((Date.now() - startedAt) / 1000), ...(guard.problem && { problem: guard.problem }) }),
        deliveries: (id) => notifier.deliveries(id),
        statusChanged: (incident) => {
          book.statusChanged(incident.id, incident.status);
          incidentChanged(incident);
        },
        commented: (id) => changes.publish({ type: 'incident', id }),
        poller,
        seen,
        activity,
        rules: detector.rules,
        config: c,
        expected: {
          approvals,
          limits: c.expected.approvals,
          knownDevice: (name) => store.knowsDevice(name) || seen.knows(name) || poller?.describe({ address: name, hostname: name }) !== undefined,
          approvalsChanged: reloadApprovals,
          windows: c.expected.windows.map((w, i) => ({ config: w, compiled: expected.windows[i]! })),
          ...(c.detection.filters[0] !== undefined && { filterDir: c.detection.filters[0] }),
          filters: () => expected.filters,
          filtersChanged: () => {
            try {
              expected.setFilters(loadFilters(c.detection.filters, detector.rules));
            } catch (err) {
              log.error({ err: (err as Error).message }, 'filters not reloaded: keeping those in force');
            }
          },
        },
        sweeps: { maxConcurrency: c.poll.maxConcurrency, perUserPerMinute: c.poll.sweepsPerUserPerMinute },
        cloudIngest: (provider, record, sender) => ingest.cloudRecord(JSON.stringify(record), sender, 'http', Date.now(), provider, record)?.length ?? 0,
        ...(bootstrap && { bootstrap: bootstrap.entry }),
        version: packageVersion,
      });
    };
    httpServer = await startWeb(config);
    notifier.start();
    poller?.startService();

    let current = config;
    const listening = () => ({ http: httpServer!.address, metricsHttp: httpServer!.metricsAddress, ...inputAddresses(inputs!) });
    const app: RunningApp = {
      get http() {
        return httpServer!.address;
      },
      ...inputAddresses(inputs),
      store,
      get bootstrap() {
        return bootstrap;
      },
      notifier,
      ...(poller && { poller }),
      async reload(next) {
        // Everything that can fail is read first: a rule or filter that does not load leaves all as it was.
        const { rules, skipped } = loadRuleSet(ruleDirs(next));
        const filters = loadFilters(next.detection.filters, rules);
        const windows = compileWindows(next.expected).windows;
        const needRestart: string[] = RESTART_KEYS.filter((k) => JSON.stringify(pick(current, k)) !== JSON.stringify(pick(next, k)));
        if (Boolean(poller) !== Boolean(next.inventory)) needRestart.push('inventory');
        detector.setRules(rules, next.detection.collectors, evasionOptions(next));
        logSkipped(log, skipped);
        expected.setFilters(filters);
        expected.setWindows(windows);
        ingest.setEemApplets(next.detection.eemApplets);
        notifier.setTargets(next.notify);
        if (poller && next.inventory) poller.inventory.replace(next.inventory);
        for (const l of loggers) l.level = next.log.level;
        const moved = JSON.stringify(current.syslog) !== JSON.stringify(next.syslog) || JSON.stringify(current.tacacs) !== JSON.stringify(next.tacacs);
        if (moved) {
          await Promise.allSettled(inputs!.listeners.map((l) => l.close()));
          try {
            inputs = await startInputs(next);
          } catch (err) {
            // The new addresses cannot be bound: back to the ones that worked, and say so.
            inputs = await startInputs(current);
            throw err;
          }
        }
        // Port 0 means "any": the API stays on the one it was given, where people and scrapers already reach it.
        const web = next.http.port === 0 && next.http.host === current.http.host ? { ...next, http: { ...next.http, port: httpServer!.address.port } } : next;
        await httpServer!.close();
        try {
          httpServer = await startWeb(web);
        } catch (err) {
          httpServer = await startWeb(current);
          throw err;
        }
        current = next;
        log.info({ ...listening(), rules: rules.length, filters: filters.length, windows: windows.length, rebound: moved, ...(needRestart.length && { restartNeededFor: needRestart }) }, 'configuration reloaded');
        return { needRestart };
      },
      async stop() {
        for (const stopTimer of stopTimers) stopTimer();
        await Promise.allSettled(inputs!.listeners.map((l) => l.close()));
        await httpServer!.close();
        await poller?.stop();
        await notifier.stop();
        saveState();
        store.close();
      },
    };
    if (bootstrap) {
      log.warn({ file: (bootstrap as BootstrapToken).file, url: httpServer.address.url }, 'no users or tokens configured (http.auth): log in with the admin token in this file');
    }
    log.info({ ...listening(), storage: config.storage.path }, 'capwatch listening');
    return app;
  } catch (err) {
    for (const stopTimer of stopTimers) stopTimer();
    await Promise.allSettled(inputs?.listeners.map((l) => l.close()) ?? []);
    await httpServer?.close();
    await poller?.stop();
    store.close();
    throw err;
  }
}

function logIncident(log: Logger, u: IncidentUpdate): void {
  const i = u.incident;
  log.warn(
    {
      incident: i.id,
      severity: i.severity,
      device: deviceName(i.device),
      user: i.user,
      detections: u.added.map((d) => ({ rule: d.rule, kind: d.kind, severity: d.severity, command: d.event.command, context: d.event.context, facts: d.facts })),
    },
    u.isNew ? 'incident opened' : 'incident updated',
  );
}
