// TACACS+ (RFC 8907) packet codec: the 12-byte header, MD5 pseudo-pad obfuscation, the accounting REQUEST body,
// and the replies an accounting-only server sends. Pure: bytes in, bytes or records out; hashing is the only work.
import { hash } from 'node:crypto';
import type { ParseFailure } from '../types.js';

export const HEADER_BYTES = 12;
/** 9 fixed bytes + 255 argument lengths + user, port, rem_addr and 255 arguments of 255 bytes each. */
export const MAX_ACCOUNTING_BODY = 9 + 255 + 3 * 255 + 255 * 255;

export const TYPE = { authen: 0x01, author: 0x02, acct: 0x03 } as const;
export const FLAG = { unencrypted: 0x01, singleConnect: 0x04 } as const;
export const ACCT_FLAG = { start: 0x02, stop: 0x04, watchdog: 0x08 } as const;
export const ACCT_STATUS = { success: 0x01, error: 0x02 } as const;
const AUTHEN_STATUS_ERROR = 0x07;
const AUTHOR_STATUS_ERROR = 0x11;

// Header field offsets.
const VERSION = 0;
const TYPE_AT = 1;
const SEQ = 2;
const FLAGS = 3;
const SESSION = 4;
const LENGTH = 8;

export const headerVersion = (p: Buffer): number => p[VERSION]!;
export const headerType = (p: Buffer): number => p[TYPE_AT]!;
export const headerSeq = (p: Buffer): number => p[SEQ]!;
export const headerFlags = (p: Buffer): number => p[FLAGS]!;
export const headerSessionId = (p: Buffer): number => p.readUInt32BE(SESSION);
export const headerLength = (p: Buffer): number => p.readUInt32BE(LENGTH);
/** Major version 0xC is the only one there is; anything else is not TACACS+. */
export const isTacacsVersion = (versionByte: number): boolean => versionByte >> 4 === 0xc;

/**
 * XORs `body` with the pseudo-pad MD5(session_id ‖ key ‖ version ‖ seq [‖ previous digest]) of the packet whose
 * 12-byte `header` is given, into `out` (a new buffer when omitted). The same operation (de)obfuscates.
 */
export function obfuscate(body: Buffer, key: Buffer, header: Buffer, out: Buffer = Buffer.allocUnsafe(body.length)): Buffer {
  // session_id (4) ‖ key ‖ version ‖ seq ‖ previous digest (16): one scratch input, rewritten per block.
  const input = Buffer.allocUnsafe(4 + key.length + 2 + 16);
  header.copy(input, 0, SESSION, SESSION + 4);
  key.copy(input, 4);
  input[4 + key.length] = header[VERSION]!;
  input[5 + key.length] = header[SEQ]!;
  const first = input.subarray(0, 6 + key.length);
  const prevAt = 6 + key.length;
  for (let at = 0; at < body.length; at += 16) {
    const pad = hash('md5', at === 0 ? first : input, 'buffer');
    const n = Math.min(16, body.length - at);
    for (let i = 0; i < n; i++) out[at + i] = body[at + i]! ^ pad[i]!;
    pad.copy(input, prevAt);
  }
  return out;
}

/**
 * True when the field lengths of an accounting REQUEST body add up to its length: RFC 8907 §4.5's test for a
 * wrong key (a wrongly de-obfuscated body is noise whose lengths almost never add up).
 */
export function accountingBodyFits(b: Buffer): boolean {
  if (b.length < 9) return false;
  const argCnt = b[8]!;
  let sum = 9 + argCnt + b[5]! + b[6]! + b[7]!;
  if (sum > b.length) return false;
  for (let i = 0; i < argCnt; i++) sum += b[9 + i]!;
  return sum === b.length;
}

/** Authentication START (`action priv type service user_len port_len rem_len data_len` + fields). */
function authenStartFits(b: Buffer): boolean {
  return b.length >= 8 && 8 + b[4]! + b[5]! + b[6]! + b[7]! === b.length;
}

/** Authorization REQUEST (`method priv type service user_len port_len rem_len arg_cnt`, arg lengths, fields). */
function authorRequestFits(b: Buffer): boolean {
  if (b.length < 8) return false;
  const argCnt = b[7]!;
  let sum = 8 + argCnt + b[4]! + b[5]! + b[6]!;
  if (sum > b.length) return false;
  for (let i = 0; i < argCnt; i++) sum += b[8 + i]!;
  return sum === b.length;
}

/** Does a de-obfuscated first-packet body of this type have consistent lengths (the key is right)? */
export function bodyFits(type: number, b: Buffer): boolean {
  if (type === TYPE.acct) return accountingBodyFits(b);
  if (type === TYPE.authen) return authenStartFits(b);
  if (type === TYPE.author) return authorRequestFits(b);
  return false;
}

export interface AccountingRequest {
  /** START 0x02, STOP 0x04, WATCHDOG 0x08 (0x0A = watchdog with update). */
  flags: number;
  authenMethod: number;
  privLvl: number;
  authenType: number;
  authenService: number;
  user: string;
  port: string;
  remAddr: string;
  /** The AV pairs in order, as sent (`name=value` or `name*value`). */
  args: string[];
}

