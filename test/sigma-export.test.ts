// `capwatch rules --export sigma`: capwatch's rules as Sigma rules that SigmaHQ's own checker (sigma-cli `sigma check`
// on pySigma, vendored in tools/sigma-check) passes without issues, and that capwatch loads back to the same detections.
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Detector } from '../src/detect/detector.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { toJsRegex, toSigmaRegex } from '../src/detect/sigma/regex-names.js';
import { commandEvent } from './helpers/command-event.js';
import { logFixtureNames } from './helpers/fixture-lines.js';
import { CLI } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(import.meta.dirname, '..');
const BUILTIN = join(ROOT, 'rules');
const SIGMA_CLI = join(ROOT, 'tools/sigma-check/sigma_cli.py');
const PYTHON = '/usr/bin/python3';
/** What the vendored pySigma and sigma-cli import, and the Debian package of each (.ci/run installs them). */
const PY_MODULES: Record<string, string> = {
  yaml: 'python3-yaml',
  pyparsing: 'python3-pyparsing',
  jinja2: 'python3-jinja2',
  requests: 'python3-requests',
  packaging: 'python3-packaging',
  typing_extensions: 'python3-typing-extensions',
  diskcache: 'python3-diskcache',
  click: 'python3-click',
  prettytable: 'python3-prettytable',
  colorama: 'python3-colorama',
};

