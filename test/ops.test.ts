// What operators load into their own tools: the Prometheus alerting rules (checked and unit-tested by promtool) and
// the Grafana dashboard, whose every query must name metrics the running service really exposes.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type Service } from './helpers/service.js';
import { requireTool } from './helpers/tools.js';

const DEPLOY = join(import.meta.dirname, '..', 'deploy');
const RULES = join(DEPLOY, 'prometheus');
const hasPromtool = requireTool('promtool');

/** capwatch metric names an expression mentions (PromQL functions and labels are not capwatch_…). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bcapwatch_[a-z_]+/g)].map((m) => m[0]);
}

describe('monitoring what capwatch ships', () => {
  let svc: Service;
  let exposed: Set<string>;
  beforeAll(async () => {
    // An inventory and a chat target, so that every metric the dashboard draws is registered.
    svc = await startService({
      config: {
        inventory: { devices: [{ name: 'lab', address: '127.0.0.1', port: 1, platform: 'iosxe', username: 'u', password: 'p' }] },
        notify: [{ name: 'hook', type: 'webhook', url: 'http://127.0.0.1:1/hook', secret: 's' }],
      },
    });
    const text = await svc.api<string>('/metrics');
    exposed = new Set([...text.matchAll(/^# HELP (\S+)/gm)].map((m) => m[1]!));
  });
  afterAll(async () => {
    await svc.stop();
  });

  it.runIf(hasPromtool)('promtool accepts the alerting rules, and its unit tests show them firing on the series that should fire them', () => {
    expect(execFileSync('promtool', ['check', 'rules', join(RULES, 'capwatch.rules.yml')], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
    expect(execFileSync('promtool', ['test', 'rules', 'capwatch.rules.test.yml'], { cwd: RULES, encoding: 'utf8' })).toMatch(/SUCCESS/);
  });

  it('every metric the rules and the dashboard use is one the service exposes, with _total on counters', () => {
    const rules = readFileSync(join(RULES, 'capwatch.rules.yml'), 'utf8');
    const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'capwatch.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const used = new Set([...metricNames(rules), ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNames(t.expr)))]);
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(exposed, name).toContain(name);
    const text = [...exposed].filter((n) => n.startsWith('capwatch_'));
    expect(text).toEqual(expect.arrayContaining(['capwatch_build_info', 'capwatch_udp_kernel_drops_total', 'capwatch_messages_prefiltered_total']));
  });

  it('counters are named _total and are typed counter', async () => {
    const text = await svc.api<string>('/metrics');
    for (const [, name, type] of text.matchAll(/^# TYPE (capwatch_\S+) (\S+)$/gm)) {
      if (type === 'counter') expect(name, name).toMatch(/_total$/);
      if (name!.endsWith('_total')) expect(type, name).toBe('counter');
    }
  });
});
