// Password hashes for local users: scrypt (node:crypto) in PHC string form, `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`,
// the parameters OWASP gives for scrypt. Verification runs on libuv's thread pool, not the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const DEFAULT = { ln: 17, r: 8, p: 1 };
const KEY_BYTES = 32;
const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function derive(password: string, salt: Buffer, ln: number, r: number, p: number, bytes: number): Promise<Buffer> {
  const N = 2 ** ln;
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is below OWASP's parameters.
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, bytes, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params = DEFAULT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params.ln, params.r, params.p, KEY_BYTES);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`;
}

/** Is `hash` a password hash this module can check? (Configuration validation.) */
export function isPasswordHash(hash: string): boolean {
  const m = PHC.exec(hash);
  return m !== null && Number(m[1]) >= 10 && Number(m[1]) <= 22 && Number(m[2]) >= 1 && Number(m[3]) >= 1;
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const m = PHC.exec(hash);
  if (!m || !isPasswordHash(hash)) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const key = await derive(password, Buffer.from(m[4]!, 'base64'), Number(m[1]), Number(m[2]), Number(m[3]), expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a password nobody has, checked for unknown user names so that they take as long as known ones. */
export const DECOY_HASH = '$scrypt$ln=17,r=8,p=1$6Jo2VqZ0Vb7a1l2QyYJb0Q$6vZ3m1Wb2bQpQ8xF7a0y1nS3HqCq3+3n6Wz1q3b6pXo';
