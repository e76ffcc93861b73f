// Builds capwatch's native addon (native/udp-batch: batched UDP receive) with node-gyp at `npm install`. Optional:
// where it cannot be built (no C compiler, not Linux) capwatch receives syslog UDP with node:dgram instead, and says
// so once at start. The headers of the Node running this script are used when they sit beside it (a Node installed
// from its tarball or a distribution package), so no download is needed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`capwatch: ${msg}`);
if (process.platform !== 'linux') {
  say('the batched UDP receive addon is Linux-only; syslog UDP will use node:dgram');
  process.exit(0);
}
const gyp = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')].find(
  (p) => p && existsSync(p),
);
if (!gyp) {
  say('node-gyp not found; syslog UDP will use node:dgram');
  process.exit(0);
}
const args = [gyp, 'rebuild', '--loglevel=warn', '--directory', join(root, 'native', 'udp-batch')];
const localHeaders = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(localHeaders, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${localHeaders}`);
const built = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
if (built.status !== 0) say('the batched UDP receive addon could not be built (above); syslog UDP will use node:dgram');
