import * as tf from '@tensorflow/tfjs';
import { spamArrays } from '@whittle/datasets';
import { describe, expect, it } from 'vitest';
import { spam } from './spam.js';

describe('spam', () => {
  it('gives [n, words] 0/1 tensors of the fixed split, with the words and class names, and leaks nothing', () => {
    const arrays = spamArrays({ words: 300 });
    const before = tf.memory().numTensors;
    const { train, test } = spam({ words: 300, shuffle: false });
    expect(tf.memory().numTensors - before).toBe(4);
    expect(train.x.shape).toEqual([arrays.train.labels.length, 300]);
    expect(test.x.shape).toEqual([arrays.test.labels.length, 300]);
    expect(train.featureNames).toEqual(arrays.featureNames);
    expect(test.classNames).toEqual(['ham', 'spam']);
    // unshuffled, the tensors hold the package's arrays row for row
    const x = train.x.dataSync();
    expect(arrays.train.x.filter((v, i) => v !== x[i]).length).toBe(0);
    expect(Array.from(test.labels)).toEqual(Array.from(arrays.test.labels));
    const classes = test.y.argMax(1);
    expect(Array.from(classes.dataSync())).toEqual(Array.from(test.labels));
    classes.dispose();
    train.dispose();
    test.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a limited subset keeps the ham:spam proportion of each split (±1)', () => {
    const arrays = spamArrays({ words: 50 });
    const { train, test } = spam({ words: 50, limit: 101 });
    for (const [part, full] of [
      [train, arrays.train.labels],
      [test, arrays.test.labels],
    ] as const) {
      const share = full.filter((l) => l === 1).length / full.length;
      expect(part.size).toBe(101);
      expect(Math.abs(part.labels.filter((l) => l === 1).length - 101 * share)).toBeLessThan(1);
    }
    train.dispose();
    test.dispose();
  });

  it('rejects a bad vocabulary size and a limit below one message per class', () => {
    expect(() => spam({ words: 0 })).toThrow(/^spam: words must be an integer in \[1, \d+\], got 0$/);
    expect(() => spam({ limit: 1 })).toThrow('spam: limit must be an integer ≥ 2 (one sample of each class), got 1');
  });
});
