/**
 * A compressed model carries its storage format: summary, compare and
 * storageBytes report the bytes saveModel then writes — measured here on disk
 * with fs, independently of Whittle's own byte counting — and the folder
 * reloads to the model held in memory.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import type { Dataset } from '../data/dataset.js';
import { lenet5 } from '../models/reference.js';
import { quantize } from '../quantize/ptq.js';
import { cluster } from '../cluster/cluster.js';
import { prune } from '../prune/prune.js';
import { fineTune } from '../prune/finetune.js';
import { summary } from '../analysis/summary.js';
import { compare } from '../analysis/compare.js';
import { loadLayersModel } from './load.js';
import { saveModel, storageBytes } from './save.js';
import { describeStorage, setStorageFormat, storageFormat } from './storage.js';

let base: tf.LayersModel;
let test: Dataset;
let train: Dataset;
let fp32Disk: number;
const scratch = mkdtempSync(join(tmpdir(), 'whittle-storage-'));
let n = 0;

/** Bytes of every file in a folder, read from the file system. */
const onDisk = (dir: string) => readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

beforeAll(async () => {
  initBackend();
  ({ test } = mnist({ layout: 'image', limit: 300 }));
  const small = mnist({ layout: 'image', limit: 60 }); // fine-tuning only has to run, not to learn
  train = small.train;
  small.test.dispose();
  base = lenet5({ pretrained: true });
  const dir = join(scratch, 'fp32');
  await saveModel(base, dir);
  fp32Disk = onDisk(dir);
});
afterAll(() => {
  base.dispose();
  train.dispose();
  test.dispose();
});

const CASES: { name: string; make: () => Promise<tf.LayersModel>; storage: RegExp; maxRatio: number; reloaded?: RegExp }[] = [
  {
    name: '8-bit per channel',
    make: async () => (await quantize(base, { weights: { bits: 8, perChannel: true } })).model,
    storage: /^packed 8-bit/,
    maxRatio: 0.3, // 8 of 32 bits plus per-channel scales, biases and model.json
  },
  { name: '4-bit', make: async () => (await quantize(base, { weights: { bits: 4 } })).model, storage: /^packed 4-bit/, maxRatio: 0.17 },
  {
    name: 'float16',
    make: async () => (await quantize(base, { weights: { bits: 'float16' } })).model,
    storage: /^float16/,
    maxRatio: 0.55,
  },
  { name: 'clustered (k = 8)', make: async () => cluster(base, { clusters: 8 }).model, storage: /^deep/, maxRatio: 0.15 },
  {
    // pruning alone keeps the stock float32 format (stock tfjs loads it); sparse storage is chosen
    name: 'pruned 90 %, stored sparse by choice',
    make: async () => setStorageFormat(prune(base, { sparsity: 0.9, scope: 'global' }).model, { quantization: 'sparse' }),
    storage: /^sparse/,
    reloaded: /^deep/, // the sparse streams live in the deep container, and read back as its layout
    maxRatio: 0.3, // a tenth of the weights, each with its value and a short relative index
  },
];

describe('a compressed model carries its storage format', () => {
  for (const c of CASES)
    it(`${c.name}: summary, compare and storageBytes equal the folder saveModel writes; it reloads to the same model`, async () => {
      const snapshot = weightsOf(base);
      const before = tf.memory().numTensors;
      const model = await c.make();
      expect(describeStorage(storageFormat(model))).toMatch(c.storage);
      const s = summary(model);
      const r = await compare(base, model, test, { latencyRuns: 0 });
      const counted = await storageBytes(model);
      const dir = join(scratch, `m${n++}`);
      const saved = await saveModel(model, dir); // no format given: the carried one
      const disk = onDisk(dir);
      expect(s.totals.bytes).toBe(disk);
      expect(r.b.bytes).toBe(disk);
      expect(r.a.bytes).toBe(fp32Disk);
      expect(counted.bytes).toBe(disk);
      expect(saved.bytes).toBe(disk);
      // layers' bytes are their shares of weights.bin
      expect(s.layers.reduce((t, l) => t + l.bytes, 0)).toBe(statSync(join(dir, 'weights.bin')).size);
      expect(disk / fp32Disk).toBeLessThan(c.maxRatio);
      const reloaded = await loadLayersModel(dir);
      const [a, b] = [weightsOf(model), weightsOf(reloaded)];
      for (let i = 0; i < a.length; i++) {
        const scale = Math.max(1e-30, ...a[i]!.map(Math.abs));
        // packed scales are re-derived from the grid values: equal up to float32 rounding of the scale
        expect(Math.max(0, ...a[i]!.map((v, j) => Math.abs(v - b[i]![j]!))) / scale).toBeLessThan(1e-6);
      }
      // the reloaded model carries the file's format: saved again, it is as large
      expect(describeStorage(storageFormat(reloaded))).toMatch(c.reloaded ?? c.storage);
      expect(summary(reloaded).totals.bytes).toBe(disk);
      expect(weightsOf(base)).toEqual(snapshot); // the caller's model is unchanged
      expect(storageFormat(base)).toBeUndefined();
      tf.dispose([model, reloaded]);
      expect(tf.memory().numTensors).toBe(before);
    });

  it('an explicit format wins over the carried one', async () => {
    const { model } = await quantize(base, { weights: { bits: 4 } });
    const dir = join(scratch, 'explicit');
    await saveModel(model, dir, { quantization: 'float32' });
    expect(statSync(join(dir, 'weights.bin')).size).toBe(base.countParams() * 4);
    await saveModel(model, dir, { quantization: 'packed', bits: 8 });
    const eight = onDisk(dir);
    expect(eight).toBe((await storageBytes(model, { quantization: 'packed', bits: 8 })).bytes);
    expect(eight).toBeGreaterThan(onDisk(join(scratch, 'm1'))); // the 4-bit save of the same model
    model.dispose();
  });

  it('fine-tuning keeps masks (sparse) and clusters (deep); plain training drops the format', { timeout: 300_000 }, async () => {
    const pruned = prune(base, { sparsity: 0.8, scope: 'global' });
    expect(storageFormat(pruned.model)).toBeUndefined(); // stock float32 until the owner chooses otherwise
    setStorageFormat(pruned.model, { quantization: 'sparse' });
    const tuned = await fineTune(pruned.model, train, { masks: pruned.masks, epochs: 1, seed: 0 });
    expect(storageFormat(tuned.model)?.quantization).toBe('sparse');
    const plain = await fineTune(pruned.model, train, { epochs: 1, seed: 0 });
    expect(storageFormat(plain.model)).toBeUndefined();
    expect(summary(plain.model).totals.bytes).toBeGreaterThan(base.countParams() * 4);
    const shared = cluster(base, { clusters: 4 });
    const centroids = await fineTune(shared.model, train, { clusters: shared.assignments, epochs: 1, seed: 0 });
    expect(storageFormat(centroids.model)?.quantization).toBe('deep');
    const dir = join(scratch, 'centroids');
    await saveModel(centroids.model, dir);
    expect(summary(centroids.model).totals.bytes).toBe(onDisk(dir));
    tf.dispose([pruned.model, tuned.model, plain.model, shared.model, centroids.model]);
  });
});
