// The configured change windows and whether one is open now (expected.windows; they change with the configuration).
import { fmtTime } from '../format';
import { Text } from '../text';
import type { ChangeWindow } from '../types';

function Names({ items, none }: { items: string[] | undefined; none: string }) {
  if (!items || items.length === 0) return <span class="muted">{none}</span>;
  return <>{items.map((item) => <div><Text value={item} max={120} /></div>)}</>;
}

export function WindowsTable({ windows }: { windows: ChangeWindow[] }) {
  if (windows.length === 0) return <p class="muted">No change windows configured (<span class="mono">expected.windows</span>).</p>;
  return (
    <table class="grid windows" data-testid="windows">
      <thead><tr><th>Window</th><th>Now</th><th>Devices</th><th>Users</th><th>Kinds</th><th>Schedule</th></tr></thead>
      <tbody>
        {windows.map((w) => (
          <tr data-testid="window-row" data-open={w.current ? 'true' : 'false'}>
            <td><strong><Text value={w.name} max={120} /></strong></td>
            <td class="nowrap">
              {w.current ? <><span class="pill pill-calm">OPEN</span> until {fmtTime(w.current.end)}</> : <span class="muted">closed</span>}
            </td>
            <td><Names items={w.devices} none="—" /></td>
            <td><Names items={w.users} none="anyone" /></td>
            <td><Names items={w.kinds} none="any" /></td>
            <td class="mono small"><Text value={w.schedule} max={200} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
