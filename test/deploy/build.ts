/**
 * Builds the deploy page into a folder: page.js (esbuild bundle of page.ts with
 * tfjs, its wasm backend and @whittle/loader), index.html, tfjs-backend-wasm's
 * .wasm files (served locally, no CDN), the models in every format, the digits
 * and a manifest.json naming them.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { SavedModel } from '@whittle/core';
import { FORMAT_NAMES, writeDigits, writeModels, type DeployOptions, type FormatName } from './models.js';
import type { DeployManifest } from './page.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The whole page: models written by core into `dir/models/<format>/`, then the assets. */
export async function buildDeployPage(dir: string, options: DeployOptions = {}): Promise<{ saved: Record<FormatName, SavedModel> }> {
  const saved = await writeModels(join(dir, 'models'), options);
  await buildPageAssets(dir);
  return { saved };
}

/** Everything but the models (which must be in `dir/models/<format>/`): page, wasm files, digits, manifest. */
export async function buildPageAssets(dir: string): Promise<void> {
  mkdirSync(join(dir, 'wasm'), { recursive: true });
  await build({
    entryPoints: [join(here, 'page.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    outfile: join(dir, 'page.js'),
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'error',
  });
  copyFileSync(join(here, 'index.html'), join(dir, 'index.html'));
  const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(dir, 'wasm', f));
  const labels = writeDigits(dir);
  const manifest: DeployManifest = {
    formats: FORMAT_NAMES.map((name) => ({ name, url: `models/${name}/model.json` })),
    digits: { url: 'digits.bin', labels },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}
