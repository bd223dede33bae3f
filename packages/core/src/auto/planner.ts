/**
 * Choosing the per-layer combination from the measurements: a multiple-choice
 * knapsack (one group per layer, one option per choice). With a byte budget it
 * minimizes the summed predicted drop under the bytes left after the fixed
 * part of the file; with only an accuracy budget it minimizes bytes under the
 * summed drop.
 */
import { isFloat } from './choices.js';
import { solveKnapsack } from './knapsack.js';
import type { Search } from './search.js';

export interface PlannedLayer {
  name: string;
  choice: number;
}

export interface Planned {
  layers: PlannedLayer[];
  /** Fixed part + Σ encoded kernels. */
  predictedBytes: number;
  /** Σ per-layer calibration drops. */
  predictedDrop: number;
}

function summarize(search: Search, choice: number[], fixedBytes: number): Planned {
  return {
    layers: search.layers.map((l, i) => ({ name: l.name, choice: choice[i]! })),
    predictedBytes: fixedBytes + search.layers.reduce((s, l, i) => s + l.bytes[choice[i]!]!, 0),
    predictedDrop: search.layers.reduce((s, l, i) => s + l.drop[choice[i]!]!, 0),
  };
}

/**
 * Smallest predicted drop whose predicted bytes ≤ capacity; undefined if nothing fits.
 *
 * A drop measured on n samples is known only to about one sample, so within that noise the plan keeps as much of each
 * layer as the budget allows: a choice also costs (0.5/n) × the share of the layer's largest encoding it gives up.
 * Without this every layer whose drop reads 0 is compressed as hard as possible and the rest of the budget goes
 * unspent (LeNet-5 at 1/8 used 22.7 of 28.7 kB and lost to a uniform setting by 0.15 pp after fine-tuning).
 */
export function planForBytes(search: Search, capacity: number, fixedBytes: number): Planned | undefined {
  const noise = 0.5 / search.calibrationSamples;
  const groups = search.layers.map((l) => {
    const largest = Math.max(...l.bytes.filter(Number.isFinite));
    return l.bytes.map((bytes, c) => ({ cost: bytes, loss: l.drop[c]! + noise * (1 - bytes / largest) }));
  });
  const solved = solveKnapsack(groups, capacity - fixedBytes);
  return solved && summarize(search, solved.choice, fixedBytes);
}

/**
 * Fewest predicted bytes whose summed drop ≤ maxDrop. A drop measured on n samples is only known to within about one
 * sample, so every choice that changes a layer costs at least 0.5/n (a drop below zero — noise — counts as that floor):
 * otherwise every layer whose drop reads 0 would be compressed as hard as possible, and tightening could never help.
 */
export function planForDrop(search: Search, maxDrop: number, fixedBytes: number): Planned {
  const floor = 0.5 / search.calibrationSamples;
  const isNoop = (c: number) => search.choices[c]!.sparsity === 0 && isFloat(search.choices[c]!);
  const groups = search.layers.map((l) => l.drop.map((drop, c) => ({ cost: isNoop(c) ? 0 : Math.max(floor, drop), loss: l.bytes[c]! })));
  // The float model (drop 0) always fits, so this always has an answer.
  const solved = solveKnapsack(groups, Math.max(0, maxDrop))!;
  return summarize(search, solved.choice, fixedBytes);
}

/** Every layer at its cheapest choice. */
export function smallestPlan(search: Search): number[] {
  return search.layers.map((l) => l.bytes.indexOf(Math.min(...l.bytes)));
}
