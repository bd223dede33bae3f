import { describe, expect, it } from 'vitest';
import { planForBytes } from './planner.js';
import type { Search } from './search.js';

/** A search over two layers with choices fp32 / 8-bit / 4-bit, bytes 400 / 100 / 50 each, drops as given. */
function search(drops: number[][], calibrationSamples = 1000): Search {
  return {
    choices: [
      { sparsity: 0, bits: 32 },
      { sparsity: 0, bits: 8 },
      { sparsity: 0, bits: 4 },
    ],
    layers: drops.map((drop, i) => ({ name: `l${i}`, shape: [10, 10], params: 100, bytes: [400, 100, 50], drop })),
    calibrationAccuracy: 0.9,
    calibrationSamples,
    uniformAccuracy: [],
    points: 0,
    seconds: 0,
    workers: 0,
    crashes: [],
  };
}

describe('planForBytes', () => {
  it('spends the budget when measured drops tie within calibration noise: 8-bit over 4-bit when both read 0', () => {
    // capacity 300: fp32 (400) never fits; 8-bit + 8-bit = 200 fits and keeps more of each layer than 4-bit
    const plan = planForBytes(
      search([
        [0, 0, 0],
        [0, 0, 0],
      ]),
      300,
      0,
    )!;
    expect(plan.layers.map((l) => l.choice)).toEqual([1, 1]);
    expect(plan.predictedBytes).toBe(200);
    // 160 B: only one layer can stay at 8-bit (a plan that fits to the byte can be missed: costs round up to buckets)
    expect(
      planForBytes(
        search([
          [0, 0, 0],
          [0, 0, 0],
        ]),
        160,
        0,
      )!.predictedBytes,
    ).toBe(150);
  });

  it('a drop above the noise still decides: the layer that measurably suffers gets the bytes', () => {
    // layer 1 loses 1 pp at 4-bit (10 samples of 1000 ≫ the 0.5-sample noise term); 160 B allows one 8-bit layer
    const plan = planForBytes(
      search([
        [0, 0, 0],
        [0, 0, 0.01],
      ]),
      160,
      0,
    )!;
    expect(plan.layers.map((l) => l.choice)).toEqual([2, 1]);
    expect(plan.predictedDrop).toBe(0);
  });
});
