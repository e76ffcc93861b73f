// The incident list: newest first, live, filtered through the URL, virtualised for 10,000 rows.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, query } from '../api';
import { ConfirmBadge, SeverityBadge, StatusBadge } from '../components/badges';
import { CommandInline } from '../components/command';
import { IncidentActions } from '../components/actions';
import { VirtualList } from '../components/virtual-list';
import { fmtNum, fmtShort, fmtTime } from '../format';
import { useLoad, useThrottled } from '../hooks';
import { apiFilters, filtersOf, matches, queryOf, RANGES, upsert, type ListFilters } from '../incidents';
import { onLive } from '../live';
import { hashOf, navigate, replaceQuery, type Route } from '../router';
import { atLeast, session } from '../session';
import { useStore } from '../store';
import { Clip } from '../text';
import { KINDS, SEVERITIES, STATUSES, type Incident, type IncidentSummary } from '../types';

const LIMIT = 10_000;
const ROW_HEIGHT = 56;
/** How long after the pointer last moved over the list live updates keep waiting. */
const HOLD_MS = 3000;

function SeverityCounts({ counts, active, onPick }: { counts: Record<string, number> | undefined; active: string; onPick: (s: string) => void }) {
  return (
    <div class="counts" role="group" aria-label="Incidents per severity">
      {[...SEVERITIES].reverse().map((s) => (
        <button type="button" class={`count sev-${s}${active === s ? ' picked' : ''}`} data-testid="severity-count" data-severity={s}
          title={`Show ${s} and above`} onClick={() => onPick(active === s ? '' : s)}>
          <span class="count-n">{counts ? fmtNum(counts[s] ?? 0) : '…'}</span>
          <span class="count-label">{s === 'informational' ? 'info' : s}</span>
        </button>
      ))}
    </div>
  );
}

