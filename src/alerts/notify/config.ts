// The `notify` and `notifyDelivery` configuration sections. Problems name the key, never a URL or secret.
import { PAGERDUTY_URL } from './formats/pagerduty.js';
import type { DeliveryOptions } from './notifier.js';
import { TARGET_TYPES, type NotifyTarget } from './types.js';
import { DETECTION_KINDS as KINDS, SEVERITIES } from '../../types.js';


export interface NotifyConfig {
  notify: NotifyTarget[];
  notifyDelivery: {
    timeoutSeconds: number;
    maxAgeMinutes: number;
    batchSeconds: number;
    drainSeconds: number;
    retryBaseMs: number;
    maxRetryDelaySeconds: number;
    stormThreshold: number;
    stormWindowSeconds: number;
    digestSeconds: number;
    knownDeviceAfterMinutes: number;
  };
}

export function notifySchema(section: (p: Record<string, unknown>) => unknown) {
  return {
    notify: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'type'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' },
          type: { enum: TARGET_TYPES },
          url: { type: 'string', minLength: 1 },
          secret: { type: 'string', minLength: 1 },
          minSeverity: { enum: SEVERITIES },
          devices: { type: 'array', items: { type: 'string', minLength: 1 } },
          kinds: { type: 'array', items: { enum: KINDS } },
          ratePerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 10_000 },
        },
      },
    },
    notifyDelivery: section({
      timeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 10 },
      maxAgeMinutes: { type: 'number', exclusiveMinimum: 0, default: 60 },
      batchSeconds: { type: 'number', minimum: 0, default: 2 },
      drainSeconds: { type: 'number', minimum: 0, default: 5 },
      retryBaseMs: { type: 'integer', minimum: 1, default: 1000 },
      maxRetryDelaySeconds: { type: 'number', exclusiveMinimum: 0, default: 300 },
      stormThreshold: { type: 'integer', minimum: 0, maximum: 100_000, default: 20 },
      stormWindowSeconds: { type: 'number', exclusiveMinimum: 0, default: 60 },
      digestSeconds: { type: 'number', exclusiveMinimum: 0, default: 60 },
      knownDeviceAfterMinutes: { type: 'number', minimum: 0, default: 60 },
    }),
  };
}

/** Cross-field checks: unique names, a usable URL, a secret where the service needs one. */
export function notifyProblems(targets: NotifyTarget[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, t] of targets.entries()) {
    const key = `notify[${i}]`;
    if (seen.has(t.name)) problems.push(`${key}.name: "${t.name}" is used by another target`);
    seen.add(t.name);
    if (t.type === 'pagerduty') t.url ??= PAGERDUTY_URL;
    if (t.url === undefined) problems.push(`${key}.url: required for ${t.type}`);
    else if (!isHttpUrl(t.url)) problems.push(`${key}.url: must be an http(s) URL (value not shown: webhook URLs are credentials)`);
    if ((t.type === 'pagerduty' || t.type === 'webhook') && !t.secret) {
      problems.push(`${key}.secret: required for ${t.type} (${t.type === 'pagerduty' ? 'the integration routing key' : 'the HMAC signing key'})`);
    }
  }
  return problems;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

export function deliveryOptions(d: NotifyConfig['notifyDelivery']): DeliveryOptions {
  return {
    timeoutMs: d.timeoutSeconds * 1000,
    maxAgeMs: d.maxAgeMinutes * 60_000,
    batchMs: d.batchSeconds * 1000,
    drainMs: d.drainSeconds * 1000,
    retryBaseMs: d.retryBaseMs,
    maxRetryDelayMs: d.maxRetryDelaySeconds * 1000,
    storm: { threshold: d.stormThreshold, windowMs: d.stormWindowSeconds * 1000, digestMs: d.digestSeconds * 1000 },
  };
}
