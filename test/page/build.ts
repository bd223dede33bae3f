/**
 * Builds the server-free renderer page (entry.ts, bundled by esbuild) into `dir`
 * with `outputs` (notebook outputs) to show. Used by page.test.ts and by the
 * renderer benchmark. Returns the page's file:// URL.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildPage(dir: string, outputs: unknown[]): Promise<string> {
  await build({
    entryPoints: [join(here, 'entry.ts')],
    bundle: true,
    format: 'iife',
    outdir: dir,
    loader: { '.svg': 'dataurl', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.png': 'file' },
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'error',
  });
  writeFileSync(join(dir, 'outputs.js'), `window.WHITTLE_OUTPUTS = ${JSON.stringify(outputs)};`);
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="entry.css"></head>' +
      '<body><div id="main"></div><script src="outputs.js"></script><script src="entry.js"></script></body></html>',
  );
  return pathToFileURL(join(dir, 'index.html')).href;
}
