// Approved captures: planned work an operator registered before doing it — on which devices, by whom, what, why,
// until when. A hit is covered only when all of it holds: the same person, a named device, the kind, the command
// pattern, the capture or session name, the destination. When an approval for the device exists but one part does
// not hold, that part is what the alert says ("approved capture on core-rtr1 for alice, but exported to …").
import { isIP } from 'node:net';
import type { Detection, DeviceRef } from '../../types.js';
import { cidrContains, parseCidr } from '../sigma/cidr.js';
import { isRemoteUrl } from '../severity.js';
import { deviceMatches, parseDeviceSpec, type DeviceDirectory, type DeviceSpec } from './devices.js';
import { kindCovered, type WorkKind } from './kinds.js';

export interface Approval {
  id: string;
  /** Device names or addresses as the operator typed them. */
  devices: string[];
  user: string;
  kind?: WorkKind;
  /** A regular expression the command must match (case-insensitive). */
  pattern?: string;
  /** The capture name or mirror session id. */
  name?: string;
  /** Where captured or mirrored traffic may go: an address or network (ERSPAN), or a host (exports). */
  destination?: string;
  ticket: string;
  reason?: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date;
  removedAt?: Date;
  removedBy?: string;
}

interface Compiled {
  approval: Approval;
  devices: DeviceSpec;
  pattern?: RegExp;
}

/** The approvals in force, arranged for lookup by device on each detection. */
export class ApprovalIndex {
  private readonly byName = new Map<string, Compiled[]>();
  private readonly unnamed: Compiled[] = [];
  readonly size: number;

  constructor(approvals: readonly Approval[]) {
    let n = 0;
    // A removed approval ended when it was removed (its expiry says when): the time check covers it.
    for (const a of approvals) {
      const compiled: Compiled = { approval: a, devices: parseDeviceSpec(a.devices), ...(a.pattern !== undefined && { pattern: new RegExp(a.pattern, 'i') }) };
      n++;
      if (compiled.devices.names.size === 0) {
        this.unnamed.push(compiled);
        continue;
      }
      for (const name of compiled.devices.names) {
        const list = this.byName.get(name);
        if (list) list.push(compiled);
        else this.byName.set(name, [compiled]);
      }
    }
    this.size = n;
  }

  /** Approvals that may concern the device: a handful, whatever the number in force. */
  candidates(device: DeviceRef, directory: DeviceDirectory): Compiled[] {
    if (this.size === 0) return NONE;
    const out: Compiled[] = [];
    const add = (name: string | undefined) => {
      if (name === undefined) return;
      for (const c of this.byName.get(name) ?? NONE) if (!out.includes(c)) out.push(c);
      const dot = name.indexOf('.');
      if (dot > 0 && isIP(name) === 0) for (const c of this.byName.get(name.slice(0, dot)) ?? NONE) if (!out.includes(c)) out.push(c);
    };
    add(device.address.toLowerCase());
    add(device.hostname?.toLowerCase());
    add(directory(device)?.name.toLowerCase());
    for (const c of this.unnamed) if (deviceMatches(c.devices, device, directory)) out.push(c);
    return out;
  }
}

const NONE: Compiled[] = [];

export type ApprovalVerdict = { covered: true; approval: Approval } | { covered: false; approval: Approval; because: string };

function deviceLabel(d: DeviceRef): string {
  return d.hostname ?? d.address;
}

/** Where the hit sends traffic, when it does: an export URL or an ERSPAN destination. */
function destinationOf(d: Detection): { url?: string; ip?: string } {
  return { ...(d.facts.url !== undefined && { url: d.facts.url }), ...(d.facts.destinationIp !== undefined && { ip: d.facts.destinationIp }) };
}

function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^/:]+)/i.exec(url);
  return m?.[1]?.replace(/^\[|\]$/g, '').toLowerCase();
}

function destinationAllowed(allowed: string, target: string): boolean {
  if (isIP(target) !== 0) {
    const net = parseCidr(allowed.includes('/') ? allowed : `${allowed}/${isIP(allowed) === 6 ? 128 : 32}`);
    return net !== null && cidrContains(net, target);
  }
  return allowed.toLowerCase() === target.toLowerCase();
}

/** Does this approval cover the hit? `active` is checked by the caller. */
export function judge(c: Compiled, d: Detection): ApprovalVerdict {
  const a = c.approval;
  const e = d.event;
  const no = (because: string): ApprovalVerdict => ({
    covered: false,
    approval: a,
    because: `approved ${a.kind ?? 'capture or mirror'}${a.name ? ` ${a.name}` : ''} on ${deviceLabel(e.device)} for ${a.user}, but ${because}`,
  });
  if (e.user === undefined || e.user.toLowerCase() !== a.user.toLowerCase()) return no(e.user ? `${e.user} did it` : 'the device did not say who did it');
  if (!kindCovered(a.kind ? [a.kind] : undefined, d.kind)) return no(`this is ${d.kind} work`);
  if (c.pattern && !c.pattern.test(e.command)) return no(`the command is not the approved pattern /${a.pattern}/`);
  const object = d.facts.capture ?? d.facts.buffer ?? d.facts.session;
  if (a.name !== undefined && object !== undefined && object.toLowerCase() !== a.name.toLowerCase()) return no(`this is ${d.facts.session !== undefined ? 'session' : 'capture'} ${object}`);
  const { url, ip } = destinationOf(d);
  if (url !== undefined && isRemoteUrl(url)) {
    const host = hostOf(url);
    if (a.destination === undefined || host === undefined || !destinationAllowed(a.destination, host)) return no(`exported to ${url}`);
  }
  if (ip !== undefined && a.destination !== undefined && !destinationAllowed(a.destination, ip)) return no(`mirrored to ${ip}, not the approved ${a.destination}`);
  // Critical hits are never set apart by approvals: an ERSPAN destination outside your collectors, say.
  if (d.severity === 'critical') return no(ip !== undefined ? `mirrored to ${ip}, outside the collector networks` : d.title.toLowerCase());
  return { covered: true, approval: a };
}
