// After a false positive: the Sigma filter that would set exactly these commands apart (operators read it), and for
// admins the button that puts it in force. The YAML quotes the device's and the person's text, so it is shown
// through Text, escapes visible, and what is added is exactly what the server suggested.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../hooks';
import { atLeast, session } from '../session';
import { useStore } from '../store';
import { Text } from '../text';

function AddFilter({ yaml }: { yaml: string }) {
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ id: string; file: string } | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const add = () => {
    setBusy(true);
    setError(undefined);
    api.addFilter(yaml).then(
      (result) => { setBusy(false); setAdded(result); },
      (err: unknown) => { setBusy(false); setError(errorText(err)); },
    );
  };
  if (added) {
    return (
      <p class="filter-added" data-testid="filter-added">
        Filter in force, written to <span class="mono"><Text value={added.file} max={400} /></span> <span class="muted">(id <Text value={added.id} max={80} />)</span>
      </p>
    );
  }
  return (
    <div class="actions">
      <button type="button" class="btn primary" disabled={busy} data-testid="filter-add" onClick={add}>{busy ? 'Adding…' : 'Add filter'}</button>
      {error && <span class="error" role="alert" data-testid="filter-error">{error}</span>}
    </div>
  );
}

export function FilterSuggestion({ id }: { id: string }) {
  const s = useStore(session);
  const [yaml, setYaml] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  if (!atLeast(s, 'operator')) return null;

  const suggest = () => {
    setBusy(true);
    setError(undefined);
    api.suggestedFilter(id).then(
      (r) => { setBusy(false); setYaml(r.yaml); },
      (err: unknown) => { setBusy(false); setError(errorText(err)); },
    );
  };
  return (
    <section class="card filter-suggestion" data-testid="detail-filter">
      <h2>Filter <span class="muted">so the same work is expected next time</span></h2>
      {yaml === undefined ? (
        <div class="actions">
          <button type="button" class="btn" disabled={busy} data-testid="filter-suggest" onClick={suggest}>{busy ? 'Asking…' : 'Suggest a filter'}</button>
          {error && <span class="error" role="alert">{error}</span>}
        </div>
      ) : (
        <>
          <pre class="yaml mono" data-testid="filter-yaml"><Text value={yaml} max={65_536} multiline /></pre>
          {atLeast(s, 'admin') ? <AddFilter yaml={yaml} /> : <p class="muted">An admin can add it from this page.</p>}
        </>
      )}
    </section>
  );
}
