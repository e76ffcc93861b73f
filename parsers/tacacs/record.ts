// A decoded TACACS+ accounting REQUEST → the DeviceRecord every other source produces. The AV-pair rules (cmd +
// cmd-arg, ` <cr>`, NX-OS ` ; ` paths and result suffixes, FortiGate's `reason`) are the syslog path's own.
import { accountingRecord, avValue, splitAv, type AccountingFields } from '../messages/tacplus.js';
import { clean, field } from '../messages/text.js';
import type { DeviceRecord } from '../types.js';
import { accountingKind, type AccountingRequest } from './packet.js';

const EPOCH_SECONDS = /^\d{9,11}(?:\.\d{1,9})?$/;

/**
 * The record type: the RFC's own for valid flags; for the invalid combinations tac_plus's precedence (STOP, then
 * START, then WATCHDOG), `update` when none is set. The record is still reported: a device sending odd flags may
 * still be reporting a capture.
 */
function recordType(flags: number): NonNullable<DeviceRecord['accounting']> {
  const kind = accountingKind(flags);
  if (kind) return kind;
  if (flags & 0x04) return 'stop';
  if (flags & 0x02) return 'start';
  if (flags & 0x08) return 'watchdog';
  return 'update';
}

/** Seconds since the epoch, fractional allowed (Aruba); anything else (Extreme's ctime) is not trusted. */
function epoch(v: string | undefined): Date | undefined {
  if (v === undefined || !EPOCH_SECONDS.test(v)) return undefined;
  return new Date(Math.round(Number(v) * 1000));
}

/**
 * The command (or session end) an accounting request reports; null when it reports neither (a START without
 * `cmd`, an exec session's watchdog). `nas` is the device's address: the packet came from it.
 */
export function accountingDeviceRecord(req: AccountingRequest): DeviceRecord | null {
  const avs = req.args.map(splitAv);
  const type = recordType(req.flags);
  const f: AccountingFields = { user: req.user, port: req.port, remAddr: req.remAddr, type, avs };
  const time = epoch(type === 'stop' ? avValue(f, 'stop-time') ?? avValue(f, 'start-time') : avValue(f, 'start-time') ?? avValue(f, 'stop-time'));
  if (time) f.time = time;
  const rec = accountingRecord(f, 'tacacs');
  if (!rec) return null;
  const priv = avValue(f, 'priv-lvl');
  const level = priv !== undefined && /^\d{1,2}$/.test(priv) ? Number(priv) : req.privLvl;
  if (level <= 15) rec.privLevel = level;
  const tz = field(avValue(f, 'timezone'));
  if (tz !== undefined) rec.timezone = tz.slice(0, 64);
  return rec;
}

/** The record as one line for people and the `raw` field: tac_plus's accounting-file layout, TAB-separated. */
export function renderAccounting(req: AccountingRequest, nas: string): string {
  const kind = accountingKind(req.flags) ?? `flags=0x${req.flags.toString(16).padStart(2, '0')}`;
  return clean([nas, req.user || 'unknown', req.port || 'unknown', req.remAddr || 'unknown', kind, ...req.args].join('\t'));
}
