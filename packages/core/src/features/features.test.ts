import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { permutation, rng } from '../data/random.js';
import { lenet5 } from '../models/reference.js';
import { fit } from '../train/fit.js';
import { validateReport } from '@whittle/report';
import { pruneInputs } from './prune-inputs.js';
import { selectFeatures } from './inputs.js';

beforeAll(() => initBackend());

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** A one-layer softmax classifier 3 → 2 (or F → 2) with the given kernel rows and zero bias. */
function linear(rows: number[][]): tf.Sequential {
  const m = tf.sequential({ name: 'linear' });
  m.add(tf.layers.dense({ name: 'd', inputShape: [rows.length], units: rows[0]!.length, activation: 'softmax' }));
  m.getLayer('d').setWeights([tf.tensor2d(rows), tf.zeros([rows[0]!.length])]);
  return m;
}

function dataset(xs: number[][], labels: number[], classes = 2): Dataset {
  return makeDataset(tf.tensor2d(xs), tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D, Int32Array.from(labels));
}

describe("pruneInputs, 'weight'", () => {
  // rows 1 and 4 are zero; the others have L2 norms 5, 1, 3, 2 (by hand: √(3²+4²), 1, √(9), √(4))
  const rows = [
    [3, 4, 0],
    [0, 0, 0],
    [1, 0, 0],
    [0, 3, 0],
    [0, 0, 0],
    [0, 0, 2],
  ];
  const xs = Array.from({ length: 12 }, (_, i) => Array.from({ length: 6 }, (_, f) => Math.sin(i * 3 + f)));
  const labels = xs.map((_, i) => i % 3);

  it('drops the zero rows first and keeps outputs unchanged', async () => {
    const model = linear(rows);
    const data = dataset(xs, labels, 3);
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const { model: out, kept, report } = await pruneInputs(model, data, { keep: 4 });
    expect(tf.memory().numTensors - tensors).toBe(out.weights.length);
    expect(snapshot(model)).toEqual(before);
    expect(kept).toEqual([0, 2, 3, 5]);
    expect(out.inputs[0]!.shape).toEqual([null, 4]);
    const projected = selectFeatures(data, kept);
    const a = (model.predict(data.x) as tf.Tensor).dataSync();
    const b = (out.predict(projected.x) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    expect(report.rounds.map((r) => r.features)).toEqual([6, 4]);
    expect(report.rounds[1]!.accuracy).toBe(report.rounds[0]!.accuracy); // nothing the model used was removed
    expect(report.paramsAfter).toBe(4 * 3 + 3);
    expect(report.top.map((t) => t.index)).toEqual([0, 3, 5, 2]);
    expect(report.top[0]!.score).toBeCloseTo(5, 6);
    expect(report.mask).toBeNull(); // 6 is not a square
    expect(validateReport(report).ok).toBe(true);
    projected.dispose();
    out.dispose();
    data.dispose();
  });

  it('a fraction keeps round(keep·n): 0.5 of 6 → the 3 largest norms', async () => {
    const data = dataset(xs, labels, 3);
    const { kept, model } = await pruneInputs(linear(rows), data, { keep: 0.5 });
    expect(kept).toEqual([0, 3, 5]);
    model.dispose();
    data.dispose();
  });

  it('a first Conv2D loses input channels', async () => {
    const m = tf.sequential({ name: 'conv' });
    m.add(tf.layers.conv2d({ name: 'c', inputShape: [4, 4, 3], filters: 2, kernelSize: 1 }));
    m.add(tf.layers.flatten({ name: 'f' }));
    m.add(tf.layers.dense({ name: 'o', units: 2, activation: 'softmax' }));
    // channel 1 has a zero kernel slice
    m.getLayer('c').setWeights([tf.tensor4d([1, 2, 0, 0, 3, 1], [1, 1, 3, 2]), tf.tensor1d([0.1, -0.1])]);
    const x = tf.randomUniform([5, 4, 4, 3], 0, 1, 'float32', 3);
    const data = makeDataset(x, tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0], 'int32'), 2).toFloat() as tf.Tensor2D);
    const { model: out, kept } = await pruneInputs(m, data, { keep: 2 });
    expect(kept).toEqual([0, 2]);
    expect(out.getLayer('c').getWeights()[0]!.shape).toEqual([1, 1, 2, 2]);
    const projected = selectFeatures(data, kept);
    expect(projected.x.shape).toEqual([5, 4, 4, 2]);
    const a = (m.predict(x) as tf.Tensor).dataSync();
    const b = (out.predict(projected.x) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 6));
    tf.dispose([projected.x, projected.y, x, data.y]);
    out.dispose();
  });
});

