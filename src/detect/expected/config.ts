// The `expected` configuration section: change windows, and the limits on approvals. Problems name the key.
import { compileWindow, type ChangeWindow, type WindowConfig } from './windows.js';
import { WORK_KINDS } from './kinds.js';

export interface ExpectedConfig {
  windows: WindowConfig[];
  approvals: {
    /** An approval registered without an end lasts this long. */
    defaultTtlMinutes: number;
    /** No approval may last longer: a forgotten one must not become a standing blind spot. */
    maxTtlMinutes: number;
  };
  /** When approved work ends, how long capwatch waits before it looks whether the capture or mirror is still on. */
  expiryGraceMinutes: number;
  /** How often capwatch looks for approvals and windows that have ended. */
  checkIntervalSeconds: number;
}

const strings = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export function expectedSchema(section: (p: Record<string, unknown>) => unknown) {
  return section({
    windows: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'devices'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          devices: { ...strings, minItems: 1 },
          users: strings,
          kinds: { type: 'array', items: { enum: WORK_KINDS } },
          from: { type: 'string' },
          until: { type: 'string' },
          cron: { type: 'string', minLength: 1 },
          durationMinutes: { type: 'number', exclusiveMinimum: 0, maximum: 7 * 24 * 60 },
          timezone: { type: 'string', minLength: 1 },
        },
      },
    },
    approvals: section({
      defaultTtlMinutes: { type: 'number', exclusiveMinimum: 0, default: 240 },
      maxTtlMinutes: { type: 'number', exclusiveMinimum: 0, default: 24 * 60 },
    }),
    expiryGraceMinutes: { type: 'number', minimum: 0, default: 5 },
    checkIntervalSeconds: { type: 'number', exclusiveMinimum: 0, default: 30 },
  });
}

/** The windows compiled, or the problems with them, each naming its key. */
export function compileWindows(c: ExpectedConfig): { windows: ChangeWindow[]; problems: string[] } {
  const windows: ChangeWindow[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [i, w] of c.windows.entries()) {
    if (names.has(w.name)) problems.push(`expected.windows[${i}].name: "${w.name}" is used twice`);
    names.add(w.name);
    try {
      windows.push(compileWindow(w));
    } catch (err) {
      problems.push(`expected.windows[${i}]: ${(err as Error).message}`);
    }
  }
  if (c.approvals.defaultTtlMinutes > c.approvals.maxTtlMinutes) problems.push('expected.approvals.defaultTtlMinutes: must not exceed maxTtlMinutes');
  return { windows, problems };
}
