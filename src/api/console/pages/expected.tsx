// Expected work: the approvals in force (or all recent ones) and the change windows, and for operators the form that
// registers an approval. Another person's change arrives through the audit stream; a reload each minute lets
// approvals run out and windows open and close on screen.
import { useEffect } from 'preact/hooks';
import { api } from '../api';
import { ApprovalForm } from '../components/approval-form';
import { ApprovalsTable } from '../components/approvals-table';
import { WindowsTable } from '../components/windows-table';
import { fmtNum } from '../format';
import { useLoad } from '../hooks';
import { onLive } from '../live';
import { replaceQuery, type Route } from '../router';
import { atLeast, session } from '../session';
import { useStore } from '../store';

const REFRESH_MS = 60_000;

export function ExpectedPage({ route }: { route: Route }) {
  const s = useStore(session);
  const operator = atLeast(s, 'operator');
  const all = route.query.get('all') === 'true';
  const work = useLoad(() => api.expected(all), [all]);

  useEffect(() => {
    const timer = setInterval(work.reload, REFRESH_MS);
    const offAudit = onLive('audit', (e) => { if (e.action.startsWith('expected.')) work.reload(); });
    const offResync = onLive('resync', work.reload);
    return () => { clearInterval(timer); offAudit(); offResync(); };
  }, []);

  const approvals = work.data?.approvals ?? [];
  return (
    <main class="page expected-page">
      <div class="toolbar">
        <h1>Expected work</h1>
        <div class="toggle" role="group" aria-label="Which approvals">
          <button type="button" class={all ? 'btn' : 'btn on'} aria-pressed={!all} data-testid="approvals-current" onClick={() => replaceQuery(new URLSearchParams())}>In force</button>
          <button type="button" class={all ? 'btn on' : 'btn'} aria-pressed={all} data-testid="approvals-all" onClick={() => replaceQuery(new URLSearchParams({ all: 'true' }))}>All, newest first</button>
        </div>
        {work.error && <span class="error" role="alert">{work.error}</span>}
      </div>
      <section class="card">
        <h2>Approved work <span class="muted" data-testid="approvals-count">{work.data ? `${fmtNum(approvals.length)} ${all ? 'recent' : 'in force'}` : 'loading…'}</span></h2>
        {work.data && approvals.length === 0 ? (
          <p class="muted" data-testid="approvals-empty">{all ? 'No approval was ever registered.' : 'No approval in force: every capture and mirror pages.'}</p>
        ) : (
          <ApprovalsTable approvals={approvals} now={Date.now()} onEnded={operator ? work.reload : undefined} />
        )}
      </section>
      {operator && <ApprovalForm onAdded={work.reload} />}
      <section class="card">
        <h2>Change windows</h2>
        {work.data && <WindowsTable windows={work.data.windows} />}
      </section>
    </main>
  );
}
