// The deployment files, checked on machines that run neither a container runtime nor systemd:
// - the image: its file system is built by following the Dockerfile itself (each COPY from a clean checkout seen
//   through .dockerignore, each RUN run as written or, where it needs root or the network, reproduced and said so
//   below), then the image's command is started from it as an unprivileged user that can write /data alone, with the
//   image's configuration, and /healthz and the HEALTHCHECK command are asked; dockerfile-utils lints the Dockerfile;
// - docker-compose.yml, parsed (no `docker compose config` without the CLI plugin): ports, volume, read-only, healthcheck;
// - deploy/capwatch.service through systemd-analyze verify and security; deploy/capwatch.yaml through capwatch's loader.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, posix, resolve } from 'node:path';
import { DockerfileParser, type Copy, type Instruction, type JSONInstruction } from 'dockerfile-ast';
import { validate as lintDockerfile, ValidationSeverity } from 'dockerfile-utils';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const IS_ROOT = process.getuid?.() === 0;
/** Debian's nobody:nogroup, standing in for the image's `node` user when the tests run as root. */
const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/** test/helpers/tools.ts's rule, with the Debian package named: missing fails under CI=true, else skips with the reason. */
const reported = new Set<string>();
function haveTool(name: string, debianPackage: string): boolean {
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (found) return true;
  const why = `${name} is not installed (Debian package ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must install it`);
  if (!reported.has(name)) {
    reported.add(name);
    console.warn(`skipping tests that need ${name}: ${why}`);
  }
  return false;
}
const hasGit = haveTool('git', 'git');
const hasSystemdAnalyze = haveTool('systemd-analyze', 'systemd');

/** The environment for npm run in another folder: none of the npm_* variables of the `npm test` running us. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return { ...env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------------------------
// The Dockerfile

const DOCKERFILE = read('Dockerfile');
const df = DockerfileParser.parse(DOCKERFILE);
const ARGS = new Map(df.getInitialARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue() ?? '']));
const expandArgs = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => ARGS.get((a ?? b)!) ?? '');

/** An instruction's words: the JSON form's strings, or the shell form's arguments. */
function words(ins: Instruction): string[] {
  const json = (ins as JSONInstruction).getJSONStrings?.() ?? [];
  return json.length > 0 ? json.map((j) => j.getJSONValue()) : ins.getArguments().map((a) => a.getValue());
}

function healthcheckOf(ins: Instruction): { flags: Record<string, string>; test: string[] } {
  const flags = Object.fromEntries((ins as JSONInstruction).getFlags().map((f) => [f.getName(), f.getValue() ?? '']));
  const content = ins.getArgumentsContent() ?? '';
  const m = /^((?:--\S+\s+)*)CMD\s+(\[.*\])\s*$/s.exec(content);
  if (!m) throw new Error(`HEALTHCHECK is not in the exec form: ${content}`);
  return { flags, test: JSON.parse(m[2]!) as string[] };
}

