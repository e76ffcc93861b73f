// One incident: its commands in order with their configuration context, what each detection means, what the
// device showed, who was told, and what people did about it.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { IncidentActions } from '../components/actions';
import { ConfirmBadge, SeverityBadge, StatusBadge } from '../components/badges';
import { CommandBlock } from '../components/command';
import { DetectionExpectation, IncidentStatusNote } from '../components/expectation';
import { FalsePositiveAction } from '../components/false-positive';
import { FilterSuggestion } from '../components/filter-suggestion';
import { CapturesTable, SessionsTable } from '../components/findings';
import { fmtTime } from '../format';
import { errorText, useLoad, useThrottled } from '../hooks';
import { onLive } from '../live';
import { hashOf, navigate } from '../router';
import { atLeast, session } from '../session';
import { useStore } from '../store';
import { Text } from '../text';
import { AuditTable } from '../components/audit-table';
import type { Comment, Confirmation, Delivery, Detection, Incident, TimelineEntry } from '../types';

const FACT_LABELS: Record<string, string> = {
  capture: 'Capture',
  session: 'Session',
  sessionType: 'Session type',
  interfaces: 'Interfaces',
  direction: 'Direction',
  filter: 'Filter',
  file: 'File',
  url: 'Export URL',
  destinationIp: 'ERSPAN destination IP',
  erspanId: 'ERSPAN id',
  collector: 'Your collector',
};

const ORDER = Object.keys(FACT_LABELS);
const order = (key: string) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);

