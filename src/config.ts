// Configuration: embedded defaults, a YAML file with ${ENV} expansion, validated with JSON Schema at start.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCidr } from './detect/sigma/cidr.js';
import { isCloudCollector } from './detect/severity.js';
import { loadInventoryFile, parseInventory, type InventorySpec } from './poll/inventory.js';
import { ajv, ConfigError, describeSchemaError, expandEnv } from './commands/validate.js';
export { ConfigError } from './commands/validate.js';
import { notifyProblems, notifySchema, type NotifyConfig } from './alerts/notify/config.js';
import { httpProblems, httpSchema, type HttpConfig } from './api/config.js';
import { compileWindows, expectedSchema, type ExpectedConfig } from './detect/expected/config.js';
import { retentionSchema, type RetentionConfig } from './alerts/retention.js';
import { cloudSweepSchema, type CloudSweepConfig } from './cloud-sweep/config.js';
import { silenceSchema, type SilenceConfig } from './detect/silence/rhythm.js';

export interface Config {
  syslog: {
    host: string;
    /** Syslog UDP reader threads: `auto` (one per core beyond the first, at most 8) or a number, 0 for none. */
    workers: 'auto' | number;
    udp: { enabled: boolean; port: number; recvBufferBytes: number };
    tcp: { enabled: boolean; port: number; maxFrameBytes: number; idleTimeoutSeconds: number; maxConnections: number; maxConnectionsPerSource: number };
    tls: { enabled: boolean; port: number; cert?: string; key?: string; ca?: string; requestCert: boolean };
    /** RELP from syslog relays (rsyslog omrelp): each message acknowledged once journaled. */
    relp: {
      enabled: boolean;
      port: number;
      maxDataBytes: number;
      idleTimeoutSeconds: number;
      maxConnections: number;
      maxConnectionsPerSource: number;
      tls: { enabled: boolean; port: number; cert?: string; key?: string; ca?: string; requestCert: boolean };
    };
  };
  http: HttpConfig;
  storage: { path: string; retention: RetentionConfig };
  detection: {
    /** Load the rules shipped in rules/. */
    builtinRules: boolean;
    /** Extra rule directories (Sigma YAML). */
    rules: string[];
    /** ERSPAN / GRE collectors that may legitimately receive mirrored traffic (CIDR), and cloud accounts whose mirror targets are approved (`aws:123456789012`, `gcp:project`, `azure:<subscription>`). */
    collectors: string[];
    /** EEM applet names whose `%HA_EM-6-LOG` lines are trusted as command logs; empty = any applet. */
    eemApplets: string[];
    /** Sigma filter directories: expected work set apart from what the rules find. */
    filters: string[];
    /** Your own syslog and TACACS+ accounting servers (CIDR): removing one from a device is an evasion. */
    logCollectors: string[];
    /** Devices that were sending steadily and went quiet. */
    silence: SilenceConfig;
  };
  expected: ExpectedConfig;
  incidents: {
    /** Detections of one device + user within this window join one incident. */
    windowSeconds: number;
    /** The same command seen again within this time (syslog + TACACS+, relay duplicates) counts once. */
    dedupeSeconds: number;
    /** Incidents kept in memory while they collect; more are read back from the store when needed. */
    cacheSize: number;
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  tacacs: {
    /** Unset in the file: on exactly when clients are configured. */
    enabled: boolean;
    host: string;
    port: number;
    /** Devices allowed to send accounting, by network; the longest matching prefix picks the key(s). */
    clients: Array<{ network: string; key?: string; keys?: string[] }>;
    maxConnectionsPerClient: number;
    maxConnections: number;
    idleTimeoutSeconds: number;
    tls: { enabled: boolean; port: number; cert?: string; key?: string; ca?: string };
  };
  notify: NotifyConfig['notify'];
  notifyDelivery: NotifyConfig['notifyDelivery'];
  /** Devices the SSH poller may log into: a YAML file, or the list inline. Validated at start. */
  inventory?: InventorySpec;
  poll: {
    /** OpenSSH known_hosts file; default `known_hosts` beside the SQLite file. */
    knownHosts: string;
    /** Record the key of a device seen for the first time instead of refusing it. */
    trustOnFirstUse: boolean;
    connectTimeoutSeconds: number;
    commandTimeoutSeconds: number;
    /** Devices checked at once by a sweep. */
    concurrency: number;
    confirmOnAlert: boolean;
    confirmDelaySeconds: number;
    /** 0 = no scheduled sweeps. */
    sweepIntervalMinutes: number;
    /** Scheduled sweeps cover devices with any of these tags; empty = every device. */
    sweepTags: string[];
    /** The most devices at once a sweep started over HTTP may ask for. */
    maxConcurrency: number;
    /** Sweeps one person (or token) may start over HTTP per minute. */
    sweepsPerUserPerMinute: number;
  };
  cloud: {
    /** Where `capwatch sweep --cloud` (and `serve`, every intervalMinutes) lists the traffic mirrors that exist. */
    sweep: CloudSweepConfig;
  };
}

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const positive = { type: 'integer', minimum: 1 } as const;
const strings = { type: 'array', items: { type: 'string' }, default: [] } as const;
function object(properties: Record<string, unknown>) {
  return { type: 'object', additionalProperties: false, properties } as const;
}
/** A nested section: absent in the file means all its defaults. */
function section(properties: Record<string, unknown>) {
  return { ...object(properties), default: {} } as const;
}

// The schema is the single source of the defaults listed in the README.
const schema = object({
  syslog: section({
    host: { type: 'string', default: '0.0.0.0' },
    workers: { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 0, maximum: 8 }], default: 'auto' },
    udp: section({
      enabled: { type: 'boolean', default: true },
      port: { ...port, default: 5514 },
      recvBufferBytes: { ...positive, default: 4 * 1024 * 1024 },
    }),
    tcp: section({
      enabled: { type: 'boolean', default: true },
      port: { ...port, default: 5514 },
      maxFrameBytes: { type: 'integer', minimum: 256, maximum: 16 * 1024 * 1024, default: 64 * 1024 },
      idleTimeoutSeconds: { ...positive, default: 300 },
      maxConnections: { ...positive, default: 1000 },
      maxConnectionsPerSource: { ...positive, default: 50 },
    }),
    tls: section({
      enabled: { type: 'boolean', default: false },
      port: { ...port, default: 6514 },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      requestCert: { type: 'boolean', default: false },
    }),
    relp: section({
      enabled: { type: 'boolean', default: false },
      port: { ...port, default: 2514 },
      // librelp's own default, and what the RELP spec says version 1 negotiates.
      maxDataBytes: { type: 'integer', minimum: 1024, maximum: 16 * 1024 * 1024, default: 128 * 1024 },
      idleTimeoutSeconds: { ...positive, default: 300 },
      maxConnections: { ...positive, default: 1000 },
      maxConnectionsPerSource: { ...positive, default: 50 },
      tls: section({
        enabled: { type: 'boolean', default: false },
        port: { ...port, default: 2515 },
        cert: { type: 'string' },
        key: { type: 'string' },
        ca: { type: 'string' },
        requestCert: { type: 'boolean', default: false },
      }),
    }),
  }),
  http: httpSchema(section, port),
  storage: section({ path: { type: 'string', minLength: 1, default: './data/capwatch.db' }, retention: retentionSchema() }),
  detection: section({
    builtinRules: { type: 'boolean', default: true },
    rules: strings,
    collectors: strings,
    eemApplets: strings,
    filters: strings,
    logCollectors: strings,
    silence: silenceSchema(section),
  }),
  expected: expectedSchema(section),
  incidents: section({
    windowSeconds: { ...positive, default: 600 },
    dedupeSeconds: { type: 'integer', minimum: 0, default: 5 },
    cacheSize: { type: 'integer', minimum: 100, default: 10_000 },
  }),
  log: section({
    level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
  }),
  tacacs: section({
    enabled: { type: 'boolean' },
    host: { type: 'string', default: '0.0.0.0' },
    port: { ...port, default: 4949 },
    clients: {
      type: 'array',
      default: [],
      items: {
        ...object({
          network: { type: 'string', minLength: 1 },
          key: { type: 'string', minLength: 1 },
          keys: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        }),
        required: ['network'],
      },
    },
    maxConnectionsPerClient: { ...positive, default: 32 },
    maxConnections: { ...positive, default: 2000 },
    idleTimeoutSeconds: { ...positive, default: 120 },
    tls: section({
      enabled: { type: 'boolean', default: false },
      port: { ...port, default: 300 },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
    }),
  }),
  ...notifySchema(section),
  // A file name or an inline {devices: […]}: checked by the inventory's own schema, after this one.
  inventory: {},
  poll: section({
    knownHosts: { type: 'string', minLength: 1 },
    trustOnFirstUse: { type: 'boolean', default: false },
    connectTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 15 },
    commandTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 30 },
    concurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
    confirmOnAlert: { type: 'boolean', default: true },
    confirmDelaySeconds: { type: 'number', minimum: 0, default: 5 },
    sweepIntervalMinutes: { type: 'number', minimum: 0, default: 0 },
    sweepTags: strings,
    maxConcurrency: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    sweepsPerUserPerMinute: { type: 'integer', minimum: 1, default: 5 },
  }),
  cloud: section({ sweep: cloudSweepSchema(section) }),
});

