// Severity, status and confirmation as badges whose text says what the colour says (colour-blind safe).
import type { ConfirmationStatus, IncidentStatus, Severity } from '../types';

const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', informational: 'INFO',
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span class={`sev sev-${severity}`} data-severity={severity}>{SEVERITY_LABEL[severity] ?? severity}</span>;
}

const STATUS_LABEL: Record<IncidentStatus, string> = {
  open: 'open', acknowledged: 'ack', resolved: 'resolved', expected: 'expected', 'false-positive': 'false positive',
};

export function StatusBadge({ status }: { status: IncidentStatus }) {
  return <span class={`status status-${status}`} data-status={status}>{STATUS_LABEL[status] ?? status}</span>;
}

const CONFIRM_LABEL: Record<ConfirmationStatus, string> = {
  'active-found': 'CONFIRMED',
  'none-found': 'none found',
  unsupported: 'unsupported',
  unreachable: 'unreachable',
};

export function ConfirmBadge({ status }: { status: ConfirmationStatus | null | undefined }) {
  if (!status) return <span class="confirm confirm-none">not checked</span>;
  return <span class={`confirm confirm-${status}`}>{CONFIRM_LABEL[status] ?? status}</span>;
}
