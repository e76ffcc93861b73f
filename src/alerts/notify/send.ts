// One HTTP request to a target, and what its answer means for retrying. Used by the outbox worker and `notify test`.
import { createHash } from 'node:crypto';
import { excerpt } from '../../log.js';
import type { Rendered } from './types.js';

export interface SendResult {
  ok: boolean;
  status?: number;
  /** Worth another try later: network error, timeout, 408, 429, 5xx. */
  retryable: boolean;
  /** The service said when (429 Retry-After header, or Slack's / Discord's `retry_after` in the body). */
  retryAfterMs?: number;
  /** Short, safe to log and show: never contains the URL. */
  error?: string;
  /** The network error's own words, when there was one (shown by `notify test`; deliveries keep the short `error`). */
  detail?: string;
  /** The first 64 KB of the answer. */
  body: string;
  /** Aborted because capwatch is shutting down: not an attempt. */
  aborted?: boolean;
}

const MAX_ANSWER = 64 * 1024;

/** A webhook URL is a credential: show scheme, host and a short hash that tells two URLs apart, never the path. */
export function redactUrl(url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 8);
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…#${hash}`;
  } catch {
    return `(invalid URL)#${hash}`;
  }
}

export async function send(url: string, msg: Rendered, timeoutMs: number, shutdown?: AbortSignal): Promise<SendResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = shutdown ? AbortSignal.any([timeout, shutdown]) : timeout;
  let res: Response;
  let body = '';
  try {
    res = await fetch(url, { method: msg.method ?? 'POST', headers: msg.headers, body: msg.body, signal, redirect: 'error' });
    body = await readCapped(res);
  } catch (err) {
    if (shutdown?.aborted) return { ok: false, retryable: true, aborted: true, error: 'shutdown', body };
    if (timeout.aborted) return { ok: false, retryable: true, error: `timeout after ${timeoutMs} ms`, body };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // The cause says what the network did ("connect ECONNREFUSED 127.0.0.1:9", a certificate problem); fetch's own
    // message is only "fetch failed". Neither carries the URL's path, where webhook secrets live.
    const detail = cause?.message ?? (err as Error).message;
    return { ok: false, retryable: true, error: cause?.code ?? (err as Error).name ?? 'network error', ...(detail && { detail }), body };
  }
  const status = res.status;
  if (status >= 200 && status < 300) return { ok: true, status, retryable: false, body };
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfterMs = status === 429 || status === 503 ? retryAfter(res.headers.get('retry-after'), body) : undefined;
  return {
    ok: false,
    status,
    retryable,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    error: `HTTP ${status}${body ? `: ${excerpt(body, 160)}` : ''}`,
    body,
  };
}

/** Retry-After as seconds or an HTTP-date; else the JSON body's `retry_after` (seconds, Slack and Discord). */
export function retryAfter(header: string | null, body: string, now = Date.now()): number | undefined {
  if (header) {
    const s = header.trim();
    if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
    const at = Date.parse(s);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  try {
    const v = (JSON.parse(body) as { retry_after?: unknown }).retry_after;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v * 1000);
  } catch {
    // not JSON: no hint
  }
  return undefined;
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const room = MAX_ANSWER - size;
    chunks.push(Buffer.from(chunk.subarray(0, room)));
    size += Math.min(chunk.length, room);
    if (size >= MAX_ANSWER) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}
