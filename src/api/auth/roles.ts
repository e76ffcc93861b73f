// Who is asking, and what they may do. Each role includes the ones before it.
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type AuthMethod = 'token' | 'password' | 'oidc';

export interface Principal {
  name: string;
  role: Role;
  method: AuthMethod;
  /** The login session behind a cookie-authenticated request (absent for bearer tokens). */
  sessionId?: string;
}

export function hasRole(principal: Pick<Principal, 'role'>, needed: Role): boolean {
  return ROLES.indexOf(principal.role) >= ROLES.indexOf(needed);
}
