// The tacacs config section: when the listener starts, keys from the environment, errors that never echo a key.
import { describe, expect, it } from 'vitest';
import { buildConfig, ConfigError } from '../src/config.js';

const LONG_KEY = 'a-shared-secret-of-forty-four-characters-!!';

function problems(input: unknown, env: NodeJS.ProcessEnv = {}): string {
  try {
    buildConfig(input, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('tacacs config', () => {
  it('is off without clients and on (port 4949) as soon as one is configured', () => {
    expect(buildConfig({}).tacacs).toMatchObject({ enabled: false, port: 4949, clients: [] });
    const t = buildConfig({ tacacs: { clients: [{ network: '10.0.0.0/8', key: LONG_KEY }] } }).tacacs;
    expect(t).toMatchObject({ enabled: true, port: 4949, host: '0.0.0.0', tls: { enabled: false, port: 300 } });
    expect(t.clients[0]?.key).toBe(LONG_KEY);
  });

  it('takes keys from ${ENV}, several per client for rotation', () => {
    const t = buildConfig({ tacacs: { clients: [{ network: '192.0.2.0/24', keys: ['${NEW_KEY}', '${OLD_KEY}'] }] } }, { NEW_KEY: LONG_KEY, OLD_KEY: 'old' }).tacacs;
    expect(t.clients[0]?.keys).toEqual([LONG_KEY, 'old']);
  });

  it('names the bad key without echoing any secret', () => {
    const shape = problems({ tacacs: { clients: [{ network: '10.1.0.0/16', key: '' }, { network: '10.2.0.0/16', key: LONG_KEY, secret: LONG_KEY }, { network: '10.3.0.0/16', keys: LONG_KEY }] } });
    expect(shape).toContain('tacacs.clients[0].key');
    expect(shape).toContain('tacacs.clients[1].secret: unknown key');
    expect(shape).toContain('tacacs.clients[2].keys: must be array');
    expect(shape).not.toContain(LONG_KEY);
    const msg = problems({ tacacs: { clients: [{ network: 'not-a-network', key: LONG_KEY }, { network: '10.0.0.0/8' }] } });
    expect(msg).toContain('tacacs.clients[0].network: not a CIDR network');
    expect(msg).toContain('tacacs.clients[1]: needs key or keys');
    expect(msg).not.toContain(LONG_KEY);
  });

  it('refuses an enabled listener no client may use, and TLS without client-certificate CA', () => {
    expect(problems({ tacacs: { enabled: true } })).toContain('tacacs.clients');
    expect(problems({ tacacs: { clients: [{ network: '::1', key: 'k' }], tls: { enabled: true, cert: 'c.pem', key: 'k.pem' } } })).toContain('tacacs.tls: enabled needs cert, key and ca');
  });
});
