// API tokens: the configuration holds each token's SHA-256, never the token. A presented token is hashed once and
// compared with every entry in constant time, so neither a match nor its position leaks through timing.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from '../config.js';
import type { Principal } from './roles.js';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A new token: 32 random bytes, base64url, prefixed so that secret scanners recognise it. */
export function newToken(): string {
  return `cw_${randomBytes(32).toString('base64url')}`;
}

export class TokenSet {
  private readonly entries: Array<{ digest: Buffer; principal: Principal }>;

  constructor(tokens: readonly TokenEntry[]) {
    this.entries = tokens.map((t) => ({ digest: Buffer.from(t.sha256.toLowerCase(), 'hex'), principal: { name: t.name, role: t.role, method: 'token' } }));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The role of the token of that name, while it is configured (a session started with it ends when it is not). */
  roleOf(name: string): Principal['role'] | undefined {
    return this.entries.find((e) => e.principal.name === name)?.principal.role;
  }

  find(token: string): Principal | undefined {
    if (token.length === 0 || token.length > 512) return undefined;
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: Principal | undefined;
    for (const e of this.entries) if (timingSafeEqual(digest, e.digest) && !found) found = e.principal;
    return found;
  }
}
