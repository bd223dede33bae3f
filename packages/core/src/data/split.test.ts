import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from './dataset.js';
import { splitData } from './split.js';

beforeAll(() => initBackend());

describe('splitData: a seeded, stratified train/test split', () => {
  it('holds out round(0.2·n) samples, every class in proportion, disjoint, covering all, and the same for the same seed', () => {
    const tensors = tf.memory().numTensors;
    // 3 classes of 10, 5 and 5 samples; x holds the sample's index so rows can be traced
    const labels = [...Array(10).fill(0), ...Array(5).fill(1), ...Array(5).fill(2)];
    const data = makeDataset(
      tf.tensor2d(labels.map((_, i) => [i])),
      tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D),
    );
    const { train, test } = splitData(data, { seed: 3 });
    expect([train.size, test.size]).toEqual([16, 4]);
    const rows = (d: typeof train) => Array.from(d.x.dataSync());
    expect([...rows(train), ...rows(test)].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i)); // disjoint, complete
    // test: 4 of 20 → class 0 gets 2, classes 1 and 2 one each (largest remainder: 2, 1, 1)
    expect(Array.from(test.labels).sort()).toEqual([0, 0, 1, 2]);
    for (const d of [train, test]) for (const [i, r] of rows(d).entries()) expect(d.labels[i]).toBe(labels[r]!); // x, y and labels stay together
    const again = splitData(data, { seed: 3 });
    expect(rows(again.test)).toEqual(rows(test));
    const other = splitData(data, { seed: 4 });
    expect(rows(other.test)).not.toEqual(rows(test));
    expect(() => splitData(data, { testFraction: 1 })).toThrow('splitData: testFraction must be in [0, 1), got 1');
    const two = makeDataset(
      tf.zeros([2, 1]),
      tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2).toFloat() as tf.Tensor2D),
    );
    expect(() => splitData(two)).toThrow('splitData: 2 samples are too few for a 20 % test split (need ≥ 1 sample on each side)');
    for (const d of [train, test, again.train, again.test, other.train, other.test, data, two]) d.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
