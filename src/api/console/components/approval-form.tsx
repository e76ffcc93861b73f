// Registering approved work before doing it (operator): who, on which devices, what, why, for how long. The server
// checks it (a device it has never heard of, an end in the past, longer than the maximum, a pattern that is no
// regular expression) and names the field; the form shows that sentence and marks the field it names.
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { errorText } from '../hooks';
import { WORK_KINDS, type Approval, type ApprovalInput, type WorkKind } from '../types';

const DURATIONS: [string, string][] = [
  ['30', '30 min'], ['60', '1 h'], ['120', '2 h'], ['240', '4 h'], ['480', '8 h'], ['720', '12 h'], ['1440', '24 h'], ['until', 'until…'],
];

type Field = 'devices' | 'user' | 'ticket' | 'kind' | 'name' | 'pattern' | 'destination' | 'reason' | 'duration';

interface Draft {
  devices: string;
  user: string;
  ticket: string;
  kind: WorkKind | '';
  name: string;
  pattern: string;
  destination: string;
  reason: string;
  duration: string;
  /** datetime-local, when duration is 'until'. */
  until: string;
}

const EMPTY: Draft = { devices: '', user: '', ticket: '', kind: '', name: '', pattern: '', destination: '', reason: '', duration: '120', until: '' };

function bodyOf(d: Draft): ApprovalInput {
  const opt = (key: 'name' | 'pattern' | 'destination' | 'reason') => (d[key].trim() ? { [key]: d[key].trim() } : {});
  const until = new Date(d.until);
  return {
    devices: d.devices.split(/[\s,]+/).filter(Boolean),
    user: d.user.trim(),
    ticket: d.ticket.trim(),
    ...(d.kind && { kind: d.kind }),
    ...opt('name'), ...opt('pattern'), ...opt('destination'), ...opt('reason'),
    // An unreadable time is sent as typed, for the server to name.
    ...(d.duration === 'until' ? { until: Number.isNaN(until.getTime()) ? d.until : until.toISOString() } : { ttlMinutes: Number(d.duration) }),
  };
}

/** The field a 400 names first: "devices[0]: …", "ticket: required". */
function fieldOf(message: string): Field | undefined {
  const key = /^([A-Za-z]+)/.exec(message)?.[1];
  if (key === 'ttlMinutes' || key === 'until') return 'duration';
  return (['devices', 'user', 'ticket', 'kind', 'name', 'pattern', 'destination', 'reason'] as const).find((f) => f === key);
}

export function ApprovalForm({ onAdded }: { onAdded: (a: Approval) => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: Field } | undefined>(undefined);
  const set = (key: keyof Draft) => (e: Event) => setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value });
  const invalid = (f: Field) => (error?.field === f ? { 'aria-invalid': true, 'aria-describedby': 'approval-error' } : {});

  const submit = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    api.addApproval(bodyOf(draft)).then(
      (approval) => { setBusy(false); setDraft(EMPTY); onAdded(approval); },
      (err: unknown) => {
        setBusy(false);
        const field = err instanceof ApiError && err.status === 400 ? fieldOf(err.message) : undefined;
        setError({ text: errorText(err), ...(field && { field }) });
      },
    );
  };

  return (
    <form class="card approval-form" onSubmit={submit} data-testid="approval-form">
      <h2>Register approved work <span class="muted">before doing it: matching hits are kept and page no one</span></h2>
      <div class="form-grid">
        <label>Devices <span class="muted">names or addresses, comma-separated</span>
          <input value={draft.devices} required onInput={set('devices')} data-testid="approval-devices" {...invalid('devices')} />
        </label>
        <label>User <span class="muted">who will do it</span>
          <input value={draft.user} required maxLength={255} onInput={set('user')} data-testid="approval-user" {...invalid('user')} />
        </label>
        <label>Ticket
          <input value={draft.ticket} required maxLength={255} placeholder="change or ticket id" onInput={set('ticket')} data-testid="approval-ticket" {...invalid('ticket')} />
        </label>
        <label>For
          <select value={draft.duration} onChange={set('duration')} data-testid="approval-duration" {...invalid('duration')}>
            {DURATIONS.map(([value, label]) => <option value={value}>{label}</option>)}
          </select>
        </label>
        {draft.duration === 'until' && (
          <label>Until
            <input type="datetime-local" value={draft.until} required onInput={set('until')} data-testid="approval-until" {...invalid('duration')} />
          </label>
        )}
        <label>Kind
          <select value={draft.kind} onChange={set('kind')} data-testid="approval-kind" {...invalid('kind')}>
            <option value="">any capture or mirror</option>
            {WORK_KINDS.map((k) => <option value={k}>{k}</option>)}
          </select>
        </label>
        <label>Name <span class="muted">capture or session id</span>
          <input value={draft.name} maxLength={255} onInput={set('name')} data-testid="approval-name" {...invalid('name')} />
        </label>
        <label>Command pattern <span class="muted">regular expression</span>
          <input value={draft.pattern} maxLength={1000} class="mono" onInput={set('pattern')} data-testid="approval-pattern" {...invalid('pattern')} />
        </label>
        <label>Destination <span class="muted">address, network or host</span>
          <input value={draft.destination} maxLength={255} class="mono" onInput={set('destination')} data-testid="approval-destination" {...invalid('destination')} />
        </label>
        <label class="wide">Reason
          <input value={draft.reason} maxLength={2000} onInput={set('reason')} data-testid="approval-reason" {...invalid('reason')} />
        </label>
      </div>
      <div class="actions">
        <button type="submit" class="btn primary" disabled={busy} data-testid="approval-submit">{busy ? 'Registering…' : 'Register'}</button>
        {error && <span class="error" role="alert" id="approval-error" data-testid="approval-error">{error.text}</span>}
      </div>
    </form>
  );
}
