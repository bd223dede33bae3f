import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { buildLenet300100 } from '../models/architectures.js';
import { lenet300100 } from '../models/reference.js';
import { cloneModel } from '../models/clone.js';
import { compare } from './compare.js';
import { evaluate } from './evaluate.js';
import { kfold } from './kfold.js';
import { fit } from '../train/fit.js';
import { validateReport } from '@whittle/report';
import { makeDataset } from '../data/dataset.js';

beforeAll(() => initBackend());

describe('compare', () => {
  it('a model against its own copy: full agreement, zero KL, equal accuracy', async () => {
    const { train, test } = mnist({ limit: 300 });
    const a = lenet300100({ pretrained: true });
    const r = await compare(a, cloneModel(a), test, { latencyRuns: 2 });
    expect(validateReport(r).ok).toBe(true);
    expect(r.agreement).toBe(1);
    expect(r.meanKl).toBeLessThan(1e-6);
    expect(r.a.accuracy).toBe(evaluate(a, test).accuracy);
    expect(r.a.bytes).toBeGreaterThan(266610 * 4);
    train.dispose();
    test.dispose();
  });

  it('KL and agreement match a direct computation on the outputs', async () => {
    const { train, test } = mnist({ limit: 200 });
    const a = lenet300100({ pretrained: true });
    const b = buildLenet300100(9); // untrained: disagrees a lot
    const before = tf.memory().numTensors;
    const r = await compare(a, b, test, { latencyRuns: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const pa = (a.predict(test.x) as tf.Tensor).arraySync() as number[][];
    const pb = (b.predict(test.x) as tf.Tensor).arraySync() as number[][];
    let kl = 0;
    let agree = 0;
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    pa.forEach((p, i) => {
      const q = pb[i]!;
      p.forEach((v, c) => {
        const pv = Math.max(v, 1e-7);
        kl += pv * Math.log(pv / Math.max(q[c]!, 1e-7));
      });
      if (argmax(p) === argmax(q)) agree++;
    });
    expect(r.meanKl).toBeCloseTo(kl / pa.length, 3);
    expect(r.agreement).toBeCloseTo(agree / pa.length, 10);
    expect(r.b.latencyMs).toBeNull();
    train.dispose();
    test.dispose();
  });

  it('rejects a non-model with a one-line error', async () => {
    const { train, test } = mnist({ limit: 10 });
    await expect(compare(lenet300100(), 'nope' as unknown as tf.LayersModel, test)).rejects.toThrow('compare: b must be a tf.LayersModel');
    train.dispose();
    test.dispose();
  });
});

describe('kfold', () => {
  it('holds out every sample exactly once, and scores each fold on exactly its held-out samples', async () => {
    // sample i carries i as its only feature
    const n = 10;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
    const data = makeDataset(
      tf.tensor2d(Array.from({ length: n }, (_, i) => [i])),
      tf.oneHot(tf.tensor1d(labels, 'int32'), 2) as tf.Tensor2D,
      labels,
    );
    const heldOut: number[][] = [];
    const result = await kfold(
      (part) => {
        const trained = new Set(Array.from(part.x.dataSync()));
        const held = [...Array(n).keys()].filter((i) => !trained.has(i));
        heldOut.push(held);
        // a lookup table right exactly on the samples this fold did not train on: accuracy 1 only on the held-out set
        const m = tf.sequential({
          layers: [tf.layers.embedding({ inputDim: n, outputDim: 2, inputLength: 1 }), tf.layers.flatten(), tf.layers.softmax()],
        });
        const table = Array.from({ length: n }, (_, i) => (held.includes(i) === (labels[i] === 1) ? [0, 5] : [5, 0]));
        const weights = tf.tensor2d(table);
        m.layers[0]!.setWeights([weights]);
        weights.dispose();
        return m;
      },
      data,
      { k: 3, seed: 4 },
    );
    expect(heldOut.map((h) => h.length)).toEqual([3, 3, 4]);
    expect(heldOut.flat().sort((a, b) => a - b)).toEqual([...Array(n).keys()]); // each index once: a partition
    expect(result.folds.map((f) => f.samples)).toEqual([3, 3, 4]);
    expect(result.folds.map((f) => f.accuracy)).toEqual([1, 1, 1]);
    data.dispose();
  });

  it('returns mean ± std over folds of models trained on the rest', async () => {
    const { train, test } = mnist({ limit: 600 });
    const seenSizes: number[] = [];
    const result = await kfold(
      async (part, fold) => {
        seenSizes.push(part.size);
        const m = buildLenet300100(fold);
        await fit(m, part, { epochs: 3 });
        return m;
      },
      train,
      { k: 3 },
    );
    expect(seenSizes).toEqual([400, 400, 400]);
    expect(result.folds.map((f) => f.samples)).toEqual([200, 200, 200]);
    const mean = result.folds.reduce((s, f) => s + f.accuracy, 0) / 3;
    expect(result.mean).toBeCloseTo(mean, 12);
    const std = Math.sqrt(result.folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / 2);
    expect(result.std).toBeCloseTo(std, 12);
    expect(result.mean).toBeGreaterThan(0.5);
    await expect(kfold(() => buildLenet300100(), train, { k: 1 })).rejects.toThrow('kfold: k must be an integer in [2, 600], got 1');
    train.dispose();
    test.dispose();
  });
});
