// A uPlot time-series chart sized to its container. uPlot styles its DOM through CSSOM (el.style.x = …),
// which the console's CSP (style-src 'self') allows; its stylesheet is bundled into app.css.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtTime } from '../format';
import { escapeText } from '../text';

export interface Line {
  label: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

interface Props {
  title: string;
  unit: string;
  lines: Line[];
  testid?: string;
}

/** uPlot wants one x array and y arrays aligned to it: the union of every line's timestamps, gaps as null. */
function align(lines: Line[]): uPlot.AlignedData {
  const xs = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = lines.map((l) => {
    const y: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, v] of l.points) y[index.get(x)!] = v;
    return y;
  });
  return [xs, ...ys];
}

const pad = (n: number) => String(n).padStart(2, '0');
/** 24-hour local times: a wall screen in a NOC reads 14:05, not 2:05pm. */
function timeTicks(_u: uPlot, ticks: number[]): string[] {
  return ticks.map((t) => {
    const d = new Date(t * 1000);
    return d.getHours() === 0 && d.getMinutes() === 0 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
}

const AXIS = { stroke: '#a8b3c4', grid: { stroke: 'rgba(255,255,255,0.07)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' } };

export function Chart({ title, unit, lines, testid }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: 200,
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { ...AXIS, values: timeTicks },
        { ...AXIS, label: unit, size: 60, values: (_u, ticks) => ticks.map((t) => (Math.abs(t) >= 1000 ? `${+(t / 1000).toFixed(1)}k` : `${+t.toFixed(2)}`)) },
      ],
      series: [
        { value: (_u, v) => (v === null ? '--' : fmtTime(new Date(v * 1000).toISOString())) },
        ...lines.map((l) => ({ label: escapeText(l.label), stroke: l.color, width: 2, points: { show: false }, spanGaps: false })),
      ],
    };
    const plot = new uPlot(opts, align(lines), el);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height: 200 }));
    observer.observe(el);
    return () => { observer.disconnect(); plot.destroy(); };
  }, [lines, unit]);

  return (
    <section class="chart" data-testid={testid}>
      <h3>{title}</h3>
      {lines.length === 0 ? <p class="muted">No data.</p> : <div ref={ref} class="chart-plot" />}
    </section>
  );
}
