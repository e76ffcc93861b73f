// Cisco IOS / IOS-XE device messages: archive-log CFGLOG lines, end of configuration, EPC capture points.
// IOS and IOS-XE print the same text, so the platform is always 'ios'.
import type { DeviceRecord, MessageTag } from '../types.js';
import { clean, commandText, field, remoteAddress } from './text.js';

// `User:NAME  logged command:TEXT`: no space after `User:`, two before `logged` (tolerate one to four).
const CFGLOG = /^User:(\S{0,64})\s{1,4}logged command:/;
// `Configured from console by cisco on vty1 (172.16.1.241)`, `Configured from memory by console`.
const CONFIG_I = /^Configured from (\S{1,200}) by (\S{1,64})(?: on (\S{1,32})(?: \(([^)\s]{1,64})\))?)?/;
// `Configured programmatically by process PnP Agent Discovery from console as vty0`.
const CONFIG_P = /^Configured programmatically by process .{1,120}? from \S{1,200} as (\S{1,64})(?: on (\S{1,32}))?/;
const CAPTURE_POINT = /^Capture Point (\S{1,128}) (?:created|enabled|disabled)/;
const LINE_NAME = /^(?:vty|tty|con|aux|console)\d*$/i;

const CAPTURE_ACTIONS: Readonly<Record<string, 'create' | 'enable' | 'disable'>> = {
  CREATE: 'create',
  ENABLE: 'enable',
  DISABLE: 'disable',
};

/**
 * `%PARSER-5-CFGLOG_LOGGEDCMD`. Archive log writes pseudo-lines (`!exec: enable`, `!config: USER TABLE MODIFIED`)
 * that are not commands: those give null, as does an empty command.
 */
export function cfglogRecord(body: string): DeviceRecord | { error: string } | null {
  const m = CFGLOG.exec(body);
  if (!m) return { error: 'CFGLOG body is not "User:NAME  logged command:TEXT"' };
  const command = commandText(body.slice(m[0].length));
  if (command === '' || command.startsWith('!exec:') || command.startsWith('!config:')) return null;
  const rec: DeviceRecord = { type: 'command', origin: 'cfglog', platform: 'ios', command, configMode: true };
  const user = field(m[1]);
  if (user !== undefined) rec.user = user;
  return rec;
}

/**
 * `%SYS-5-CONFIG_I` / `%SYS-5-CONFIG_P` (also IOS-XR `%MGBL-SYS-5-CONFIG_I`, EOS `ConfigAgent: %SYS-5-CONFIG_I`): the
 * operator left config mode.
 * A body in another shape still ends configuration, just without a user.
 */
export function configEndRecord(tag: MessageTag, body: string): DeviceRecord {
  const rec: DeviceRecord = { type: 'config-end', origin: 'device' };
  if (tag.facility === 'SYS') rec.platform = 'ios';
  else if (tag.facility === 'MGBL') rec.platform = 'iosxr';
  if (tag.mnemonic === 'CONFIG_P') {
    const m = CONFIG_P.exec(body);
    if (m) {
      // PnP and autoinstall name the line where a user would be.
      const who = field(m[1]);
      if (who !== undefined && LINE_NAME.test(who)) rec.line = who;
      else if (who !== undefined) rec.user = who;
      const line = field(m[2]);
      if (line !== undefined) rec.line = line;
    }
    return rec;
  }
  const m = CONFIG_I.exec(body);
  if (!m) return rec;
  const user = field(m[2]);
  if (user !== undefined) rec.user = user;
  const line = field(m[3]);
  if (line !== undefined) rec.line = line;
  const addr = remoteAddress(m[4]);
  if (addr !== undefined) rec.remoteAddress = addr;
  return rec;
}

/** `%BUFCAP-6-CREATE|ENABLE|DISABLE: Capture Point NAME created|enabled|disabled.`; other BUFCAP messages give null. */
export function capturePointRecord(tag: MessageTag, body: string): DeviceRecord | { error: string } | null {
  const action = Object.hasOwn(CAPTURE_ACTIONS, tag.mnemonic) ? CAPTURE_ACTIONS[tag.mnemonic] : undefined;
  if (!action) return null;
  const m = CAPTURE_POINT.exec(body);
  if (!m) return { error: `${tag.text} body is not "Capture Point NAME …"` };
  return {
    type: 'capture-point',
    origin: 'device',
    platform: 'ios',
    capturePoint: { name: clean(m[1] ?? ''), action },
  };
}

/**
 * `%RITE-5-ACTIVATE: Activated IP traffic export on interface X.`: the router started copying an interface's packets
 * (IP Traffic Export). No user; rules read the body.
 */
export function trafficExportRecord(): DeviceRecord {
  return { type: 'notification', origin: 'device', platform: 'ios' };
}

/**
 * `%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host X port N stopped - CLI initiated` (or `started`): the device itself
 * says a syslog destination was removed or added, whether or not the command that did it was logged. No user; rules
 * read the body.
 */
export function loggingHostRecord(): DeviceRecord {
  return { type: 'notification', origin: 'device', platform: 'ios' };
}
