// `npm run bench:expected`: what expected work costs the hot path. `capwatch replay` over the realistic mix (99.9 %
// chatter, 0.1 % commands; and a denser 1 % mix), side by side: the built-in rules alone, and the same with 10,000
// approvals in force (some on the mix's own switches and users, so its hits are judged and some covered) and 1,000
// Sigma filters (each naming a rule, so every hit is tested against its rule's share). Alternating runs, medians.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Approvals } from '../src/alerts/approvals.js';
import { loadRules } from '../src/detect/sigma/load.js';
import { writeMix } from './mix.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli.js');
const LINES = Number(process.env.BENCH_REPLAY_LINES ?? 2_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 10_000);
const FILTERS = Number(process.env.BENCH_FILTERS ?? 1_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const k = (n: number) => `${(n / 1000).toFixed(0)}k`;

/** One replay: lines, how many hits were expected, and the CPU seconds it took (user + system, from GNU time). */
function replay(file: string, config: string): { lines: number; expected: number; cpu: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu=%U+%S', process.execPath, CLI, 'replay', '--config', config, file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  const m = /replay: (\d+) lines read in [\d.]+ s.*, (\d+) of them expected work/.exec(r.stderr);
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  if (!m || !cpu) throw new Error(`replay printed no summary (exit ${r.status}): ${r.stderr.slice(-500)} ${r.stdout.slice(-500)}`);
  return { lines: Number(m[1]), expected: Number(m[2]), cpu: Number(cpu[1]) + Number(cpu[2]) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capwatch-bench-expected-'));
  try {
    // The mix's lines are stamped 22 November: the approvals are in force then.
    const from = Date.UTC(new Date().getUTCFullYear(), 10, 22, 0, 0, 0);
    const db = new Database(join(dir, 'capwatch.db'));
    new Approvals(db);
    const insert = db.prepare(
      `INSERT INTO approvals (id, created_at, created_by, devices, user, kind, name, destination, ticket, expires_at) VALUES (?, ?, 'bench', ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      // A third of the mix's switch/user pairs are approved (its SPAN lines by them become expected work); every
      // switch has approvals, so the other users' lines are judged and found outside them. The rest are on devices
      // that send nothing here: 10,000 in force, as the index must hold them.
      let n = 0;
      for (let d = 0; d < 97; d++) {
        for (let u = 0; u < 9; u++) {
          if ((d + u) % 3 !== 0) continue;
          insert.run(`bench-${n++}`, from, JSON.stringify([`sw${d}`]), `eve${u}`, 'mirror', null, null, `CHG-${n}`, from + 24 * 3_600_000);
        }
      }
      while (n < APPROVALS) insert.run(`bench-${n}`, from, JSON.stringify([`edge-${n}`]), `op${n % 50}`, n % 2 ? 'capture' : null, n % 3 ? `CAP${n}` : null, n % 5 ? null : '10.20.0.0/16', `CHG-${n++}`, from + 24 * 3_600_000);
    })();
    db.close();
    const rules = loadRules([join(ROOT, 'rules')]);
    const filterDir = join(dir, 'filters');
    mkdirSync(filterDir);
    for (let i = 0; i < FILTERS; i++) {
      const rule = rules[i % rules.length]!;
      writeFileSync(join(filterDir, `f${i}.yml`), `title: Lab ${i}\nfilter:\n  rules: [${rule.id}]\n  selection:\n    address|cidr: 10.${i % 250}.${i % 200}.0/24\n    user: lab${i}\n  condition: not selection\n`);
    }
    const plain = join(dir, 'plain.yaml');
    const loaded = join(dir, 'expected.yaml');
    writeFileSync(plain, JSON.stringify({ storage: { path: join(dir, 'none.db') } }));
    writeFileSync(loaded, JSON.stringify({ storage: { path: join(dir, 'capwatch.db') }, detection: { filters: [filterDir] } }));

    // CPU time rather than wall time: it holds still when other work shares the machine. Start-up (loading 1,000
    // filter files, 10,000 approvals) is measured on an empty file and taken off: the question is the cost per line.
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const startup = { plain: median(Array.from({ length: REPEATS }, () => replay(empty, plain).cpu)), loaded: median(Array.from({ length: REPEATS }, () => replay(empty, loaded).cpu)) };
    console.log(`replay, ${LINES.toLocaleString('en-US')} lines, ${REPEATS} alternating runs each; ${APPROVALS.toLocaleString('en-US')} approvals, ${FILTERS.toLocaleString('en-US')} filters`);
    console.log(`start-up CPU: ${startup.plain.toFixed(2)} s without, ${startup.loaded.toFixed(2)} s with (taken off below)\n`);
    console.log('| mix | without expected work | with | with / without | hits marked expected |\n|---|---|---|---|---|');
    for (const [name, every] of [['realistic (0.1 % commands)', 1000], ['dense (1 % commands)', 100]] as const) {
      const file = join(dir, `mix-${every}.log`);
      await writeMix(file, LINES, every);
      const without: number[] = [];
      const withIt: number[] = [];
      let expected = 0;
      for (let r = 0; r < REPEATS; r++) {
        const p = replay(file, plain);
        without.push(p.lines / (p.cpu - startup.plain));
        const w = replay(file, loaded);
        withIt.push(w.lines / (w.cpu - startup.loaded));
        expected = w.expected;
      }
      const a = median(without);
      const b = median(withIt);
      console.log(`| ${name} | ${k(a)} lines per CPU-s [${without.map(k).join(', ')}] | ${k(b)} [${withIt.map(k).join(', ')}] | ${(b / a).toFixed(3)} | ${expected} |`);
    }
  } finally {
    if (process.env.BENCH_KEEP) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
