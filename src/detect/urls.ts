// Where a copy or an export sends its bytes: off the box (a network URL) or to a file on it.

// scp's USER@HOST:PATH (PAN-OS `scp export … to admin@198.51.100.7:/tmp`), the host bracketed when it is IPv6.
const SCP_TARGET = /^[^\s@/:]+@(\[[^\]\s]+\]|[^\s/:[\]]+):/;
const REMOTE_URL = /^(?:tftp|ftp|sftp|scp|https?|rcp|smb):/i;

/** Does the URL leave the device (tftp:, ftp:, scp:, http(s):, rcp:, sftp:, smb:, user@host:path), unlike flash:? */
export function isRemoteUrl(url: string): boolean {
  return REMOTE_URL.test(url) || SCP_TARGET.test(url);
}

/**
 * The host a network URL names (`tftp://198.51.100.7/x`, `scp://eve@host/x`, `admin@host:/tmp`); undefined for a
 * bare scheme (`tftp:`), where IOS asks `Address or name of remote host []?` and no log records the answer.
 */
export function urlHost(url: string): string | undefined {
  const m = /^[a-z]+:\/\/(?:[^@/\s]*@)?(\[[^\]\s]+\]|[^/:\s]+)/i.exec(url) ?? SCP_TARGET.exec(url);
  return m?.[1];
}
