// Approved work as a table: who may do what on which devices, on whose word, until when; operators can end one early.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { fmtLeft, fmtTime } from '../format';
import { errorText } from '../hooks';
import { Text } from '../text';
import type { Approval } from '../types';

function What({ a }: { a: Approval }) {
  if (!a.kind && !a.name && !a.pattern && !a.destination) return <span class="muted">any capture or mirror</span>;
  return (
    <ul class="what-list">
      {a.kind && <li><span class="kind">{a.kind}</span></li>}
      {a.name && <li><span class="muted">name</span> <Text value={a.name} max={120} /></li>}
      {a.pattern && <li><span class="muted">pattern</span> <span class="mono">/<Text value={a.pattern} max={200} />/</span></li>}
      {a.destination && <li><span class="muted">to</span> <span class="mono"><Text value={a.destination} max={120} /></span></li>}
    </ul>
  );
}

function Until({ a, now }: { a: Approval; now: number }) {
  return (
    <>
      <time dateTime={a.expiresAt}>{fmtTime(a.expiresAt)}</time>
      <div class="small">
        {a.state === 'removed' ? (
          <span class="muted">ended early by <Text value={a.removedBy} max={80} /></span>
        ) : a.state === 'ended' ? <span class="muted">ended</span> : <span class="left">{fmtLeft(a.expiresAt, now)}</span>}
      </div>
    </>
  );
}

function EndNow({ id, onEnded }: { id: string; onEnded: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const end = () => {
    setBusy(true);
    setError(undefined);
    api.endApproval(id).then(
      () => { setBusy(false); onEnded(); },
      (err: unknown) => { setBusy(false); setError(errorText(err)); },
    );
  };
  return (
    <>
      <button type="button" class="btn" disabled={busy} data-testid="approval-end" onClick={end}>End now</button>
      {error && <div class="error" role="alert">{error}</div>}
    </>
  );
}

interface Props {
  approvals: Approval[];
  now: number;
  /** Operators may end approvals; absent for viewers. */
  onEnded?: () => void;
}

export function ApprovalsTable({ approvals, now, onEnded }: Props) {
  return (
    <table class="grid approvals" data-testid="approvals">
      <thead>
        <tr><th>User</th><th>Devices</th><th>What</th><th>Ticket</th><th>Reason</th><th>Until</th><th>Registered</th>{onEnded && <th />}</tr>
      </thead>
      <tbody>
        {approvals.map((a) => (
          <tr data-testid="approval-row" data-id={a.id} data-state={a.state} class={`approval-${a.state}`}>
            <td class="nowrap"><strong><Text value={a.user} max={80} /></strong></td>
            <td class="nowrap">{a.devices.map((d) => <div><Text value={d} max={120} /></div>)}</td>
            <td><What a={a} /></td>
            <td><Text value={a.ticket} max={120} /></td>
            <td><Text value={a.reason} max={400} /></td>
            <td class="nowrap"><Until a={a} now={now} /></td>
            <td class="small">by <Text value={a.createdBy} max={80} /><div class="muted">{fmtTime(a.createdAt)}</div></td>
            {onEnded && <td>{a.state === 'active' && <EndNow id={a.id} onEnded={onEnded} />}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
