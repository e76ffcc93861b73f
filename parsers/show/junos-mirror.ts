// Junos `show forwarding-options analyzer` (one block per `Analyzer name`) and
// `show forwarding-options port-mirroring` (an `Instance Name:` and its output table, state per family row).
import type { SessionFinding } from '../../src/types.js';
import { keyValue, listValue } from './lines.js';
import { SessionDraft } from './session.js';

const OUTPUT_ROW = /^\s*(\S+)\s+(up|down)\s+(\S+)/i;

export function parseJunosSessions(lines: readonly string[]): SessionFinding[] {
  const found: SessionFinding[] = [];
  let draft: SessionDraft | undefined;
  let mirror = false;
  const close = () => {
    if (draft) found.push(draft.finish());
    draft = undefined;
  };
  for (const line of lines) {
    const kv = keyValue(line);
    if (kv?.[0] === 'analyzer name' || kv?.[0] === 'instance name') {
      close();
      mirror = kv[0] === 'instance name';
      draft = new SessionDraft(kv[1], mirror ? 'port-mirroring' : 'analyzer');
      continue;
    }
    if (!draft) continue;
    if (mirror) {
      const row = OUTPUT_ROW.exec(line);
      if (row && !/^family$/i.test(row[1]!)) {
        draft.addDestination(row[3]!);
        draft.state = draft.state === true || /^up$/i.test(row[2]!);
      }
      continue;
    }
    if (!kv) continue;
    const [key, value] = kv;
    if (key === 'state') draft.state = /^up$/i.test(value);
    else if (key === 'ingress monitored interfaces') for (const i of listValue(value)) draft.addSource(i, 'rx');
    else if (key === 'egress monitored interfaces') for (const i of listValue(value)) draft.addSource(i, 'tx');
    else if (key === 'ingress monitored vlans') for (const i of listValue(value)) draft.addSource(`VLAN ${i}`, 'rx');
    else if (key === 'egress monitored vlans') for (const i of listValue(value)) draft.addSource(`VLAN ${i}`, 'tx');
    else if (key === 'output interface') for (const i of listValue(value)) draft.addDestination(i);
    else if (key === 'output vlan') for (const i of listValue(value)) draft.addDestination(`VLAN ${i}`);
    else if (key === 'output ip address' && listValue(value).length > 0) draft.destinationIp = value;
  }
  close();
  return found;
}
