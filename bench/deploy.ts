import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { launch } from '../test/lab/browser.js';
import { buildDeployPage } from '../test/deploy/build.js';
import { FORMAT_NAMES } from '../test/deploy/models.js';
import { runPage, type PageRun } from '../test/deploy/run.js';
import { serve } from '../test/deploy/server.js';
import { benchTable, fmt, pct, type Benchmark } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

/** What the issue asks: bytes transferred, fp32 ÷ format; deep decode in the browser; loader size. */
const TARGET_RATIO: Record<string, number> = { uint8: 3.9, 'packed-4bit': 6.5, deep: 35 };
const TARGET_DECODE_MS = 50;
const TARGET_LOADER_BYTES = 10 * 1024;

/** @whittle/loader as an app would ship it: esbuild bundle, minified, gzip -9. */
export async function loaderSize(): Promise<{ minified: number; gzip: number }> {
  const out = await build({
    entryPoints: [join(here, '../packages/loader/src/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    external: ['@tensorflow/tfjs-core'],
    logLevel: 'error',
  });
  const code = out.outputFiles[0]!.contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

export const deployBench: Benchmark = {
  name: 'deploy',
  title: 'Deploy: compressed LeNet-5 in the browser through @whittle/loader',
  description:
    'LeNet-5 (Whittle’s pretrained reference) saved by @whittle/core as fp32, stock uint8, Whittle packed 4-bit and Whittle deep (global magnitude pruning to 92 % + 1 epoch of masked fine-tuning on the 7,996 training digits (2,000 in quick mode), k-means with 8 centroids per kernel, codebooks + relative sparse indices + Huffman, float16 biases), served on 127.0.0.1 by a Node static server (gzip for model.json, shards as is, no caching) and loaded in headless Debian chromium by the test/deploy page with `tf.loadLayersModel(whittleHandler(url))`. Bytes are the response body sizes in the browser’s network log (playwright), model.json + weights.bin. Load = fetch + decode + tfjs build; decode = `decodeModel` alone on the fetched bytes (median of 5 in the page); inference = 200 stratified test digits in one batch after a warm-up; agreement = same top-1 class as fp32 on those digits. Loader size = esbuild bundle of @whittle/loader, minified, gzip -9.',
  run: async ({ quick, log }) => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-bench-deploy-'));
    const { browser, close } = await launch();
    const server = await (async () => {
      await buildDeployPage(dir, quick ? { trainSamples: 2000 } : {});
      return serve(dir);
    })();
    try {
      const rounds = quick ? 1 : 3;
      const runs: Record<'wasm' | 'webgl', PageRun[]> = { wasm: [], webgl: [] };
      // interleave the backends, so a busy moment on the shared machine hits both
      for (let i = 0; i < rounds; i++)
        for (const backend of ['wasm', 'webgl'] as const) {
          const run = await runPage(browser, server.url, backend);
          if (run.problems.length) throw new Error(`deploy page on ${backend}: ${run.problems.join('; ')}`);
          runs[backend].push(run);
          log(
            `${backend} round ${i + 1}: ${run.available ? run.results.map((r) => `${r.name} ${r.networkBytes} B ${fmt(r.loadMs)} ms`).join(', ') : run.error}`,
          );
        }
      const size = await loaderSize();
      const { figures, rows, result } = benchTable([
        'format (backend)',
        'bytes transferred',
        'fp32 ÷ bytes',
        'fp32 ÷ weights.bin',
        'load ms',
        'decode ms',
        'inference ms, 200 digits',
        'agreement with fp32',
        'accuracy (200 digits)',
      ]);
      const first = runs.wasm[0]!.results;
      const fp32 = first.find((r) => r.name === 'fp32')!;
      const shard = (r: (typeof first)[number]) => r.files.find((f) => f.url.endsWith('/weights.bin'))!.bytes;
      for (const backend of ['wasm', 'webgl'] as const) {
        const rs = runs[backend];
        if (!rs[0]!.available) {
          rows.push([`(${backend})`, rs[0]!.error ?? 'unavailable', '', '', '', '', '', '', '']);
          continue;
        }
        for (const name of FORMAT_NAMES) {
          const per = rs.map((run) => run.results.find((r) => r.name === name)!);
          const r = per[0]!;
          const ratio = fp32.networkBytes / r.networkBytes;
          const load = median(per.map((p) => p.loadMs));
          const decode = median(per.map((p) => p.decodeMs));
          const infer = median(per.map((p) => p.inferMs));
          if (backend === 'wasm') {
            figures.push({ name: `${name} bytes transferred`, value: r.networkBytes, unit: 'bytes' });
            figures.push({
              name: `${name} fp32 ÷ bytes transferred`,
              value: ratio,
              unit: '×',
              reference: TARGET_RATIO[name],
              referenceSource: 'issue 19 target',
            });
            figures.push({ name: `${name} fp32 ÷ weights.bin bytes`, value: shard(fp32) / shard(r), unit: '×' });
          }
          figures.push({
            name: `${backend} ${name} decode ms`,
            value: decode,
            unit: 'ms',
            min: Math.min(...per.map((p) => p.decodeMs)),
            max: Math.max(...per.map((p) => p.decodeMs)),
            runs: per.length,
            ...(name === 'deep' ? { reference: TARGET_DECODE_MS, referenceSource: 'issue 19 target (≤)' } : {}),
          });
          figures.push({ name: `${backend} ${name} load ms`, value: load, unit: 'ms', runs: per.length });
          figures.push({ name: `${backend} ${name} inference ms (200 digits)`, value: infer, unit: 'ms', runs: per.length });
          figures.push({ name: `${backend} ${name} agreement with fp32`, value: r.agreement, unit: 'fraction' });
          rows.push([
            `${name} (${backend})`,
            `${r.networkBytes.toLocaleString('en-US')} (json ${(r.networkBytes - shard(r)).toLocaleString('en-US')})`,
            `${fmt(ratio)}×${TARGET_RATIO[name] ? ` (target ≥ ${TARGET_RATIO[name]}×)` : ''}`,
            `${fmt(shard(fp32) / shard(r))}×`,
            fmt(load),
            fmt(decode),
            fmt(infer),
            pct(r.agreement),
            pct(r.accuracy),
          ]);
        }
      }
      figures.push({ name: 'loader minified bytes', value: size.minified, unit: 'bytes' });
      figures.push({
        name: 'loader minified+gzip bytes',
        value: size.gzip,
        unit: 'bytes',
        reference: TARGET_LOADER_BYTES,
        referenceSource: 'issue 19 budget (≤)',
      });
      rows.push([
        '@whittle/loader (esbuild, minified + gzip -9)',
        `${size.gzip.toLocaleString('en-US')} (minified ${size.minified.toLocaleString('en-US')})`,
        '',
        '',
        '',
        '',
        '',
        '',
        '',
      ]);
      const webgl = runs.webgl[0]!;
      return result(
        `Medians of ${rounds} page load(s) per backend, wasm and webgl interleaved; the 2-core machine was shared with other sessions, so times are noisy — compare within a row set.`,
        webgl.available
          ? `Headless chromium (--disable-gpu) offers WebGL, rendered by “${webgl.webgl}”: the webgl backend works and its predictions match, but on this GPU-less machine it is far slower than wasm.`
          : `Headless chromium offered no webgl backend: ${webgl.error} (WebGL renderer: ${webgl.webgl ?? 'none'}).`,
        'Bytes transferred include model.json (topology + Whittle metadata, gzipped by the server); the weights.bin column compares the shards alone.',
      );
    } finally {
      await close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