interface Stage {
  name: string | null;
  image: string;
  /** This stage's file system: the image's / is here. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck?: { flags: Record<string, string>; test: string[] };
  volumes: string[];
  expose: string[];
}

/** Docker's .dockerignore rule: the last pattern that matches the path or one of its parent folders decides. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = posix.normalize(negate ? line.slice(1).trim() : line).replace(/^\/+|\/+$/g, '');
      if (/\*\*|\[|\\/.test(pattern)) throw new Error(`.dockerignore: this test's matcher does not handle ${line}`);
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return { negate, re };
    });
  return (path) => {
    const parents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const { negate, re } of rules) if (parents.some((p) => re.test(p))) excluded = !negate;
    return excluded;
  };
}

/** The build context: the files of a clean checkout (tracked by git, as they are in the work tree) .dockerignore lets through. */
function buildContext(): string[] {
  const ignored = dockerignore(read('.dockerignore'));
  return run('git', ['ls-files', '-z'])
    .split('\0')
    .filter((f) => f && existsSync(join(ROOT, f)) && !ignored(f));
}

/** RUN steps: each command between `&&` must be one of these, run as written or reproduced as described. */
const RUN_STEPS: Array<{ re: RegExp; how: string; act?: (stage: Stage, m: RegExpExecArray) => void }> = [
  { re: /^apt-get update$|^apt-get install -y --no-install-recommends python3 make g\+\+$|^rm -rf \/var\/lib\/apt\/lists\/\*$/, how: 'not run (root, network): the compiler for native modules, with which this checkout\'s node_modules was built' },
  {
    re: /^npm ci( --ignore-scripts)?$/,
    how: "this checkout's node_modules, installed from the same package-lock.json (checked), copied; without --ignore-scripts, then the project's prepare script run",
    act: (stage, m) => {
      const lock = JSON.parse(readFileSync(join(stage.root, stage.workdir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; optional?: boolean }> };
      const installed = JSON.parse(read('node_modules/.package-lock.json')) as { packages: Record<string, { version?: string }> };
      for (const [path, p] of Object.entries(installed.packages)) expect(lock.packages[path]?.version, `node_modules/${path} differs from package-lock.json`).toBe(p.version);
      for (const [path, p] of Object.entries(lock.packages)) if (path && !p.optional) expect(installed.packages[path], `${path} is not installed`).toBeDefined();
      run('cp', ['-a', join(ROOT, 'node_modules'), join(stage.root, stage.workdir, 'node_modules')]);
      if (!m[1]) run('npm', ['run', '--if-present', 'prepare'], { cwd: join(stage.root, stage.workdir), env: cleanEnv() });
    },
  },
  { re: /^npm rebuild$/, how: "not run: those packages' native modules are already built for this Node" },
  {
    re: /^npm run build:native$|^npm run build$|^npm prune --omit=dev$/,
    how: 'run as written',
    act: (stage, m) => void run('sh', ['-c', m[0]], { cwd: join(stage.root, stage.workdir), env: cleanEnv() }),
  },
  { re: /^mkdir (\/[\w/.-]+)$/, how: 'run in the stage', act: (stage, m) => mkdirSync(join(stage.root, m[1]!)) },
  {
    re: /^chown [\w-]+:[\w-]+ (\/[\w/.-]+)$/,
    how: "to the unprivileged user the service runs as here (nobody when root, else this user, the rest then read-only)",
    act: (stage, m) => IS_ROOT && chownSync(join(stage.root, m[1]!), UNPRIVILEGED.uid, UNPRIVILEGED.gid),
  },
  { re: /^chmod ([0-7]{3,4}) (\/[\w/.-]+)$/, how: 'run in the stage', act: (stage, m) => chmodSync(join(stage.root, m[2]!), parseInt(m[1]!, 8)) },
];

function copyStep(ins: Copy, stage: Stage, stages: Stage[], context: string[]): void {
  const flags = ins.getFlags();
  for (const f of flags) if (f.getName() !== 'from') throw new Error(`COPY --${f.getName()}: not reproduced by this test`);
  const from = ins.getFromFlag()?.getValue();
  const args = words(ins);
  const dest = args.pop()!;
  const destPath = posix.isAbsolute(dest) ? dest : posix.join(stage.workdir, dest);
  const intoDir = dest.endsWith('/') || dest === '.' || args.length > 1;
  for (const src of args) {
    if (/[*?[]/.test(src)) throw new Error(`COPY ${src}: wildcards are not reproduced by this test`);
    if (from !== undefined) {
      const source = stages.find((s) => s.name === from);
      if (!source) throw new Error(`COPY --from=${from}: no such stage`);
      const path = join(source.root, src);
      if (!existsSync(path)) throw new Error(`COPY --from=${from} ${src}: the stage has no such file`);
      const target = join(stage.root, lstatSync(path).isDirectory() || !intoDir ? destPath : posix.join(destPath, posix.basename(src)));
      mkdirSync(lstatSync(path).isDirectory() ? target : dirname(target), { recursive: true });
      run('cp', ['-a', lstatSync(path).isDirectory() ? `${path}/.` : path, target]);
    } else {
      const clean = posix.normalize(src).replace(/^(\.\/)+|\/+$/g, '');
      const files = context.filter((f) => f === clean || f.startsWith(`${clean}/`));
      if (files.length === 0) throw new Error(`COPY ${src}: not in the build context (not in git, or left out by .dockerignore)`);
      for (const f of files) {
        const target = join(stage.root, f === clean ? (intoDir ? posix.join(destPath, posix.basename(f)) : destPath) : posix.join(destPath, f.slice(clean.length + 1)));
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(join(ROOT, f), target);
        chmodSync(target, statSync(join(ROOT, f)).mode & 0o755);
      }
    }
  }
}

/** Follows the Dockerfile into `dir`: one folder per stage. */
function buildImage(dir: string): { stages: Stage[]; steps: string[] } {
  const context = buildContext();
  const stages: Stage[] = [];
  const steps: string[] = [];
  let stage: Stage | undefined;
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    if (keyword === 'ARG' && !stage) continue;
    if (keyword === 'FROM') {
      const from = ins as unknown as { getImage(): string | null; getBuildStage(): string | null };
      const root = join(dir, `stage${stages.length}`);
      mkdirSync(root, { mode: 0o755 });
      stage = { name: from.getBuildStage(), image: expandArgs(from.getImage() ?? ''), root, workdir: '/', env: {}, user: 'root', entrypoint: [], cmd: [], volumes: [], expose: [] };
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${keyword} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, words(ins)[0]!);
        mkdirSync(join(stage.root, stage.workdir), { recursive: true });
        break;
      case 'COPY':
        copyStep(ins as Copy, stage, stages, context);
        break;
      case 'RUN':
        for (const command of (ins.getArgumentsContent() ?? '').split('&&').map((c) => c.trim().replace(/\s+/g, ' '))) {
          const step = RUN_STEPS.map((s) => ({ s, m: s.re.exec(command) })).find((x) => x.m);
          if (!step) throw new Error(`RUN ${command}: a step this test does not know how to reproduce; add it to RUN_STEPS`);
          step.s.act?.(stage, step.m!);
          steps.push(`${command}: ${step.s.how}`);
        }
        break;
      case 'ENV':
        for (const w of words(ins)) {
          const [k, ...v] = w.split('=');
          stage.env[k!] = v.join('=');
        }
        break;
      case 'USER':
        stage.user = words(ins)[0]!;
        break;
      case 'VOLUME':
        stage.volumes.push(...words(ins));
        break;
      case 'EXPOSE':
        stage.expose.push(...words(ins));
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = healthcheckOf(ins);
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = words(ins);
        break;
      case 'CMD':
        stage.cmd = words(ins);
        break;
      default:
        throw new Error(`${keyword}: an instruction this test does not reproduce`);
    }
  }
  return { stages, steps };
}

/** Every file under `dir` but `skip`, with its size and time: what the service must leave unchanged. */
function snapshot(dir: string, skip: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (p === skip) continue;
      if (e.isDirectory()) walk(p);
      else {
        const s = lstatSync(p);
        out.set(p, `${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** Compose's short port syntax: [ip:]published:target[/protocol]. */
function composePort(spec: string): { ip?: string; published: number; target: number; protocol: string } {
  const m = /^(?:([\d.]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) throw new Error(`port ${spec}: not the short syntax`);
  return { ...(m[1] && { ip: m[1] }), published: Number(m[2]), target: Number(m[3]), protocol: m[4] ?? 'tcp' };
}

describe('Dockerfile', () => {
  const stages = df.getFROMs();
  const runtimeFrom = stages.at(-1)!;

  it('passes dockerfile-utils, every check set to error; a misspelt flag would not', () => {
    const all = ValidationSeverity.ERROR;
    const settings = { deprecatedMaintainer: all, directiveCasing: all, emptyContinuationLine: all, instructionCasing: all, instructionCmdMultiple: all, instructionEntrypointMultiple: all, instructionHealthcheckMultiple: all, instructionJSONInSingleQuotes: all, instructionWorkdirRelative: all };
    expect(lintDockerfile(DOCKERFILE, settings).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(lintDockerfile(DOCKERFILE.replace('--start-period=', '--start-perod='), settings).length).toBeGreaterThan(0);
  });

  it('builds in one stage and runs from a slim current-LTS Node image, as an unprivileged user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(expandArgs(from.getImage() ?? '')).toMatch(/^node:(22|24)-bookworm-slim$/);
    expect(runtimeFrom.getBuildStage()).toBeNull();
    const users = df.getInstructions().filter((i) => i.getKeyword() === 'USER' && i.getRange().start.line > runtimeFrom.getRange().start.line);
    expect(users.map((u) => words(u)[0])).toEqual(['node']);
    for (const i of df.getInstructions()) expect(i.getArgumentsContent() ?? '', 'no curl or wget in a slim image').not.toMatch(/\b(curl|wget)\b/);
  });
});

describe.skipIf(!hasGit)('the image, built from the Dockerfile and started', () => {
  let stages: Stage[];
  let runtime: Stage;
  let steps: string[];
  const token = 'cw_deploy-test-token-not-a-secret';

  beforeAll(() => {
    const started = Date.now();
    const dir = tempDir('capwatch-image-');
    chmodSync(dir, 0o755); // the unprivileged user must reach the runtime stage's files
    ({ stages, steps } = buildImage(dir));
    runtime = stages.at(-1)!;
    console.info(`image file system built from the Dockerfile in ${((Date.now() - started) / 1000).toFixed(1)} s:\n  ${steps.join('\n  ')}`);
  }, 240_000);

  const at = (path: string) => join(runtime.root, path);

  it('holds the service, its console, rules, configuration and production modules, and nothing of the build', () => {
    expect(existsSync(at('/app/dist/src/cli.js'))).toBe(true);
    expect(readFileSync(at('/app/dist/console/index.html'), 'utf8')).toMatch(/app\.js\?v=[0-9a-f]{12}/);
    expect(readdirSync(at('/app/rules')).filter((f) => f.endsWith('.yml')).length).toBeGreaterThan(0);
    expect(existsSync(at('/etc/capwatch/capwatch.yaml'))).toBe(true);
    // Production modules only: what package-lock.json marks dev is gone, the rest (this platform's) is there.
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; optional?: boolean }> };
    const installed = JSON.parse(read('node_modules/.package-lock.json')) as { packages: Record<string, unknown> };
    for (const [path, p] of Object.entries(lock.packages)) {
      if (!path) continue;
      if (p.dev) expect(existsSync(at(`/app/${path}`)), `dev module ${path}`).toBe(false);
      else if (path in installed.packages) expect(existsSync(at(`/app/${path}/package.json`)), path).toBe(true);
    }
    expect(existsSync(at('/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
    for (const gone of ['/app/src', '/app/test', '/app/bench', '/app/dist/bench', '/app/dist/test', '/app/tsconfig.json', '/app/scripts']) expect(existsSync(at(gone)), gone).toBe(false);
  });

  it('starts with the image\'s configuration and token from the environment, answers /healthz and the HEALTHCHECK, writes only /data', async () => {
    expect(runtime.volumes).toEqual(['/data']);
    expect(runtime.env.SQLITE_TMPDIR, "SQLite's temporary files on the volume: /tmp is a small tmpfs").toBe('/data');
    const data = at('/data');
    // The image's own command, with its configuration moved onto loopback and ephemeral ports.
    const argv = [...runtime.entrypoint, ...runtime.cmd];
    expect(argv[0]).toBe('node');
    const configArg = argv.indexOf('--config') + 1;
    expect(configArg).toBeGreaterThan(0);
    const imageConfig = parseYaml(readFileSync(at(argv[configArg]!), 'utf8')) as Record<string, any>;
    expect(imageConfig.http.host).toBe('0.0.0.0');
    expect(imageConfig.storage.path).toMatch(/^\/data\//);
    const onLoopback = (v: unknown, key = ''): unknown => {
      if (Array.isArray(v)) return v.map((x) => onLoopback(x));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, onLoopback(x, k)]));
      if (key === 'host' && (v === '0.0.0.0' || v === '::')) return '127.0.0.1';
      if (key === 'port') return 0;
      if (typeof v === 'string' && v.startsWith('/data/')) return join(runtime.root, v);
      return v;
    };
    const testConfig = at('/etc/capwatch/loopback.yaml');
    writeFileSync(testConfig, stringifyYaml(onLoopback(imageConfig)));
    argv[0] = process.execPath;
    argv[configArg] = testConfig;

    const user = IS_ROOT ? UNPRIVILEGED : {};
    const imageEnv = Object.fromEntries(Object.entries(runtime.env).map(([k, v]) => [k, v.startsWith('/data') ? join(runtime.root, v) : v]));
    const env = { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, ...imageEnv };
    const start = (extraEnv: Record<string, string>) =>
      spawn(argv[0]!, argv.slice(1), { cwd: at(runtime.workdir), env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    const output = (proc: ChildProcess) => {
      let out = '';
      proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      return () => out;
    };

    if (!IS_ROOT) {
      // Not root, so no other user to run as: the stage is made read-only to this one instead, /data aside.
      run('chmod', ['-R', 'a-w', runtime.root]);
      chmodSync(data, 0o700);
    }
    const before = snapshot(runtime.root, data);
    try {
      // Without the token's hash it refuses to start, and says which variable is missing.
      const bare = start({});
      const bareOut = output(bare);
      const bareCode = await new Promise<number | null>((r) => bare.once('exit', r));
      expect(bareCode).not.toBe(0);
      expect(bareOut()).toContain('CAPWATCH_ADMIN_TOKEN_SHA256');

      const proc = start({ CAPWATCH_ADMIN_TOKEN_SHA256: sha256(token) });
      const out = output(proc);
      try {
        const listening = await new Promise<{ http: { port: number } }>((resolveP, reject) => {
          const timer = setTimeout(() => reject(new Error(`capwatch did not start:\n${out()}`)), 20_000);
          proc.stdout!.on('data', () => {
            const line = out().split('\n').find((l) => l.includes('"capwatch listening"'));
            if (line) {
              clearTimeout(timer);
              resolveP(JSON.parse(line));
            }
          });
          proc.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`capwatch exited with ${code}:\n${out()}`));
          });
        });
        const base = `http://127.0.0.1:${listening.http.port}`;
        const health = await fetch(`${base}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toMatchObject({ status: 'ok' });
        expect(await (await fetch(`${base}/`)).text()).toMatch(/app\.js\?v=/);
        expect((await fetch(`${base}/api/incidents`)).status).toBe(401);
        expect((await fetch(`${base}/api/incidents`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

        // The HEALTHCHECK command as written; its default URL is the image configuration's port.
        const check = runtime.healthcheck!;
        expect(check.test[0]).toBe('node');
        expect(check.test.join(' ')).toContain(`http://127.0.0.1:${imageConfig.http.port}/healthz`);
        const healthcheck = () => {
          const r = spawnSync(process.execPath, check.test.slice(1), { env: { ...env, CAPWATCH_HEALTHCHECK_URL: `${base}/healthz` }, timeout: 10_000, ...user });
          return r.status;
        };
        expect(healthcheck()).toBe(0);
        proc.kill('SIGTERM');
        expect(await new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', r)))).toBe(0);
        expect(healthcheck()).toBe(1);
      } finally {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }
      expect(readdirSync(data)).toContain(posix.basename(imageConfig.storage.path as string));
      const after = snapshot(runtime.root, data);
      expect([...after].filter(([p, s]) => before.get(p) !== s).map(([p]) => p)).toEqual([]);
    } finally {
      if (!IS_ROOT) run('chmod', ['-R', 'u+w', runtime.root]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// docker-compose.yml

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, any>; volumes: Record<string, unknown> };
  const svc = compose.services.capwatch;
  const image = loadConfig(join(ROOT, 'capwatch.example.yaml'), { CAPWATCH_ADMIN_TOKEN_SHA256: sha256('x') });
  const expose = df.getInstructions().filter((i) => i.getKeyword() === 'EXPOSE').flatMap(words);

  it('publishes the ports devices use on the container\'s unprivileged ones, and the API on loopback only', () => {
    const ports = (svc.ports as string[]).map(composePort);
    expect(ports).toEqual(
      expect.arrayContaining([
        { published: 514, target: image.syslog.udp.port, protocol: 'udp' },
        { published: 514, target: image.syslog.tcp.port, protocol: 'tcp' },
        { published: 6514, target: image.syslog.tls.port, protocol: 'tcp' },
        { published: 49, target: image.tacacs.port, protocol: 'tcp' },
        { ip: '127.0.0.1', published: 8080, target: image.http.port, protocol: 'tcp' },
      ]),
    );
    expect(ports).toHaveLength(5);
    for (const p of ports) {
      expect(p.target).toBeGreaterThanOrEqual(1024);
      expect(expose).toContain(`${p.target}/${p.protocol}`);
    }
  });

  it('keeps the data in its named volume at /data, the configuration read-only, the root file system read-only', () => {
    const dataDir = posix.dirname(image.storage.path);
    expect(dataDir).toBe('/data');
    const volumes = (svc.volumes as string[]).map((v) => v.split(':'));
    expect(volumes).toContainEqual(['capwatch-data', dataDir]);
    expect(compose.volumes).toHaveProperty('capwatch-data');
    const cmd = df.getInstructions().filter((i) => i.getKeyword() === 'CMD').flatMap(words);
    expect(volumes).toContainEqual(['./capwatch.example.yaml', cmd[cmd.indexOf('--config') + 1], 'ro']);
    expect(svc.read_only).toBe(true);
    expect(svc.tmpfs.map((t: string) => t.split(':')[0])).toEqual(['/tmp']);
    expect(svc.cap_drop).toEqual(['ALL']);
    expect(svc.environment.CAPWATCH_ADMIN_TOKEN_SHA256).toMatch(/^\$\{CAPWATCH_ADMIN_TOKEN_SHA256:\?/);
  });

  it('has the image\'s healthcheck', () => {
    const ins = df.getInstructions().find((i) => i.getKeyword() === 'HEALTHCHECK');
    expect(ins, 'the Dockerfile has a HEALTHCHECK').toBeDefined();
    const { flags, test } = healthcheckOf(ins!);
    expect(svc.healthcheck.test).toEqual(['CMD', ...test]);
    expect({ interval: svc.healthcheck.interval, timeout: svc.healthcheck.timeout, start_period: svc.healthcheck.start_period, retries: String(svc.healthcheck.retries) }).toEqual({
      interval: flags.interval,
      timeout: flags.timeout,
      start_period: flags['start-period'],
      retries: flags.retries,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// systemd

/** The unit's settings, in order: [section, key, value]. */
function unitSettings(text: string): Array<[string, string, string]> {
  let section = '';
  const out: Array<[string, string, string]> = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s || s.startsWith('#') || s.startsWith(';')) continue;
    const sec = /^\[(\w+)\]$/.exec(s);
    if (sec) section = sec[1]!;
    else {
      const i = s.indexOf('=');
      out.push([section, s.slice(0, i), s.slice(i + 1)]);
    }
  }
  return out;
}

describe('systemd unit deploy/capwatch.service', () => {
  const unitText = read('deploy/capwatch.service');
  const settings = unitSettings(unitText);
  const values = (key: string) => settings.filter(([sec, k]) => sec === 'Service' && k === key).map(([, , v]) => v);
  const one = (key: string) => {
    const v = values(key);
    expect(v, key).toHaveLength(1);
    return v[0]!;
  };

  /** systemd-analyze verify's complaints about a unit text; it exits 0 on most of them, so its output is what counts. */
  const verify = (text: string) => {
    const dir = tempDir('capwatch-unit-');
    writeFileSync(join(dir, 'capwatch.service'), text);
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'capwatch.service')], { encoding: 'utf8' });
    return `${r.status === 0 ? '' : `exit ${r.status}\n`}${r.stdout}${r.stderr}`.trim();
  };

  it.skipIf(!hasSystemdAnalyze)('passes systemd-analyze verify with its ExecStart pointed at this machine\'s node and build; a misspelt setting would not', () => {
    // verify refuses an ExecStart binary that does not exist here: the unit names /usr/bin/node and /opt/capwatch,
    // which a test machine need not have, so a copy names the node running these tests and this checkout.
    const [exe, script, ...rest] = one('ExecStart').split(/\s+/);
    expect([exe, script]).toEqual(['/usr/bin/node', '/opt/capwatch/dist/src/cli.js']);
    expect(process.execPath + ROOT).not.toMatch(/\s/);
    const here = unitText.replace(`ExecStart=${exe} ${script}`, `ExecStart=${process.execPath} ${join(ROOT, 'dist/src/cli.js')}`);
    expect(here).not.toBe(unitText);
    expect(verify(here)).toBe('');
    expect(verify(here.replace(/^#(LoadCredential=)/gm, '$1'))).toBe(''); // the commented TLS credentials, once enabled
    expect(rest).toEqual(['serve', '--config', '/etc/capwatch/capwatch.yaml']);
    expect(verify(here.replace('ProtectSystem=strict', 'ProtectSystem=stric'))).toMatch(/ProtectSystem|protect system/i);
    expect(verify(here.replace('NoNewPrivileges=', 'NoNewPrivilege='))).toMatch(/Unknown key/);
  });

  it.skipIf(!hasSystemdAnalyze)('has an exposure of at most 2.0 by systemd-analyze security --offline (10 is unprotected)', () => {
    const out = run('systemd-analyze', ['security', '--offline=yes', '--no-pager', join(ROOT, 'deploy/capwatch.service')]);
    const m = /Overall exposure level for capwatch\.service: ([\d.]+)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });

  it('binds 514 and 49 with CAP_NET_BIND_SERVICE alone, as a transient user confined to its state directory', () => {
    expect(one('DynamicUser')).toBe('yes');
    expect(one('StateDirectory')).toBe('capwatch');
    expect(one('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    expect(one('PrivateUsers')).toBe('no'); // in a user namespace the capability would not open ports below 1024
    for (const [key, value] of Object.entries({ ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', NoNewPrivileges: 'yes', Restart: 'on-failure' })) expect(one(key), key).toBe(value);
    expect(values('SystemCallFilter')).toContain('@system-service');
    // os.networkInterfaces() (the Host check) needs netlink; V8's JIT needs writable executable memory.
    expect(one('RestrictAddressFamilies').split(/\s+/).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    expect(values('MemoryDenyWriteExecute').filter((v) => v !== 'no')).toEqual([]);
    expect(one('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });

  it('deploy/capwatch.yaml loads with the standard ports and its data in the unit\'s state directory', () => {
    const file = join(ROOT, 'deploy/capwatch.yaml');
    const config = loadConfig(file, {});
    expect([config.syslog.udp.port, config.syslog.tcp.port, config.tacacs.port, config.syslog.tls.port]).toEqual([514, 514, 49, 6514]);
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(posix.dirname(config.storage.path)).toBe(`/var/lib/${one('StateDirectory')}`);
    // Its commented TLS line, enabled with the credentials the unit's commented LoadCredential= lines would give.
    const dir = tempDir('capwatch-unit-');
    writeFileSync(join(dir, 'tls.yaml'), readFileSync(file, 'utf8').replace(/^(\s*)# (tls: \{ port: 6514)/m, '$1$2'));
    const tls = loadConfig(join(dir, 'tls.yaml'), { CREDENTIALS_DIRECTORY: '/run/credentials/capwatch.service' }).syslog.tls;
    expect(tls).toMatchObject({ enabled: true, port: 6514, cert: '/run/credentials/capwatch.service/syslog.crt', key: '/run/credentials/capwatch.service/syslog.key' });
    const credentials = [...unitText.matchAll(/^#LoadCredential=([\w.]+):/gm)].map((m) => m[1]);
    expect(credentials).toEqual(['syslog.crt', 'syslog.key']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Node versions and the licence

/** `^a.b.c || >=a.b.c` ranges, as package.json's engines uses them. */
function satisfies(version: string, range: string): boolean {
  const v = version.replace(/^v/, '').split('.').map(Number);
  const cmp = (w: number[]) => v[0]! - w[0]! || v[1]! - (w[1] ?? 0) || v[2]! - (w[2] ?? 0);
  return range.split('||').some((alt) => {
    const m = /^\s*(\^|>=)(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(alt);
    if (!m) throw new Error(`engines: ${alt} is not a range this test reads`);
    const w = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
    return m[1] === '>=' ? cmp(w) >= 0 : v[0] === w[0] && cmp(w) >= 0;
  });
}

describe('Node versions and licence', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; license: string };

  it('engines admits Node 20.19+, 22.12+ and 24+, and the Node running these tests', () => {
    const range = pkg.engines.node;
    for (const ok of ['20.19.0', '20.20.2', '22.12.0', '22.20.0', '24.0.0', '24.21.0', '26.1.0']) expect(satisfies(ok, range), ok).toBe(true);
    for (const no of ['18.20.0', '20.18.3', '21.7.0', '22.11.0', '23.1.0']) expect(satisfies(no, range), no).toBe(false);
    expect(satisfies(process.version, range)).toBe(true);
  });

  it('LICENSE is the Apache License 2.0 that package.json names, word for word', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const text = read('LICENSE');
    expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    // The standard text (apache.org's LICENSE-2.0.txt, also Debian's /usr/share/common-licenses/Apache-2.0).
    expect(sha256(text)).toBe('cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30');
  });
});
