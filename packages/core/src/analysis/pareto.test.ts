import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto.js';
import { rng } from '../data/random.js';

/** Brute force: a point is on the front unless some other point dominates it. */
function bruteForce(points: { bytes: number; accuracy: number }[]): boolean[] {
  return points.map(
    (p) => !points.some((q) => q.bytes <= p.bytes && q.accuracy >= p.accuracy && (q.bytes < p.bytes || q.accuracy > p.accuracy)),
  );
}

describe('paretoFront', () => {
  it('marks a hand-checked example', () => {
    const front = paretoFront([
      { label: 'fp32', bytes: 1000, accuracy: 0.97 },
      { label: 'int8', bytes: 260, accuracy: 0.969 },
      { label: 'int4', bytes: 140, accuracy: 0.95 },
      { label: 'bad', bytes: 300, accuracy: 0.9 }, // bigger and worse than int8
      { label: 'int2', bytes: 80, accuracy: 0.5 },
    ]);
    expect(front.map((p) => p.onFront)).toEqual([true, true, true, false, true]);
  });

  it('agrees with a brute-force reference on random clouds (with ties)', () => {
    const next = rng(11);
    for (let trial = 0; trial < 50; trial++) {
      const points = Array.from({ length: 40 }, (_, i) => ({
        label: `p${i}`,
        bytes: Math.floor(next() * 20),
        accuracy: Math.floor(next() * 20) / 20,
      }));
      expect(paretoFront(points).map((p) => p.onFront)).toEqual(bruteForce(points));
    }
  });
});

describe('sweep', () => {
  it('evaluates every combination, measures saved bytes, marks the front, leaves the model unchanged', async () => {
    const { initBackend } = await import('../backend/index.js');
    const { mnist } = await import('../data/mnist.js');
    const { lenet5 } = await import('../models/reference.js');
    const { sweep } = await import('./sweep.js');
    const { validateReport } = await import('@whittle/report');
    await initBackend();
    const model = lenet5({ pretrained: true });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const { train, test } = mnist({ layout: 'image', limit: 300 });
    const r = await sweep(model, test, { sparsity: [0, 0.9], bits: [32, 8] });
    expect(validateReport(r).ok).toBe(true);
    expect(r.points.map((p) => p.label)).toEqual(['0% sparse, fp32', '0% sparse, 8-bit', '90% sparse, fp32', '90% sparse, 8-bit']);
    const [fp32, u8, sparse, both] = r.points;
    expect(u8!.bytes).toBeLessThan(fp32!.bytes / 3); // gzip of uint8 weights
    expect(sparse!.bytes).toBeLessThan(fp32!.bytes / 3); // gzip of 90 % zeros
    expect(both!.bytes).toBeLessThan(Math.min(u8!.bytes, sparse!.bytes));
    expect(both!.onFront).toBe(true); // smallest of all, so nothing dominates it
    expect(r.points.map((p) => p.onFront)).toEqual(bruteForce(r.points)); // an independent reference, not the function sweep uses
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    train.dispose();
    test.dispose();
  });
});

describe('sweep validation', () => {
  it('rejects bit widths quantize cannot take (17…31) before doing any work', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { initBackend } = await import('../backend/index.js');
    const { makeDataset } = await import('../data/dataset.js');
    const { sweep } = await import('./sweep.js');
    await initBackend();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: 'softmax' })] });
    const data = makeDataset(tf.ones([2, 4]), tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2) as import('@tensorflow/tfjs').Tensor2D);
    for (const bits of [17, 24, 31, 1, 33])
      await expect(sweep(model, data, { bits: [8, bits] })).rejects.toThrow(`sweep: bits must be integers in [2, 16] or 32, got ${bits}`);
    data.dispose();
    model.dispose();
  });
});
