// Whether expected work explains what happened: per detection, the approval, window or filter that covers it, or why
// the expected work nearby does not (the part an analyst must read first); per incident, why it alerts again.
import { fmtTime } from '../format';
import { Text } from '../text';
import type { Detection, Expectation, IncidentStatus } from '../types';

function Until({ until }: { until: string | undefined }) {
  if (!until) return null;
  return <> until <time dateTime={until}>{fmtTime(until)}</time></>;
}

/** The server's reason already reads "approved by bob (CHG-1): …"; a window's and a filter's are named here. */
function Covered({ x }: { x: Expectation }) {
  if (x.by === 'approval') return <><Text value={x.reason} max={600} /><Until until={x.until} /></>;
  if (x.by === 'window') return <>change window <Text value={x.name} max={120} /><Until until={x.until} /></>;
  return (
    <>
      filter <Text value={x.name} max={200} />
      <span class="expectation-detail"><Text value={x.reason} max={600} /></span>
    </>
  );
}

export function DetectionExpectation({ d }: { d: Detection }) {
  if (d.expected) {
    return (
      <p class="expectation expectation-covered" data-testid="detail-expected" data-by={d.expected.by}>
        <span class="pill pill-calm">expected</span> <Covered x={d.expected} />
      </p>
    );
  }
  if (d.unexpected === undefined) return null;
  return (
    <p class="expectation expectation-not" data-testid="detail-unexpected">
      <span class="pill pill-danger">NOT covered</span> <Text value={d.unexpected} max={600} />
    </p>
  );
}

const STATUS_NOTE: Partial<Record<IncidentStatus, string>> = {
  expected: 'Expected work: every command is covered by approved or planned work. Nobody was paged.',
  'false-positive': 'Closed as a false positive: it keeps collecting quietly and alerts again on anything expected work does not cover.',
};

/** What an expected or closed incident means, and why one alerts again. */
export function IncidentStatusNote({ status, reopenedBecause }: { status: IncidentStatus; reopenedBecause: string | undefined }) {
  const note = STATUS_NOTE[status];
  return (
    <>
      {note && <p class={`status-note status-note-${status}`} data-testid="detail-status-note">{note}</p>}
      {reopenedBecause !== undefined && (
        <p class="status-note status-note-reopened" data-testid="detail-reopened">
          <strong>Alerted again because</strong> <Text value={reopenedBecause} max={600} />
        </p>
      )}
    </>
  );
}
