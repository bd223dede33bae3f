/**
 * Multiple-choice knapsack: pick exactly one option per group so that the
 * summed cost stays within `capacity` and the summed loss is smallest. This is
 * the core of the budget planner (one group per layer, one option per
 * technique × level), hand-written because no npm library solves the
 * multiple-choice variant.
 *
 * Solved exactly by dynamic programming over costs discretized to `resolution`
 * buckets. Costs are rounded *up* to whole buckets, so a returned choice never
 * exceeds the capacity; it may miss a plan that only fits by less than one
 * bucket per group (capacity / resolution bytes each).
 */
import { fail } from '../errors.js';

export interface KnapsackOption {
  /** Cost (bytes) of this option. */
  cost: number;
  /** Predicted loss (e.g. accuracy drop) of this option; smaller is better. */
  loss: number;
}

export interface KnapsackResult {
  /** Index of the chosen option in each group. */
  choice: number[];
  cost: number;
  loss: number;
}

/** The cheapest possible total: every group at its cheapest option. */
export function minimumCost(groups: KnapsackOption[][]): number {
  return groups.reduce((s, g) => s + Math.min(...g.map((o) => o.cost)), 0);
}

/** Exact DP; undefined when even the cheapest choice exceeds `capacity`. */
export function solveKnapsack(groups: KnapsackOption[][], capacity: number, resolution = 2000): KnapsackResult | undefined {
  if (groups.some((g) => g.length === 0)) fail('solveKnapsack', 'every group needs at least one option');
  if (!(capacity >= 0)) fail('solveKnapsack', `capacity must be ≥ 0, got ${capacity}`);
  if (minimumCost(groups) > capacity) return undefined;
  const unit = capacity > 0 ? capacity / resolution : 1;
  const slots = capacity > 0 ? resolution : 0;
  // Bucketed costs, rounded up (a tiny epsilon keeps exact multiples exact).
  const bucket = groups.map((g) => g.map((o) => Math.max(0, Math.ceil(o.cost / unit - 1e-9))));
  // best[c] = smallest loss using the groups so far with bucketed cost exactly c.
  let best = new Float64Array(slots + 1).fill(Infinity);
  best[0] = 0;
  const picks: Int32Array[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    const next = new Float64Array(slots + 1).fill(Infinity);
    const pick = new Int32Array(slots + 1).fill(-1);
    const g = groups[gi]!;
    for (let c = 0; c <= slots; c++) {
      if (best[c] === Infinity) continue;
      for (let oi = 0; oi < g.length; oi++) {
        const c2 = c + bucket[gi]![oi]!;
        if (c2 > slots) continue;
        const l = best[c]! + g[oi]!.loss;
        // Ties: prefer the lower-cost option (earlier index when equal).
        if (l < next[c2]! - 1e-15) {
          next[c2] = l;
          pick[c2] = oi;
        }
      }
    }
    picks.push(pick);
    best = next;
  }
  let end = -1;
  for (let c = 0; c <= slots; c++) if (best[c]! < Infinity && (end < 0 || best[c]! < best[end]! - 1e-15)) end = c;
  if (end < 0) return undefined; // only reachable through rounding: every plan fits by less than a bucket
  const choice = new Array<number>(groups.length);
  for (let gi = groups.length - 1; gi >= 0; gi--) {
    const oi = picks[gi]![end]!;
    choice[gi] = oi;
    end -= bucket[gi]![oi]!;
  }
  const cost = choice.reduce((s, oi, gi) => s + groups[gi]![oi]!.cost, 0);
  const loss = choice.reduce((s, oi, gi) => s + groups[gi]![oi]!.loss, 0);
  return { choice, cost, loss };
}
