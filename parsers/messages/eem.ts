// EEM CLI logging: an applet on `event cli pattern ".*"` with `action syslog msg "$_cli_msg"` logs every
// command as `%HA_EM-6-LOG: APPLET: TEXT`. Any applet can write that line, so the names to trust are configurable.
import type { DeviceRecord } from '../types.js';
import { commandText } from './text.js';

const APPLET = /^([^\s:]{1,64}): ?/;

/**
 * `%HA_EM-6-LOG` → a command. With a non-empty `trusted` list only those applet names count (others give
 * null); without one every applet is taken as CLI logging.
 */
export function eemRecord(body: string, trusted: readonly string[] | undefined): DeviceRecord | null {
  const m = APPLET.exec(body);
  if (!m) return null;
  if (trusted && trusted.length > 0 && !trusted.includes(m[1] ?? '')) return null;
  const command = commandText(body.slice(m[0].length));
  if (command === '') return null;
  return { type: 'command', origin: 'eem', platform: 'ios', command };
}
