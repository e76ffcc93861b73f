// What capwatch types on a device, per platform: the command that turns paging off, then the show commands that
// reveal captures and mirror sessions. Every line passes the read-only check before it is sent.
import type { PollPlatform } from './inventory.js';

export interface CommandSet {
  /** Turns the pager off in an interactive shell (an exec channel has no pager to turn off). */
  paging: string;
  show: readonly string[];
}

export const COMMANDS: Readonly<Record<PollPlatform, CommandSet>> = {
  // Classic IOS: Catalyst SPAN, plus the Embedded Packet Capture of IOS 12.4/15 (points and buffers).
  ios: { paging: 'terminal length 0', show: ['show monitor session all', 'show monitor capture point all', 'show monitor capture buffer all parameters'] },
  iosxe: { paging: 'terminal length 0', show: ['show monitor capture', 'show monitor session all'] },
  nxos: { paging: 'terminal length 0', show: ['show monitor session all'] },
  asa: { paging: 'terminal pager 0', show: ['show capture'] },
  junos: { paging: 'set cli screen-length 0', show: ['show forwarding-options analyzer', 'show forwarding-options port-mirroring'] },
};

// `show …` with no pipe (IOS `| redirect`, `| tee`, `| append` write files; NX-OS pipes reach a shell), and the
// pager settings, which last only for this login.
const READ_ONLY = [/^show(?: [\w./:-]+)+$/, /^terminal (?:length|pager) 0$/, /^set cli screen-length 0$/];

export class NotReadOnlyError extends Error {}

/** Throws unless the line is one capwatch may send: it must never change a device (`clear`, `start`, `no …`). */
export function assertReadOnly(line: string): void {
  if (!READ_ONLY.some((re) => re.test(line))) throw new NotReadOnlyError(`refusing to send a command that is not read-only: ${JSON.stringify(line.slice(0, 80))}`);
}
