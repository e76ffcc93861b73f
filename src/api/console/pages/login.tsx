// Username + password, or an API token; SSO when the server offers OIDC. A token logs in once and the session
// cookie does the rest: the token is never kept in the page.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { errorText } from '../hooks';
import { signedIn } from '../session';
import type { AuthMethods } from '../types';

function loginError(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'Invalid credentials.';
  if (err instanceof ApiError && err.status === 429) {
    return `Too many attempts. Try again ${err.retryAfter ? `in ${err.retryAfter} s` : 'later'}.`;
  }
  return errorText(err);
}

/** The SSO link comes from the server's configuration; only a same-origin path is followed. */
function safeLocalUrl(url: string): string | null {
  return /^\/(?![/\\])/.test(url) ? url : null;
}

export function LoginPage() {
  const [methods, setMethods] = useState<AuthMethods | null>(null);
  const [useToken, setUseToken] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.authMethods().then(
      (m) => { setMethods(m); if (!m.password) setUseToken(true); },
      () => setMethods({ password: true, token: true, oidc: null }),
    );
  }, []);

  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    api.login(useToken ? { token: token.trim() } : { username, password }).then(
      (s) => { setBusy(false); setPassword(''); setToken(''); signedIn(s); },
      (err: unknown) => { setBusy(false); setError(loginError(err)); },
    );
  };

  const sso = methods?.oidc ? safeLocalUrl(methods.oidc.url) : null;
  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit} data-testid="login-form">
        <h1>capwatch</h1>
        <p class="muted">Packet capture and traffic mirroring on your network devices.</p>
        {useToken ? (
          <label>
            API token
            <input type="password" autoComplete="off" data-testid="login-token" value={token} required
              onInput={(e) => setToken(e.currentTarget.value)} />
          </label>
        ) : (
          <>
            <label>
              Username
              <input type="text" autoComplete="username" data-testid="login-username" value={username} required autoFocus
                onInput={(e) => setUsername(e.currentTarget.value)} />
            </label>
            <label>
              Password
              <input type="password" autoComplete="current-password" data-testid="login-password" value={password} required
                onInput={(e) => setPassword(e.currentTarget.value)} />
            </label>
          </>
        )}
        {error && <p class="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" class="btn primary" data-testid="login-submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {(methods?.password ?? true) && (
          <button type="button" class="link" data-testid="login-use-token" onClick={() => { setUseToken(!useToken); setError(undefined); }}>
            {useToken ? 'Use a username and password' : 'Use an API token'}
          </button>
        )}
        {methods?.oidc && sso && (
          <a class="btn sso" href={sso} data-testid="login-sso">{methods.oidc.label}</a>
        )}
      </form>
    </main>
  );
}
