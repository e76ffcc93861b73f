// The loaded detection rules and how often each fired (admin only: the tab is hidden for other roles).
import { useState } from 'preact/hooks';
import { api } from '../api';
import { SeverityBadge } from '../components/badges';
import { fmtAgo, fmtNum, fmtTime } from '../format';
import { useLoad } from '../hooks';
import { Text } from '../text';
import type { Rule } from '../types';

type SortKey = 'hits' | 'lastHit' | 'title';
const SORTS: Record<SortKey, (a: Rule, b: Rule) => number> = {
  hits: (a, b) => b.hits - a.hits || a.title.localeCompare(b.title),
  lastHit: (a, b) => (b.lastHit ?? '').localeCompare(a.lastHit ?? ''),
  title: (a, b) => a.title.localeCompare(b.title),
};

export function RulesPage() {
  const rules = useLoad(() => api.rules().then((r) => r.rules), []);
  const [sort, setSort] = useState<SortKey>('hits');
  const list = [...(rules.data ?? [])].sort(SORTS[sort]);
  const th = (key: SortKey, label: string) => (
    <th aria-sort={sort === key ? 'descending' : 'none'}>
      <button type="button" class="link" onClick={() => setSort(key)}>{label}{sort === key ? ' ▾' : ''}</button>
    </th>
  );
  return (
    <main class="page rules-page">
      <div class="toolbar"><h1>Rules <span class="muted">{fmtNum(list.length)} loaded</span></h1></div>
      {rules.error && <p class="error" role="alert">{rules.error}</p>}
      {!rules.data ? rules.loading && <p class="muted">Loading…</p> : (
        <table class="grid rules">
          <thead><tr>{th('title', 'Rule')}<th>Level</th><th>Kind</th>{th('hits', 'Hits')}{th('lastHit', 'Last hit')}<th>File</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr data-testid="rule-row" data-id={r.id}>
                <td><strong><Text value={r.title} /></strong><div class="muted"><Text value={r.description} max={300} /></div><div class="mono muted small"><Text value={r.id} /></div></td>
                <td><SeverityBadge severity={r.level} /></td>
                <td><span class="kind">{r.kind}</span></td>
                <td class="num">{fmtNum(r.hits)}</td>
                <td title={fmtTime(r.lastHit)}>{fmtAgo(r.lastHit)}</td>
                <td class="mono small"><Text value={r.file} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
