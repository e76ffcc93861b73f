#!/usr/bin/env node
// The one entry point: `capwatch serve | replay | rules | inspect | sweep | notify`.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { startApp, type RunningApp } from './app.js';
import { ROLES } from './api/auth/roles.js';
import { dbCommand, DbUsageError } from './commands/db.js';
import { expectCommand, ExpectUsageError } from './commands/expect.js';
import { passwdCommand } from './commands/passwd.js';
import { tokenCommand } from './commands/token.js';
import { ConfigError, loadConfig } from './config.js';
import { RuleLoadError } from './detect/sigma/load.js';
import { createLogger } from './log.js';
import { packageVersion } from './paths.js';
import { inspect, INSPECT_PLATFORMS, isInspectPlatform } from './commands/inspect.js';
import { notifyTest } from './alerts/notify/test-command.js';
import { replay } from './commands/replay.js';
import { exportRules, listRules } from './commands/rules.js';
import { sweepCommand } from './commands/sweep.js';

interface Command {
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  allowPositionals: boolean;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const configOption = { config: { type: 'string', short: 'c' } } as const;

const commands: Record<string, Command> = {
  serve: {
    summary: 'run the service: syslog listeners, detection, incident store and HTTP API',
    usage: `capwatch serve [--config FILE]

Listens for syslog on UDP and TCP (default port 5514; TLS when syslog.tls has a certificate), reconstructs operator
commands, detects packet capture and traffic mirroring, stores incidents in SQLite and serves the HTTP API
and the operators' console (default http://127.0.0.1:8080/). Without --config the embedded defaults apply; with no
user or token configured (http.auth), an admin token is written beside the database at first start.

Options:
  -c, --config FILE   YAML configuration (\${ENV} expansion; unknown keys are errors)
  -h, --help          this text`,
    options: configOption,
    allowPositionals: false,
    async run(values) {
      const config = loadConfig(values.config as string | undefined);
      const log = createLogger({ level: config.log.level });
      const app = await startApp(config, log);
      if (process.stderr.isTTY) process.stderr.write(banner(app));
      // SIGHUP re-reads the configuration file: a broken edit is refused with the key named, and the running one stays.
      let reloading = Promise.resolve();
      process.on('SIGHUP', () => {
        reloading = reloading.then(async () => {
          log.info({ file: values.config ?? null }, 'SIGHUP: reloading the configuration');
          try {
            const result = await app.reload(loadConfig(values.config as string | undefined));
            if (result.needRestart.length) log.warn({ keys: result.needRestart }, 'these settings changed and take effect at the next start');
          } catch (err) {
            const reason = err instanceof ConfigError ? err.problems : err instanceof RuleLoadError ? [`${err.file}: ${err.reason}`] : [(err as Error).message];
            log.error({ problems: reason }, 'configuration not reloaded: the running one stays');
          }
        });
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'shutting down');
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await app.stop();
      return 0;
    },
  },
  replay: {
    summary: 'run the detection pipeline over archived log files',
    usage: `capwatch replay [--json] [--config FILE] FILE...

Reads syslog lines (device lines, rsyslog / syslog-ng files, tac_plus / tac_plus-ng / ISE accounting) from each FILE
(\`-\` for standard input, .gz is decompressed) and runs the full pipeline: parse, normalise, config context, rules,
capture/mirror state, and expected work (filters, change windows; with --config, the approvals stored in that
configuration's database). Prints each detection on standard output, marked when it is expected work, and a summary
on standard error. Stores nothing. A plain file of 16 MiB or more is cut into ranges that reader threads pre-filter
side by side (one per core, or syslog.workers from --config; 0 or 1 reads on one thread), with the same detections
in the same order.

Options:
  --json              one JSON object per detection (rule, title, severity, kind, technique, device, user, command,
                      context, time, source, facts, …)
  -c, --config FILE   configuration for detection settings (collectors, extra rules, EEM applets)
  -h, --help          this text

Exit status: 0 when the files were read (whatever was found), 2 when a file cannot be read.`,
    options: { ...configOption, json: { type: 'boolean' } },
    allowPositionals: true,
    async run(values, files) {
      if (files.length === 0) throw new UsageError('replay needs at least one FILE (or - for standard input)');
      const config = loadConfig(values.config as string | undefined);
      return replay(files, { json: Boolean(values.json), config, approvalsFromStore: values.config !== undefined });
    },
  },
  rules: {
    summary: 'list the detection rules that would be loaded (checks them too)',
    usage: `capwatch rules [--config FILE] [--export sigma [--out DIR]]

Loads the built-in rules and any configured rule directories, reports the first rule that fails to load, and lists
each rule's id, level, kind and title; then the Sigma rules written without a capwatch: section (SigmaHQ's) that were
mapped onto capwatch's events and how, and those skipped with the reason.

Options:
  -c, --config FILE   configuration naming extra rule directories
  --export sigma      write capwatch's rules as Sigma rules (for sigma check / sigma convert and SIEMs) instead:
                      one YAML document each on standard output
  --out DIR           with --export: one file per rule in DIR (created if missing)
  -h, --help          this text`,
    options: { ...configOption, export: { type: 'string' }, out: { type: 'string' } },
    allowPositionals: false,
    async run(values) {
      const config = loadConfig(values.config as string | undefined);
      if (values.export === undefined) {
        if (values.out !== undefined) throw new UsageError('--out goes with --export sigma');
        return listRules(config);
      }
      if (values.export !== 'sigma') throw new UsageError(`--export: unknown format '${String(values.export)}' (formats: sigma)`);
      return exportRules(config, values.out as string | undefined);
    },
  },
  inspect: {
    summary: 'read saved show output or a terminal transcript and list the captures and mirror sessions in it',
    usage: `capwatch inspect --platform ios|iosxe|nxos|asa|junos [--json] FILE...

Parses saved output of the show commands that reveal packet captures and mirror sessions (IOS-XE \`show monitor
capture\`, \`show monitor session all\`; classic IOS \`show monitor capture point all\`, \`show monitor capture buffer
all parameters\`; NX-OS \`show monitor session all\`; ASA \`show capture\`; Junos \`show forwarding-options analyzer\`),
offline. A FILE may be a transcript (RANCID, Oxidized, a terminal log: prompts and echoed commands included) or a
bare output. All FILEs are read as one device.

Options:
  --platform NAME     the device's platform: ${INSPECT_PLATFORMS.join(', ')}
  --json              one object: {"supported", "captures": [{name, active, interfaces, direction, file}],
                      "sessions": [{id, type, active, sources, destinations, destinationIp}]} (plus "truncated": true
                      when a pager cut the output, and per-session "sourceDirections" when shown)
  -h, --help          this text

Exit status: 0 when the files were read (whatever was found), 2 when a file cannot be read or on a usage error.`,
    options: { platform: { type: 'string', short: 'p' }, json: { type: 'boolean' } },
    allowPositionals: true,
    async run(values, files) {
      const platform = values.platform as string | undefined;
      if (platform === undefined || !isInspectPlatform(platform))
        throw new UsageError(`inspect needs --platform, one of: ${INSPECT_PLATFORMS.join(', ')}${platform === undefined ? '' : ` (got "${platform}")`}`);
      if (files.length === 0) throw new UsageError('inspect needs at least one FILE');
      return inspect(files, { platform, json: Boolean(values.json) });
    },
  },
  sweep: {
    summary: 'log into devices over SSH now and list every active packet capture and mirror session',
    usage: `capwatch sweep [--inventory FILE] [--device NAME]... [--tag TAG]... [--concurrency N] [--json] [--config FILE]
capwatch sweep --cloud [--json] [--config FILE]

Logs into each selected device of the inventory over SSH (read-only: the pager setting and show commands only),
lists the packet captures and SPAN/RSPAN/ERSPAN sessions it reports, and says which are active. Results are stored in
the SQLite file (storage.path) and compared with the device's previous sweep; an active capture or mirror that no open
incident explains opens an incident (source "sweep"), which the running service alerts on. A progress bar is shown on
a terminal.

With --cloud, lists instead the traffic mirrors that exist now in the AWS regions, Google Cloud projects and Azure
subscriptions of cloud.sweep (read-only API calls, the providers' standard credentials); an active mirror that no open
incident explains opens an incident for its account (aws:ID, gcp:PROJECT, azure:SUBSCRIPTION) the same way.

Options:
  --cloud               sweep the configured clouds, not devices
  -i, --inventory FILE  device inventory (YAML: devices: [{name, address, platform, username, password | privateKey,
                        hostKey, tags}]); default: the configuration's inventory
  -d, --device NAME     only this device (repeatable)
  -t, --tag TAG         only devices with this tag (repeatable; any of them)
  -n, --concurrency N   devices checked at once (default poll.concurrency, 20)
  --json                one object: {"id", "status", "devices": [{"name", "address", "reachable", "error"?, "status",
                        "captures": [...], "sessions": [...], "changes"?, "incident"?}]}, same item shapes as inspect
  -c, --config FILE     configuration (storage, poll settings, inventory, notify)
  -h, --help            this text

Exit status: 0 when every device answered and none has an active capture or mirror, 1 when one has, 3 when a device
could not be checked (and none showed anything active), 2 on a usage or configuration error. With --cloud: 1 when an
active mirror is listed, 3 when a region, project or subscription could not be listed, 2 when none is configured.`,
    options: {
      ...configOption,
      inventory: { type: 'string', short: 'i' },
      device: { type: 'string', short: 'd', multiple: true },
      tag: { type: 'string', short: 't', multiple: true },
      concurrency: { type: 'string', short: 'n' },
      json: { type: 'boolean' },
      cloud: { type: 'boolean' },
    },
    allowPositionals: false,
    async run(values) {
      if (values.cloud && (values.inventory !== undefined || values.device !== undefined || values.tag !== undefined || values.concurrency !== undefined))
        throw new UsageError('--cloud sweeps the configured clouds: it takes no --inventory, --device, --tag or --concurrency');
      const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1000)) throw new UsageError('--concurrency takes a whole number from 1 to 1000');
      return sweepCommand(loadConfig(values.config as string | undefined), {
        ...(values.inventory !== undefined && { inventory: values.inventory as string }),
        devices: (values.device as string[] | undefined) ?? [],
        tags: (values.tag as string[] | undefined) ?? [],
        ...(concurrency !== undefined && { concurrency }),
        json: Boolean(values.json),
        cloud: Boolean(values.cloud),
      });
    },
  },
  db: {
    summary: 'look after the database: row counts and size, prune old rows, vacuum, online backup',
    usage: `capwatch db stats [--json] [--config FILE]
capwatch db prune [--json] [--config FILE]
capwatch db vacuum [--config FILE]
capwatch db backup FILE [--config FILE]

stats   rows per table and the file's size on disk
prune   delete now what storage.retention says is old (the service does this hourly); open incidents are kept
vacuum  give the space freed by pruning back to the file system (holds the write lock while it runs)
backup  a consistent copy of the database, taken while the service keeps running (SQLite's online backup)

Options:
  --json              machine-readable output (stats, prune)
  -c, --config FILE   the service's configuration (storage.path, storage.retention)
  -h, --help          this text`,
    options: { ...configOption, json: { type: 'boolean' } },
    allowPositionals: true,
    async run(values, positionals) {
      const [verb, ...args] = positionals;
      try {
        return await dbCommand(loadConfig(values.config as string | undefined), verb, args, Boolean(values.json));
      } catch (err) {
        if (err instanceof DbUsageError) throw new UsageError(err.message);
        throw err;
      }
    },
  },
  expect: {
    summary: 'register, list or end approved capture work (expected, so it pages no one)',
    usage: `capwatch expect add --device NAME [--device NAME]... --user USER --ticket ID [--kind K] [--pattern RE]
                        [--name CAPTURE|SESSION] [--destination ADDR|CIDR|HOST] [--reason TEXT] [--ttl 4h | --until TIME]
capwatch expect list [--all] [--json]
capwatch expect remove ID

Approved captures: before a planned capture or SPAN/ERSPAN session, register who will do it on which devices and why.
Hits that fit are stored as expected work and page no one; anything outside it (another user, another capture, an
ERSPAN destination or export elsewhere) alerts and says why. When the approval ends (--ttl, default
expected.approvals.defaultTtlMinutes, at most maxTtlMinutes; or removed), capwatch checks that what it covered has
stopped. Written to the service's database (storage.path) and its audit trail under your login name.

Options:
  -d, --device NAME     a device name or address (repeatable); it must have been seen or be in the inventory
  -u, --user USER       the person who will type the commands
  --ticket ID           why: the ticket or change id
  --kind K              capture, mirror, or one of capture-export, span, rspan, erspan, recon, removal
  --pattern RE          a regular expression the commands must match (case-insensitive)
  --name NAME           the capture name or session id
  --destination X       where the traffic may go (ERSPAN address or network, export host)
  --reason TEXT         a sentence for the people reading the incident
  --ttl DURATION        90m, 4h, 1d (default the configured one)
  --until TIME          ISO 8601 with a zone, instead of --ttl
  --all                 list: ended and removed approvals too
  --json                one JSON object per approval
  -c, --config FILE     the service's configuration (storage, limits, inventory)
  -h, --help            this text

Exit status: 0 done, 1 no such approval (remove), 2 a usage or configuration error, or a bad field (named).`,
    options: {
      ...configOption,
      device: { type: 'string', short: 'd', multiple: true },
      user: { type: 'string', short: 'u' },
      ticket: { type: 'string' },
      kind: { type: 'string' },
      pattern: { type: 'string' },
      name: { type: 'string' },
      destination: { type: 'string' },
      reason: { type: 'string' },
      ttl: { type: 'string' },
      until: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    async run(values, positionals) {
      const [verb, ...args] = positionals;
      const opt = (k: string) => values[k] as string | undefined;
      try {
        return expectCommand(loadConfig(values.config as string | undefined), verb, args, {
          devices: (values.device as string[] | undefined) ?? [],
          ...Object.fromEntries(['user', 'ticket', 'kind', 'pattern', 'name', 'destination', 'reason', 'ttl', 'until'].filter((k) => opt(k) !== undefined).map((k) => [k, opt(k)])),
          all: Boolean(values.all),
          json: Boolean(values.json),
        });
      } catch (err) {
        if (err instanceof ExpectUsageError) throw new UsageError(err.message);
        throw err;
      }
    },
  },
  passwd: {
    summary: 'make a password hash for a console user (http.auth.users)',
    usage: `capwatch passwd [--name NAME --role viewer|operator|admin]

Asks for a password twice (nothing is shown as you type; from a pipe, the first line of standard input is read) and
prints its scrypt hash. With --name, prints a whole http.auth.users entry to paste into the configuration.

Options:
  -n, --name NAME     the user's name, for a ready entry
  -r, --role ROLE     viewer (read), operator (+ acknowledge, resolve, comment, sweep) or admin (+ rules, configuration)
  -h, --help          this text`,
    options: { name: { type: 'string', short: 'n' }, role: { type: 'string', short: 'r' } },
    allowPositionals: false,
    async run(values) {
      const role = values.role as string | undefined;
      if (role !== undefined && !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      return passwdCommand({ ...(values.name !== undefined && { name: values.name as string }), ...(role !== undefined && { role }) });
    },
  },
  token: {
    summary: 'make an API token for a machine or script (http.auth.tokens)',
    usage: `capwatch token --name NAME [--role viewer|operator|admin]

Prints a new random API token and the http.auth.tokens entry that grants it, which holds only the token's SHA-256.
Send it as \`Authorization: Bearer <token>\`.

Options:
  -n, --name NAME     what the token is for (shown in the audit trail)
  -r, --role ROLE     default viewer
  -h, --help          this text`,
    options: { name: { type: 'string', short: 'n' }, role: { type: 'string', short: 'r' } },
    allowPositionals: false,
    async run(values) {
      if (values.name === undefined) throw new UsageError('token needs --name');
      const role = (values.role as string | undefined) ?? 'viewer';
      if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      return tokenCommand({ name: values.name as string, role });
    },
  },
  notify: {
    summary: 'send a sample incident to the configured chat and webhook targets',
    usage: `capwatch notify test [--target NAME] [--config FILE]

Sends a sample incident (clearly marked as a test) to each target in the configuration's notify list, directly
rather than through the outbox, and prints the outcome per target: the HTTP status or the error. URLs are shown as
scheme, host and a short hash only (webhook URLs are credentials).

Options:
  -t, --target NAME   only this target
  -c, --config FILE   configuration with the notify targets
  -h, --help          this text

Exit status: 0 when every target accepted the message, 1 when any did not, 2 on a usage error.`,
    options: { ...configOption, target: { type: 'string', short: 't' } },
    allowPositionals: true,
    async run(values, positionals) {
      if (positionals.length !== 1 || positionals[0] !== 'test') throw new UsageError('notify has one subcommand: test');
      return notifyTest(loadConfig(values.config as string | undefined), values.target as string | undefined);
    },
  },
};

class UsageError extends Error {}

/** What a person who just typed `npm start` needs: where to go, and how to get in. */
function banner(app: RunningApp): string {
  const lines = [`capwatch is running: open ${app.http.url}`];
  const b = app.bootstrap;
  if (b?.created) lines.push(`Log in with this admin token (kept in ${b.file}, mode 0600):`, `  ${b.token}`);
  else if (b) lines.push(`Log in with the admin token in ${b.file}`);
  if (b) lines.push('Configure http.auth (capwatch passwd, capwatch token) to give people their own logins.');
  return `\n${lines.join('\n')}\n\n`;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `capwatch ${packageVersion} — catches packet capture and traffic mirroring on network devices (MITRE ATT&CK T1040)

Usage: capwatch <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run \`capwatch <command> --help\` for a command's options.`;
}


async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${packageVersion}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: command.allowPositionals,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(values, positionals);
}

// `capwatch replay --json … | head -1`: the reader has gone, so there is nobody left to tell. Exit quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      // 2, like a usage error: 1 is `sweep`'s "an active capture was found".
      process.stderr.write(`capwatch: ${err.message}\n`);
      process.exitCode = 2;
      return;
    } else if (err instanceof RuleLoadError) process.stderr.write(`capwatch: rule ${err.file}: ${err.reason}\n`);
    else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`capwatch: ${(err as Error).message}\nRun \`capwatch --help\` for usage.\n`);
      process.exitCode = 2;
      return;
    } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' || (err as NodeJS.ErrnoException).code === 'EACCES') {
      const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
      process.stderr.write(`capwatch: cannot listen on ${e.address ?? ''}:${e.port ?? ''}: ${e.code} (change the port in the configuration)\n`);
    } else process.stderr.write(`capwatch: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