describe("pruneInputs, 'saliency' and 'permutation' against hand and brute-force references", () => {
  it('saliency: mean |∂loss/∂x| = |w_f0 − w_f1| · |p0 − y0| for a 2-class softmax', async () => {
    // At x = 0, p = (0.5, 0.5); with label 0, ∂loss/∂x = W(p − y) = W·(−0.5, 0.5), so |∂/∂x_f| = 0.5·|w_f0 − w_f1|:
    // rows (1, −1) → 1, (0, 0) → 0, (3, −3) → 3.
    const model = linear([
      [1, -1],
      [0, 0],
      [3, -3],
    ]);
    const data = dataset(
      [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      [0, 0, 0],
    );
    const { report, kept } = await pruneInputs(model, data, { keep: 1, method: 'saliency' });
    expect(kept).toEqual([0, 1, 2]);
    const score = Object.fromEntries(report.top.map((t) => [t.index, t.score]));
    expect(score[0]).toBeCloseTo(1, 6);
    expect(score[1]).toBeCloseTo(0, 6);
    expect(score[2]).toBeCloseTo(3, 6);
    data.dispose();
  });

  it('permutation: accuracy drop (+1e-3 × loss increase) matches a plain-JS brute force', async () => {
    const w = [
      [2, -1, 0],
      [0, 0, 0],
      [-1, 2, 0.5],
      [0.3, 0.2, -0.4],
    ];
    const model = linear(w);
    const next = rng(5);
    const xs = Array.from({ length: 40 }, () => Array.from({ length: 4 }, () => next() * 2 - 1));
    const logits = (x: number[]) => [0, 1, 2].map((c) => x.reduce((s, v, f) => s + v * w[f]![c]!, 0));
    const labels = xs.map((x) => {
      const l = logits(x);
      return next() < 0.8 ? l.indexOf(Math.max(...l)) : Math.floor(next() * 3);
    });
    const stats = (rows: number[][]) => {
      let correct = 0;
      let loss = 0;
      rows.forEach((x, i) => {
        const l = logits(x);
        const z = l.map((v) => Math.exp(v - Math.max(...l)));
        const p = z.map((v) => v / z.reduce((a, b) => a + b, 0));
        if (l.indexOf(Math.max(...l)) === labels[i]) correct++;
        loss -= Math.log(p[labels[i]!]!);
      });
      return [correct / rows.length, loss / rows.length] as const;
    };
    const perm = permutation(40, 0 + 1); // pruneInputs shuffles with seed + round
    const [acc0, loss0] = stats(xs);
    const expected = [0, 1, 2, 3].map((f) => {
      const [acc, loss] = stats(xs.map((x, i) => x.map((v, g) => (g === f ? xs[perm[i]!]![g]! : v))));
      return acc0 - acc + 1e-3 * (loss - loss0);
    });
    const data = dataset(xs, labels, 3);
    const { report, kept } = await pruneInputs(model, data, { keep: 3, method: 'permutation', seed: 0 });
    for (const t of report.top) expect(t.score).toBeCloseTo(expected[t.index]!, 5);
    const best3 = [0, 1, 2, 3].sort((a, b) => expected[b]! - expected[a]!).slice(0, 3);
    expect(kept).toEqual(best3.sort((a, b) => a - b));
    expect(expected[1]).toBe(0); // the ignored feature: shuffling it changes nothing
    data.dispose();
  });
});

describe('recursive feature elimination', () => {
  it('removes a slice per round, retrains, and ends with the informative features', async () => {
    // 20 features; the label depends only on features 0–4
    const next = rng(9);
    const xs = Array.from({ length: 600 }, () => Array.from({ length: 20 }, () => next() * 2 - 1));
    const labels = xs.map((x) => (x[0]! + x[1]! - x[2]! > 0 ? (x[3]! - x[4]! > 0 ? 0 : 1) : 2));
    const data = dataset(xs, labels, 3);
    const model = tf.sequential({ name: 'mlp' });
    model.add(
      tf.layers.dense({
        name: 'h',
        inputShape: [20],
        units: 32,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
    );
    model.add(
      tf.layers.dense({ name: 'o', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    );
    await fit(model, data, { epochs: 30, batchSize: 32, learningRate: 0.01 });
    const progress: string[] = [];
    const {
      kept,
      report,
      model: out,
    } = await pruneInputs(model, data, {
      keep: 5,
      method: 'permutation',
      steps: 3,
      epochs: 2,
      onProgress: (p) => progress.push(`${p.round}:${p.phase}`),
    });
    expect(report.rounds.map((r) => r.features)).toEqual([20, 15, 10, 5]);
    expect(kept).toEqual([0, 1, 2, 3, 4]);
    expect(progress).toContain('3:train');
    expect(validateReport(report).ok).toBe(true);
    expect(report.rounds[3]!.accuracy).toBeGreaterThan(0.85);
    out.dispose();
    model.dispose();
    data.dispose();
  });
});

describe('pruneInputs: data, names, bad input', () => {
  it('selectFeatures carries feature names', () => {
    const data = Object.assign(dataset([[1, 2, 3]], [0]), { featureNames: ['a', 'b', 'c'] });
    const s = selectFeatures(data, [2, 0]);
    expect(s.featureNames).toEqual(['c', 'a']);
    expect(Array.from(s.x.dataSync())).toEqual([3, 1]);
    s.dispose();
    data.dispose();
    expect(() => selectFeatures(dataset([[1, 2]], [0]), [2])).toThrow('selectFeatures: feature index 2 is not in [0, 1]');
  });

  const model = linear([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const data = dataset([[1, 2, 3]], [0]);
  it.each([
    [{ keep: 0 }, 'pruneInputs: keep=0 must be a fraction in (0, 1] or a count of features ≥ 1'],
    [{ keep: -0.5 }, 'pruneInputs: keep=-0.5 must be a fraction in (0, 1] or a count of features ≥ 1'],
    [{ keep: 2.5 }, 'pruneInputs: keep=2.5 is above 1, so it is a count, and must be an integer'],
    [{ keep: 4 }, 'pruneInputs: keep=4 features, but the model has only 3'],
    [{ keep: 0.1 }, 'pruneInputs: keep=0.1 of 3 features rounds to 0 features'],
    [{ keep: 0.5, method: 'random' }, "pruneInputs: method must be one of weight, saliency, permutation, got 'random'"],
    [{ keep: 0.5, steps: 0 }, 'pruneInputs: steps must be a positive integer, got 0'],
    [{ keep: 0.5, stpes: 2 }, "pruneInputs: unknown option 'stpes' (did you mean 'steps'?)"],
  ])('%j → one-line error', async (options, message) => {
    await expect(pruneInputs(model, data, options as never)).rejects.toThrow(message);
  });

  it('rejects data of the wrong shape and a first layer it cannot prune', async () => {
    await expect(pruneInputs(model, dataset([[1, 2]], [0]), { keep: 1 })).rejects.toThrow(
      "pruneInputs: data has samples of shape [2] but 'linear' takes [3]",
    );
    const m = lenet5();
    const images = makeDataset(tf.zeros([1, 28, 28, 1]), tf.oneHot(tf.tensor1d([0], 'int32'), 10).toFloat() as tf.Tensor2D);
    await expect(pruneInputs(m, images, { keep: 2 })).rejects.toThrow('pruneInputs: keep=2 features, but the model has only 1');
    images.dispose();
  });
});
