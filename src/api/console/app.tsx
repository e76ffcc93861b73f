// The shell: session check at start, header with navigation, who is logged in and the live indicator, and the
// page the hash names. Any 401 lands here and shows the login page, then returns to where the user was.
import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthorized } from './api';
import { errorText } from './hooks';
import { liveState, startLive, stopLive } from './live';
import { ActivityPage } from './pages/activity';
import { AuditPage } from './pages/audit';
import { DevicePage } from './pages/device';
import { DevicesPage } from './pages/devices';
import { ExpectedPage } from './pages/expected';
import { IncidentPage } from './pages/incident';
import { IncidentsPage } from './pages/incidents';
import { LoginPage } from './pages/login';
import { RulesPage } from './pages/rules';
import { navigate, route, type Page } from './router';
import { atLeast, session, signedIn } from './session';
import { useStore } from './store';
import { Text } from './text';

let returnTo = '';

onUnauthorized(() => {
  if (session.get() === null && route.get().page === 'login') return;
  signedIn(null);
  stopLive();
  if (route.get().page !== 'login') returnTo = location.hash;
  navigate('#/login');
});

const LIVE_LABEL = { off: 'offline', connecting: 'connecting…', live: 'live', down: 'reconnecting…' } as const;

function LiveIndicator() {
  const state = useStore(liveState);
  return (
    <span class={`live live-${state}`} data-testid="live-indicator" data-state={state} role="status" aria-live="polite">
      <span class="dot" aria-hidden="true" />{LIVE_LABEL[state]}
    </span>
  );
}

function Clock() {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return <time class="clock">{now.toLocaleTimeString('en-GB')}</time>;
}

const TABS: { page: Page; label: string; also?: Page; admin?: boolean }[] = [
  { page: 'incidents', label: 'Incidents', also: 'incident' },
  { page: 'expected', label: 'Expected' },
  { page: 'devices', label: 'Devices', also: 'device' },
  { page: 'activity', label: 'Activity' },
  { page: 'rules', label: 'Rules', admin: true },
  { page: 'audit', label: 'Audit' },
];

function Header({ current }: { current: Page }) {
  const s = useStore(session);
  const [error, setError] = useState<string | undefined>(undefined);
  if (!s) return null;
  const logout = () => {
    api.logout().then(
      () => { signedIn(null); stopLive(); returnTo = ''; navigate('#/login'); },
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <header class="top">
      <a class="brand" href="#/incidents">capwatch</a>
      <nav>
        {TABS.filter((t) => !t.admin || atLeast(s, 'admin')).map((t) => (
          <a href={`#/${t.page}`} class={current === t.page || current === t.also ? 'tab on' : 'tab'} data-testid={`nav-${t.page}`}
            aria-current={current === t.page || current === t.also ? 'page' : undefined}>{t.label}</a>
        ))}
      </nav>
      <span class="spacer" />
      <LiveIndicator />
      <Clock />
      <span class="whoami" data-testid="whoami">
        <Text value={s.user.name} max={60} /> <span class={`role role-${s.user.role}`} data-testid="whoami-role">{s.user.role}</span>
      </span>
      {error && <span class="error" role="alert">{error}</span>}
      <button type="button" class="btn" data-testid="logout" onClick={logout}>Log out</button>
    </header>
  );
}

export function App() {
  const r = useStore(route);
  const s = useStore(session);
  const [checked, setChecked] = useState(false);

  useEffect(() => {
    api.session(true).then(
      (found) => { signedIn(found); setChecked(true); },
      () => {
        setChecked(true);
        if (route.get().page !== 'login') { returnTo = location.hash; navigate('#/login'); }
      },
    );
  }, []);

  useEffect(() => {
    if (s) startLive();
  }, [s]);

  // Logged in (at start, after login, or from another tab): the login page has nothing to do.
  useEffect(() => {
    if (!s || r.page !== 'login') return;
    navigate(returnTo && !returnTo.startsWith('#/login') ? returnTo : '#/incidents');
    returnTo = '';
  }, [s, r.page]);

  if (!checked || (s && r.page === 'login')) return <p class="muted boot">Loading…</p>;
  if (!s) return <LoginPage />;

  let page;
  switch (r.page) {
    case 'incident': page = <IncidentPage id={r.param ?? ''} />; break;
    case 'expected': page = <ExpectedPage route={r} />; break;
    case 'devices': page = <DevicesPage />; break;
    case 'device': page = <DevicePage name={r.param ?? ''} />; break;
    case 'activity': page = <ActivityPage route={r} />; break;
    case 'rules': page = atLeast(s, 'admin') ? <RulesPage /> : <main class="page"><p class="muted">The rules are shown to admins only.</p></main>; break;
    case 'audit': page = <AuditPage route={r} />; break;
    default: page = <IncidentsPage route={r} />;
  }
  return (
    <>
      <Header current={r.page} />
      {page}
    </>
  );
}