function FilterBar({ filters, onChange }: { filters: ListFilters; onChange: (f: ListFilters) => void }) {
  // Typed filters apply after a pause, not on each keystroke.
  const [device, setDevice] = useState(filters.device);
  const [user, setUser] = useState(filters.user);
  useEffect(() => setDevice(filters.device), [filters.device]);
  useEffect(() => setUser(filters.user), [filters.user]);
  useEffect(() => {
    if (device === filters.device && user === filters.user) return;
    const t = setTimeout(() => onChange({ ...filters, device, user }), 400);
    return () => clearTimeout(t);
  }, [device, user]);
  const set = (key: keyof ListFilters) => (e: Event) => onChange({ ...filters, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <form class="filters" onSubmit={(e) => { e.preventDefault(); onChange({ ...filters, device, user }); }} data-testid="incident-filters">
      <label>Severity ≥
        <select value={filters.severity} onChange={set('severity')} data-testid="filter-severity">
          <option value="">any</option>
          {SEVERITIES.map((s) => <option value={s}>{s}</option>)}
        </select>
      </label>
      <label>Status
        <select value={filters.status} onChange={set('status')} data-testid="filter-status">
          <option value="">any</option>
          {STATUSES.map((s) => <option value={s}>{s === 'expected' ? 'expected work' : s.replace('-', ' ')}</option>)}
        </select>
      </label>
      <label>Kind
        <select value={filters.kind} onChange={set('kind')} data-testid="filter-kind">
          <option value="">any</option>
          {KINDS.map((k) => <option value={k}>{k}</option>)}
        </select>
      </label>
      <label>Device
        <input type="search" value={device} placeholder="name or address" onInput={(e) => setDevice(e.currentTarget.value)} data-testid="filter-device" />
      </label>
      <label>User
        <input type="search" value={user} onInput={(e) => setUser(e.currentTarget.value)} data-testid="filter-user" />
      </label>
      <label>Last seen
        <select value={filters.range} onChange={set('range')} data-testid="filter-range">
          {Object.keys(RANGES).map((r) => <option value={r}>{r === 'all' ? 'any time' : r === 'custom' ? 'between…' : `last ${r}`}</option>)}
        </select>
      </label>
      {filters.range === 'custom' && (
        <>
          <label>From<input type="datetime-local" value={filters.from} onChange={set('from')} data-testid="filter-from" /></label>
          <label>To<input type="datetime-local" value={filters.to} onChange={set('to')} data-testid="filter-to" /></label>
        </>
      )}
    </form>
  );
}

function Row({ incident: i, fresh, operator, onChanged }: { incident: IncidentSummary; fresh: boolean; operator: boolean; onChanged: (x: Incident) => void }) {
  const open = () => navigate(hashOf('incident', i.id));
  return (
    <div class={`irow sevrow-${i.severity} status-row-${i.status}${fresh ? ' fresh' : ''}${operator ? ' with-actions' : ''}`}
      data-testid="incident-row" data-id={i.id} data-severity={i.severity} data-status={i.status} onClick={open}>
      <span class="c-time" title={fmtTime(i.lastSeen)}><a href={hashOf('incident', i.id)} onClick={(e) => e.stopPropagation()}>{fmtShort(i.lastSeen)}</a></span>
      <span class="c-sev"><SeverityBadge severity={i.severity} /></span>
      <span class="c-status"><StatusBadge status={i.status} /></span>
      <span class="c-device"><Clip value={i.device} max={80} /><small><Clip value={i.deviceAddress} max={60} /></small></span>
      <span class="c-user"><Clip value={i.user} max={60} /></span>
      <span class="c-cmd">
        <span class="line1 mono"><CommandInline command={i.headline.command} context={i.headline.context} /></span>
        <small class="line2">
          <Clip value={i.headline.title} max={120} />
          {i.detectionCount > 1 && <span class="muted"> · {fmtNum(i.detectionCount)} detections</span>}
        </small>
      </span>
      <span class="c-kinds">{i.kinds.map((k) => <span class="kind">{k}</span>)}</span>
      <span class="c-confirm"><ConfirmBadge status={i.confirmation?.status} /></span>
      {operator && <span class="c-actions"><IncidentActions id={i.id} status={i.status} onChanged={onChanged} compact /></span>}
    </div>
  );
}

export function IncidentsPage({ route }: { route: Route }) {
  const s = useStore(session);
  const operator = atLeast(s, 'operator');
  const filters = useMemo(() => filtersOf(route.query), [route.query.toString()]);
  const key = queryOf(filters).toString();
  // The API filters of the load on screen, so live events are judged by the same rules.
  const loadedWith = useRef(apiFilters(filters));
  const list = useLoad(() => {
    loadedWith.current = apiFilters(filters);
    return api.incidents(loadedWith.current, LIMIT).then((r) => r.incidents);
  }, [key]);
  const counts = useLoad(() => api.counts(apiFilters(filters)), [key]);
  const reloadCounts = useThrottled(counts.reload, 1000);
  const fresh = useRef(new Map<string, number>());
  // While someone is moving the pointer over the list, live updates wait, so rows do not move under a click on Ack or
  // Resolve; a pointer left resting on a wall screen's list holds nothing for more than a few seconds.
  const pointing = useRef(false);
  const lastMove = useRef(0);
  const releaseTimer = useRef<number | undefined>(undefined);
  const pending = useRef<IncidentSummary[]>([]);
  const [held, setHeld] = useState(0);
  const apply = (incoming: IncidentSummary[]) =>
    list.setData((prev) => prev && incoming.reduce((acc, i) => upsert(acc, i, matches(i, loadedWith.current), LIMIT), prev));
  const interacting = () => pointing.current && Date.now() - lastMove.current < HOLD_MS;
  const flush = () => {
    window.clearTimeout(releaseTimer.current);
    if (pending.current.length) apply(pending.current);
    pending.current = [];
    setHeld(0);
  };
  const releaseLater = () => {
    window.clearTimeout(releaseTimer.current);
    releaseTimer.current = window.setTimeout(() => (interacting() ? releaseLater() : flush()), HOLD_MS);
  };
  const release = () => {
    pointing.current = false;
    flush();
  };

  useEffect(() => {
    const offIncident = onLive('incident', (incident) => {
      const now = Date.now();
      for (const [id, at] of fresh.current) if (now - at > 10_000) fresh.current.delete(id);
      fresh.current.set(incident.id, now);
      if (interacting()) {
        pending.current.push(incident);
        setHeld(pending.current.length);
        releaseLater();
      } else {
        apply([incident]);
      }
      reloadCounts();
    });
    const offResync = onLive('resync', () => { pending.current = []; setHeld(0); list.reload(); counts.reload(); });
    return () => { offIncident(); offResync(); window.clearTimeout(releaseTimer.current); };
  }, []);

  const onChanged = (x: Incident) => {
    const summary = list.data?.find((i) => i.id === x.id);
    if (summary) list.setData((prev) => prev && upsert(prev, { ...summary, status: x.status }, matches({ ...summary, status: x.status }, loadedWith.current), LIMIT));
    reloadCounts();
  };

  const items = list.data ?? [];
  const now = Date.now();
  const exportQuery = query({ ...apiFilters(filters) });
  return (
    <main class="page incidents-page">
      <div class="toolbar">
        <SeverityCounts counts={counts.data?.bySeverity} active={filters.severity} onPick={(sev) => replaceQuery(queryOf({ ...filters, severity: sev }))} />
        <div class="status-counts muted" data-testid="status-counts">
          {counts.data && (
            <>
              <span>{fmtNum(counts.data.byStatus.open ?? 0)} open</span> · <span>{fmtNum(counts.data.byStatus.acknowledged ?? 0)} acknowledged</span> ·{' '}
              <span>{fmtNum(counts.data.byStatus.resolved ?? 0)} resolved</span> ·{' '}
              <span class="status-expected" data-testid="count-expected">{fmtNum(counts.data.byStatus.expected ?? 0)} expected work</span> ·{' '}
              <span>{fmtNum(counts.data.byStatus['false-positive'] ?? 0)} false positive</span>
            </>
          )}
        </div>
      </div>
      <FilterBar filters={filters} onChange={(f) => replaceQuery(queryOf(f))} />
      <div class="list-meta">
        <span data-testid="incident-count">
          {list.loading && !list.data ? 'Loading…' : `${fmtNum(items.length)} incident${items.length === 1 ? '' : 's'}${items.length >= LIMIT ? ' (the newest 10,000)' : ''}`}
        </span>
        {list.error && <span class="error" role="alert">{list.error}</span>}
        {held > 0 && <span class="held" data-testid="held-updates">{held} live update{held === 1 ? '' : 's'} held while you point at the list</span>}
        <span class="spacer" />
        <a class="link" href={`api/incidents/export${exportQuery ? `${exportQuery}&` : '?'}format=csv`} download>Export CSV</a>
        <a class="link" href={`api/incidents/export${exportQuery ? `${exportQuery}&` : '?'}format=ndjson`} download>NDJSON</a>
      </div>
      <div class="list" onMouseEnter={() => { pointing.current = true; lastMove.current = Date.now(); }}
        onMouseMove={() => { lastMove.current = Date.now(); }} onMouseLeave={release}>
      <div class={`irow ihead${operator ? ' with-actions' : ''}`} role="row">
        <span>Last seen</span><span>Severity</span><span>Status</span><span>Device</span><span>User</span>
        <span>Command (context › command) · rule</span><span class="c-kinds">Kinds</span><span>Device check</span>{operator && <span />}
      </div>
      {list.data && items.length === 0 ? (
        <p class="empty">No incidents match these filters.</p>
      ) : (
        <VirtualList items={items} rowHeight={ROW_HEIGHT} keyOf={(i) => i.id} label="Incidents"
          render={(i) => <Row incident={i} fresh={now - (fresh.current.get(i.id) ?? 0) < 10_000} operator={operator} onChanged={onChanged} />} />
      )}
      </div>
    </main>
  );
}

