// What a device showed (a check, a confirmation, a sweep) or what capwatch believes from its logs: captures and
// mirror sessions, a session written `sources → destinations`.
import { Text } from '../text';
import type { BelievedCapture, BelievedSession, Capture, MirrorSession } from '../types';
import { fmtTime } from '../format';

function List({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <span class="none">—</span>;
  return (
    <>
      {items.map((item, i) => (
        <>
          {i > 0 && ', '}
          <Text value={item} max={120} />
        </>
      ))}
    </>
  );
}

function Active({ active, shut }: { active: boolean; shut?: boolean }) {
  if (shut) return <span class="pill pill-off">shut</span>;
  return active ? <span class="pill pill-active">ACTIVE</span> : <span class="pill pill-off">inactive</span>;
}

export function CapturesTable({ captures }: { captures: readonly (Capture | BelievedCapture)[] }) {
  if (captures.length === 0) return <p class="muted">No captures.</p>;
  return (
    <table class="grid small">
      <thead><tr><th>Capture</th><th>State</th><th>Interfaces</th><th>Direction</th><th>File / export</th></tr></thead>
      <tbody>
        {captures.map((c) => (
          <tr>
            <td>
              <Text value={c.name} max={120} />
              {'filter' in c && c.filter && <div class="muted small">filter <Text value={c.filter} max={120} /></div>}
            </td>
            <td><Active active={c.active} /></td>
            <td><List items={c.interfaces} /></td>
            <td><Text value={c.direction ?? ''} /></td>
            <td>
              <Text value={c.file ?? ''} max={200} />
              {'exportUrl' in c && c.exportUrl && <> → <Text value={c.exportUrl} max={200} /></>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SessionsTable({ sessions }: { sessions: readonly (MirrorSession | BelievedSession)[] }) {
  if (sessions.length === 0) return <p class="muted">No mirror sessions.</p>;
  return (
    <table class="grid small">
      <thead><tr><th>Session</th><th>Type</th><th>State</th><th>Sources → destinations</th><th>ERSPAN destination</th></tr></thead>
      <tbody>
        {sessions.map((s) => (
          <tr>
            <td><Text value={s.id} max={60} /></td>
            <td><Text value={s.type} max={60} /></td>
            <td><Active active={s.active} shut={'shut' in s ? s.shut : false} /></td>
            <td class="mono"><List items={s.sources} /> <span class="arrow">→</span> <List items={s.destinations} /></td>
            <td class="mono"><Text value={s.destinationIp ?? ''} max={60} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One line per item for dense device tables: `capture TAC`, `session 1 Gi0/1 → ERSPAN 198.51.100.7`. */
export function BelievedSummary({ captures, sessions }: { captures: readonly BelievedCapture[]; sessions: readonly BelievedSession[] }) {
  if (captures.length === 0 && sessions.length === 0) return <span class="none">nothing</span>;
  return (
    <ul class="believed">
      {captures.map((c) => (
        <li class={c.active ? 'on' : 'off'} title={`last change ${fmtTime(c.lastChange)}`}>
          <span class="what">capture</span> <Text value={c.name} max={60} />
          {c.active ? <span class="pill pill-active">ACTIVE</span> : <span class="pill pill-off">inactive</span>}
          {c.exportUrl && <> → <Text value={c.exportUrl} max={80} /></>}
        </li>
      ))}
      {sessions.map((s) => (
        <li class={s.active ? 'on' : 'off'} title={`last change ${fmtTime(s.lastChange)}`}>
          <span class="what">session</span> <Text value={s.id} max={40} /> <span class="muted">({s.type})</span>{' '}
          {s.active ? <span class="pill pill-active">ACTIVE</span> : <span class="pill pill-off">{s.shut ? 'shut' : 'inactive'}</span>}{' '}
          <span class="mono"><List items={s.sources} /> → </span>
          {(s.destinations.length > 0 || !s.destinationIp) && <span class="mono"><List items={s.destinations} /></span>}
          {s.destinationIp && <> <span class="muted">ERSPAN</span> <span class="mono"><Text value={s.destinationIp} max={60} /></span></>}
        </li>
      ))}
    </ul>
  );
}
