// `serve`'s cloud sweeps: every `cloud.sweep.intervalMinutes`, one at a time (a slow provider delays the next).
import type { CloudSweepConfig } from './config.js';
import { cloudSweepConfigured } from './config.js';
import { cloudScopes, type CloudConnections } from './index.js';
import { sweepCloud, type CloudSweepDeps } from './sweep.js';

/** Starts the schedule when one is configured; returns what stops it. */
export function scheduleCloudSweeps(config: CloudSweepConfig, deps: CloudSweepDeps, connections?: CloudConnections): () => void {
  if (config.intervalMinutes <= 0 || !cloudSweepConfigured(config)) return () => {};
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepCloud(cloudScopes(config, connections), deps)
      .catch((err: unknown) => deps.log.error({ err: (err as Error).message }, 'cloud sweep failed'))
      .finally(() => (running = false));
  }, config.intervalMinutes * 60_000).unref();
  return () => clearInterval(timer);
}