/** Decodes a de-obfuscated accounting REQUEST body; a ParseFailure when its lengths do not add up. */
export function decodeAccountingRequest(b: Buffer): AccountingRequest | ParseFailure {
  if (!accountingBodyFits(b)) return { error: 'accounting request field lengths do not add up to the packet length' };
  const argCnt = b[8]!;
  let at = 9 + argCnt;
  const take = (n: number): string => {
    const s = b.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const user = take(b[5]!);
  const port = take(b[6]!);
  const remAddr = take(b[7]!);
  const args: string[] = new Array<string>(argCnt);
  for (let i = 0; i < argCnt; i++) args[i] = take(b[9 + i]!);
  return { flags: b[0]!, authenMethod: b[1]!, privLvl: b[2]!, authenType: b[3]!, authenService: b[4]!, user, port, remAddr, args };
}

export type AccountingKind = 'start' | 'stop' | 'watchdog';

/**
 * The record type of an accounting flags byte; null for the combinations RFC 8907 §7.2 calls invalid
 * (none set, START with STOP, STOP with WATCHDOG).
 */
export function accountingKind(flags: number): AccountingKind | null {
  switch (flags & 0x0e) {
    case ACCT_FLAG.start:
      return 'start';
    case ACCT_FLAG.stop:
      return 'stop';
    case ACCT_FLAG.watchdog:
    case ACCT_FLAG.watchdog | ACCT_FLAG.start:
      return 'watchdog';
    default:
      return null;
  }
}

/** Server messages longer than this are cut: they are ours, short and ASCII, but the field is 16 bits. */
const MAX_SERVER_MSG = 1024;

function message(text: string): Buffer {
  return Buffer.from(text.slice(0, MAX_SERVER_MSG), 'latin1');
}

/** Reply header for `request`: same version and session, seq + 1, the given type, flags and body length. */
function replyHeader(request: Buffer, type: number, flags: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h[VERSION] = request[VERSION]!;
  h[TYPE_AT] = type;
  h[SEQ] = (request[SEQ]! + 1) & 0xff;
  h[FLAGS] = flags;
  request.copy(h, SESSION, SESSION, SESSION + 4);
  h.writeUInt32BE(length, LENGTH);
  return h;
}

/** Header + body, the body obfuscated with `key` (null: sent in the clear, the UNENCRYPTED flag must be set). */
function seal(header: Buffer, body: Buffer, key: Buffer | null): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  header.copy(out, 0);
  if (key) obfuscate(body, key, header, out.subarray(HEADER_BYTES));
  else body.copy(out, HEADER_BYTES);
  return out;
}

export interface ReplyOptions {
  /** Header flags of the reply (single-connect agreed, UNENCRYPTED over TLS). */
  flags: number;
  /** Obfuscation key; null over TLS. */
  key: Buffer | null;
  serverMsg?: string;
}

/** Accounting REPLY: `server_msg_len(2) data_len(2) status(1) server_msg`. */
export function accountingReply(request: Buffer, status: number, o: ReplyOptions): Buffer {
  const msg = message(o.serverMsg ?? '');
  const body = Buffer.allocUnsafe(5 + msg.length);
  body.writeUInt16BE(msg.length, 0);
  body.writeUInt16BE(0, 2);
  body[4] = status;
  msg.copy(body, 5);
  return seal(replyHeader(request, TYPE.acct, o.flags, body.length), body, o.key);
}

/** Authentication REPLY with status ERROR: `status flags server_msg_len(2) data_len(2) server_msg`. */
export function authenErrorReply(request: Buffer, o: ReplyOptions): Buffer {
  const msg = message(o.serverMsg ?? '');
  const body = Buffer.allocUnsafe(6 + msg.length);
  body[0] = AUTHEN_STATUS_ERROR;
  body[1] = 0;
  body.writeUInt16BE(msg.length, 2);
  body.writeUInt16BE(0, 4);
  msg.copy(body, 6);
  return seal(replyHeader(request, TYPE.authen, o.flags, body.length), body, o.key);
}

/** Authorization RESPONSE with status ERROR: `status arg_cnt server_msg_len(2) data_len(2) server_msg`. */
export function authorErrorReply(request: Buffer, o: ReplyOptions): Buffer {
  const msg = message(o.serverMsg ?? '');
  const body = Buffer.allocUnsafe(6 + msg.length);
  body[0] = AUTHOR_STATUS_ERROR;
  body[1] = 0;
  body.writeUInt16BE(msg.length, 2);
  body.writeUInt16BE(0, 4);
  msg.copy(body, 6);
  return seal(replyHeader(request, TYPE.author, o.flags, body.length), body, o.key);
}

/** The ERROR reply of the request's own type; null for a type that has none (see `unknownTypeReply`). */
export function errorReply(request: Buffer, o: ReplyOptions): Buffer | null {
  switch (request[TYPE_AT]) {
    case TYPE.acct:
      return accountingReply(request, ACCT_STATUS.error, o);
    case TYPE.authen:
      return authenErrorReply(request, o);
    case TYPE.author:
      return authorErrorReply(request, o);
    default:
      return null;
  }
}

/** RFC 8907 §3.6: for a type the server cannot determine, the identical header with seq + 1 and length 0. */
export function unknownTypeReply(request: Buffer): Buffer {
  return replyHeader(request, request[TYPE_AT]!, request[FLAGS]!, 0);
}
