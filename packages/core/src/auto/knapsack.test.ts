import { describe, expect, it } from 'vitest';
import { minimumCost, solveKnapsack, type KnapsackOption } from './knapsack.js';

/** Reference: try every combination. */
function bruteForce(groups: KnapsackOption[][], capacity: number) {
  let best: { loss: number; cost: number } | undefined;
  const walk = (gi: number, cost: number, loss: number) => {
    if (cost > capacity) return;
    if (gi === groups.length) {
      if (!best || loss < best.loss) best = { loss, cost };
      return;
    }
    for (const o of groups[gi]!) walk(gi + 1, cost + o.cost, loss + o.loss);
  };
  walk(0, 0, 0);
  return best;
}

/** Small seeded generator (mulberry32) so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('solveKnapsack', () => {
  it('solves a worked example by hand', () => {
    // Two layers; capacity 10. Options (cost, loss):
    // A: (8, 0), (4, 1), (2, 5); B: (6, 0), (3, 2), (1, 4).
    // Best within 10: A(4,1)+B(6,0) = 10, loss 1.
    const groups = [
      [
        { cost: 8, loss: 0 },
        { cost: 4, loss: 1 },
        { cost: 2, loss: 5 },
      ],
      [
        { cost: 6, loss: 0 },
        { cost: 3, loss: 2 },
        { cost: 1, loss: 4 },
      ],
    ];
    expect(solveKnapsack(groups, 10)).toEqual({ choice: [1, 0], cost: 10, loss: 1 });
    expect(minimumCost(groups)).toBe(3);
    expect(solveKnapsack(groups, 2.9)).toBeUndefined();
  });

  it('matches brute force on 300 small random instances (integer costs: exact)', () => {
    const r = rng(7);
    for (let t = 0; t < 300; t++) {
      const groups = Array.from({ length: 1 + Math.floor(r() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(r() * 4) }, () => ({ cost: 1 + Math.floor(r() * 20), loss: Math.round(r() * 1000) / 100 })),
      );
      const capacity = Math.floor(minimumCost(groups) + r() * 40);
      const expected = bruteForce(groups, capacity)!;
      // resolution = capacity: one bucket per unit cost, so the DP is exact.
      const got = solveKnapsack(groups, capacity, capacity)!;
      expect(got.loss).toBeCloseTo(expected.loss, 9);
      expect(got.cost).toBeLessThanOrEqual(capacity);
      expect(got.choice.reduce((s, oi, gi) => s + groups[gi]![oi]!.loss, 0)).toBeCloseTo(got.loss, 9);
    }
  });

  it('with real-valued costs never exceeds the capacity and is within one bucket per group of the optimum', () => {
    const r = rng(11);
    for (let t = 0; t < 200; t++) {
      const groups = Array.from({ length: 2 + Math.floor(r() * 3) }, () =>
        Array.from({ length: 2 + Math.floor(r() * 3) }, () => ({ cost: r() * 1000, loss: r() })),
      );
      const capacity = minimumCost(groups) + r() * 1500;
      const resolution = 500;
      const got = solveKnapsack(groups, capacity, resolution);
      const expected = bruteForce(groups, capacity)!;
      if (!got) {
        // Possible only when every feasible plan fits by less than the rounding slack.
        expect(minimumCost(groups)).toBeGreaterThan(capacity - (groups.length * capacity) / resolution);
        continue;
      }
      expect(got.cost).toBeLessThanOrEqual(capacity);
      expect(got.loss).toBeGreaterThanOrEqual(expected.loss - 1e-12);
      // The optimum with a capacity shrunk by the rounding slack is no better than what the DP found.
      const shrunk = bruteForce(groups, capacity - (groups.length * capacity) / resolution);
      if (shrunk) expect(got.loss).toBeLessThanOrEqual(shrunk.loss + 1e-12);
    }
  });

  it('rejects an empty group', () => {
    expect(() => solveKnapsack([[]], 10)).toThrow(/every group needs at least one option/);
  });
});
