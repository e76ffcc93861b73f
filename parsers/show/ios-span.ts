// IOS / IOS-XE `show monitor`, `show monitor session all|N`: local SPAN, RSPAN and ERSPAN sessions.
// Blocks start at `Session N` (the dashed underline may be missing); keys use any padding; `RX Only` / `TX Only` /
// `Both` belong to the last `Source …` section header, indented or not. Catalyst 9k's hardware view,
// `show platform software monitor session N` (`Span Session N (FED Session M):`), is read with the same rules.
import type { SessionFinding } from '../../src/types.js';
import { keyValue, listValue } from './lines.js';
import { SessionDraft, type SpanDirection } from './session.js';

const HEADER = /^\s*(?:Span )?Session\s+(\d+)(?:\s+\(FED Session \d+\):)?\s*$/;

const SUB_DIRECTION: Record<string, SpanDirection> = { 'rx only': 'rx', 'tx only': 'tx', both: 'both' };

/** How a source section names its items: ports as shown, VLANs and EFPs labelled so a bare number reads right. */
const SECTIONS: Record<string, (item: string) => string> = {
  'source ports': (s) => s,
  'source subinterfaces': (s) => s,
  'source vlans': (s) => `VLAN ${s}`,
  'source efps': (s) => `EFP ${s}`,
};

export function hasIosSessions(lines: readonly string[]): boolean {
  return lines.some((l) => HEADER.test(l));
}

export function parseIosSessions(lines: readonly string[]): SessionFinding[] {
  const found: SessionFinding[] = [];
  let draft: SessionDraft | undefined;
  let typed = false;
  let section: ((item: string) => string) | undefined;
  let erspanSource: string | undefined;

  const close = () => {
    if (!draft) return;
    if (!typed) draft.type = inferType(draft);
    if (erspanSource) draft.addSource(`ERSPAN ${erspanSource}`);
    found.push(draft.finish());
    draft = undefined;
  };

  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header) {
      close();
      draft = new SessionDraft(header[1]!, 'local');
      typed = false;
      section = undefined;
      erspanSource = undefined;
      continue;
    }
    if (!draft) continue;
    const kv = keyValue(line);
    if (!kv) continue;
    const [key, value] = kv;
    const sub = SUB_DIRECTION[key];
    if (sub) {
      if (section) for (const item of listValue(value)) draft.addSource(section(item), sub);
      continue;
    }
    section = SECTIONS[key];
    if (section) {
      // Very old releases put the list on the header line itself.
      for (const item of listValue(value)) draft.addSource(section(item));
      continue;
    }
    switch (key) {
      case 'type':
        draft.type = sessionType(value);
        typed = true;
        break;
      case 'status':
        if (/admin enabled/i.test(value)) draft.state = true;
        else if (/admin disabled/i.test(value)) draft.state = false;
        break;
      case 'erspan state':
        draft.state = /^enabled$/i.test(value);
        break;
      case 'ingress src ports':
      case 'egress src ports':
        for (const item of listValue(value)) draft.addSource(item, key.startsWith('ingress') ? 'rx' : 'tx');
        break;
      case 'ingress src vlans':
      case 'egress src vlans':
        for (const item of listValue(value)) draft.addSource(`VLAN ${item}`, key.startsWith('ingress') ? 'rx' : 'tx');
        break;
      case 'destination ports':
        for (const item of listValue(value)) draft.addDestination(item);
        break;
      case 'dest rspan vlan':
        for (const item of listValue(value)) draft.addDestination(`RSPAN VLAN ${item}`);
        break;
      case 'source rspan vlan':
        for (const item of listValue(value)) draft.addSource(`RSPAN VLAN ${item}`);
        break;
      case 'destination ip address':
      case 'destination ipv6 address':
      case 'erspan dst ip':
        if (listValue(value).length > 0) draft.destinationIp = value;
        break;
      case 'source ip address':
        // On an ERSPAN destination session: the tunnel the mirrored traffic arrives through.
        if (listValue(value).length > 0) erspanSource = value;
        break;
    }
  }
  close();
  return found;
}

/** `ERSPAN Source Session` → `erspan-source`, `Local Session` → `local`. */
function sessionType(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/\s+session$/, '')
      .trim()
      .replace(/\s+/g, '-') || 'unknown'
  );
}

/** 12.x output has no Type line: the keys present tell the kind. */
function inferType(draft: SessionDraft): string {
  const s = draft.finish();
  if (s.destinationIp) return 'erspan-source';
  if (s.destinations.some((d) => d.startsWith('RSPAN VLAN'))) return 'remote-source';
  if (s.sources.some((d) => d.startsWith('RSPAN VLAN'))) return 'remote-destination';
  return 'local';
}
