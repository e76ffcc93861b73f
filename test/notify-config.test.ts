// The notify configuration: defaults, required secrets, unique names, ${ENV} URLs, and errors that never show a URL.
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config.js';
import { configProblems as problems } from './helpers/config.js';

describe('notify config', () => {
  it('defaults to no targets and the documented delivery timings', () => {
    const c = buildConfig({});
    expect(c.notify).toEqual([]);
    expect(c.notifyDelivery).toEqual({ timeoutSeconds: 10, maxAgeMinutes: 60, batchSeconds: 2, drainSeconds: 5, retryBaseMs: 1000, maxRetryDelaySeconds: 300, stormThreshold: 20, stormWindowSeconds: 60, digestSeconds: 60, knownDeviceAfterMinutes: 60 });
  });

  it('takes URLs and secrets from the environment and gives PagerDuty its events URL', () => {
    const c = buildConfig({ notify: [{ name: 'pd', type: 'pagerduty', secret: '${PD_KEY}' }, { name: 's', type: 'slack', url: '${SLACK_URL}' }] }, { PD_KEY: 'rk', SLACK_URL: 'https://hooks.slack.com/services/T/B/X' });
    expect(c.notify[0]).toMatchObject({ url: 'https://events.pagerduty.com/v2/enqueue', secret: 'rk' });
    expect(c.notify[1]!.url).toBe('https://hooks.slack.com/services/T/B/X');
  });

  it('names each bad key, never the URL', () => {
    const p = problems({
      notify: [
        { name: 'a', type: 'webhook', url: 'ftp://SECRETTOKEN@host/x' },
        { name: 'a', type: 'slack' },
      ],
    });
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^notify\[0\]\.url: must be an http\(s\) URL/),
      'notify[0].secret: required for webhook (the HMAC signing key)',
      'notify[1].name: "a" is used by another target',
      'notify[1].url: required for slack',
    ]));
    expect(problems({ notify: [{ name: 'b', type: 'sms', url: 'https://x' }] })[0]).toMatch(/^notify\[0\]\.type: must be one of slack, teams/);
    expect(p.join('\n')).not.toContain('SECRETTOKEN');
  });
});
