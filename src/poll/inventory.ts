// The devices capwatch may log into: a YAML inventory (a file, or inline under `inventory:` in the config), with
// ${ENV} expansion so passwords stay out of the file. Problems name the key; they never echo a secret.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ajv, ConfigError, describeSchemaError, expandEnv } from '../commands/validate.js';
import { parseFingerprint } from './host-keys.js';
import { Reloading } from './reloading.js';

/** Platforms the poller has commands and show-output parsers for. */
export const POLL_PLATFORMS = ['ios', 'iosxe', 'nxos', 'asa', 'junos'] as const;
export type PollPlatform = (typeof POLL_PLATFORMS)[number];

/** `exec`: one exec channel per command; `shell`: an interactive shell with prompt detection; `auto`: exec, then shell when the device refuses exec. */
export type Transport = 'auto' | 'exec' | 'shell';

export interface InventoryDevice {
  name: string;
  address: string;
  port: number;
  platform: PollPlatform;
  username: string;
  password?: string;
  /** The private key itself (read from the file the inventory names). */
  privateKey?: string;
  passphrase?: string;
  /** Pinned host key fingerprint, `SHA256:…`. */
  hostKey?: string;
  tags: string[];
  transport: Transport;
  /** Offer the old key exchanges and ciphers (group1/group14-sha1, CBC) that old IOS images still need. */
  legacyAlgorithms: boolean;
}

export interface Inventory {
  devices: InventoryDevice[];
}

const deviceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'address', 'platform', 'username'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 255 },
    address: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 22 },
    platform: { enum: POLL_PLATFORMS },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string' },
    privateKey: { type: 'string', minLength: 1 },
    passphrase: { type: 'string' },
    hostKey: { type: 'string' },
    tags: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    transport: { enum: ['auto', 'exec', 'shell'], default: 'auto' },
    legacyAlgorithms: { type: 'boolean', default: false },
  },
} as const;

const validate = ajv.compile<Inventory>({
  type: 'object',
  additionalProperties: false,
  required: ['devices'],
  properties: { devices: { type: 'array', items: deviceSchema } },
});

/** Where the inventory comes from: a file (read again when it changes) or the configuration itself. */
export type InventorySpec = { file: string } | { inline: Inventory };

/**
 * Validates an inventory document; `where` prefixes every problem (`inventory`, or the file name). `env` null: the
 * document was expanded already (inline in the configuration), and a `${…}` inside a password stays as it is.
 */
