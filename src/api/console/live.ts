// The live stream (GET /api/stream). EventSource retries by itself only while the server answers with an event
// stream; a proxy timeout or a restart can leave it closed, so capwatch closes it on any error and reconnects
// with its own backoff. After a gap, listeners of 'resync' reload what they show: events sent meanwhile are lost.
import { api } from './api';
import { store } from './store';
import type { AuditEntry, IncidentSummary, SweepEvent } from './types';

export type LiveState = 'off' | 'connecting' | 'live' | 'down';
export const liveState = store<LiveState>('off');

interface Events {
  incident: IncidentSummary;
  device: { name: string; address: string; lastMessageAt: string };
  sweep: SweepEvent;
  audit: AuditEntry;
  resync: null;
}
type Listener<K extends keyof Events> = (value: Events[K]) => void;

const listeners: { [K in keyof Events]: Set<Listener<K>> } = {
  incident: new Set(), device: new Set(), sweep: new Set(), audit: new Set(), resync: new Set(),
};

export function onLive<K extends keyof Events>(event: K, listener: Listener<K>): () => void {
  const set = listeners[event] as Set<Listener<K>>;
  set.add(listener);
  return () => set.delete(listener);
}

function emit<K extends keyof Events>(event: K, value: Events[K]): void {
  for (const listener of [...listeners[event]] as Listener<K>[]) listener(value);
}

let source: EventSource | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let delay = 1000;
let hadGap = false;

function connect(): void {
  liveState.set('connecting');
  const es = new EventSource('api/stream');
  source = es;
  es.onopen = () => {
    delay = 1000;
    liveState.set('live');
    if (hadGap) emit('resync', null);
    hadGap = false;
  };
  es.onerror = () => {
    es.close();
    if (source !== es) return;
    source = null;
    hadGap = true;
    liveState.set('down');
    // The stream cannot tell a 401 from a network error: ask the API, whose 401 handler goes to the login page.
    api.session().then(schedule, (err: unknown) => {
      if ((err as { status?: number }).status !== 401) schedule();
    });
  };
  for (const event of ['incident', 'device', 'sweep', 'audit'] as const) {
    es.addEventListener(event, (e) => {
      try {
        emit(event, JSON.parse((e as MessageEvent<string>).data) as never);
      } catch {
        // A malformed event is skipped; the next resync corrects the view.
      }
    });
  }
}

function schedule(): void {
  if (liveState.get() === 'off') return;
  clearTimeout(timer);
  const wait = delay * (0.8 + Math.random() * 0.4);
  delay = Math.min(delay * 2, 30_000);
  timer = setTimeout(connect, wait);
}

export function startLive(): void {
  if (source) return;
  clearTimeout(timer);
  connect();
}

export function stopLive(): void {
  clearTimeout(timer);
  source?.close();
  source = null;
  hadGap = false;
  delay = 1000;
  liveState.set('off');
}
