// Start a sweep and follow it to the end: the `sweep` live events move the bar at once, a poll of
// GET /api/sweeps/:id each second is the source of truth (and the only one when the stream is down).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { fmtDuration } from '../format';
import { errorText } from '../hooks';
import { onLive } from '../live';
import { atLeast, session } from '../session';
import { useStore } from '../store';
import { Text } from '../text';
import type { Sweep } from '../types';
import { ConfirmBadge } from './badges';
import { hashOf, navigate } from '../router';

interface Props {
  label: string;
  devices?: string[];
  tags?: string[];
  /** The sweep to follow: the one started, or the one already sweeping the same scope. */
  onStarted: (id: string) => void;
  testid?: string;
}

export function SweepButton({ label, devices, tags, onStarted, testid = 'sweep-button' }: Props) {
  const s = useStore(session);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  if (!atLeast(s, 'operator')) return null;

  const start = (e: Event) => {
    e.stopPropagation();
    setBusy(true);
    setError(undefined);
    api.startSweep({ ...(devices && { devices }), ...(tags && { tags }) }).then(
      (started) => { setBusy(false); onStarted(started.id); },
      (err: unknown) => {
        setBusy(false);
        const running = err instanceof ApiError && err.status === 409 ? err.body?.sweep : undefined;
        if (typeof running === 'string') onStarted(running);
        else setError(errorText(err));
      },
    );
  };

  return (
    <span class="sweep">
      <button type="button" class="btn" data-testid={testid} disabled={busy} onClick={start}>{busy ? 'Starting…' : label}</button>
      {error && <span class="error" role="alert">{error}</span>}
    </span>
  );
}

export function SweepProgress({ id, onDone, onClose }: { id: string; onDone?: () => void; onClose: () => void }) {
  const [sweep, setSweep] = useState<Sweep | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      api.sweep(id).then(
        (s) => {
          if (stopped) return;
          setSweep(s);
          setError(undefined);
          if (s.status === 'running') timer = setTimeout(poll, 1000);
          else onDone?.();
        },
        (err: unknown) => {
          if (stopped) return;
          setError(errorText(err));
          timer = setTimeout(poll, 2000);
        },
      );
    };
    poll();
    const off = onLive('sweep', (e) => {
      if (e.id === id) setSweep((prev) => (prev && prev.status === 'running' ? { ...prev, done: e.done, total: e.total } : prev));
    });
    return () => { stopped = true; clearTimeout(timer); off(); };
  }, [id]);

  const status = sweep?.status ?? 'running';
  const done = sweep?.done ?? 0;
  const total = sweep?.total ?? 0;
  return (
    <div class="sweep-progress" data-testid="sweep-progress" data-status={status} data-done={done} data-total={total}>
      <div class="sweep-head">
        <progress max={Math.max(total, 1)} value={done} />
        <span>{status === 'running' ? `sweeping… ${done} of ${total}` : `${status}: ${done} of ${total} devices checked`}</span>
        {error && <span class="error">{error}</span>}
        <span class="spacer" />
        {status !== 'running' && <button type="button" class="link" aria-label="Close the sweep result" onClick={onClose}>×</button>}
      </div>
      {sweep && status !== 'running' && sweep.devices && (
        <table class="grid small" data-testid="sweep-result">
          <thead><tr><th>Device</th><th>Result</th><th>Active</th><th>Changes</th><th>Time</th><th>Note</th></tr></thead>
          <tbody>
            {sweep.devices.map((d) => {
              const active = [
                ...d.captures.filter((c) => c.active).map((c) => `capture ${c.name}`),
                ...d.sessions.filter((x) => x.active).map((x) => `session ${x.id} (${x.type})`),
              ];
              return (
                <tr>
                  <td><Text value={d.name} max={80} /></td>
                  <td><ConfirmBadge status={d.status} />{d.truncated && <span class="pill pill-warn">truncated</span>}</td>
                  <td>{active.length ? <Text value={active.join(', ')} /> : <span class="none">—</span>}</td>
                  <td>{d.changes?.length ? <Text value={d.changes.map((c) => `${c.object} ${c.id} ${c.change}`).join(', ')} /> : <span class="none">—</span>}</td>
                  <td>{fmtDuration(d.durationMs)}</td>
                  <td>
                    {d.error && <Text value={d.error} class="error-text" />}
                    {d.incident && (
                      <button type="button" class="link" onClick={() => navigate(hashOf('incident', d.incident))}>incident opened</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
