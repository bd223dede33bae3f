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
