import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { lenet5 } from '../models/reference.js';
import { evaluate } from './evaluate.js';
import { fakeQuantizePerChannel, magnitudePrune } from './perturb.js';
import { sensitivity } from './sensitivity.js';
import { validateReport } from '@whittle/report';

beforeAll(() => initBackend());

/**
 * Two one-hot inputs; 'a' scales them by diag(1, 3); 'b' swaps them (×5), so
 * e1 → class 1 and e2 → class 0. Pruning either layer to 75 % removes one
 * path: e1's output becomes all zeros, argmax picks class 0, and accuracy
 * falls to exactly 1/2. At 50 % only the zeros go, so nothing changes.
 */
function handBuilt() {
  const model = tf.sequential({
    name: 'hand-built',
    layers: [
      tf.layers.dense({ name: 'a', inputShape: [2], units: 2, useBias: false }),
      tf.layers.dense({ name: 'b', units: 2, useBias: false, activation: 'softmax' }),
    ],
  });
  model.getLayer('a').setWeights([
    tf.tensor2d([
      [1, 0],
      [0, 3],
    ]),
  ]);
  model.getLayer('b').setWeights([
    tf.tensor2d([
      [0, 5],
      [5, 0],
    ]),
  ]);
  const data = makeDataset(
    tf.tensor2d([
      [1, 0],
      [0, 1],
    ]),
    tf.tensor2d([
      [0, 1],
      [1, 0],
    ]),
  );
  return { model, data };
}

describe('sensitivity', () => {
  it('matches the hand-worked curves of a two-layer model', async () => {
    const { model, data } = handBuilt();
    const r = await sensitivity(model, data, { technique: 'prune', levels: [0, 0.5, 0.75] });
    expect(r.baseline).toBe(1);
    expect(r.layers).toEqual([
      { name: 'a', values: [1, 1, 0.5] },
      { name: 'b', values: [1, 1, 0.5] },
    ]);
    expect(validateReport(r).ok).toBe(true);
  });

  it('level 0 reproduces the baseline exactly, leaves the model unchanged and leaks nothing', async () => {
    const model = lenet5({ pretrained: true });
    const { train, test } = mnist({ layout: 'image' });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    const r = await sensitivity(model, test, { technique: 'prune', levels: [0, 0.5, 0.95], samples: 300 });
    expect(tf.memory().numTensors).toBe(tensors);
    for (const layer of r.layers) expect(layer.values[0]).toBe(r.baseline);
    expect(r.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    // pruning conv1 to 95 % (8 of its 150 weights left) must hurt more than fc1 to 95 %
    const at95 = (name: string) => r.layers.find((l) => l.name === name)!.values[2]!;
    expect(at95('conv1')).toBeLessThan(at95('fc1'));
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(evaluate(model, test).accuracy).toBeGreaterThan(0.96);
    train.dispose();
    test.dispose();
  });

  it('quantize: 8 bits stays at the baseline for every layer; 1 bit hurts somewhere', async () => {
    const model = lenet5({ pretrained: true });
    const { train, test } = mnist({ layout: 'image' });
    const r = await sensitivity(model, test, { technique: 'quantize', levels: [8, 1], samples: 400 });
    for (const layer of r.layers) expect(Math.abs(layer.values[0]! - r.baseline), layer.name).toBeLessThanOrEqual(0.005);
    expect(Math.min(...r.layers.map((l) => l.values[1]!))).toBeLessThan(r.baseline - 0.01);
    train.dispose();
    test.dispose();
  });

  it('a progress callback that throws stops the sweep and leaves the model as it was', async () => {
    const { model, data } = handBuilt();
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    let calls = 0;
    await expect(
      sensitivity(model, data, {
        technique: 'prune',
        onProgress: () => {
          if (++calls === 3) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('rejects bad levels and unknown layers with one-line errors', async () => {
    const { model, data } = handBuilt();
    await expect(sensitivity(model, data, { technique: 'prune', levels: [1.2] })).rejects.toThrow(
      'sensitivity: prune level (sparsity) must be in [0, 1), got 1.2',
    );
    await expect(sensitivity(model, data, { technique: 'quantize', levels: [0] })).rejects.toThrow(
      'sensitivity: quantize level (bits) must be an integer in [1, 16], got 0',
    );
    await expect(sensitivity(model, data, { technique: 'prune', layers: ['dense_9'] })).rejects.toThrow(
      "sensitivity: layer 'dense_9' has no prunable kernel; choose from a, b",
    );
  });
});

describe('perturbations (worked examples)', () => {
  it('magnitudePrune zeroes exactly round(s·n) smallest magnitudes', () => {
    expect(Array.from(magnitudePrune(Float32Array.from([0.3, -0.1, 0.2, -0.4]), 0.5))).toEqual([Math.fround(0.3), 0, 0, Math.fround(-0.4)]);
    expect(Array.from(magnitudePrune(Float32Array.from([1, 2, 3]), 0.4))).toEqual([0, 2, 3]); // round(1.2) = 1
  });

  it('fakeQuantizePerChannel at 3 bits: scale = max|w|/3 per output channel', () => {
    // shape [2, 2]: channel 0 = [0.5, 0.3] (scale 1/6; 0.3·6 = 1.8 → 2), channel 1 = [-1.2, 2] (scale 2/3)
    const out = fakeQuantizePerChannel(Float32Array.from([0.5, -1.2, 0.3, 2]), [2, 2], 3);
    const expected = [3 / 6, -2 * (2 / 3), 2 / 6, 3 * (2 / 3)];
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });
});
