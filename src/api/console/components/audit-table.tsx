// Audit entries as a table, for the audit page and an incident's own entries.
import { fmtTime } from '../format';
import { hashOf, navigate } from '../router';
import { Text } from '../text';
import type { AuditEntry } from '../types';

export function AuditTable({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p class="muted">No entries.</p>;
  return (
    <table class="grid small">
      <thead><tr><th>Time</th><th>Actor</th><th>Role</th><th>Action</th><th>Target</th><th>From</th><th>Details</th></tr></thead>
      <tbody>
        {entries.map((a) => (
          <tr data-testid="audit-row">
            <td class="nowrap">{fmtTime(a.at)}</td>
            <td><Text value={a.actor} max={80} /></td>
            <td>{a.role ?? '—'}{a.method ? <span class="muted"> ({a.method})</span> : null}</td>
            <td class="nowrap"><Text value={a.action} max={80} /></td>
            <td>
              {a.incident ? (
                <button type="button" class="link" onClick={() => navigate(hashOf('incident', a.incident!))}><Text value={a.target ?? a.incident} max={80} /></button>
              ) : <Text value={a.target} max={80} />}
            </td>
            <td class="mono"><Text value={a.address} max={60} /></td>
            <td class="mono details"><Text value={Object.entries(a.details).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
