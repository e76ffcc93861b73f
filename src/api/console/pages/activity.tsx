// Is capwatch hearing the network? Message rates, what it dropped (including the kernel's UDP drops nobody else
// sees), parse errors and detections, over the last hour or day.
import { useEffect, useMemo } from 'preact/hooks';
import { api } from '../api';
import { Chart, type Line } from '../components/chart';
import { fmtTime } from '../format';
import { useLoad } from '../hooks';
import { hashOf, navigate, type Route } from '../router';
import type { Activity, Series } from '../types';

const PALETTE = ['#5eb0ef', '#7ee2a8', '#f5a623', '#c792ea', '#ff8a80', '#4dd0e1', '#dce775', '#f48fb1', '#a1887f', '#90a4ae'];
const SEVERITY_COLORS: Record<string, string> = {
  critical: '#ff5c5c', high: '#ff9a3c', medium: '#f2d24b', low: '#5b9dff', informational: '#9aa3b2',
};

/** Every step from `from` to `to`, zero where the service sent no point, so a quiet minute draws as zero. */
function dense(a: Activity, s: Series): [number, number][] {
  const step = s.stepSeconds ?? a.stepSeconds;
  if (!step) return s.points;
  const values = new Map(s.points);
  const from = Math.ceil(Date.parse(a.from) / 1000 / step) * step;
  const to = Date.parse(a.to) / 1000;
  const out: [number, number][] = [];
  for (let t = from; t <= to; t += step) out.push([t, values.get(t) ?? 0]);
  return out;
}

function lines(a: Activity | undefined, metric: Series['metric'], label: (s: Series) => string, color?: (s: Series) => string | undefined): Line[] {
  if (!a) return [];
  return a.series
    .filter((s) => s.metric === metric)
    .map((s, i) => ({ label: label(s), color: color?.(s) ?? PALETTE[i % PALETTE.length]!, points: dense(a, s) }));
}

export function ActivityPage({ route }: { route: Route }) {
  const range = route.query.get('range') === 'day' ? 'day' : 'hour';
  const act = useLoad(() => api.activity(range), [range]);
  useEffect(() => {
    const t = setInterval(act.reload, range === 'hour' ? 30_000 : 300_000);
    return () => clearInterval(t);
  }, [range]);

  const a = act.data;
  const charts = useMemo(() => ({
    received: lines(a, 'received', (s) => `${s.labels.source ?? '?'} ${s.labels.transport ?? ''}`.trim()),
    dropped: [
      ...lines(a, 'dropped', (s) => `${s.labels.source ?? '?'}: ${s.labels.reason ?? '?'}`),
      ...lines(a, 'kernelDrops', () => 'kernel UDP drops', () => '#ff5c5c'),
    ],
    parseErrors: lines(a, 'parseErrors', (s) => s.labels.source ?? '?'),
    detections: lines(a, 'detections', (s) => s.labels.severity ?? '?', (s) => SEVERITY_COLORS[s.labels.severity ?? '']),
  }), [a]);

  const pick = (r: 'hour' | 'day') => navigate(hashOf('activity', undefined, new URLSearchParams({ range: r })));
  return (
    <main class="page activity-page">
      <div class="toolbar">
        <h1>Activity</h1>
        <div class="toggle" role="group" aria-label="Range" data-testid="activity-range">
          <button type="button" class={range === 'hour' ? 'btn on' : 'btn'} aria-pressed={range === 'hour'} onClick={() => pick('hour')}>Last hour</button>
          <button type="button" class={range === 'day' ? 'btn on' : 'btn'} aria-pressed={range === 'day'} onClick={() => pick('day')}>Last day</button>
        </div>
        {a && <span class="muted">{fmtTime(a.from)} – {fmtTime(a.to)}</span>}
        {act.error && <span class="error" role="alert">{act.error}</span>}
      </div>
      {!a ? <p class="muted">{act.loading ? 'Loading…' : ''}</p> : (
        <div class="charts">
          <Chart title="Messages received" unit="msg/s" lines={charts.received} testid="chart-received" />
          <Chart title="Dropped messages" unit="msg/s" lines={charts.dropped} testid="chart-dropped" />
          <Chart title="Parse errors" unit="per s" lines={charts.parseErrors} testid="chart-parse-errors" />
          <Chart title="Detections" unit="per hour" lines={charts.detections} testid="chart-detections" />
        </div>
      )}
    </main>
  );
}