/** Facts the rule extracted, the ones that matter first; a mirror to a non-collector stands out. */
function Facts({ facts }: { facts: Record<string, string> }) {
  const keys = Object.keys(facts).sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  if (keys.length === 0) return null;
  return (
    <dl class="facts" data-testid="detail-facts">
      {keys.map((k) => (
        <div class={`fact fact-${k === 'collector' ? `collector-${facts[k] === 'no' ? 'no' : 'yes'}` : 'plain'}`}>
          <dt>{FACT_LABELS[k] ?? <Text value={k} max={60} />}</dt>
          <dd class="mono">
            <Text value={facts[k]} />
            {k === 'collector' && facts[k] === 'no' && <span class="pill pill-danger">NOT a known collector</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Detections of one command (several rules can hit the same line) shown under that command once. */
function groupByCommand(detections: Detection[]): Detection[][] {
  const sorted = [...detections].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const groups: Detection[][] = [];
  for (const d of sorted) {
    const last = groups[groups.length - 1]?.[0];
    if (last && last.raw === d.raw && last.command === d.command && last.time === d.time) groups[groups.length - 1]!.push(d);
    else groups.push([d]);
  }
  return groups;
}

function Commands({ detections }: { detections: Detection[] }) {
  return (
    <section class="card" data-testid="detail-commands">
      <h2>Commands <span class="muted">in the order typed</span></h2>
      <ol class="commands">
        {groupByCommand(detections).map((group, n) => {
          const first = group[0]!;
          return (
            <li class="command" data-testid="detail-command">
              <div class="command-head">
                <span class="num">{n + 1}</span>
                <span title={`received ${fmtTime(first.receivedAt)}`}>{fmtTime(first.time)}</span>
                <span class="muted">via {first.source}{first.tag && <> (<Text value={first.tag} max={60} />)</>}</span>
                {first.line && <span class="muted">line <Text value={first.line} max={40} /></span>}
                {first.remoteAddress && <span class="muted">from <Text value={first.remoteAddress} max={60} /></span>}
              </div>
              <CommandBlock command={first.command} context={first.context} />
              {group.map((d) => (
                <div class={`detection sevbox-${d.severity}${d.expected ? ' is-expected' : ''}`} data-testid="detail-detection">
                  <div class="detection-head">
                    <SeverityBadge severity={d.severity} />
                    <strong><Text value={d.title} /></strong>
                    <span class="kind">{d.kind}</span>
                    <span class="muted">{d.technique} · rule <Text value={d.rule} max={80} /></span>
                  </div>
                  <DetectionExpectation d={d} />
                  {d.why && <p class="why"><Text value={d.why} max={2000} /></p>}
                  {d.tradecraft.length > 0 && (
                    <p class="tradecraft">Seen in: {d.tradecraft.map((t) => <span class="chip"><Text value={t} max={80} /></span>)}</p>
                  )}
                  <Facts facts={d.facts} />
                </div>
              ))}
              <details class="raw">
                <summary>Raw log line as received</summary>
                <pre class="mono" data-testid="detail-raw"><Text value={first.raw} max={4000} /></pre>
              </details>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function ConfirmationSection({ c }: { c: Confirmation | null }) {
  return (
    <section class="card" data-testid="detail-confirmation">
      <h2>Device check</h2>
      {!c ? (
        <p class="muted">Not checked over SSH (yet): the device is not in the inventory, or the check is still waiting for the operator to stop typing.</p>
      ) : (
        <>
          <p class="confirm-line">
            <ConfirmBadge status={c.status} /> checked {fmtTime(c.checkedAt)}
            {c.supported === false && <span class="muted"> · the device answered no capture or mirror command</span>}
            {c.truncated && <span class="pill pill-warn">output truncated by a pager: absence proves nothing</span>}
          </p>
          {c.error && <p class="error-text">Error: <Text value={c.error} /></p>}
          {c.captures && <CapturesTable captures={c.captures} />}
          {c.sessions && <SessionsTable sessions={c.sessions} />}
        </>
      )}
    </section>
  );
}

function Deliveries({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <section class="card" data-testid="detail-deliveries">
      <h2>Chat deliveries</h2>
      {deliveries.length === 0 ? <p class="muted">No chat target configured.</p> : (
        <table class="grid small">
          <thead><tr><th>Target</th><th>Status</th><th>Attempts</th><th>Delivered</th><th>Last error</th></tr></thead>
          <tbody>
            {deliveries.map((d) => (
              <tr>
                <td><Text value={d.target} max={80} /></td>
                <td>
                  <span class={`pill delivery-${d.status}`}>{d.status}</span>
                  {d.digest && <div class="muted" title={`Storm digest ${d.digest}`}>in a storm digest</div>}
                </td>
                <td>{d.attempts}</td>
                <td>{fmtTime(d.deliveredAt)}</td>
                <td><Text value={d.lastError} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Timeline({ timeline }: { timeline: TimelineEntry[] }) {
  return (
    <section class="card" data-testid="detail-timeline">
      <h2>Timeline</h2>
      <ol class="timeline">
        {timeline.map((t) => (
          <li class={`tl tl-${t.event}`}>
            <time>{fmtTime(t.at)}</time> <strong>{t.event}</strong>
            {t.by && <> by <Text value={t.by} max={80} /></>}
            {t.text && <>: <Text value={t.text} multiline={t.event === 'comment'} /></>}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Comments({ id, comments, onAdded }: { id: string; comments: Comment[]; onAdded: (c: Comment) => void }) {
  const s = useStore(session);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(undefined);
    api.comment(id, text).then(
      (c) => { setBusy(false); setText(''); onAdded(c); },
      (err: unknown) => { setBusy(false); setError(errorText(err)); },
    );
  };
  return (
    <section class="card" data-testid="detail-comments">
      <h2>Comments</h2>
      {comments.length === 0 && <p class="muted">No comments.</p>}
      <ul class="comments">
        {comments.map((c) => (
          <li data-testid="comment">
            <div class="comment-head"><strong><Text value={c.author} max={80} /></strong> <span class="muted">{c.role} · {fmtTime(c.at)}</span></div>
            <div class="comment-text"><Text value={c.text} max={4000} multiline /></div>
          </li>
        ))}
      </ul>
      {atLeast(s, 'operator') && (
        <form class="comment-form" onSubmit={submit}>
          <textarea value={text} maxLength={4000} rows={3} placeholder="What you found, what you did" data-testid="comment-text"
            onInput={(e) => setText(e.currentTarget.value)} />
          <div>
            <button type="submit" class="btn" disabled={busy || !text.trim()} data-testid="comment-submit">Add comment</button>
            <span class="muted"> {text.length} / 4000</span>
            {error && <span class="error" role="alert"> {error}</span>}
          </div>
        </form>
      )}
    </section>
  );
}

export function IncidentPage({ id }: { id: string }) {
  const inc = useLoad(() => api.incident(id), [id]);
  const reload = useThrottled(inc.reload, 1000);
  useEffect(() => {
    const offIncident = onLive('incident', (i) => { if (i.id === id) reload(); });
    const offResync = onLive('resync', reload);
    return () => { offIncident(); offResync(); };
  }, [id]);

  const i = inc.data;
  if (!i) return <main class="page">{inc.error ? <p class="error" role="alert">{inc.error}</p> : <p class="muted">Loading…</p>}</main>;
  // The answer is the incident without its timeline and audit: keep those shown until the reload brings the new ones.
  const changed = (x: Incident) => {
    inc.setData((prev) => prev && { ...prev, ...x });
    inc.reload();
  };
  return (
    <main class="page incident-page" data-testid="incident-detail" data-id={i.id}>
      <header class={`incident-head sevbox-${i.severity} head-${i.status}`}>
        <div class="incident-title">
          <SeverityBadge severity={i.severity} /> <StatusBadge status={i.status} />
          <h1>
            <button type="button" class="link" onClick={() => navigate(hashOf('device', i.device))}><Text value={i.device} max={120} /></button>
            <span class="muted"> (<Text value={i.deviceAddress} max={60} />{i.platform ? <>, <Text value={i.platform} max={20} /></> : null})</span>
          </h1>
          <span class="who">user <strong><Text value={i.user} max={80} /></strong></span>
        </div>
        <div class="incident-meta muted">
          first seen {fmtTime(i.firstSeen)} · last seen {fmtTime(i.lastSeen)} · {i.detections.length} detection{i.detections.length === 1 ? '' : 's'}
          {inc.error && <span class="error"> · {inc.error}</span>}
        </div>
        <IncidentStatusNote status={i.status} reopenedBecause={i.reopenedBecause} />
        <div class="actions">
          <IncidentActions id={i.id} status={i.status} onChanged={changed} />
          <FalsePositiveAction id={i.id} status={i.status} onChanged={changed} />
        </div>
      </header>
      {i.status === 'false-positive' && <FilterSuggestion id={i.id} />}
      <div class="detail-grid">
        <div class="col-main">
          <Commands detections={i.detections} />
        </div>
        <div class="col-side">
          <ConfirmationSection c={i.confirmation} />
          <Deliveries deliveries={i.deliveries ?? []} />
          <Comments id={i.id} comments={i.comments ?? []} onAdded={(c) => inc.setData((prev) => prev && { ...prev, comments: [...(prev.comments ?? []), c] })} />
          <Timeline timeline={i.timeline ?? []} />
          <section class="card" data-testid="detail-audit">
            <h2>Audit</h2>
            <AuditTable entries={i.audit ?? []} />
          </section>
        </div>
      </div>
    </main>
  );
}
