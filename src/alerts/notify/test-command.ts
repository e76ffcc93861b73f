// `capwatch notify test`: sends a sample incident to each target directly (not through the outbox) and reports.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Incident } from '../../types.js';
import { formatters } from './formats/index.js';
import { excerpt } from '../../log.js';
import { redactUrl, send } from './send.js';

export function sampleIncident(now = new Date()): Incident {
  const device = { address: '192.0.2.1', hostname: 'capwatch-test-router', platform: 'iosxe' as const };
  const event = { time: now, receivedAt: now, device, user: 'capwatch-test', line: 'vty0', remoteAddress: '198.51.100.1', command: 'monitor capture CAPWATCH-TEST interface GigabitEthernet1/0/1 both', context: [], source: 'syslog' as const, raw: 'capwatch notify test' };
  return {
    id: `test-${randomUUID()}`,
    severity: 'high',
    status: 'open',
    device,
    user: 'capwatch-test',
    firstSeen: now,
    lastSeen: now,
    detections: [{ rule: 'capwatch-notify-test', title: 'Test notification', kind: 'capture', severity: 'high', technique: 'T1040', event, facts: {}, tradecraft: [], why: 'This is a test message from capwatch notify test; nothing happened.' }],
  };
}

export async function notifyTest(config: Config, only: string | undefined, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const targets = only === undefined ? config.notify : config.notify.filter((t) => t.name === only);
  if (targets.length === 0) {
    out.write(only === undefined ? 'no notify targets configured\n' : `no notify target named "${only}"\n`);
    return 1;
  }
  let failed = 0;
  await Promise.all(
    targets.map(async (target) => {
      const incident = sampleIncident();
      const msg = formatters[target.type]({ incident, first: true, fresh: incident.detections, ...(config.http.publicUrl && { publicUrl: config.http.publicUrl }), deliveryId: randomUUID(), now: new Date(), target });
      const r = await send(msg.url ?? target.url, msg, config.notifyDelivery.timeoutSeconds * 1000);
      if (!r.ok) failed++;
      const failure = r.detail && r.detail !== r.error ? `${r.error} (${excerpt(r.detail, 200)})` : r.error;
      out.write(`${target.name} (${target.type}, ${redactUrl(target.url)}): ${r.ok ? `ok, HTTP ${r.status}` : `FAILED, ${failure}`}\n`);
    }),
  );
  return failed ? 1 : 0;
}
