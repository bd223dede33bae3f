/**
 * Choosing the per-layer combination from the measurements: a multiple-choice
 * knapsack (one group per layer, one option per choice). With a byte budget it
 * minimizes the summed predicted drop under the bytes left after the fixed
 * part of the file; with only an accuracy budget it minimizes bytes under the
 * summed drop.
 */
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

/** Smallest predicted drop whose predicted bytes ≤ capacity; undefined if nothing fits. */
export function planForBytes(search: Search, capacity: number, fixedBytes: number): Planned | undefined {
  const groups = search.layers.map((l) => l.bytes.map((bytes, c) => ({ cost: bytes, loss: l.drop[c]! })));
  const solved = solveKnapsack(groups, capacity - fixedBytes);
  return solved && summarize(search, solved.choice, fixedBytes);
}

/** Fewest predicted bytes whose summed drop ≤ maxDrop (a drop below zero — noise — counts as zero). */
export function planForDrop(search: Search, maxDrop: number, fixedBytes: number): Planned {
  const groups = search.layers.map((l) => l.drop.map((drop, c) => ({ cost: Math.max(0, drop), loss: l.bytes[c]! })));
  // The float model (drop 0) always fits, so this always has an answer.
  const solved = solveKnapsack(groups, Math.max(0, maxDrop))!;
  return summarize(search, solved.choice, fixedBytes);
}

/** Every layer at its cheapest choice. */
export function smallestPlan(search: Search): number[] {
  return search.layers.map((l) => l.bytes.indexOf(Math.min(...l.bytes)));
}