/** True when Debian's Python has what sigma-cli needs; missing: fails under CI=true, else prints why and skips. */
function sigmaCliRuns(): boolean {
  const missing = Object.keys(PY_MODULES).filter((m) => spawnSync(PYTHON, ['-c', `import ${m}`]).status !== 0);
  if (missing.length === 0) return true;
  const why = `sigma check needs ${PYTHON} with ${missing.map((m) => `${m} (Debian package ${PY_MODULES[m]})`).join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must install them`);
  console.warn(`skipping the sigma check tests: ${why}`);
  return false;
}
const canCheck = sigmaCliRuns();

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** sigma-cli's `sigma check --fail-on-issues`: exit status and its report. */
function sigmaCheck(dir: string) {
  const r = spawnSync(PYTHON, [SIGMA_CLI, 'check', '--fail-on-issues', dir], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', HOME: tempDir('capwatch-pysigma-home-') },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

function exportTo(dir: string, extra: string[] = []) {
  const r = run(['rules', '--export', 'sigma', '--out', dir, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

describe('capwatch rules --export sigma', () => {
  const builtin = loadRules([BUILTIN]);

  it('writes one Sigma rule file per capwatch rule, and the same rules as a YAML stream without --out', () => {
    const dir = tempDir('capwatch-export-');
    expect(exportTo(dir).stdout).toBe(`${builtin.length} rules written as Sigma rules to ${dir}\n`);
    expect(readdirSync(dir).sort()).toEqual(builtin.map((r) => r.file.slice(BUILTIN.length + 1)).sort());

    const stream = run(['rules', '--export', 'sigma']);
    expect(stream.code).toBe(0);
    const docs = parseAllDocuments(stream.stdout).map((d) => d.toJS() as { id: string; detection: Record<string, unknown>; capwatch: unknown });
    expect(docs.map((d) => d.id)).toEqual(builtin.map((r) => r.id));
    expect(docs.every((d) => typeof d.detection.condition === 'string' && d.capwatch !== undefined)).toBe(true);
    // Named groups in the form Sigma tooling reads; tactic tags hyphenated.
    expect(stream.stdout).toContain('(?P<capture>');
    expect(stream.stdout).not.toMatch(/\(\?<[A-Za-z]/);
    expect(stream.stdout).toContain('attack.credential-access');
  });

  it('named groups and back-references are rewritten, lookbehinds, escapes and character classes are not', () => {
    const js = String.raw`^(?<user>\w+) [(?<x>)] \(?<y> a(?<=a)(?<!b)\k<user>$`;
    const py = String.raw`^(?P<user>\w+) [(?<x>)] \(?<y> a(?<=a)(?<!b)(?P=user)$`;
    expect(toSigmaRegex(js)).toBe(py);
    expect(toJsRegex(py)).toBe(js);
    expect(new RegExp(toJsRegex(py)).exec('eve [ (<y> abeve')).toBeNull();
    expect(new RegExp(toJsRegex(py)).exec('eve x (<y> aeve')?.groups?.user).toBe('eve');
  });

  it('an unknown format or --out without --export is a usage error', () => {
    expect(run(['rules', '--export', 'splunk']).code).toBe(2);
    expect(run(['rules', '--out', tempDir('capwatch-export-')]).code).toBe(2);
  });

  it.runIf(canCheck)("sigma check (pySigma) finds no error and no issue in the export, where it rejects capwatch's rule files as they are", () => {
    const dir = tempDir('capwatch-export-');
    exportTo(dir);
    const checked = sigmaCheck(dir);
    expect(checked.out).toContain('Found 0 errors, 0 condition errors and 0 issues.');
    expect(checked.code).toBe(0);

    // The control: the rule files themselves use JavaScript's (?<name>) groups, which pySigma refuses.
    const raw = sigmaCheck(BUILTIN);
    expect(raw.code).not.toBe(0);
    expect(raw.out).toMatch(/SigmaRegularExpressionError/);
  });

  it.runIf(canCheck)('rules from a configured directory are exported too, and a broken one fails the check', () => {
    const rules = tempDir('capwatch-own-rules-');
    // A rule of the kind operators add: a field list ANDed with |all, a selection whose name starts with "not".
    writeFileSync(
      join(rules, 'cisco_capture_to_flash.yml'),
      `title: Capture to a file on flash
id: 6a0f3c3e-2b1d-4c55-9a7e-3f0e6c1d2b01
status: experimental
author: test
tags: [attack.credential_access, attack.t1040]
logsource: {product: cisco, service: iosxe}
detection:
  noted:
    command|re|all:
      - '(?i)^monitor capture (?<capture>\\S+) buffer'
      - '(?i)(?<file>flash:\\S+)'
  notification:
    user: 'automation'
  condition: noted and not notification
level: high
capwatch: {kind: capture, action: define}
`,
    );
    const cfg = join(tempDir('capwatch-export-cfg-'), 'c.yaml');
    writeFileSync(cfg, `detection:\n  builtinRules: false\n  rules: [${JSON.stringify(rules)}]\n`);
    const dir = tempDir('capwatch-export-');
    exportTo(dir, ['--config', cfg]);
    expect(sigmaCheck(dir).code).toBe(0);
    // The rewritten rule (selections split and renamed) means what the original did.
    const fire = (rulesDir: string, user: string) =>
      new Detector({ rules: loadRules([rulesDir]), collectors: [] }).detect(commandEvent('monitor capture CAP buffer size 10 flash:cap.pcap', { user })).map((d) => d.facts);
    expect(fire(dir, 'eve')).toEqual(fire(rules, 'eve'));
    expect(fire(dir, 'eve')[0]).toMatchObject({ capture: 'CAP', file: 'flash:cap.pcap' });
    expect(fire(dir, 'automation')).toEqual([]);

    // Broken on purpose after export: a condition naming a selection that does not exist.
    writeFileSync(join(dir, 'cisco_capture_to_flash.yml'), run(['rules', '--export', 'sigma', '--config', cfg]).stdout.replace(/condition: .*/, 'condition: missing'));
    const broken = sigmaCheck(dir);
    expect(broken.code).not.toBe(0);
    expect(broken.out).toMatch(/condition error/i);
  });

  it('the export loads back into capwatch and gives the same detections on every log fixture', () => {
    const dir = tempDir('capwatch-export-');
    exportTo(dir);
    const cfg = join(tempDir('capwatch-export-cfg-'), 'c.yaml');
    writeFileSync(cfg, `detection:\n  builtinRules: false\n  rules: [${JSON.stringify(dir)}]\n`);
    const back = run(['rules', '--config', cfg]);
    expect(back.stdout).toMatch(new RegExp(`${builtin.length} rules loaded, 0 skipped`));

    const logs = logFixtureNames().map((f) => join(ROOT, 'fixtures/logs', f));
    const detections = (extra: string[]) => {
      const r = run(['replay', '--json', ...extra, ...logs]);
      expect(r.code).toBe(0);
      return r.stdout.trim().split('\n').map((l) => {
        const d = JSON.parse(l) as Record<string, unknown>;
        return [d.rule, d.kind, d.severity, d.command, d.facts];
      });
    };
    const original = detections([]);
    expect(original.length).toBeGreaterThan(10);
    expect(detections(['--config', cfg])).toEqual(original);
  });
});
