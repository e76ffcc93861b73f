// A newcomer's way in: with no user, token or identity provider configured, capwatch makes one admin token at first
// start and keeps it in a file beside the database (mode 0600), so that `npm start` gives a console one can log into
// without reading any documentation first. Configuring http.auth retires it.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TokenEntry } from '../config.js';
import { newToken, sha256Hex } from './tokens.js';

export interface BootstrapToken {
  file: string;
  token: string;
  /** Made just now (first start), rather than read from an earlier one. */
  created: boolean;
  entry: TokenEntry;
}

export const BOOTSTRAP_NAME = 'admin';

export function bootstrapToken(storagePath: string): BootstrapToken {
  const file = join(storagePath === ':memory:' ? '.' : dirname(storagePath), 'admin-token');
  let token: string | undefined;
  let created = false;
  try {
    token = readFileSync(file, 'utf8').trim();
    // A token file others can read is a token others have: tighten it rather than trust it silently.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!token) {
    token = newToken();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'w' });
    created = true;
  }
  return { file, token, created, entry: { name: BOOTSTRAP_NAME, role: 'admin', sha256: sha256Hex(token) } };
}
