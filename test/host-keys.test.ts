import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Server, utils } from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireTool } from './helpers/tools.js';
import { fingerprint, keyType, KnownHosts, parseFingerprint, verifyHostKey, type HostKeyVerdict } from '../src/poll/host-keys.js';
import { ed25519Pair } from './helpers/ssh-keys.js';

// GitHub's published host keys and fingerprints (docs.github.com "GitHub's SSH key fingerprints"): an independent vector.
const GITHUB_ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const GITHUB_ED25519_FP = 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU';
const GITHUB_ECDSA =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=';
const GITHUB_ECDSA_FP = 'SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM';
// paramiko's test_hostkeys.py: this hashed field is "foo.example.com".
const HASHED_FOO = '|1|BMsIC6cUIP2zBuXR3t2LRcJYjzM=|hpkJMysjTk/+zzUUzxQEa2ieq6c=';

const hasSshKeygen = requireTool('ssh-keygen');

function newKey(type: 'ed25519' | 'ecdsa'): { blob: Buffer; privateKey: string; publicLine: string } {
  const pair = type === 'ed25519' ? ed25519Pair() : utils.generateKeyPairSync('ecdsa', { bits: 256 });
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  return { blob: parsed.getPublicSSH(), privateKey: pair.private, publicLine: pair.public };
}

const ed = newKey('ed25519');
const ed2 = newKey('ed25519');
const ec = newKey('ecdsa');
const b64 = (blob: Buffer): string => blob.toString('base64');

