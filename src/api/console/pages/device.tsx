// One device: what capwatch believes from its logs, every recent SSH check, its incidents, and a sweep button.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ConfirmBadge, SeverityBadge, StatusBadge } from '../components/badges';
import { CommandInline } from '../components/command';
import { CapturesTable, SessionsTable } from '../components/findings';
import { SweepButton, SweepProgress } from '../components/sweep';
import { fmtAgo, fmtNum, fmtTime } from '../format';
import { useLoad, useThrottled } from '../hooks';
import { onLive } from '../live';
import { hashOf, navigate } from '../router';
import { Clip, Text } from '../text';
import type { DeviceCheck, IncidentSummary } from '../types';
import { CheckSummary, Disagrees } from './devices';

function Checks({ checks }: { checks: DeviceCheck[] }) {
  if (checks.length === 0) return <p class="muted">Never checked over SSH.</p>;
  return (
    <table class="grid small" data-testid="device-checks">
      <thead><tr><th>Checked</th><th>Result</th><th>Sweep</th></tr></thead>
      <tbody>
        {checks.map((c) => (
          <tr>
            <td>{fmtTime(c.checkedAt)}</td>
            <td><CheckSummary check={c} /></td>
            <td class="mono" title={c.sweepId ?? undefined}>{c.sweepId ? <Clip value={c.sweepId.slice(0, 8)} /> : <span class="muted">confirmation</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Incidents({ incidents }: { incidents: IncidentSummary[] }) {
  if (incidents.length === 0) return <p class="muted">No incidents.</p>;
  return (
    <table class="grid small clickable" data-testid="device-incidents">
      <thead><tr><th>Last seen</th><th>Severity</th><th>Status</th><th>User</th><th>Command</th><th>Check</th></tr></thead>
      <tbody>
        {incidents.map((i) => (
          <tr data-testid="incident-row" data-id={i.id} onClick={() => navigate(hashOf('incident', i.id))}>
            <td><a href={hashOf('incident', i.id)}>{fmtTime(i.lastSeen)}</a></td>
            <td><SeverityBadge severity={i.severity} /></td>
            <td><StatusBadge status={i.status} /></td>
            <td><Clip value={i.user} max={60} /></td>
            <td class="mono"><CommandInline command={i.headline.command} context={i.headline.context} /></td>
            <td><ConfirmBadge status={i.confirmation?.status} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DevicePage({ name }: { name: string }) {
  const dev = useLoad(() => api.device(name), [name]);
  const [sweepId, setSweepId] = useState<string | undefined>(undefined);
  const reload = useThrottled(dev.reload, 1000);
  useEffect(() => {
    const offIncident = onLive('incident', (i) => { if (i.device === name) reload(); });
    const offDevice = onLive('device', (e) => {
      if (e.name === name) dev.setData((prev) => prev && { ...prev, lastMessageAt: e.lastMessageAt });
    });
    const offResync = onLive('resync', reload);
    return () => { offIncident(); offDevice(); offResync(); };
  }, [name]);

  const d = dev.data;
  if (!d) return <main class="page">{dev.error ? <p class="error" role="alert">{dev.error}</p> : <p class="muted">Loading…</p>}</main>;
  return (
    <main class="page device-page" data-testid="device-detail">
      <header class="device-head">
        <h1><Text value={d.name} max={120} /> <span class="muted mono"><Text value={d.address} max={60} /></span></h1>
        <div class="muted">
          {d.hostname && <>hostname <Text value={d.hostname} max={80} /> · </>}
          {d.platform ? <Text value={d.platform} max={20} /> : 'platform unknown'} · last message{' '}
          <span title={fmtTime(d.lastMessageAt)}>{fmtAgo(d.lastMessageAt)}</span> · {fmtNum(d.messages)} messages ·{' '}
          {d.inInventory ? 'in the inventory' : 'not in the inventory'}
          {d.tags.map((t) => <span class="chip"><Text value={t} max={40} /></span>)}
        </div>
        <div class="device-flags">
          <Disagrees device={d} />
          {d.inInventory && <SweepButton label="Sweep this device" devices={[d.name]} onStarted={setSweepId} />}
        </div>
      </header>
      {sweepId && <SweepProgress id={sweepId} onDone={dev.reload} onClose={() => setSweepId(undefined)} />}
      <div class="detail-grid">
        <div class="col-main">
          <section class="card" data-testid="device-believed">
            <h2>What capwatch believes <span class="muted">from the device's logs</span></h2>
            <CapturesTable captures={d.believed.captures} />
            <SessionsTable sessions={d.believed.sessions} />
          </section>
          <section class="card" data-testid="device-last-check">
            <h2>What the device showed <span class="muted">at the last check</span></h2>
            {d.lastCheck ? (
              <>
                <p><CheckSummary check={d.lastCheck} /></p>
                <CapturesTable captures={d.lastCheck.captures} />
                <SessionsTable sessions={d.lastCheck.sessions} />
              </>
            ) : <p class="muted">Never checked.</p>}
          </section>
          <section class="card">
            <h2>Incidents</h2>
            <Incidents incidents={d.incidents ?? []} />
          </section>
        </div>
        <div class="col-side">
          <section class="card">
            <h2>Checks <span class="muted">newest first</span></h2>
            <Checks checks={d.checks ?? []} />
          </section>
        </div>
      </div>
    </main>
  );
}
