/**
 * The deploy page in headless chromium: LeNet-5 saved by @whittle/core as fp32,
 * uint8, packed 4-bit and deep, loaded over HTTP by @whittle/loader on the wasm
 * backend (and webgl when the browser offers it). The page's predictions are
 * compared with Node's own decode of the same files (core's loadModel, wasm),
 * and bytes come from the browser's network log.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadLayersModel } from '@whittle/core';
import { whittleHandler } from '@whittle/loader';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch } from '../lab/browser.js';
import { buildDeployPage } from './build.js';
import { FORMAT_NAMES, stratifiedDigits } from './models.js';
import { runPage, type PageRun } from './run.js';
import { serve } from './server.js';

let dir: string;
let server: Awaited<ReturnType<typeof serve>>;
let browser: Awaited<ReturnType<typeof launch>>;
const node: Record<string, number[]> = {};

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'whittle-deploy-'));
  await buildDeployPage(dir, { trainSamples: 2000 }); // a shorter fine-tune: this test checks decoding, not accuracy
  // Node's decode of the very files the page will fetch
  const { pixels, labels } = stratifiedDigits();
  const x = tf.tensor4d(pixels, [labels.length, 28, 28, 1]);
  for (const name of FORMAT_NAMES) {
    const model = await loadLayersModel(join(dir, 'models', name));
    node[name] = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).argMax(-1).dataSync()));
    model.dispose();
  }
  x.dispose();
  server = await serve(dir);
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function checkRun(run: PageRun): void {
  expect(run.problems).toEqual([]);
  expect(run.results.map((r) => r.name)).toEqual([...FORMAT_NAMES]);
  for (const r of run.results) {
    // every file of the format went over the wire: model.json (gzipped) and weights.bin (as is)
    const shard = r.files.find((f) => f.url.endsWith('/weights.bin'))!;
    expect(shard.bytes).toBe(statSync(join(dir, 'models', r.name, 'weights.bin')).size);
    const json = r.files.find((f) => f.url.endsWith('/model.json'))!;
    expect(json.bytes).toBeGreaterThan(0);
    expect(json.bytes).toBeLessThan(statSync(join(dir, 'models', r.name, 'model.json')).size);
    expect(r.files).toHaveLength(2);
    // the page's own count (Resource Timing) agrees with playwright's network log
    expect(r.bytes).toBe(r.networkBytes);
  }
  expect(run.drawn.map((d) => d.name)).toEqual([...FORMAT_NAMES]);
  for (const d of run.drawn) expect(d.digit).toBeGreaterThanOrEqual(0);
}

describe('deploy page (headless chromium)', () => {
  it('wasm: every format loads; predictions on 200 stratified test digits equal Node’s decode of the same files', async () => {
    const run = await runPage(browser.browser, server.url, 'wasm');
    expect(run.available, run.error).toBe(true);
    expect(run.backend).toBe('wasm');
    checkRun(run);
    for (const r of run.results) {
      expect(r.predictions).toHaveLength(200);
      expect(r.predictions, r.name).toEqual(node[r.name]);
    }
    // fewer bytes than fp32, in the order of the formats' strength
    const bytes = run.results.map((r) => r.networkBytes);
    for (let i = 1; i < bytes.length; i++) expect(bytes[i]).toBeLessThan(bytes[i - 1]!);
  });

  it('Node: tf.loadLayersModel(whittleHandler(url)) over HTTP gives the weights core’s loadModel reads, with byte progress', async () => {
    for (const name of FORMAT_NAMES) {
      const progress: number[] = [];
      const viaHttp = await tf.loadLayersModel(
        whittleHandler(`${server.url}models/${name}/model.json`, { onProgress: (fraction) => progress.push(fraction) }),
      );
      const viaCore = await loadLayersModel(join(dir, 'models', name));
      const a = viaHttp.getWeights();
      const b = viaCore.getWeights();
      expect(a.length).toBe(b.length);
      a.forEach((t, i) =>
        expect(Array.from(t.dataSync()), `${name} ${viaCore.weights[i]!.originalName}`).toEqual(Array.from(b[i]!.dataSync())),
      );
      expect(progress.at(-1), name).toBe(1);
      viaHttp.dispose();
      viaCore.dispose();
    }
  });

  it('webgl: used when headless chromium offers it, else the page says it is unavailable', async () => {
    const run = await runPage(browser.browser, server.url, 'webgl');
    if (!run.available) {
      expect(run.error).toBe('backend webgl is not available in this browser');
      return;
    }
    expect(run.backend).toBe('webgl');
    checkRun(run);
    // webgl computes in its own precision: predictions agree with Node's, not necessarily bit for bit
    for (const r of run.results) {
      const same = r.predictions.filter((p, i) => p === node[r.name]![i]).length;
      expect(same / 200, r.name).toBeGreaterThanOrEqual(0.99);
    }
  });
});
