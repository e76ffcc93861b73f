// Where a copy or an export sends its bytes: off the box (a network URL) or to a file on it.

const REMOTE_URL = /^(?:tftp|ftp|sftp|scp|https?|rcp):/i;

/** Does the URL leave the device (tftp:, ftp:, scp:, http(s):, rcp:, sftp:), unlike flash: or bootflash:? */
export function isRemoteUrl(url: string): boolean {
  return REMOTE_URL.test(url);
}

/**
 * The host a network URL names (`tftp://198.51.100.7/x`, `scp://eve@host/x`); undefined for a bare scheme
 * (`tftp:`), where IOS asks `Address or name of remote host []?` and no log records the answer.
 */
export function urlHost(url: string): string | undefined {
  const m = /^[a-z]+:\/\/(?:[^@/\s]*@)?(\[[^\]\s]+\]|[^/:\s]+)/i.exec(url);
  return m?.[1];
}
