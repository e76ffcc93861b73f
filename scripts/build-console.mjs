// Bundles the web console (src/api/console) into dist/console: index.html, app.js, app.css.
// index.html asks for app.js?v=<content hash> so the server can let browsers cache the assets for good
// while index.html itself is revalidated on every load.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/api/console');
const out = join(root, 'dist/console');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const result = await build({
  entryPoints: { app: join(src, 'main.tsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  logLevel: 'warning',
});

const hash = createHash('sha256');
for (const file of result.outputFiles) {
  hash.update(file.contents);
  await writeFile(file.path, file.contents);
}
const version = hash.digest('hex').slice(0, 12);
const html = await readFile(join(src, 'index.html'), 'utf8');
if (!html.includes('%VERSION%')) throw new Error('index.html: the asset links must carry ?v=%VERSION%');
await writeFile(join(out, 'index.html'), html.replaceAll('%VERSION%', version));

for (const file of result.outputFiles) console.log(`console: ${file.path.slice(root.length + 1)} ${file.contents.length} bytes`);
