// The one way the console talks to the API: same-origin cookies, the CSRF header on every state change, JSON
// errors turned into ApiError, and a 401 anywhere sending the user to the login page.
import type {
  Activity, Approval, ApprovalInput, AuditEntry, AuthMethods, Comment, Counts, Device, DeviceDetail, ExpectedWork,
  Incident, IncidentSummary, Rule, Session, Sweep,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds, from a 429's Retry-After. */
    readonly retryAfter?: number,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken = '';
let unauthorized: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called on any 401 but the login form's own. */
export function onUnauthorized(handler: () => void): void {
  unauthorized = handler;
}

async function request<T>(method: string, path: string, body?: unknown, opts: { expect401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  // Relative paths: the console keeps working when a proxy serves it below a prefix.
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const obj = json && typeof json === 'object' ? (json as Record<string, unknown>) : undefined;
    // The contract's errors are {"error": "…"}; fastify's own 404s say {"message": "…"}.
    const message = typeof obj?.error === 'string' ? obj.error : typeof obj?.message === 'string' ? obj.message : `${res.status} ${res.statusText}`;
    const retry = Number(res.headers.get('retry-after'));
    if (res.status === 401 && !opts.expect401) unauthorized();
    throw new ApiError(res.status, message, Number.isFinite(retry) && retry > 0 ? retry : undefined, obj);
  }
  return json as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') qs.set(key, String(value));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;

export interface IncidentFilters {
  severity?: string;
  status?: string;
  device?: string;
  user?: string;
  kind?: string;
  since?: string;
  until?: string;
}

export const api = {
  authMethods: () => request<AuthMethods>('GET', 'api/auth/methods'),
  login: (body: { username: string; password: string } | { token: string }) => request<Session>('POST', 'api/login', body, { expect401: true }),
  session: (expect401 = false) => request<Session>('GET', 'api/session', undefined, { expect401 }),
  logout: () => request<void>('POST', 'api/logout'),

  incidents: (f: IncidentFilters, limit: number) =>
    request<{ incidents: IncidentSummary[] }>('GET', `api/incidents/summaries${query({ ...f, limit })}`),
  counts: (f: IncidentFilters) => request<Counts>('GET', `api/incidents/counts${query({ ...f, severity: undefined })}`),
  incident: (id: string) => request<Incident>('GET', `api/incidents/${enc(id)}`),
  setStatus: (id: string, status: 'acknowledged' | 'resolved') => request<Incident>('PATCH', `api/incidents/${enc(id)}`, { status }),
  falsePositive: (id: string, comment: string) => request<Incident>('PATCH', `api/incidents/${enc(id)}`, { status: 'false-positive', comment }),
  suggestedFilter: (id: string) => request<{ yaml: string }>('GET', `api/incidents/${enc(id)}/filter`),
  addFilter: (yaml: string) => request<{ id: string; file: string }>('POST', 'api/filters', { yaml }),
  comment: (id: string, text: string) => request<Comment>('POST', `api/incidents/${enc(id)}/comments`, { text }),

  devices: () => request<{ devices: Device[] }>('GET', 'api/devices'),
  device: (name: string) => request<DeviceDetail>('GET', `api/devices/${enc(name)}`),

  startSweep: (body: { devices?: string[]; tags?: string[] }) => request<{ id: string; status: string; total: number }>('POST', 'api/sweeps', body),
  sweep: (id: string) => request<Sweep>('GET', `api/sweeps/${enc(id)}`),

  expected: (all: boolean) => request<ExpectedWork>('GET', `api/expected${query({ all: all ? 'true' : undefined })}`),
  addApproval: (body: ApprovalInput) => request<Approval>('POST', 'api/expected', body),
  endApproval: (id: string) => request<void>('DELETE', `api/expected/${enc(id)}`),

  activity: (range: 'hour' | 'day') => request<Activity>('GET', `api/activity${query({ range })}`),
  rules: () => request<{ rules: Rule[] }>('GET', 'api/rules'),
  audit: (f: { actor?: string; action?: string; limit: number }) => request<{ entries: AuditEntry[] }>('GET', `api/audit${query(f)}`),
};
