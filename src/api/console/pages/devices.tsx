// Every device capwatch has heard from or may log into: what its logs say is capturing or mirroring, what the
// last SSH check showed, and a flag where the two disagree.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { ConfirmBadge } from '../components/badges';
import { BelievedSummary } from '../components/findings';
import { SweepButton, SweepProgress } from '../components/sweep';
import { fmtAgo, fmtNum, fmtTime } from '../format';
import { useLoad } from '../hooks';
import { onLive } from '../live';
import { hashOf, navigate } from '../router';
import { escapeText, Text } from '../text';
import type { Device, DeviceCheck } from '../types';

export function CheckSummary({ check }: { check: DeviceCheck | null }) {
  if (!check) return <span class="none">never checked</span>;
  const active = [
    ...check.captures.filter((c) => c.active).map((c) => `capture ${c.name}`),
    ...check.sessions.filter((s) => s.active).map((s) => `session ${s.id}`),
  ];
  return (
    <span class="check-summary">
      <ConfirmBadge status={check.status} /> <span class="muted" title={fmtTime(check.checkedAt)}>{fmtAgo(check.checkedAt)}</span>
      {check.truncated && <span class="pill pill-warn">truncated</span>}
      {active.length > 0 && <div class="mono"><Text value={active.join(', ')} max={200} /></div>}
      {check.error && <div class="error-text"><Text value={check.error} max={200} /></div>}
    </span>
  );
}

export function Disagrees({ device }: { device: Device }) {
  if (!device.disagrees) return <span class="none">agrees</span>;
  return (
    <span class="pill pill-danger" data-testid="device-disagrees" title="What the logs say is active differs from what the last check showed">
      DISAGREES
    </span>
  );
}

function matchesText(d: Device, text: string): boolean {
  const t = text.toLowerCase();
  return [d.name, d.address, d.hostname ?? '', d.platform ?? '', ...d.tags].some((v) => v.toLowerCase().includes(t));
}

export function DevicesPage() {
  const list = useLoad(() => api.devices().then((r) => r.devices), []);
  const [filter, setFilter] = useState('');
  const [onlyFlagged, setOnlyFlagged] = useState(false);
  const [tag, setTag] = useState('');
  const [sweepId, setSweepId] = useState<string | undefined>(undefined);

  useEffect(() => {
    const offDevice = onLive('device', (e) => list.setData((prev) => prev?.map((d) => (d.name === e.name ? { ...d, lastMessageAt: e.lastMessageAt } : d))));
    const offResync = onLive('resync', list.reload);
    return () => { offDevice(); offResync(); };
  }, []);

  const devices = list.data ?? [];
  const tags = useMemo(() => [...new Set(devices.flatMap((d) => (d.inInventory ? d.tags : [])))].sort(), [devices]);
  const shown = devices.filter((d) => (!filter || matchesText(d, filter)) && (!onlyFlagged || d.disagrees || d.openIncidents > 0));
  const flagged = devices.filter((d) => d.disagrees).length;

  return (
    <main class="page devices-page">
      <div class="toolbar">
        <h1>Devices <span class="muted">{fmtNum(devices.length)}</span></h1>
        {flagged > 0 && <span class="pill pill-danger">{flagged} disagree{flagged === 1 ? 's' : ''}</span>}
        <span class="spacer" />
        <label class="inline">Find <input type="search" value={filter} placeholder="name, address, tag" onInput={(e) => setFilter(e.currentTarget.value)} data-testid="device-filter" /></label>
        <label class="inline"><input type="checkbox" checked={onlyFlagged} onChange={(e) => setOnlyFlagged(e.currentTarget.checked)} /> only flagged</label>
        {tags.length > 0 && (
          <span class="sweep-tag">
            <select value={tag} onChange={(e) => setTag(e.currentTarget.value)} data-testid="sweep-tag-select" aria-label="Tag to sweep">
              <option value="">tag…</option>
              {tags.map((t) => <option value={t}>{escapeText(t)}</option>)}
            </select>
            {tag && <SweepButton label="Sweep tag" tags={[tag]} onStarted={setSweepId} testid="sweep-tag-button" />}
          </span>
        )}
      </div>
      {sweepId && <SweepProgress id={sweepId} onDone={list.reload} onClose={() => setSweepId(undefined)} />}
      {list.error && <p class="error" role="alert">{list.error}</p>}
      {!list.data ? list.loading && <p class="muted">Loading…</p> : (
        <table class="grid devices">
          <thead>
            <tr>
              <th>Device</th><th>Address</th><th>Platform</th><th>Last message</th><th>capwatch believes</th>
              <th>Last check</th><th>Agrees?</th><th>Open incidents</th><th />
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr data-testid="device-row" data-name={d.name} class={d.disagrees ? 'flagged' : ''}>
                <td>
                  <button type="button" class="link strong" onClick={() => navigate(hashOf('device', d.name))}><Text value={d.name} max={80} /></button>
                  {d.hostname && d.hostname !== d.name && <div class="muted"><Text value={d.hostname} max={80} /></div>}
                  {d.tags.length > 0 && <div>{d.tags.map((t) => <span class="chip"><Text value={t} max={40} /></span>)}</div>}
                </td>
                <td class="mono nowrap"><Text value={d.address} max={60} /></td>
                <td><Text value={d.platform} max={20} /></td>
                <td class="nowrap" title={fmtTime(d.lastMessageAt)}>{fmtAgo(d.lastMessageAt)}<div class="muted">{fmtNum(d.messages)} msgs</div>
                  {d.parseErrors > 0 && (
                    <div class="warn-text" data-testid="parse-errors" title={`${d.lastParseError ?? ''} (${fmtTime(d.lastParseErrorAt)})`}>
                      {fmtNum(d.parseErrors)} unreadable
                    </div>
                  )}
                </td>
                <td><BelievedSummary captures={d.believed.captures} sessions={d.believed.sessions} /></td>
                <td><CheckSummary check={d.lastCheck} /></td>
                <td><Disagrees device={d} /></td>
                <td class="num">{d.openIncidents > 0 ? <strong class="danger-text">{d.openIncidents}</strong> : <span class="none">0</span>}</td>
                <td>{d.inInventory ? <SweepButton label="Sweep" devices={[d.name]} onStarted={setSweepId} /> : <span class="muted" title="Not in the inventory: capwatch cannot log in">no login</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data && shown.length === 0 && <p class="empty">No devices{filter || onlyFlagged ? ' match' : ' yet: point their syslog at capwatch'}.</p>}
    </main>
  );
}
