// The parts of access control that need no server: password hashes, token matching, session lifetimes, Host names.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hashPassword, isPasswordHash, verifyPassword, DECOY_HASH } from '../src/api/auth/passwords.js';
import { SessionStore } from '../src/api/auth/sessions.js';
import { newToken, sha256Hex, TokenSet } from '../src/api/auth/tokens.js';
import { allowedHosts, hostAllowed } from '../src/api/hosts.js';

describe('password hashes', () => {
  it('verify the password they were made from and nothing else; the PHC string names scrypt and its cost', async () => {
    const hash = await hashPassword('correct horse battery staple', { ln: 10, r: 8, p: 1 });
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(hash).not.toContain('horse');
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapl')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
    // Two hashes of one password differ (salted).
    expect(await hashPassword('x'.repeat(12), { ln: 10, r: 8, p: 1 })).not.toBe(await hashPassword('x'.repeat(12), { ln: 10, r: 8, p: 1 }));
  });

  it('the default cost is OWASP scrypt (N=2^17) and the decoy for unknown users is a real hash of that cost', async () => {
    const hash = await hashPassword('a password of some length');
    expect(hash.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
    expect(isPasswordHash(DECOY_HASH)).toBe(true);
    expect(DECOY_HASH.startsWith('$scrypt$ln=17,r=8,p=1$')).toBe(true);
  });

  it('refuse malformed or absurd hashes instead of throwing', async () => {
    for (const bad of ['', 'hunter2', '$scrypt$ln=40,r=8,p=1$AAAA$AAAA', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', '$scrypt$ln=17,r=8,p=1$$']) {
      expect(isPasswordHash(bad)).toBe(false);
      expect(await verifyPassword(bad, 'hunter2')).toBe(false);
    }
  });
});

describe('API tokens', () => {
  it('a token matches only its own SHA-256 entry, whatever the case of the configured hex', () => {
    const a = newToken();
    const b = newToken();
    expect(a).toMatch(/^cw_[A-Za-z0-9_-]{43}$/);
    const set = new TokenSet([
      { name: 'grafana', role: 'viewer', sha256: sha256Hex(a).toUpperCase() },
      { name: 'soar', role: 'operator', sha256: sha256Hex(b) },
    ]);
    expect(set.find(a)).toEqual({ name: 'grafana', role: 'viewer', method: 'token' });
    expect(set.find(b)?.name).toBe('soar');
    expect(set.find(`${a}x`)).toBeUndefined();
    expect(set.find('')).toBeUndefined();
    expect(set.find(sha256Hex(a))).toBeUndefined();
    expect(set.roleOf('soar')).toBe('operator');
    expect(set.roleOf('gone')).toBeUndefined();
  });
});

describe('login sessions', () => {
  function store(now: { t: number }) {
    const db = new Database(':memory:');
    return { db, sessions: new SessionStore(db, { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000, now: () => now.t }) };
  }

  it('end after the idle time without requests, and after the absolute lifetime however busy', () => {
    const now = { t: Date.UTC(2026, 11, 4, 8) };
    const { sessions } = store(now);
    const { id } = sessions.create({ name: 'alice', role: 'operator', method: 'password' }, '127.0.0.1');
    now.t += 29 * 60_000;
    expect(sessions.get(id)?.principal).toMatchObject({ name: 'alice', role: 'operator', sessionId: id });
    now.t += 29 * 60_000; // active 29 minutes ago: still in
    expect(sessions.get(id)).toBeDefined();
    now.t += 31 * 60_000; // idle 31 minutes
    expect(sessions.get(id)).toBeUndefined();

    const busy = sessions.create({ name: 'bob', role: 'viewer', method: 'password' }, '127.0.0.1');
    for (let i = 0; i < 12 * 4; i++) {
      expect(sessions.get(busy.id)).toBeDefined();
      now.t += 15 * 60_000;
    }
    expect(sessions.get(busy.id)).toBeUndefined();
  });

  it('keep only a hash of the cookie value, and forget ended sessions', () => {
    const now = { t: 1_000_000 };
    const { db, sessions } = store(now);
    const { id } = sessions.create({ name: 'alice', role: 'admin', method: 'token' }, '::1');
    const rows = db.prepare('SELECT * FROM http_sessions').all() as Array<Record<string, unknown>>;
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(rows[0]!.id_hash).toBe(sha256Hex(id));
    sessions.delete(id);
    expect(sessions.get(id)).toBeUndefined();
    sessions.create({ name: 'x', role: 'viewer', method: 'password' }, '::1');
    now.t += 13 * 3_600_000;
    expect(sessions.expire()).toBe(1);
    expect(sessions.get('not-a-session')).toBeUndefined();
  });

  it('a secret made once stays the same', () => {
    const { sessions } = store({ t: 0 });
    const a = sessions.secret('csrf-hmac');
    expect(a.length).toBe(32);
    expect(sessions.secret('csrf-hmac').equals(a)).toBe(true);
    expect(sessions.secret('other').equals(a)).toBe(false);
  });
});

describe('Host names (DNS rebinding)', () => {
  it('accepts loopback names, the public URL, allowed names and the bound address, ports ignored; refuses the rest', () => {
    const hosts = allowedHosts({ host: '192.0.2.10', publicUrl: 'https://CapWatch.example.net/', allowedHosts: ['noc-wall'] }, {});
    for (const ok of ['localhost:8080', '127.0.0.1', '[::1]:8080', 'capwatch.example.net', 'capwatch.example.net.:443', 'noc-wall', '192.0.2.10:8080']) expect(hostAllowed(ok, hosts), ok).toBe(true);
    for (const bad of [undefined, '', 'attacker.example', 'capwatch.example.net.attacker.example', '192.0.2.11', '[::1', 'localhost.attacker.example']) expect(hostAllowed(bad, hosts), String(bad)).toBe(false);
  });

  it('bound to every address, each of the machine\'s own addresses is a name', () => {
    const hosts = allowedHosts({ host: '0.0.0.0', allowedHosts: [] }, { eth0: [{ address: '10.1.2.3', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: '10.1.2.3/8' }] });
    expect(hostAllowed('10.1.2.3:8080', hosts)).toBe(true);
    expect(hostAllowed('10.1.2.4:8080', hosts)).toBe(false);
  });
});
