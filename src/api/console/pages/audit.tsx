// Who did what: logins, acknowledgements, comments, sweeps. Filtered by actor and action through the URL, new
// entries arrive live.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { AuditTable } from '../components/audit-table';
import { useLoad } from '../hooks';
import { onLive } from '../live';
import { replaceQuery, type Route } from '../router';

const ACTIONS = [
  'login', 'login-failed', 'logout', 'incident.acknowledge', 'incident.resolve', 'incident.false-positive', 'incident.comment', 'sweep.start',
  'expected.add', 'expected.remove', 'filter.add',
];
const LIMIT = 500;

export function AuditPage({ route }: { route: Route }) {
  const actor = route.query.get('actor') ?? '';
  const action = route.query.get('action') ?? '';
  const [actorInput, setActorInput] = useState(actor);
  const log = useLoad(() => api.audit({ ...(actor && { actor }), ...(action && { action }), limit: LIMIT }).then((r) => r.entries), [actor, action]);

  const set = (next: { actor?: string; action?: string }) => {
    const q = new URLSearchParams();
    const a = next.actor ?? actor;
    const b = next.action ?? action;
    if (a) q.set('actor', a);
    if (b) q.set('action', b);
    replaceQuery(q);
  };

  useEffect(() => {
    if (actorInput === actor) return;
    const t = setTimeout(() => set({ actor: actorInput.trim() }), 400);
    return () => clearTimeout(t);
  }, [actorInput]);

  useEffect(() => {
    const offAudit = onLive('audit', (e) => {
      if ((actor && e.actor !== actor) || (action && e.action !== action)) return;
      log.setData((prev) => prev && [e, ...prev.filter((x) => x.id !== e.id)].slice(0, LIMIT));
    });
    const offResync = onLive('resync', log.reload);
    return () => { offAudit(); offResync(); };
  }, [actor, action]);

  return (
    <main class="page audit-page">
      <div class="toolbar">
        <h1>Audit log</h1>
        <label class="inline">Actor <input type="search" value={actorInput} onInput={(e) => setActorInput(e.currentTarget.value)} data-testid="audit-actor" /></label>
        <label class="inline">Action
          <select value={action} onChange={(e) => set({ action: e.currentTarget.value })} data-testid="audit-action">
            <option value="">any</option>
            {ACTIONS.map((a) => <option value={a}>{a}</option>)}
          </select>
        </label>
        {log.error && <span class="error" role="alert">{log.error}</span>}
      </div>
      {!log.data ? log.loading && <p class="muted">Loading…</p> : <AuditTable entries={log.data} />}
    </main>
  );
}
