import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from '../data/dataset.js';
import { permutation, rng } from '../data/random.js';
import { recalibrateBatchNorm } from './batchnorm.js';

beforeAll(() => initBackend());

describe('recalibrateBatchNorm', () => {
  it('sets moving mean/variance to the plain average of per-batch statistics', () => {
    const next = rng(4);
    const n = 256;
    const channels = 3;
    const values = Float32Array.from({ length: n * channels }, (_, i) => next() * (1 + (i % channels)) + (i % channels));
    const model = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [channels] })] });
    const data = makeDataset(tf.tensor2d(values, [n, channels]), tf.zeros([n, 1]) as tf.Tensor2D);
    recalibrateBatchNorm(model, data, { batches: 4, batchSize: 64, seed: 9 });
    // reference: the 4 batches cover all 256 rows once, so the mean of batch means is the data mean,
    // and the moving variance is the mean of the 4 per-batch (biased) variances
    const [, , movingMean, movingVar] = model.layers[0]!.getWeights().map((w) => Array.from(w.dataSync()));
    for (let c = 0; c < channels; c++) {
      const col = Array.from({ length: n }, (_, r) => values[r * channels + c]!);
      const mean = col.reduce((a, b) => a + b, 0) / n;
      expect(movingMean![c]).toBeCloseTo(mean, 4);
      const order = permutation(n, 9);
      let varSum = 0;
      for (let b = 0; b < 4; b++) {
        const batch = Array.from(order.subarray(b * 64, (b + 1) * 64), (r) => col[r]!);
        const m = batch.reduce((x, y) => x + y, 0) / 64;
        varSum += batch.reduce((x, y) => x + (y - m) ** 2, 0) / 64;
      }
      expect(movingVar![c]).toBeCloseTo(varSum / 4, 4);
    }
    // momentum is restored
    expect((model.layers[0] as unknown as { momentum: number }).momentum).toBe(0.99);
    data.dispose();
  });
});
