// Acknowledge / resolve (a false positive is closed already). Hidden for viewers: the server refuses them anyway,
// and a wall screen logged in as a viewer should not show buttons that cannot work.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../hooks';
import { atLeast, session } from '../session';
import { useStore } from '../store';
import type { Incident, IncidentStatus } from '../types';

interface Props {
  id: string;
  status: IncidentStatus;
  onChanged: (incident: Incident) => void;
  compact?: boolean;
}

export function IncidentActions({ id, status, onChanged, compact }: Props) {
  const s = useStore(session);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  if (!atLeast(s, 'operator')) return null;

  const change = (next: 'acknowledged' | 'resolved') => (e: Event) => {
    e.stopPropagation();
    setBusy(true);
    setError(undefined);
    api.setStatus(id, next).then(
      (incident) => { setBusy(false); onChanged(incident); },
      (err: unknown) => { setBusy(false); setError(errorText(err)); },
    );
  };

  return (
    <span class={compact ? 'actions compact' : 'actions'}>
      {status === 'open' && (
        <button type="button" class="btn" data-testid="ack-button" disabled={busy} onClick={change('acknowledged')}>
          {compact ? 'Ack' : 'Acknowledge'}
        </button>
      )}
      {status !== 'resolved' && status !== 'false-positive' && (
        <button type="button" class="btn" data-testid="resolve-button" disabled={busy} onClick={change('resolved')}>
          Resolve
        </button>
      )}
      {error && <span class="error" role="alert" title={error}>{compact ? '!' : error}</span>}
    </span>
  );
}
