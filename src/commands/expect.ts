// `capwatch expect add|list|remove`: approved captures from the command line, in the service's database (the running
// service picks them up within a second) and in its audit trail, under the name of the person at the terminal.
import { userInfo } from 'node:os';
import { Approvals, ApprovalError, type ApprovalInput } from '../alerts/approvals.js';
import { AuditLog } from '../alerts/audit.js';
import { SeenDevices } from '../alerts/devices.js';
import { Store } from '../alerts/store.js';
import { approvalJson } from '../api/expected.js';
import type { Config } from '../config.js';
import { InventorySource } from '../poll/inventory.js';
import { cell, grid } from './table.js';

export class ExpectUsageError extends Error {}

export interface ExpectOptions {
  devices: string[];
  user?: string;
  kind?: string;
  pattern?: string;
  name?: string;
  destination?: string;
  ticket?: string;
  reason?: string;
  ttl?: string;
  until?: string;
  all: boolean;
  json: boolean;
}

/** `90m`, `4h`, `2d` or plain minutes. */
export function parseTtl(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|min|h|d)?$/i.exec(text.trim());
  if (!m) throw new ExpectUsageError(`--ttl takes minutes or a number with m, h or d (got "${text}")`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase();
  return unit === 'd' ? n * 1440 : unit === 'h' ? n * 60 : n;
}

export function expectCommand(config: Config, verb: string | undefined, args: string[], o: ExpectOptions, out: NodeJS.WritableStream = process.stdout): number {
  const store = new Store(config.storage.path);
  try {
    const approvals = new Approvals(store.database);
    const actor = { name: userInfo().username, method: 'cli' };
    const now = new Date();
    switch (verb) {
      case 'add': {
        if (o.user === undefined) throw new ExpectUsageError('expect add needs --user (who will do the work)');
        if (o.ticket === undefined) throw new ExpectUsageError('expect add needs --ticket (why: a ticket or change id)');
        if (o.devices.length === 0) throw new ExpectUsageError('expect add needs --device (one or more)');
        const input: ApprovalInput = {
          devices: o.devices,
          user: o.user,
          ticket: o.ticket,
          ...(o.kind !== undefined && { kind: o.kind }),
          ...(o.pattern !== undefined && { pattern: o.pattern }),
          ...(o.name !== undefined && { name: o.name }),
          ...(o.destination !== undefined && { destination: o.destination }),
          ...(o.reason !== undefined && { reason: o.reason }),
          ...(o.ttl !== undefined && { ttlMinutes: parseTtl(o.ttl) }),
          ...(o.until !== undefined && { until: o.until }),
        };
        const seen = new SeenDevices(store.database);
        const inventory = config.inventory && new InventorySource(config.inventory);
        const known = (name: string) => store.knowsDevice(name) || seen.knows(name) || inventory?.index().find({ address: name, hostname: name }) !== undefined;
        const approval = approvals.add(input, actor.name, now, config.expected.approvals, known);
        new AuditLog(store.database).record({ actor, action: 'expected.add', target: approval.id, details: approvalJson(approval, now) });
        out.write(o.json ? `${JSON.stringify(approvalJson(approval, now))}\n` : `approval ${approval.id}: ${approval.user} on ${approval.devices.join(', ')} until ${approval.expiresAt.toISOString()}\n`);
        return 0;
      }
      case 'list': {
        const list = o.all ? approvals.recent(500) : approvals.current(now);
        if (o.json) {
          for (const a of list) out.write(`${JSON.stringify(approvalJson(a, now))}\n`);
          return 0;
        }
        const rows = list.map((a) => {
          const j = approvalJson(a, now);
          const what = [a.kind, a.name, a.pattern && `/${a.pattern}/`, a.destination && `to ${a.destination}`].filter(Boolean).join(' ');
          return [a.id.slice(0, 8), j.state, cell(a.user, 32), cell(a.devices.join(','), 40), cell(what || 'any', 40), cell(a.ticket, 24), a.expiresAt.toISOString().slice(0, 16).replace('T', ' ')];
        });
        if (rows.length) out.write(`${grid(['ID', 'STATE', 'USER', 'DEVICES', 'WHAT', 'TICKET', 'UNTIL (UTC)'], rows)}\n`);
        out.write(`${list.length} approval${list.length === 1 ? '' : 's'}${o.all ? '' : ' in force'}\n`);
        return 0;
      }
      case 'remove': {
        if (args.length !== 1) throw new ExpectUsageError('expect remove takes one approval id');
        const id = resolveId(approvals, args[0]!, now);
        if (!id || !approvals.remove(id, actor.name, now)) {
          process.stderr.write(`capwatch: no approval in force with id ${args[0]}\n`);
          return 1;
        }
        new AuditLog(store.database).record({ actor, action: 'expected.remove', target: id, details: {} });
        out.write(`approval ${id} ended\n`);
        return 0;
      }
      default:
        throw new ExpectUsageError('expect takes add, list or remove');
    }
  } catch (err) {
    if (err instanceof ApprovalError) throw new ExpectUsageError(err.message);
    throw err;
  } finally {
    store.close();
  }
}

/** The full id, or its first characters as `list` shows them when only one approval in force starts so. */
function resolveId(approvals: Approvals, given: string, now: Date): string | undefined {
  const matching = approvals.current(now).filter((a) => a.id === given || (given.length >= 8 && a.id.startsWith(given)));
  return matching.length === 1 ? matching[0]!.id : undefined;
}