function refused(v: HostKeyVerdict): Extract<HostKeyVerdict, { ok: false }> {
  if (v.ok) throw new Error(`expected a refusal, got ${JSON.stringify(v)}`);
  return v;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capwatch-hostkeys-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function hostsFile(lines: string[]): string {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('fingerprint, keyType, parseFingerprint', () => {
  it('matches the SHA256 fingerprints GitHub publishes for its host keys', () => {
    expect(fingerprint(Buffer.from(GITHUB_ED25519, 'base64'))).toBe(GITHUB_ED25519_FP);
    expect(fingerprint(Buffer.from(GITHUB_ECDSA, 'base64'))).toBe(GITHUB_ECDSA_FP);
  });

  it.skipIf(!hasSshKeygen)('agrees with ssh-keygen -lf on generated keys', () => {
    for (const k of [ed, ec]) {
      const pub = join(dir, 'key.pub');
      writeFileSync(pub, k.publicLine + '\n');
      expect(execFileSync('ssh-keygen', ['-lf', pub, '-E', 'sha256'], { encoding: 'utf8' }).split(' ')[1]).toBe(fingerprint(k.blob));
    }
  });

  it('names the key type inside the blob and is undefined (never throws) for malformed blobs', () => {
    expect(keyType(Buffer.from(GITHUB_ED25519, 'base64'))).toBe('ssh-ed25519');
    expect(keyType(ec.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyType(ed.blob)).toBe('ssh-ed25519');
    const lengthOnly = Buffer.from([0, 0, 0, 11]);
    const typeOnly = Buffer.concat([lengthOnly, Buffer.from('ssh-ed25519')]);
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    const binaryName = Buffer.from([0, 0, 0, 2, 0x00, 0x0a, 9, 9]);
    for (const bad of [Buffer.alloc(0), Buffer.from([0, 0]), lengthOnly, typeOnly, huge, binaryName, Buffer.alloc(8), randomBytes(4096)]) {
      expect(keyType(bad)).toBeUndefined();
      expect(() => fingerprint(bad)).not.toThrow();
    }
    expect(fingerprint(Buffer.alloc(0))).toBe('SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('parses a fingerprint with or without padding and whitespace, rejecting anything else', () => {
    expect(parseFingerprint(GITHUB_ED25519_FP)).toBe(GITHUB_ED25519_FP);
    expect(parseFingerprint(`  ${GITHUB_ED25519_FP}=\n`)).toBe(GITHUB_ED25519_FP);
    for (const bad of [
      '',
      'SHA256:',
      GITHUB_ED25519_FP.slice(0, -1),
      GITHUB_ED25519_FP + 'A',
      GITHUB_ED25519_FP + '==',
      GITHUB_ED25519_FP.replace('SHA256', 'sha256'),
      'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48',
      GITHUB_ED25519_FP.replace('+', '-'),
      // The last character of a 32-byte digest carries 4 bits; 'V' sets unused ones, so no digest prints this.
      GITHUB_ED25519_FP.slice(0, -1) + 'V',
    ]) {
      expect(parseFingerprint(bad), bad).toBeUndefined();
    }
  });
});

describe('pinned host keys', () => {
  it('accepts only the pinned fingerprint, padded or not, without consulting known_hosts', () => {
    const knownHosts = KnownHosts.load(hostsFile([`r1 ssh-ed25519 ${b64(ed2.blob)}`]));
    const fp = fingerprint(ed.blob);
    expect(verifyHostKey({ pinned: fp, knownHosts, trustOnFirstUse: true }, 'r1', 22, ed.blob)).toEqual({ ok: true, recorded: false, fingerprint: fp });
    expect(verifyHostKey({ pinned: `${fp}=`, knownHosts, trustOnFirstUse: false }, 'r1', 22, ed.blob).ok).toBe(true);
    // known_hosts would have called this a match; the pin still decides.
    expect(verifyHostKey({ pinned: fp, knownHosts, trustOnFirstUse: true }, 'r1', 22, ed2.blob).ok).toBe(false);
    expect(readFileSync(knownHosts.file, 'utf8')).toBe(`r1 ssh-ed25519 ${b64(ed2.blob)}\n`);
  });

  it('refuses a pinned mismatch showing both fingerprints, even with trust-on-first-use', () => {
    const v = refused(verifyHostKey({ pinned: fingerprint(ed.blob), trustOnFirstUse: true }, 'core-sw1', 830, ec.blob));
    expect(v.reason).toBe('mismatch');
    expect(v.fingerprint).toBe(fingerprint(ec.blob));
    expect(v.message).toContain('core-sw1:830');
    expect(v.message).toContain(fingerprint(ed.blob));
    expect(v.message).toContain(fingerprint(ec.blob));
    expect(v.message).toMatch(/update hostKey in the inventory/);
  });
});

describe('known_hosts decisions', () => {
  it('refuses an unknown host without trust-on-first-use, saying what to do, and creates no file', () => {
    const file = join(dir, 'ssh', 'known_hosts');
    const knownHosts = KnownHosts.load(file);
    expect(knownHosts.skipped).toBe(0);
    const v = refused(verifyHostKey({ knownHosts, trustOnFirstUse: false }, 'edge1.example.net', 22, ed.blob));
    expect(v.reason).toBe('unknown');
    expect(v.message).toContain('edge1.example.net:22');
    expect(v.message).toContain(`add hostKey: ${fingerprint(ed.blob)} to the inventory, or allow trust-on-first-use`);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses an unknown host when there is neither a pin nor a known_hosts file, even with trust-on-first-use', () => {
    expect(refused(verifyHostKey({ trustOnFirstUse: true }, 'r1', 22, ed.blob)).reason).toBe('unknown');
  });

  it('records an unknown host with trust-on-first-use: mode 0600, one line, matched after reloading', () => {
    const file = join(dir, 'nested', 'ssh', 'known_hosts');
    const knownHosts = KnownHosts.load(file);
    const policy = { knownHosts, trustOnFirstUse: true };
    expect(verifyHostKey(policy, 'Edge1.Example.NET', 22, ed.blob)).toEqual({ ok: true, recorded: true, fingerprint: fingerprint(ed.blob) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`edge1.example.net ssh-ed25519 ${b64(ed.blob)}\n`);
    expect(verifyHostKey(policy, 'edge1.example.net', 22, ed.blob)).toEqual({ ok: true, recorded: false, fingerprint: fingerprint(ed.blob) });
    knownHosts.record('edge1.example.net', 22, ed.blob);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(2);

    const reloaded = KnownHosts.load(file);
    expect(reloaded.lookup('edge1.example.net', 22, ed.blob)).toBe('match');
    expect(verifyHostKey({ knownHosts: reloaded, trustOnFirstUse: false }, 'EDGE1.example.net', 22, ed.blob).ok).toBe(true);
  });

  it('never lets trust-on-first-use override a changed key, of the same or another type', () => {
    const file = hostsFile([`r1 ssh-ed25519 ${b64(ed.blob)}`]);
    const knownHosts = KnownHosts.load(file);
    for (const other of [ed2.blob, ec.blob]) {
      expect(knownHosts.lookup('r1', 22, other)).toBe('mismatch');
      const v = refused(verifyHostKey({ knownHosts, trustOnFirstUse: true }, 'r1', 22, other));
      expect(v.reason).toBe('mismatch');
      expect(v.message).toContain('r1:22');
      expect(v.message).toContain(fingerprint(other));
      expect(v.message).toContain(file);
    }
    expect(readFileSync(file, 'utf8')).toBe(`r1 ssh-ed25519 ${b64(ed.blob)}\n`);
  });

  it('uses the [host]:port form off port 22, also for IPv6', () => {
    const knownHosts = KnownHosts.load(join(dir, 'known_hosts'));
    knownHosts.record('r1', 2222, ed.blob);
    knownHosts.record('fe80::1', 22, ec.blob);
    knownHosts.record('fe80::1', 830, ed.blob);
    expect(readFileSync(knownHosts.file, 'utf8')).toBe(
      `[r1]:2222 ssh-ed25519 ${b64(ed.blob)}\nfe80::1 ecdsa-sha2-nistp256 ${b64(ec.blob)}\n[fe80::1]:830 ssh-ed25519 ${b64(ed.blob)}\n`,
    );
    const reloaded = KnownHosts.load(knownHosts.file);
    expect(reloaded.lookup('r1', 2222, ed.blob)).toBe('match');
    expect(reloaded.lookup('r1', 22, ed.blob)).toBe('unknown');
    expect(reloaded.lookup('FE80::1', 22, ec.blob)).toBe('match');
    expect(reloaded.lookup('fe80::1', 830, ed.blob)).toBe('match');
    expect(reloaded.lookup('fe80::1', 830, ec.blob)).toBe('mismatch');
    expect(refused(verifyHostKey({ knownHosts: reloaded, trustOnFirstUse: false }, 'fe80::1', 2022, ed.blob)).message).toContain('[fe80::1]:2022');
  });

  it('matches hashed hostnames (|1|salt|hmac), including the bracketed port form', () => {
    const file = hostsFile([
      `${HASHED_FOO} ssh-ed25519 ${GITHUB_ED25519}`,
      // "[foo.example.com]:2222" with salt 00 01 … 13, its HMAC computed once outside this code and fixed here.
      `|1|AAECAwQFBgcICQoLDA0ODxAREhM=|QVVDJKgdTJC3/ZK8LZMgCQuozfA= ssh-ed25519 ${b64(ed.blob)}`,
    ]);
    const knownHosts = KnownHosts.load(file);
    expect(knownHosts.skipped).toBe(0);
    const github = Buffer.from(GITHUB_ED25519, 'base64');
    expect(knownHosts.lookup('foo.example.com', 22, github)).toBe('match');
    expect(knownHosts.lookup('FOO.example.com', 22, github)).toBe('match');
    expect(knownHosts.lookup('foo.example.com', 22, ed.blob)).toBe('mismatch');
    expect(knownHosts.lookup('bar.example.com', 22, github)).toBe('unknown');
    expect(knownHosts.lookup('foo.example.com', 2222, ed.blob)).toBe('match');
    expect(knownHosts.lookup('foo.example.com', 2223, ed.blob)).toBe('unknown');
  });

  it.skipIf(!hasSshKeygen)('writes lines ssh-keygen -F finds, and reads them back after ssh-keygen -H hashes them', () => {
    const file = join(dir, 'known_hosts');
    const recorder = KnownHosts.load(file);
    recorder.record('r1.example.com', 22, ed.blob);
    recorder.record('r2.example.com', 2222, ec.blob);
    const find = (name: string): string => execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
    expect(find('r1.example.com')).toContain(`ssh-ed25519 ${b64(ed.blob)}`);
    expect(find('[r2.example.com]:2222')).toContain(`ecdsa-sha2-nistp256 ${b64(ec.blob)}`);

    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).not.toContain('example.com');
    const knownHosts = KnownHosts.load(file);
    expect(knownHosts.skipped).toBe(0);
    expect(knownHosts.lookup('r1.example.com', 22, ed.blob)).toBe('match');
    expect(knownHosts.lookup('r2.example.com', 2222, ec.blob)).toBe('match');
    expect(knownHosts.lookup('r2.example.com', 22, ec.blob)).toBe('unknown');
  });

  it('applies wildcard and negated patterns, case-insensitively', () => {
    const knownHosts = KnownHosts.load(
      hostsFile([
        `*.LAB.example.com,!bad.lab.example.com ssh-ed25519 ${b64(ed.blob)}`,
        `10.0.0.?,[10.1.*]:2222 ssh-ed25519 ${b64(ed2.blob)}`,
        `[::1]:830,::1 ecdsa-sha2-nistp256 ${b64(ec.blob)}`,
      ]),
    );
    expect(knownHosts.lookup('sw1.lab.example.com', 22, ed.blob)).toBe('match');
    expect(knownHosts.lookup('SW1.Lab.Example.Com', 22, ed.blob)).toBe('match');
    expect(knownHosts.lookup('bad.lab.example.com', 22, ed.blob)).toBe('unknown');
    expect(knownHosts.lookup('lab.example.com', 22, ed.blob)).toBe('unknown');
    expect(knownHosts.lookup('10.0.0.7', 22, ed2.blob)).toBe('match');
    expect(knownHosts.lookup('10.0.0.17', 22, ed2.blob)).toBe('unknown');
    expect(knownHosts.lookup('10.1.2.3', 2222, ed2.blob)).toBe('match');
    expect(knownHosts.lookup('10.1.2.3', 22, ed2.blob)).toBe('unknown');
    expect(knownHosts.lookup('::1', 830, ec.blob)).toBe('match');
    expect(knownHosts.lookup('::1', 22, ec.blob)).toBe('match');
  });

  it('refuses a @revoked key even where another line lists it, and trust-on-first-use cannot record it', () => {
    const knownHosts = KnownHosts.load(
      hostsFile([`r1 ssh-ed25519 ${b64(ed.blob)}`, `@revoked * ssh-ed25519 ${b64(ed.blob)}`, `@revoked r9 ssh-ed25519 ${b64(ed2.blob)}`]),
    );
    expect(knownHosts.lookup('r1', 22, ed.blob)).toBe('revoked');
    expect(knownHosts.lookup('r2', 22, ed.blob)).toBe('revoked');
    expect(knownHosts.lookup('r2', 22, ed2.blob)).toBe('unknown');
    const v = refused(verifyHostKey({ knownHosts, trustOnFirstUse: true }, 'r2', 22, ed.blob));
    expect(v.reason).toBe('revoked');
    expect(v.message).toContain('@revoked');
    expect(v.message).toContain(fingerprint(ed.blob));
    // A revocation names a bad key, it does not make r9 known: trust-on-first-use may record another key.
    expect(verifyHostKey({ knownHosts, trustOnFirstUse: true }, 'r9', 22, ec.blob)).toMatchObject({ ok: true, recorded: true });
    expect(knownHosts.lookup('r9', 22, ed2.blob)).toBe('revoked');
  });

  it('skips @cert-authority lines without counting them as malformed', () => {
    const knownHosts = KnownHosts.load(hostsFile([`@cert-authority *.example.com ssh-ed25519 ${b64(ed.blob)}`]));
    expect(knownHosts.skipped).toBe(0);
    expect(knownHosts.lookup('r1.example.com', 22, ed.blob)).toBe('unknown');
  });

  it('ignores comments, blank lines, tabs, CRLF and trailing comments; counts malformed lines', () => {
    const good = b64(ed.blob);
    const knownHosts = KnownHosts.load(
      hostsFile([
        '# a comment',
        '   # an indented comment',
        '',
        '   ',
        `tabbed\tssh-ed25519\t${good}`,
        `crlf ssh-ed25519 ${good}\r`,
        `  trailing ssh-ed25519 ${good} ops@jump 2024-01-01`,
        // malformed:
        'just-a-hostname',
        'two-tokens ssh-ed25519',
        'garbage ssh-ed25519 !!!not-base64!!!',
        'short ssh-rsa AAAA',
        `wrong-type ssh-rsa ${good}`,
        `@bogus host ssh-ed25519 ${good}`,
        `@revoked`,
        `|1|c2hvcnQ=|hpkJMysjTk/+zzUUzxQEa2ieq6c= ssh-ed25519 ${good}`,
        `|2|BMsIC6cUIP2zBuXR3t2LRcJYjzM=|hpkJMysjTk/+zzUUzxQEa2ieq6c= ssh-ed25519 ${good}`,
        `, ssh-ed25519 ${good}`,
        `long ssh-ed25519 ${good} ${'x'.repeat(17 * 1024)}`,
      ]),
    );
    expect(knownHosts.skipped).toBe(11);
    for (const host of ['tabbed', 'crlf', 'trailing']) expect(knownHosts.lookup(host, 22, ed.blob), host).toBe('match');
    for (const host of ['wrong-type', 'long', 'host']) expect(knownHosts.lookup(host, 22, ed.blob), host).toBe('unknown');
  });

  it('survives a 1 MB binary file and still reads a valid line after it', () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, randomBytes(1024 * 1024));
    appendFileSync(file, `\nr1 ssh-ed25519 ${b64(ed.blob)}\n`);
    let knownHosts: KnownHosts | undefined;
    expect(() => (knownHosts = KnownHosts.load(file))).not.toThrow();
    expect(knownHosts?.skipped).toBeGreaterThan(0);
    expect(knownHosts?.lookup('r1', 22, ed.blob)).toBe('match');
    expect(KnownHosts.load(hostsFile(['x'])).lookup('r1', 22, ed.blob)).toBe('unknown');
  });

  it('does not throw on a malformed presented key, and will not record one', () => {
    const knownHosts = KnownHosts.load(hostsFile([`r1 ssh-ed25519 ${b64(ed.blob)}`]));
    for (const bad of [Buffer.alloc(0), randomBytes(64), Buffer.from([0, 0, 0, 200])]) {
      expect(knownHosts.lookup('r1', 22, bad)).toBe('mismatch');
      expect(knownHosts.lookup('r2', 22, bad)).toBe('unknown');
      const v = refused(verifyHostKey({ knownHosts, trustOnFirstUse: true }, 'r2', 22, bad));
      expect(v.reason).toBe('unknown');
      expect(v.message).toMatch(/malformed/);
    }
    expect(readFileSync(knownHosts.file, 'utf8')).toBe(`r1 ssh-ed25519 ${b64(ed.blob)}\n`);
  });

  it('refuses to record a host name that would be written as a pattern or a forged line', () => {
    const knownHosts = KnownHosts.load(join(dir, 'known_hosts'));
    for (const host of ['*', 'a b', '!r1', '|1|x', '@revoked', 'r1,r2', `r1\nevil ssh-ed25519 ${b64(ed2.blob)}`, '']) {
      expect(() => knownHosts.record(host, 22, ed.blob), JSON.stringify(host)).toThrow(/refusing to record host/);
    }
    expect(() => knownHosts.record('r1', 0, ed.blob)).toThrow(/not a TCP port/);
    expect(refused(verifyHostKey({ knownHosts, trustOnFirstUse: true }, 'r*', 22, ed.blob)).message).toMatch(/could not be recorded/);
    expect(existsSync(knownHosts.file)).toBe(false);
  });

  it('starts a new line when the file does not end with one, and keeps an existing file mode', () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `r1 ssh-ed25519 ${b64(ed.blob)}`, { mode: 0o644 });
    const knownHosts = KnownHosts.load(file);
    knownHosts.record('r2', 22, ec.blob);
    expect(readFileSync(file, 'utf8')).toBe(`r1 ssh-ed25519 ${b64(ed.blob)}\nr2 ecdsa-sha2-nistp256 ${b64(ec.blob)}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(KnownHosts.load(file).lookup('r1', 22, ed.blob)).toBe('match');
  });

  it('refuses to read a directory as a known_hosts file', () => {
    expect(() => KnownHosts.load(dir)).toThrow(/not a regular file/);
  });
});

describe('with ssh2', () => {
  it('hands hostVerifier the wire blob these functions expect, and a refusal ends the connection before authentication', async () => {
    let authAttempts = 0;
    const server = new Server({ hostKeys: [ed.privateKey] }, (client) => {
      client.on('authentication', (ctx) => {
        authAttempts++;
        ctx.reject();
      });
      client.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const knownHosts = KnownHosts.load(join(dir, 'known_hosts'));

    const attempt = (trustOnFirstUse: boolean): Promise<{ verdict?: HostKeyVerdict; error?: Error }> =>
      new Promise((resolve) => {
        const out: { verdict?: HostKeyVerdict; error?: Error } = {};
        const conn = new Client();
        conn.on('error', (error) => {
          out.error = error;
          conn.end();
          resolve(out);
        });
        conn.on('ready', () => {
          conn.end();
          resolve(out);
        });
        conn.connect({
          host: '127.0.0.1',
          port,
          username: 'capwatch',
          password: 'not-sent',
          hostVerifier: (key: Buffer) => {
            out.verdict = verifyHostKey({ knownHosts, trustOnFirstUse }, '127.0.0.1', port, key);
            return out.verdict.ok;
          },
        });
      });

    try {
      const first = await attempt(false);
      expect(first.verdict).toMatchObject({ ok: false, reason: 'unknown', fingerprint: fingerprint(ed.blob) });
      expect(first.error?.message).toMatch(/verification failed/i);
      expect(authAttempts).toBe(0);

      const second = await attempt(true);
      expect(second.verdict).toEqual({ ok: true, recorded: true, fingerprint: fingerprint(ed.blob) });
      expect(readFileSync(knownHosts.file, 'utf8')).toBe(`[127.0.0.1]:${port} ssh-ed25519 ${b64(ed.blob)}\n`);
      expect(authAttempts).toBeGreaterThan(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
