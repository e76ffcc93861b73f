// Closing an incident as a false positive (operator). The server wants the reason with it, so the button opens a
// comment box first; the comment becomes the timeline's entry, which is what the next analyst reads.
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
}

export function FalsePositiveAction({ id, status, onChanged }: Props) {
  const s = useStore(session);
  const [asking, setAsking] = useState(false);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  // Only an alert can be a false positive: expected work paged no one, and a closed incident is closed.
  if (!atLeast(s, 'operator') || (status !== 'open' && status !== 'acknowledged')) return null;

  if (!asking) {
    return <button type="button" class="btn" data-testid="false-positive-button" onClick={() => setAsking(true)}>False positive…</button>;
  }
  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    api.falsePositive(id, comment.trim()).then(
      (incident) => { setBusy(false); setAsking(false); setComment(''); onChanged(incident); },
      (err: unknown) => { setBusy(false); setError(errorText(err)); },
    );
  };
  return (
    <form class="false-positive-form" onSubmit={submit} data-testid="false-positive-form">
      <label>Why is this not an attack? <span class="muted">(kept as the incident's comment)</span>
        <textarea value={comment} required maxLength={4000} rows={2} data-testid="false-positive-comment"
          onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit" class="btn primary" disabled={busy || !comment.trim()} data-testid="false-positive-submit">Close as false positive</button>
        <button type="button" class="btn" disabled={busy} onClick={() => { setAsking(false); setError(undefined); }}>Cancel</button>
        {error && <span class="error" role="alert">{error}</span>}
      </div>
    </form>
  );
}
