// The command line as a user meets it: help, configuration errors, replay of archived files.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI } from './helpers/service.js';
import { tempDir } from './helpers/tmp.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/logs');
const tmp = () => tempDir('capwatch-cli-');

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('capwatch CLI', () => {
  it('--help lists the commands, and every command has --help', () => {
    const top = run(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['serve', 'replay', 'rules']) {
      expect(top.stdout).toContain(c);
      const sub = run([c, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain(`capwatch ${c}`);
    }
  });

  it('replay piped into head stops quietly when head has read enough', () => {
    const file = join(tmp(), 'many.log');
    writeFileSync(file, readFileSync(join(FIXTURES, 'ios-erspan-exfil-reconstruction.log'), 'utf8').repeat(2000));
    // The shell reports the status of replay itself (pipefail): no EPIPE crash, no stack on stderr.
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" replay --json "${file}" | head -1`], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: expect.any(String) });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('an unknown command or option is a usage error', () => {
    expect(run(['sniff']).code).toBe(2);
    const r = run(['replay', '--jsno', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/jsno/);
  });

  it('a configuration error names the key and the problem and exits non-zero', () => {
    const dir = tmp();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'syslog:\n  udpp:\n    port: 514\nhttp:\n  port: not-a-port\n');
    const r = run(['serve', '--config', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('syslog.udpp: unknown key');
    expect(r.stderr).toMatch(/http\.port: must be integer/);

    writeFileSync(bad, 'storage:\n  path: ${CAPWATCH_TEST_UNSET_VAR}/db\n');
    const env = run(['serve', '--config', bad]);
    expect(env.code).not.toBe(0);
    expect(env.stderr).toContain('storage.path: environment variable CAPWATCH_TEST_UNSET_VAR is not set');
  });

  it('a rule that does not load stops start-up with its file and the reason', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'broken.yml'), 'title: broken\nid: 1\ndetection:\n  sel:\n    command|bogus: x\n  condition: sel\n');
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, `detection:\n  rules: [${JSON.stringify(dir)}]\n`);
    const r = run(['rules', '--config', cfg]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('broken.yml');
  });

  it('rules lists the built-in rules', () => {
    const r = run(['rules']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\d+ rules loaded/);
    expect(r.stdout).toMatch(/erspan/);
  });

  it('replay --json prints one detection object per line with the documented fields, and a summary on stderr', () => {
    const r = run(['replay', '--json', join(FIXTURES, 'ios-erspan-exfil-reconstruction.log')]);
    expect(r.code).toBe(0);
    const detections = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(detections.length).toBeGreaterThanOrEqual(3);
    for (const d of detections) {
      for (const k of ['rule', 'title', 'severity', 'kind', 'technique', 'device', 'user', 'command', 'context', 'time', 'source', 'facts']) expect(d).toHaveProperty(k);
      expect(d.technique).toBe('T1040');
      expect(d.source).toBe('replay');
      expect(typeof d.device).toBe('string');
      expect(Number.isNaN(Date.parse(d.time))).toBe(false);
    }
    const dest = detections.find((d) => d.facts.destinationIp === '198.51.100.7');
    expect(dest).toMatchObject({ kind: 'erspan', severity: 'critical', user: 'eve', context: ['monitor session 1 type erspan-source', 'destination'] });
    expect(r.stderr).toMatch(/replay: 12 lines read/);
    expect(r.stderr).toMatch(/critical \d+/);
  });

  it('replay reads standard input and .gz files and gives the same detections', () => {
    const text = readFileSync(join(FIXTURES, 'ios-erspan-exfil-reconstruction.log'));
    const dir = tmp();
    const gz = join(dir, 'old.log.gz');
    writeFileSync(gz, gzipSync(text));
    const fromGz = run(['replay', '--json', gz]);
    const fromStdin = run(['replay', '--json', '-'], text.toString());
    expect(fromGz.code).toBe(0);
    expect(fromStdin.code).toBe(0);
    const commands = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l).command);
    expect(commands(fromGz.stdout)).toEqual(commands(fromStdin.stdout));
    expect(commands(fromGz.stdout)).toContain('ip address 198.51.100.7');
  });

  it('replay reassembles split ISE accounting, and a message whose later segments never came still counts', () => {
    // Real ISE segment 0 of 4 (Elastic's test file holds only that segment), with the operator's command made a capture.
    const [seg0] = readFileSync(join(FIXTURES, 'ise-elastic-tacacs-accounting.log'), 'utf8').split('\n').filter((l) => l.startsWith('<'));
    const line = seg0!.replace('CmdAV=show mac-address-table <cr>', 'CmdAV=monitor capture CAP start <cr>');
    const r = run(['replay', '--json', '-'], `${line}\n`);
    expect(r.code).toBe(0);
    const [d] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(d).toMatchObject({ kind: 'capture', command: 'monitor capture CAP start', user: 'psxvne', device: 'wlnwan1', source: 'replay' });
  });

  it('a command accounted at start and at stop (same task id) is one command, not two', () => {
    const pair = readFileSync(join(FIXTURES, 'tacplus-accounting-examples.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('task_id=130'))
      .map((l) => l.replace('cmd=info', 'cmd=monitor capture CAP start'));
    expect(pair).toHaveLength(2);
    const r = run(['replay', '--json', '-'], `${pair.join('\n')}\n${pair[0]!.replace('task_id=130', 'task_id=131')}\n`);
    const detections = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // Task 130 (start + stop) once, task 131 once.
    expect(detections.map((d) => [d.device, d.user, d.command])).toEqual([
      ['10.1.1.2', 'admin', 'monitor capture CAP start'],
      ['10.1.1.2', 'admin', 'monitor capture CAP start'],
    ]);
    expect(r.stderr).toMatch(/2 commands/);
  });

  it('replay of an unreadable file exits 2 with a clear message', () => {
    const r = run(['replay', '/nonexistent/capwatch.log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read /nonexistent/capwatch.log: ENOENT');
  });

  it('replay of empty or blank input still reports what it read (the JSON sniff must hand back an ended stream)', () => {
    for (const input of ['', '\n  \n\n']) {
      const r = run(['replay', '-'], input);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^replay: ${input.split('\n').length - 1 || 0} lines read in`, 'm'));
    }
  });

  it('replay without --json shows attacker-controlled text inert (quoted, control characters escaped)', () => {
    const line = '<189>1: 000001: Mar  3 10:00:01.101 UTC: %PARSER-5-CFGLOG_LOGGEDCMD: User:eve\u001b[31m  logged command:monitor session 3 source interface Gi1/0/1 both\n';
    const r = run(['replay', '-'], line);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('monitor session 3 source interface GigabitEthernet1/0/1 both');
    expect(r.stdout).not.toContain('\u001b');
  });
});
