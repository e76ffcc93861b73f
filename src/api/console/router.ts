// Hash routes (#/incidents, #/incidents/:id, #/devices/:name…), so the static files need no server-side routing.
// Filters live in the hash's query (#/incidents?severity=high) so a wall screen's view survives a reload.
import { store } from './store';

export type Page = 'incidents' | 'incident' | 'expected' | 'devices' | 'device' | 'activity' | 'rules' | 'audit' | 'login';

export interface Route {
  page: Page;
  /** The incident id or device name of a detail page. */
  param?: string;
  query: URLSearchParams;
}

const LISTS: Page[] = ['incidents', 'expected', 'devices', 'activity', 'rules', 'audit', 'login'];
const DETAILS: Partial<Record<Page, Page>> = { incidents: 'incident', devices: 'device' };

function parseHash(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [first = '', ...rest] = path.split('/');
  const query = new URLSearchParams(search);
  const page = LISTS.find((p) => p === first) ?? 'incidents';
  const detail = DETAILS[page];
  if (detail && rest.length > 0 && rest.join('/') !== '') {
    try {
      return { page: detail, param: decodeURIComponent(rest.join('/')), query };
    } catch {
      return { page, query };
    }
  }
  return { page, query };
}

/** The hash of a page; names and ids are percent-encoded, so no device name can shape the route. */
export function hashOf(page: Page, param?: string, query?: URLSearchParams): string {
  const base = page === 'incident' ? 'incidents' : page === 'device' ? 'devices' : page;
  const path = param === undefined ? `#/${base}` : `#/${base}/${encodeURIComponent(param)}`;
  const qs = query?.toString();
  return qs ? `${path}?${qs}` : path;
}

export const route = store<Route>(parseHash(location.hash));
window.addEventListener('hashchange', () => route.set(parseHash(location.hash)));

export function navigate(hash: string): void {
  if (location.hash === hash) route.set(parseHash(hash));
  else location.hash = hash;
}

/** Changes the current page's filters without a history entry per keystroke. */
export function replaceQuery(query: URLSearchParams): void {
  const current = route.get();
  const hash = hashOf(current.page, current.param, query);
  history.replaceState(history.state, '', hash);
  route.set(parseHash(hash));
}