const validate = ajv.compile<Config>(schema);

/** Validates a parsed config object (defaults filled in place) or throws ConfigError naming each bad key. */
export function buildConfig(input: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const expanded = expandEnv(input ?? {}, env, '', problems);
  if (problems.length) throw new ConfigError(problems);
  if (typeof expanded !== 'object' || expanded === null || Array.isArray(expanded)) {
    throw new ConfigError(['the configuration must be a YAML mapping']);
  }
  if (!validate(expanded)) throw new ConfigError((validate.errors ?? []).map((e) => describeSchemaError(e)));
  const config = expanded as Config;
  for (const at of ['tls', 'relp.tls'] as const) {
    const tls = at === 'tls' ? config.syslog.tls : config.syslog.relp.tls;
    if (tls.enabled && (!tls.cert || !tls.key)) {
      throw new ConfigError([`syslog.${at}: enabled needs both cert and key (PEM file paths)`]);
    }
    if (tls.cert && tls.key && input && !hasKey(input, ['syslog', ...at.split('.'), 'enabled'])) tls.enabled = true;
  }
  if (config.poll.knownHosts === undefined) config.poll.knownHosts = join(dirname(config.storage.path), 'known_hosts');
  const raw = (expanded as { inventory?: unknown }).inventory;
  if (raw !== undefined) {
    // The file is read now so a broken inventory stops start-up; the inline list was expanded with the rest.
    config.inventory = typeof raw === 'string' ? { file: raw } : { inline: parseInventory(raw, 'inventory', null) };
    if (typeof raw === 'string') loadInventoryFile(raw, env);
  }
  problems.push(...tacacsProblems(config.tacacs));
  problems.push(...notifyProblems(config.notify));
  problems.push(...httpProblems(config.http));
  problems.push(...compileWindows(config.expected).problems);
  for (const [i, cidr] of config.detection.collectors.entries()) {
    if (isCloudCollector(cidr)) continue;
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr) || !parseCidr(cidr)) problems.push(`detection.collectors[${i}]: not a CIDR network (got ${JSON.stringify(cidr)})`);
  }
  for (const [i, cidr] of config.detection.logCollectors.entries()) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr) || !parseCidr(cidr)) problems.push(`detection.logCollectors[${i}]: not a CIDR network (got ${JSON.stringify(cidr)})`);
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/** Cross-field checks of the tacacs section. Messages name keys and networks, never a key's value. */
function tacacsProblems(t: Config['tacacs']): string[] {
  const problems: string[] = [];
  for (const [i, c] of t.clients.entries()) {
    if (!parseCidr(c.network)) problems.push(`tacacs.clients[${i}].network: not a CIDR network or address (got ${JSON.stringify(c.network.slice(0, 64))})`);
    if (c.key === undefined && c.keys === undefined) problems.push(`tacacs.clients[${i}]: needs key or keys`);
  }
  if ((t as { enabled?: boolean }).enabled === undefined) t.enabled = t.clients.length > 0;
  if (t.enabled && t.clients.length === 0) problems.push('tacacs.clients: the listener is enabled but no client may send (RFC 8907 §10.5.2)');
  if (t.tls.enabled && (!t.tls.cert || !t.tls.key || !t.tls.ca)) problems.push('tacacs.tls: enabled needs cert, key and ca (PEM file paths; RFC 9887 requires client certificates)');
  return problems;
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (!file) return buildConfig({}, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return buildConfig(doc, env);
}

function hasKey(obj: unknown, path: string[]): boolean {
  let cur = obj;
  for (const k of path) {
    if (!cur || typeof cur !== 'object' || !(k in cur)) return false;
    cur = (cur as Record<string, unknown>)[k];
  }
  return true;
}
