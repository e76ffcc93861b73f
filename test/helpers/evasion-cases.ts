// The evasion rules' firing lines and their look-alikes, shared by the built-in rule table (rules.test.ts) and the
// evasion tests. Every line is RECONSTRUCTION: the command syntax of the Cisco (and Juniper) references each rule cites
// (fixtures/logs/ios-evasion-commands.log), written as the normaliser outputs it; no device log of these was found.
import type { EvasionOptions } from '../../src/detect/evasion.js';
import type { CommandEvent } from '../../src/types.js';
import { commandEvent as ev } from './command-event.js';

/** The command-logging applet the tests configure (detection.eemApplets). */
export const EVASION_OPTIONS: EvasionOptions = { eemApplets: ['catchall'] };

const LOG_CONFIG = { context: ['archive', 'log config'] };
const TACACS_GROUP = { context: ['aaa group server tacacs+ ISE'] };
const ASA = { device: { platform: 'asa' as const } };
const JUNOS = { device: { platform: 'junos' as const } };

/** rule file → [an event that fires it, an event that must not]. */
export const EVASION_CASES: Record<string, [CommandEvent, CommandEvent]> = {
  evasion_logging_host_removed: [ev('no logging host 10.20.1.5'), ev('logging host 10.20.1.5')],
  evasion_logging_disabled: [ev('no logging on'), ev('no logging console')],
  evasion_logging_trap_raised: [ev('logging trap warnings'), ev('logging trap informational')],
  evasion_config_logger_removed: [ev('no logging enable', LOG_CONFIG), ev('logging enable', LOG_CONFIG)],
  evasion_aaa_accounting_removed: [
    ev('no aaa accounting commands 15 default start-stop group tacacs+'),
    ev('aaa accounting commands 15 default start-stop group tacacs+'),
  ],
  evasion_tacacs_server_removed: [ev('no server name ISE1', TACACS_GROUP), ev('server name ISE2', TACACS_GROUP)],
  evasion_logging_discriminator: [ev('logging discriminator NOCMD facility drops PARSER'), ev('logging discriminator QUIET facility drops LINEPROTO')],
  evasion_logs_cleared: [ev('clear logging'), ev('show logging')],
  evasion_capture_file_deleted: [ev('delete /force bootflash:tac.pcap'), ev('delete flash:c2960-lanbasek9-mz.150-2.SE11.bin')],
  evasion_command_log_applet_removed: [ev('no event manager applet catchall'), ev('no event manager applet BACKUP-CONFIG')],
  evasion_asa_command_messages_disabled: [ev('no logging message 111010', ASA), ev('no logging message 106023', ASA)],
  evasion_eem_applet_logging_cut: [
    ev('action 1.0 cli command "no logging host 10.20.1.5"', { context: ['event manager applet QUIET'] }),
    ev('action 1.0 cli command "no logging console"', { context: ['event manager applet QUIET'] }),
  ],
  // the device's own message (the real line is in fixtures/logs/ios-logginghost-stopped-sc4s.log; evasion.test.ts reads it)
  evasion_logging_host_stopped: [
    ev('Logging to host 192.168.1.239 stopped - CLI initiated', { tag: 'SYS-6-LOGGINGHOST_STARTSTOP', user: undefined }),
    ev('Logging to host 192.168.1.239 port 0 CLI Request Triggered', { tag: 'SYS-6-LOGGINGHOST_STARTSTOP', user: undefined }),
  ],
  evasion_asa_logging_list_narrowed: [ev('no logging list AUDIT message 111008-111010', ASA), ev('no logging list AUDIT message 302013-302016', ASA)],
  // Junos: the statement syntax of the Juniper references the rules cite, as top-level `delete`/`deactivate` lines
  evasion_junos_syslog_host_removed: [ev('delete system syslog host 10.20.1.5', JUNOS), ev('delete system syslog host other-routing-engine', JUNOS)],
  evasion_junos_syslog_deleted: [ev('deactivate system syslog', JUNOS), ev('delete system syslog file messages', JUNOS)],
  evasion_junos_accounting_removed: [ev('delete system accounting events interactive-commands', JUNOS), ev('delete system accounting events login', JUNOS)],
  evasion_junos_tacplus_server_removed: [
    ev('delete system accounting destination tacplus server 10.20.2.9', JUNOS),
    ev('set system accounting destination tacplus server 10.20.2.9 port 49', JUNOS),
  ],
};
