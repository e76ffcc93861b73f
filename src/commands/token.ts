// `capwatch token`: a new API token and the line that grants it, for `http.auth.tokens`. The configuration keeps
// only the SHA-256; the token is shown once, here.
import { ROLES, type Role } from '../api/auth/roles.js';
import { newToken, sha256Hex } from '../api/auth/tokens.js';

export function tokenCommand(opts: { name: string; role: string }): number {
  if (!(ROLES as readonly string[]).includes(opts.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const token = newToken();
  process.stdout.write(`token:  ${token}\nconfig: - { name: ${opts.name}, role: ${opts.role as Role}, sha256: ${sha256Hex(token)} }\n`);
  process.stderr.write('Keep the token somewhere safe: capwatch stores only its SHA-256 and cannot show it again.\n');
  return 0;
}
