// What a notification target is, and what a formatter turns an incident into.
import type { Detection, DetectionKind, Incident, Severity } from '../../types.js';

export const TARGET_TYPES = ['slack', 'teams', 'discord', 'mattermost', 'googlechat', 'pagerduty', 'webhook'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export interface NotifyTarget {
  name: string;
  type: TargetType;
  /** A credential (webhook URLs carry their token): never logged or returned in full. */
  url: string;
  /** PagerDuty routing key, or the generic webhook's HMAC key. */
  secret?: string;
  minSeverity?: Severity;
  /** Device names or addresses; absent = all. */
  devices?: string[];
  kinds?: DetectionKind[];
  /** Sends per second (token bucket); absent = the service's documented pace. */
  ratePerSecond?: number;
}

/** One message to render: the incident as it is now, and what this target has not been told yet. */
export interface RenderInput {
  incident: Incident;
  /** No message about this incident has reached this target yet. */
  first: boolean;
  /** Detections this target has not been told about (all of them when `first`). */
  fresh: readonly Detection[];
  /** Base of links back to capwatch (`http.publicUrl`). */
  publicUrl?: string;
  /** Unique per outbox row: the receivers' idempotency key. */
  deliveryId: string;
  now: Date;
  target: NotifyTarget;
  /** What the service returned for the first message (Discord message id), when it can be edited. */
  ref?: string;
}

export interface Rendered {
  body: string;
  headers: Record<string, string>;
  /** Where to send it, when not the target's URL as configured (Discord edits, Google Chat threads). */
  url?: string;
  method?: 'POST' | 'PATCH';
}

export type Formatter = (input: RenderInput) => Rendered;

/** What one storm digest holds, read from the store when it is sent. */
export interface StormDigest {
  id: string;
  target: string;
  openedAt: number;
  closesAt: number;
  incidents: number;
  devices: number;
  users: number;
  bySeverity: Partial<Record<Severity, number>>;
  /** The first incidents taken in, oldest first. */
  sampleIds: string[];
}

/** One digest message to render for one target. */
export interface DigestInput {
  digest: StormDigest;
  /** The sample incidents as stored. */
  samples: readonly Incident[];
  publicUrl?: string;
  deliveryId: string;
  now: Date;
  target: NotifyTarget;
}

export type DigestFormatter = (input: DigestInput) => Rendered;
