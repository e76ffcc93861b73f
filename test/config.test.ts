import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, loadConfig } from '../src/config.js';
import { configProblems as problems } from './helpers/config.js';
import { tempDir } from './helpers/tmp.js';

describe('configuration', () => {
  it('embedded defaults match DESIGN.md: syslog 5514 UDP+TCP, API on 127.0.0.1:8080, ./data/capwatch.db', () => {
    const c = buildConfig({});
    expect(c.syslog.udp).toMatchObject({ enabled: true, port: 5514 });
    expect(c.syslog.tcp).toMatchObject({ enabled: true, port: 5514, maxFrameBytes: 65536 });
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 8080, allowedHosts: [], bodyLimitBytes: 1024 * 1024, cors: { origins: [] } });
    expect(c.http.auth).toEqual({ tokens: [], users: [], sessionIdleMinutes: 30, sessionMaxHours: 12 });
    expect(c.storage.path).toBe('./data/capwatch.db');
    expect(c.incidents).toEqual({ windowSeconds: 600, dedupeSeconds: 5, cacheSize: 10_000 });
  });

  it('expands ${ENV} and ${ENV:-default}, coercing numbers', () => {
    const c = buildConfig({ syslog: { udp: { port: '${SYSLOG_PORT}' } }, storage: { path: '${DATA:-/var/lib/capwatch}/db' } }, { SYSLOG_PORT: '1514' });
    expect(c.syslog.udp.port).toBe(1514);
    expect(c.storage.path).toBe('/var/lib/capwatch/db');
  });

  it('names every bad key with its problem', () => {
    expect(problems({ syslog: { udp: { prot: 1 } }, http: { port: 99999 }, log: { level: 'chatty' } })).toEqual(
      expect.arrayContaining(['syslog.udp.prot: unknown key', 'http.port: must be <= 65535', expect.stringMatching(/^log\.level: must be one of/)]),
    );
    expect(problems({ nonsense: true })).toEqual(['nonsense: unknown key']);
    expect(problems({ detection: { collectors: ['10.0.0.0/8', 'everywhere'] } })).toEqual(['detection.collectors[1]: not a CIDR network (got "everywhere")']);
    expect(problems({ syslog: { tls: { enabled: true } } })).toEqual(['syslog.tls: enabled needs both cert and key (PEM file paths)']);
    expect(problems({ syslog: { relp: { tls: { enabled: true, cert: '/c.pem' } } } })).toEqual(['syslog.relp.tls: enabled needs both cert and key (PEM file paths)']);
    expect(problems({ syslog: { relp: { maxDataBytes: 10 } } })).toEqual(['syslog.relp.maxDataBytes: must be >= 1024']);
    expect(problems({ http: { publicUrl: 'javascript:alert(1)' } })[0]).toMatch(/^http\.publicUrl: must match pattern/);
  });

  it('refuses to serve the API beyond loopback with nobody configured to log in, and names bad auth entries without their secrets', () => {
    expect(problems({ http: { host: '0.0.0.0' } })).toEqual([
      'http.host: 0.0.0.0 is reachable from other machines, so http.auth needs users, tokens or oidc (or bind 127.0.0.1)',
    ]);
    expect(problems({ http: { host: '::1' } })).toEqual([]);
    const sha = 'a'.repeat(64);
    expect(problems({ http: { host: '0.0.0.0', auth: { tokens: [{ name: 'grafana', role: 'viewer', sha256: sha }] } } })).toEqual([]);
    const bad = problems({
      http: {
        auth: {
          tokens: [
            { name: 'ci', role: 'root', sha256: 'not-a-hash-s3cret' },
            { name: 'x', role: 'viewer', sha256: sha },
            { name: 'x', role: 'admin', sha256: sha },
          ],
          users: [{ name: 'alice', role: 'admin', passwordHash: 'hunter2' }],
        },
      },
    });
    expect(bad).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^http\.auth\.tokens\[0\]\.role: must be one of viewer, operator, admin/),
        expect.stringMatching(/^http\.auth\.tokens\[0\]\.sha256: must match pattern/),
        expect.stringMatching(/^http\.auth\.users\[0\]\.passwordHash: must match pattern/),
      ]),
    );
    expect(bad.join('\n')).not.toMatch(/s3cret|hunter2/);
    expect(problems({ http: { auth: { tokens: [{ name: 'x', role: 'viewer', sha256: sha }, { name: 'x', role: 'admin', sha256: sha }] } } })).toEqual([
      'http.auth.tokens[1].name: "x" is used twice',
    ]);
    expect(problems({ http: { tls: { cert: '/c.pem' } } })).toEqual(['http.tls: needs both cert and key (PEM file paths)']);
    expect(problems({ http: { auth: { oidc: { issuer: 'https://idp.example', clientId: 'capwatch' } } } })).toEqual([
      'http.auth.oidc: needs http.publicUrl (the redirect URI is <publicUrl>/auth/oidc/callback)',
      'http.auth.oidc.roles: map at least one claim value to a role (admin, operator or viewer)',
    ]);
  });

  it('reports a missing environment variable by key without printing other values', () => {
    expect(problems({ detection: { collectors: ['${COLLECTOR_NET}'] } })).toEqual(['detection.collectors[0]: environment variable COLLECTOR_NET is not set']);
  });

  it('turns TLS on when a certificate and key are given', () => {
    expect(buildConfig({ syslog: { tls: { cert: '/c.pem', key: '/k.pem' } } }).syslog.tls.enabled).toBe(true);
    const relp = buildConfig({ syslog: { relp: { tls: { cert: '/c.pem', key: '/k.pem' } } } }).syslog.relp;
    expect(relp.tls.enabled).toBe(true);
    expect(relp.enabled).toBe(false); // RELP is off by default; TLS alone turns on only the TLS listener
    expect(buildConfig({}).syslog.relp).toMatchObject({ enabled: false, port: 2514, maxDataBytes: 131072 });
  });

  it('the example configuration shipped beside the README loads, and says what the container needs set', () => {
    const example = join(import.meta.dirname, '..', 'capwatch.example.yaml');
    expect(loadConfig(example, { CAPWATCH_ADMIN_TOKEN_SHA256: 'ab'.repeat(32) }).http.auth.tokens).toEqual([{ name: 'admin', role: 'admin', sha256: 'ab'.repeat(32) }]);
    expect(() => loadConfig(example, {})).toThrow(/http\.auth\.tokens\[0\]\.sha256: environment variable CAPWATCH_ADMIN_TOKEN_SHA256 is not set/);
  });

  it('loadConfig explains unreadable files and bad YAML', () => {
    expect(() => loadConfig('/nonexistent.yaml')).toThrow(/cannot read \(ENOENT\)/);
    const dir = tempDir('capwatch-cfg-');
    const f = join(dir, 'c.yaml');
    writeFileSync(f, 'syslog: [unclosed\n');
    expect(() => loadConfig(f)).toThrow(/not valid YAML/);
  });
});
