// Synthetic device traffic: what the JIT warms the hot path on before the listeners open, and what the benchmark
// replays. Line shapes follow the real samples in fixtures/logs (Elastic's Cisco test files, CFGLOG, NX-OS
// accounting). Without a warm-up, the first second of a flood runs on unoptimised code and overflows the UDP
// buffer (measured: 6–27k of 1.6M datagrams lost at start, none after; see README, Benchmark).
import type { Ingest } from './ingest.js';

/** Ordinary chatter: link up/down, logins, NTP, CDP, 802.1X, NetFlow, duplicate addresses. */
export const CHATTER: ReadonlyArray<(i: number) => string> = [
  (i) => `<189>${i}: sw${i % 97}: ${i}: Nov 22 10:01:${pad(i % 60)}.${pad3(i % 1000)} UTC: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/${i % 48}, changed state to ${i % 2 ? 'up' : 'down'}`,
  (i) => `<187>${i}: sw${i % 97}: ${i}: Nov 22 10:01:${pad(i % 60)}.${pad3(i % 1000)} UTC: %LINK-3-UPDOWN: Interface GigabitEthernet1/0/${i % 48}, changed state to ${i % 2 ? 'up' : 'down'}`,
  (i) => `<189>${i}: rtr${i % 31}: ${i}: Nov 22 10:02:${pad(i % 60)}.${pad3(i % 1000)} UTC: %SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: noc${i % 7}] [Source: 10.${i % 250}.1.9] [localport: 22] at 10:02:${pad(i % 60)} UTC Sun Nov 22 2026`,
  (i) => `<190>${i}: rtr${i % 31}: ${i}: Nov 22 10:02:${pad(i % 60)}.${pad3(i % 1000)} UTC: %SYS-6-LOGOUT: User noc${i % 7} has exited tty session ${i % 5}(10.${i % 250}.1.9)`,
  (i) => `<189>: 2026 Nov 22 10:03:${pad(i % 60)} UTC: %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/${i % 48} is down (Link failure)`,
  (i) => `<190>${i}: core${i % 5}: ${i}: Nov 22 10:03:${pad(i % 60)}.${pad3(i % 1000)} UTC: %NTP-6-PEERSYNC: NTP synced to peer 10.0.0.${(i % 4) + 1}`,
  (i) => `<187>${i}: edge${i % 13}: ${i}: Nov 22 10:04:${pad(i % 60)}.${pad3(i % 1000)} UTC: %CDP-4-NATIVE_VLAN_MISMATCH: Native VLAN mismatch discovered on GigabitEthernet0/${i % 4} (1), with sw${i % 97} GigabitEthernet1/0/1 (99).`,
  (i) => `<189>387448: host-${i % 50}: May 6 16:13:09.123 UTC+07:30: %DOT1X-5-FAIL: Authentication failed for client (001e.0b80.${pad3(i % 1000)}5) on Interface Gi1/0/16 AuditSessionID 000000000000011D51B826E5`,
  (i) => `<190>Oct 7 08:16:04 irgendwo${i % 12}-mgmt LC/0/0/CPU0:Oct 7 08:16:04.041 UTC: nfsvr[244]: %MGBL-NETFLOW-6-INFO_CACHE_SIZE_EXCEEDED : Cache size of 10000 for monitor FM has been exceeded`,
  (i) => `<188>${i}: fw${i % 3}: ${i}: Nov 22 10:05:${pad(i % 60)}.${pad3(i % 1000)} UTC: %IP-4-DUPADDR: Duplicate address 10.${i % 250}.0.1 on Vlan${i % 100}, sourced by 0050.56a1.${pad3(i % 1000)}0`,
];

/** Commands and capture events of interest: CFGLOG, NX-OS accounting with its mode path, BUFCAP. */
export const COMMANDS: ReadonlyArray<(i: number) => string> = [
  (i) => `<189>${i}: sw${i % 97}: ${i}: Nov 22 10:06:${pad(i % 60)}.${pad3(i % 1000)} UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve${i % 9}  logged command:monitor session ${(i % 60) + 1} source interface GigabitEthernet1/0/${i % 48} both`,
  (i) => `<189>: 2026 Nov 22 10:06:${pad(i % 60)} UTC: %AAA-6-AAA_ACCOUNTING_MESSAGE: update:192.0.2.${i % 250}@pts/0:eve${i % 9}:configure terminal ; monitor session ${(i % 18) + 1} type erspan-source ; destination ip 198.51.100.${i % 250} (SUCCESS)`,
  (i) => `<189>${i}: rtr${i % 31}: ${i}: Nov 22 10:07:${pad(i % 60)}.${pad3(i % 1000)} UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:noc${i % 7}  logged command:interface GigabitEthernet0/${i % 4}`,
  (i) => `<190>${i}: rtr${i % 31}: ${i}: Nov 22 10:07:${pad(i % 60)}.${pad3(i % 1000)} UTC: %BUFCAP-6-ENABLE: Capture Point CAP${i % 10} enabled.`,
];

/** Line `i` of the mix: one in every `every` lines (1000 → 0.1 %) is a command or capture event. */
export function mixLine(i: number, every = 1000): string {
  return i % every === every - 1 ? COMMANDS[((i / every) | 0) % COMMANDS.length]!(i) : CHATTER[i % CHATTER.length]!(i);
}

/**
 * Runs `lines` synthetic lines through a throwaway pipeline (its own detector, contexts and metrics: nothing it
 * sees reaches the real ones). Commands are one in ten here so the parse and detect paths get warm too.
 */
export function warmUp(ingest: Ingest, lines = 20_000): void {
  const t = Date.now();
  for (let i = 0; i < lines; i++) ingest.line(mixLine(i, 10), '192.0.2.1', 'syslog', t);
  ingest.flush('syslog');
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
function pad3(n: number): string {
  return String(n).padStart(3, '0');
}
