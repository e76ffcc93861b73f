// Who is logged in. The CSRF token travels with it: set on login and on the start-up session check.
import { setCsrfToken } from './api';
import { store } from './store';
import type { Role, Session } from './types';

export const session = store<Session | null>(null);

export function signedIn(s: Session | null): void {
  setCsrfToken(s?.csrfToken ?? '');
  session.set(s);
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function atLeast(s: Session | null, role: Role): boolean {
  return s !== null && RANK[s.user.role] >= RANK[role];
}
