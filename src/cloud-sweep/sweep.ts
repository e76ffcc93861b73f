// The cloud sweep: list the mirrors that exist now in every configured region, project and subscription, and open an
// incident (source `sweep`) for each account whose active mirrors no open incident names — the cloud twin of the
// device sweep, and how capwatch catches a mirror made while audit logs were not reaching it.
import type { IncidentUpdate } from '../alerts/incidents.js';
import type { Store } from '../alerts/store.js';
import { cloudDeviceAddress, cloudWhy } from '../detect/cloud.js';
import { assessSeverity, type CollectorNetworks } from '../detect/severity.js';
import type { Logger } from '../log.js';
import type { CommandEvent, Confirmation, Detection, SessionFinding } from '../types.js';
import type { CloudMirror, CloudScope, ScopeResult } from './types.js';

export interface CloudSweepDeps {
  store: Store;
  /** Files detections as an incident (the app's IncidentBook, so they group and notify like any other). */
  record: (detections: Detection[], confirmation: Confirmation) => IncidentUpdate | undefined;
  collectors: CollectorNetworks;
  log: Logger;
  now?: () => Date;
}

export interface CloudSweepResult {
  startedAt: Date;
  finishedAt: Date;
  scopes: ScopeResult[];
  /** Incidents opened, by account address (`aws:123456789012`). */
  opened: Array<{ account: string; incident: string; mirrors: string[] }>;
}

/** Lists every scope at once (they are a handful of API calls each), then settles each account. */
export async function sweepCloud(scopes: readonly CloudScope[], deps: CloudSweepDeps): Promise<CloudSweepResult> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now();
  const results = await Promise.all(
    scopes.map(async (s): Promise<ScopeResult> => {
      try {
        return { provider: s.provider, scope: s.name, mirrors: await s.list() };
      } catch (err) {
        const error = errorText(err);
        deps.log.warn({ provider: s.provider, scope: s.name, err: error }, 'cloud sweep could not list mirrors');
        return { provider: s.provider, scope: s.name, mirrors: [], error };
      }
    }),
  );
  const checkedAt = now();
  const named = explainedSessions(deps.store);
  const byAccount = new Map<string, CloudMirror[]>();
  for (const m of results.flatMap((r) => r.mirrors)) {
    if (!m.active) continue;
    const address = cloudDeviceAddress(m);
    if (m.attrs.session !== undefined && named.get(address.toLowerCase())?.has(m.attrs.session.toLowerCase())) continue;
    byAccount.set(address, [...(byAccount.get(address) ?? []), m]);
  }
  const opened: CloudSweepResult['opened'] = [];
  for (const [account, mirrors] of byAccount) {
    const detections = mirrors.map((m) => mirrorDetection(m, checkedAt, deps.collectors));
    const confirmation: Confirmation = { status: 'active-found', checkedAt, findings: { supported: true, captures: [], sessions: mirrors.map(sessionFinding) } };
    const update = deps.record(detections, confirmation);
    if (update) opened.push({ account, incident: update.incident.id, mirrors: mirrors.map((m) => m.attrs.session ?? '?') });
  }
  const finishedAt = now();
  deps.log.info({ scopes: results.length, failed: results.filter((r) => r.error).length, mirrors: results.reduce((n, r) => n + r.mirrors.length, 0), incidentsOpened: opened.length }, 'cloud sweep finished');
  return { startedAt, finishedAt, scopes: results, opened };
}

/** Session ids (lowercase) that detections of open or acknowledged incidents name, per device address (lowercase). */
function explainedSessions(store: Store): Map<string, Set<string>> {
  const named = new Map<string, Set<string>>();
  for (const row of store.namedObjects(0)) {
    if (row.session === null) continue;
    const key = row.address.toLowerCase();
    let set = named.get(key);
    if (!set) named.set(key, (set = new Set()));
    set.add(String(row.session).toLowerCase());
  }
  return named;
}

/** The provider's error code and message; SDK errors carry both, credentials never. */
function errorText(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  const code = e.code ?? e.name;
  const message = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

const MIRROR_TYPE = { aws: 'traffic-mirror-session', gcp: 'packet-mirroring', azure: 'tap-configuration' } as const;

function sessionFinding(m: CloudMirror): SessionFinding {
  return {
    id: m.attrs.session ?? '?',
    type: MIRROR_TYPE[m.provider],
    active: m.active,
    sources: m.attrs.sources ? m.attrs.sources.split(', ') : [],
    destinations: [m.attrs.targetResource ?? m.attrs.target].filter((x): x is string => x !== undefined),
    destinationIp: null,
  };
}

const WHY = 'The provider lists it, but no audit record capwatch received explains it: it may have been made while audit logs were not delivered, or before capwatch listened.';

/** A detection (source `sweep`) for an active mirror no incident explains, with the severity policy of audit events. */
function mirrorDetection(m: CloudMirror, checkedAt: Date, collectors: CollectorNetworks): Detection {
  const facts: Record<string, string> = { ...m.attrs, account: m.account };
  if (m.region !== undefined) facts.region = m.region;
  const command = `${MIRROR_TYPE[m.provider]} ${m.attrs.session ?? '?'} active`;
  const event: CommandEvent = {
    time: checkedAt,
    receivedAt: checkedAt,
    device: { address: cloudDeviceAddress(m), platform: m.provider },
    command,
    context: [],
    source: 'sweep',
    raw: JSON.stringify(m),
    facts,
  };
  const a = assessSeverity({ level: 'high', kind: 'mirror', action: 'mirror', command, facts }, collectors);
  return {
    rule: 'capwatch-sweep-active-cloud-mirror',
    title: 'Active cloud traffic mirror found by sweep',
    kind: 'mirror',
    severity: a.severity,
    technique: 'T1040',
    event,
    facts: { ...facts, ...a.facts },
    tradecraft: a.tradecraft,
    why: `${cloudWhy('mirror', event, facts, a.elsewhere === true)} ${WHY}`,
  };
}