export function parseInventory(doc: unknown, where: string, env: NodeJS.ProcessEnv | null = process.env): Inventory {
  const problems: string[] = [];
  const expanded = env === null ? (doc ?? {}) : expandEnv(doc ?? {}, env, where, problems);
  if (problems.length) throw new ConfigError(problems);
  if (typeof expanded !== 'object' || expanded === null || Array.isArray(expanded)) throw new ConfigError([`${where}: must be a mapping with a devices list`]);
  if (!validate(expanded)) throw new ConfigError((validate.errors ?? []).map((e) => describeSchemaError(e, where)));
  const inventory = expanded as Inventory;
  const names = new Set<string>();
  for (const [i, d] of inventory.devices.entries()) {
    const key = `${where}.devices[${i}]`;
    if (names.has(d.name.toLowerCase())) problems.push(`${key}.name: "${d.name}" is used by another device`);
    names.add(d.name.toLowerCase());
    if (d.password === undefined && d.privateKey === undefined) problems.push(`${key}: needs password or privateKey`);
    if (d.hostKey !== undefined) {
      const canonical = parseFingerprint(d.hostKey);
      if (canonical === undefined) problems.push(`${key}.hostKey: not an OpenSSH SHA256 fingerprint (SHA256:… as ssh-keygen -lf prints)`);
      else d.hostKey = canonical;
    }
    if (d.privateKey !== undefined && !d.privateKey.startsWith('-----BEGIN')) {
      try {
        d.privateKey = readFileSync(d.privateKey, 'utf8');
      } catch (err) {
        problems.push(`${key}.privateKey: cannot read the key file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return inventory;
}

export function loadInventoryFile(file: string, env: NodeJS.ProcessEnv = process.env): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read the inventory (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseInventory(doc, file, env);
}

/**
 * The inventory as it is now: a file is read again when it changed, so an edit takes effect at the next sweep
 * without a restart. A broken edit keeps the last good inventory and reports the problem through `onError`.
 */
export class InventorySource {
  private current!: () => Inventory;
  private cachedIndex: DeviceIndex | undefined;

  constructor(
    spec: InventorySpec,
    private readonly onError: (err: ConfigError) => void = () => {},
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.replace(spec);
  }

  /** Where the devices come from now (a configuration reload): another file, or another inline list. */
  replace(spec: InventorySpec): void {
    if ('inline' in spec) {
      this.current = () => spec.inline;
      return;
    }
    const file = new Reloading(
      spec.file,
      (f) => loadInventoryFile(f, this.env),
      (err) => {
        if (!(err instanceof ConfigError)) throw err;
        this.onError(err);
      },
    );
    this.current = () => file.get();
  }

  get(): Inventory {
    return this.current();
  }

  /** The current inventory, indexed for finding the device an incident is about. */
  index(): DeviceIndex {
    const inventory = this.get();
    if (this.cachedIndex?.inventory !== inventory) this.cachedIndex = new DeviceIndex(inventory);
    return this.cachedIndex;
  }
}

export interface DeviceSelection {
  /** Device names (case-insensitive). */
  names?: readonly string[];
  /** Any of these tags. */
  tags?: readonly string[];
}

/** The devices a sweep covers; an unknown name is an error, so a typo does not look like a clean sweep. */
export function selectDevices(inventory: Inventory, sel: DeviceSelection): InventoryDevice[] {
  const byName = new Map(inventory.devices.map((d) => [d.name.toLowerCase(), d]));
  const unknown = (sel.names ?? []).filter((n) => !byName.has(n.toLowerCase()));
  if (unknown.length) throw new SelectionError(`no device named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in the inventory`);
  return inventory.devices.filter(
    (d) =>
      (!sel.names?.length || sel.names.some((n) => n.toLowerCase() === d.name.toLowerCase())) &&
      (!sel.tags?.length || sel.tags.some((t) => d.tags.includes(t))),
  );
}

export class SelectionError extends Error {}

/**
 * Which inventory device an incident's device is: by name = hostname (or the same short name, since syslog hosts may
 * be fully qualified and inventories not, or the other way round), else by address. Lookups are by map: a sweep asks
 * once per incident it reads.
 */
export class DeviceIndex {
  private readonly byName = new Map<string, InventoryDevice>();
  private readonly byShortName = new Map<string, InventoryDevice>();
  private readonly byAddress = new Map<string, InventoryDevice>();

  constructor(readonly inventory: Inventory) {
    // The first device listed wins a shared key, as it would in a search down the list.
    const add = (m: Map<string, InventoryDevice>, key: string | undefined, d: InventoryDevice) => key !== undefined && !m.has(key) && m.set(key, d);
    for (const d of inventory.devices) {
      add(this.byName, d.name.toLowerCase(), d);
      add(this.byShortName, shortName(d.name.toLowerCase()), d);
      add(this.byAddress, d.address, d);
    }
  }

  find(device: { address: string; hostname?: string | null }): InventoryDevice | undefined {
    const host = device.hostname?.toLowerCase();
    if (host) {
      const named = this.byName.get(host) ?? this.byShortName.get(shortName(host) ?? '');
      if (named) return named;
    }
    return this.byAddress.get(device.address);
  }
}

/** `core-rtr1` of `core-rtr1.example.net`; undefined for an address, whose first label means nothing. */
function shortName(name: string): string | undefined {
  return /^[\d.]+$|:/.test(name) ? undefined : name.split('.')[0];
}
