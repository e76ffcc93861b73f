// Builds the CommandEvents the normaliser and context tracker would hand to detection (already expanded and with
// the config submode path), so detection tests do not depend on the parsers.
import type { CommandEvent, DeviceRef } from '../../src/types.js';

export interface EventOptions {
  context?: string[];
  device?: Partial<DeviceRef>;
  user?: string;
  tag?: string;
  source?: CommandEvent['source'];
  raw?: string;
  time?: Date;
  line?: string;
  remoteAddress?: string;
}

export function commandEvent(command: string, o: EventOptions = {}): CommandEvent {
  const time = o.time ?? new Date('2026-03-03T10:00:00Z');
  return {
    time,
    receivedAt: time,
    device: { address: '192.0.2.10', hostname: 'edge-rtr1', platform: 'iosxe', ...o.device },
    user: o.user ?? 'eve',
    line: o.line,
    remoteAddress: o.remoteAddress,
    command,
    context: o.context ?? [],
    source: o.source ?? 'syslog',
    tag: o.tag,
    raw: o.raw ?? command,
  };
}
