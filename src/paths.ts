// Where capwatch's own files are, whether it runs from dist/ (installed) or from src/ (tests).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('capwatch: cannot find its package.json');
    dir = up;
  }
  return dir;
}

export const packageRoot = findRoot();
export const builtinRulesDir = join(packageRoot, 'rules');
export const packageVersion = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
