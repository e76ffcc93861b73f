// SSH host key verification for device polling: a pinned SHA256 fingerprint, or an OpenSSH known_hosts file,
// decided before any credential is sent. Trust-on-first-use only ever fills in an unknown host, never a changed key.
import { createHash, createHmac } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Longer lines are skipped unread: no real key line comes near it (an RSA-16384 key is ~2.8 KB of base64). */
const MAX_LINE_BYTES = 16 * 1024;
/** A known_hosts file is read whole; past this it is refused rather than risk exhausting memory. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** Host names written by record(): anything else (whitespace, commas, wildcards, '!', '|', '@') could forge or widen a line. */
const RECORDABLE_HOST = /^[A-Za-z0-9._:%-]+$/;

/** "SHA256:" + unpadded base64 of sha256(blob) — what `ssh-keygen -lf` prints. blob = the SSH wire-format public key (what ssh2's hostVerifier receives as a Buffer when no hostHash option is set). */
export function fingerprint(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside a wire-format blob ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"…), or undefined for a malformed blob. */
export function keyType(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const len = keyBlob.readUInt32BE(0);
  // A type name is short printable ASCII and key material must follow it.
  if (len === 0 || len > 64 || 4 + len >= keyBlob.length) return undefined;
  const name = keyBlob.toString('latin1', 4, 4 + len);
  return /^[\x21-\x7e]+$/.test(name) ? name : undefined;
}

/** Accepts "SHA256:abc…" (with or without trailing '=' padding, whitespace trimmed); returns the canonical form or undefined when it is not one. For config validation. */
export function parseFingerprint(text: string): string | undefined {
  const m = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(text.trim());
  if (!m?.[1]) return undefined;
  // Re-encoding rejects a final character whose unused low bits are set: no digest prints that way.
  const digest = Buffer.from(m[1], 'base64');
  return digest.length === 32 && digest.toString('base64') === `${m[1]}=` ? `SHA256:${m[1]}` : undefined;
}

type HostMatcher = { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: { negated: boolean; glob: string }[] };

interface Entry {
  revoked: boolean;
  hosts: HostMatcher;
  key: Buffer;
}

export class KnownHosts {
  private constructor(
    readonly file: string,
    private readonly entries: Entry[],
    readonly skipped: number,
  ) {}

  /** Reads an OpenSSH known_hosts file; a missing file is an empty set (it is created on the first record()). Malformed lines are skipped and counted (`skipped`). */
  static load(file: string): KnownHosts {
    let data: Buffer;
    try {
      // Checked before reading so a FIFO or device path cannot block or stream forever.
      const st = statSync(file);
      if (!st.isFile()) throw new Error(`known_hosts ${file}: not a regular file`);
      if (st.size > MAX_FILE_BYTES) throw new Error(`known_hosts ${file}: ${st.size} bytes is over the ${MAX_FILE_BYTES / 1024 / 1024} MiB limit`);
      data = readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new KnownHosts(file, [], 0);
      throw err;
    }
    const entries: Entry[] = [];
    let skipped = 0;
    // Split the bytes, not a decoded string, so an oversized line is never decoded at all.
    for (let start = 0; start < data.length; ) {
      let end = data.indexOf(0x0a, start);
      if (end < 0) end = data.length;
      const parsed = end - start > MAX_LINE_BYTES ? 'malformed' : parseLine(data.toString('utf8', start, end));
      if (parsed === 'malformed') skipped++;
      else if (parsed !== 'ignored') entries.push(parsed);
      start = end + 1;
    }
    return new KnownHosts(file, entries, skipped);
  }

  /** 'match' if a line for this host (and port) has this key; 'revoked' if a @revoked line for the host lists the key; 'mismatch' if lines for the host exist but none has this key (whatever their key types, as OpenSSH would warn); 'unknown' if no line names the host. */
  lookup(host: string, port: number, keyBlob: Buffer): 'match' | 'mismatch' | 'unknown' | 'revoked' {
    const name = hostString(host, port);
    let known = false;
    let matched = false;
    for (const e of this.entries) {
      if (!hostMatches(e.hosts, name)) continue;
      const same = e.key.equals(keyBlob);
      if (e.revoked) {
        if (same) return 'revoked';
        // A revocation says which key is bad, not which is good: it does not make the host known.
        continue;
      }
      known = true;
      if (same) matched = true;
    }
    return matched ? 'match' : known ? 'mismatch' : 'unknown';
  }

  /**
   * Appends `host keytype base64` (or `[host]:port …` when port != 22) to the file (mkdir -p the directory, create with mode 0600) and to memory.
   * A no-op when the key already matches. Synchronous so two concurrent records cannot interleave lines.
   * Throws for a malformed key blob or a host that is not a plain name or address (it would be written into the file as a pattern).
   */
  record(host: string, port: number, keyBlob: Buffer): void {
    const type = keyType(keyBlob);
    if (type === undefined) throw new Error(`known_hosts: refusing to record a malformed host key for ${label(host, port)}`);
    if (!RECORDABLE_HOST.test(host)) throw new Error(`known_hosts: refusing to record host ${JSON.stringify(host.slice(0, 64))}: not a plain hostname or address`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`known_hosts: refusing to record port ${port}: not a TCP port`);
    if (this.lookup(host, port, keyBlob) === 'match') return;
    const name = hostString(host, port);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const fd = openSync(this.file, 'a+', 0o600);
    try {
      // A file whose last line lacks its newline would otherwise have our line glued onto it.
      const size = fstatSync(fd).size;
      const last = Buffer.alloc(1);
      const glue = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a ? '\n' : '';
      writeSync(fd, `${glue}${name} ${type} ${keyBlob.toString('base64')}\n`);
    } finally {
      closeSync(fd);
    }
    this.entries.push({ revoked: false, hosts: { kind: 'patterns', patterns: [{ negated: false, glob: name }] }, key: Buffer.from(keyBlob) });
  }
}

export interface HostKeyPolicy {
  /** Pinned fingerprint (canonical SHA256:… form). When set, only it decides; known_hosts is not consulted. */
  pinned?: string;
  knownHosts?: KnownHosts;
  trustOnFirstUse: boolean;
}

export type HostKeyVerdict =
  | { ok: true; recorded: boolean; fingerprint: string }
  | { ok: false; reason: 'mismatch' | 'unknown' | 'revoked'; fingerprint: string; message: string };

/** The decision for one connection. Messages name the host, port, the presented fingerprint and what to do; they never contain secrets. A pinned mismatch message shows both the expected and presented fingerprints. */
export function verifyHostKey(policy: HostKeyPolicy, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const fp = fingerprint(keyBlob);
  const where = label(host, port);
  const presented = `${keyType(keyBlob) ?? 'malformed'} key ${fp}`;
  const refuse = (reason: 'mismatch' | 'unknown' | 'revoked', message: string): HostKeyVerdict => ({ ok: false, reason, fingerprint: fp, message });

  if (policy.pinned !== undefined) {
    // Tolerates a padded or untrimmed value that skipped config validation.
    const expected = parseFingerprint(policy.pinned) ?? policy.pinned;
    if (fp === expected) return { ok: true, recorded: false, fingerprint: fp };
    return refuse(
      'mismatch',
      `host key mismatch for ${where}: the inventory pins hostKey ${expected} but the device presented ${presented}; ` +
        `this may be a man-in-the-middle. If the device's key was changed on purpose, update hostKey in the inventory`,
    );
  }

  const known = policy.knownHosts;
  if (!known) {
    return refuse('unknown', `unknown host key for ${where} (${presented}): add hostKey: ${fp} to the inventory, or configure a known_hosts file`);
  }
  switch (known.lookup(host, port, keyBlob)) {
    case 'match':
      return { ok: true, recorded: false, fingerprint: fp };
    case 'revoked':
      return refuse('revoked', `host key for ${where} (${presented}) is marked @revoked in ${known.file}; refusing to connect`);
    case 'mismatch':
      return refuse(
        'mismatch',
        `host key mismatch for ${where}: the device presented ${presented}, which is not the key recorded for it in ${known.file}; ` +
          `this may be a man-in-the-middle, and trust-on-first-use does not override a changed key. ` +
          `After verifying the new key out of band, remove the host's old line from ${known.file} or add hostKey: ${fp} to the inventory`,
      );
    case 'unknown':
      break;
  }
  if (!policy.trustOnFirstUse) {
    return refuse('unknown', `unknown host key for ${where} (${presented}): add hostKey: ${fp} to the inventory, or allow trust-on-first-use to record it in ${known.file}`);
  }
  try {
    known.record(host, port, keyBlob);
  } catch (err) {
    return refuse('unknown', `unknown host key for ${where} (${presented}) could not be recorded: ${(err as Error).message}`);
  }
  return { ok: true, recorded: true, fingerprint: fp };
}

/** The name OpenSSH looks up (and hashes): `host`, or `[host]:port` off port 22; lowercased as ssh does. */
function hostString(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** How messages name a device: host:port, bracketing an IPv6 address. */
function label(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function parseLine(raw: string): Entry | 'ignored' | 'malformed' {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return 'ignored';
  const tokens = line.split(/\s+/);
  let revoked = false;
  if (tokens[0]?.startsWith('@')) {
    const marker = tokens.shift();
    // capwatch does not do host certificates, so a CA line neither vouches for nor refuses any key.
    if (marker === '@cert-authority') return 'ignored';
    if (marker !== '@revoked') return 'malformed';
    revoked = true;
  }
  // Anything after the key is a comment.
  const [hostField, type, keyField] = tokens;
  if (hostField === undefined || type === undefined || keyField === undefined) return 'malformed';
  const hosts = parseHosts(hostField);
  const key = decodeBase64(keyField);
  if (!hosts || !key || keyType(key) !== type) return 'malformed';
  return { revoked, hosts, key };
}

function parseHosts(field: string): HostMatcher | undefined {
  if (field.startsWith('|')) {
    // |1|salt|hmac: HMAC-SHA1 keyed by the salt, both 20 bytes; a hashed field is one name, never a list.
    const [empty, magic, salt, hash, ...rest] = field.split('|');
    if (empty !== '' || magic !== '1' || salt === undefined || hash === undefined || rest.length > 0) return undefined;
    const s = decodeBase64(salt);
    const h = decodeBase64(hash);
    return s?.length === 20 && h?.length === 20 ? { kind: 'hashed', salt: s, hash: h } : undefined;
  }
  const patterns = field
    .split(',')
    .filter((p) => p !== '')
    .map((p) => (p.startsWith('!') ? { negated: true, glob: p.slice(1).toLowerCase() } : { negated: false, glob: p.toLowerCase() }));
  return patterns.length > 0 ? { kind: 'patterns', patterns } : undefined;
}

function hostMatches(hosts: HostMatcher, name: string): boolean {
  if (hosts.kind === 'hashed') return createHmac('sha1', hosts.salt).update(name).digest().equals(hosts.hash);
  // As OpenSSH's match_pattern_list: a matching negation excludes the host whatever else matches.
  let positive = false;
  for (const p of hosts.patterns) {
    if (!globMatch(name, p.glob)) continue;
    if (p.negated) return false;
    positive = true;
  }
  return positive;
}

/** `*` and `?` over the whole string; greedy with one backtrack point, so hostile patterns cost O(n·m), not exponential time. */
function globMatch(s: string, p: string): boolean {
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Buffer.from silently drops junk characters; a key or salt with any is malformed instead. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const buf = Buffer.from(text, 'base64');
  return buf.length > 0 ? buf : undefined;
}
