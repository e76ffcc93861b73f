// Where capwatch's own files are, whether it runs from dist/ (installed) or from src/ (tests).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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

/**
 * A worker thread's script `name`, compiled beside the module at `moduleUrl`; when that module runs from its
 * TypeScript source (the tests), the build of it under dist/, since a worker thread cannot load TypeScript.
 */
export function workerScript(moduleUrl: string, name: string): string {
  const dir = dirname(fileURLToPath(moduleUrl));
  return moduleUrl.endsWith('.ts') ? join(packageRoot, 'dist', relative(packageRoot, dir), name) : join(dir, name);
}
