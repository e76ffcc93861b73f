// External tools the tests drive (util-linux logger, openssl, syslog-ng's loggen, OpenSSH's ssh-keygen, rsyslogd). .ci/run installs them, so
// under CI=true a missing tool fails the test that needs it; elsewhere that test is skipped with the reason printed once.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const DEBIAN_PACKAGE: Record<string, string> = {
  logger: 'bsdutils',
  openssl: 'openssl',
  loggen: 'syslog-ng-core',
  'ssh-keygen': 'openssh-client',
  script: 'bsdutils',
  chromium: 'chromium',
  promtool: 'prometheus',
  // Not installable beside syslog-ng-core (they conflict): .ci/run fetches them with apt-get download and unpacks them.
  rsyslogd: 'rsyslog, with rsyslog-relp and librelp0, unpacked by .ci/run into /opt/rsyslog-relp with dpkg -x',
};
const reported = new Set<string>();

/**
 * True when `name` is on PATH or in one of `dirs` (a tool unpacked outside PATH). Missing: throws under CI=true, else
 * prints why and returns false (skip the test).
 */
export function requireTool(name: string, dirs: readonly string[] = []): boolean {
  const onPath = [...(process.env.PATH ?? '').split(delimiter), ...dirs].some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (onPath) return true;
  const why = `${name} is not installed (Debian package ${DEBIAN_PACKAGE[name] ?? name})`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must install it`);
  if (!reported.has(name)) {
    reported.add(name);
    console.warn(`skipping tests that need ${name}: ${why}`);
  }
  return false;
}
