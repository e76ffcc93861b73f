// NX-OS `show monitor session all|N`. Blocks start at lower-case `session N`; keys are lower-case and hyphenated;
// `rx` / `tx` / `both` belong to the last `source intf|VLANs|VSANs` header (copies often lose their indent);
// the `Feature …` table and `Legend:` block that N7k / N5k append end the session list.
import type { SessionFinding } from '../../src/types.js';
import { keyValue, listValue } from './lines.js';
import { SessionDraft, type SpanDirection } from './session.js';

const HEADER = /^\s*session\s+(\d+)\s*$/;
const TRAILER = /^\s*(?:Feature\s+Enabled\b|Legend:)/;

const SUB_DIRECTION: Record<string, SpanDirection> = { rx: 'rx', tx: 'tx', both: 'both' };

const SECTIONS: Record<string, (item: string) => string> = {
  'source intf': (s) => s,
  'source vlans': (s) => `VLAN ${s}`,
  'source vsans': (s) => `VSAN ${s}`,
};

export function hasNxosSessions(lines: readonly string[]): boolean {
  return lines.some((l) => HEADER.test(l));
}

export function parseNxosSessions(lines: readonly string[]): SessionFinding[] {
  const found: SessionFinding[] = [];
  let draft: SessionDraft | undefined;
  let section: ((item: string) => string) | undefined;

  const close = () => {
    if (draft) found.push(draft.finish());
    draft = undefined;
  };

  for (const line of lines) {
    const header = HEADER.exec(line);
    if (header) {
      close();
      draft = new SessionDraft(header[1]!, 'local');
      section = undefined;
      continue;
    }
    if (TRAILER.test(line)) {
      close();
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
    if (section) continue;
    switch (key) {
      case 'type':
        if (value) draft.type = value.toLowerCase();
        break;
      case 'state':
        // `up`, or `down (Dst in wrong mode)` and the like.
        draft.state = /^up\b/i.test(value);
        break;
      case 'destination ports':
        for (const item of listValue(value)) draft.addDestination(item);
        break;
      case 'destination-ip':
        if (listValue(value).length > 0) draft.destinationIp = value;
        break;
      case 'source-ip':
        // On an erspan-destination session: the tunnel the mirrored traffic arrives through.
        for (const item of listValue(value).slice(0, 1)) draft.addSource(`ERSPAN ${item}`);
        break;
    }
  }
  close();
  return found;
}
