/**
 * 1-D k-means for weight sharing: TF-MOT's four centroid initializations, then
 * Lloyd's iterations (what Deep Compression runs).
 *
 * Hand-written, on purpose: the npm option for 1-D k-means, simple-statistics'
 * `ckmeans` (optimal, dynamic programming), keeps two k × n matrices — for
 * LeNet-300-100's fc1 (n = 235,200) at k = 256 that is ~120 M numbers — and
 * returns clusters of values, not assignments. In one dimension Lloyd's step is
 * short: sort once, keep prefix sums, and every cluster is a contiguous run
 * between midpoints, so an iteration costs O(k log n).
 */
import { rng } from '../data/random.js';

export type ClusterInit = 'linear' | 'kmeans++' | 'density' | 'random';
export const CLUSTER_INITS: ClusterInit[] = ['linear', 'kmeans++', 'density', 'random'];

function linspace(a: number, b: number, n: number): number[] {
  if (n === 1) return [a];
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/**
 * Inverse CDF on a 30-point grid (TF-MOT's DensityBasedCentroidsInitialisation):
 * the CDF is sampled at 30 points spanning [min − 0.01, max + 0.01], and the
 * centroids are where it crosses k probabilities spaced linearly in [0.01, 1],
 * interpolated linearly between grid points. (TF-MOT's code solves the
 * interpolating line at the segment's end, which returns the grid point; we
 * interpolate at the probability, as its docstring describes.)
 */
function densityInit(sorted: Float64Array, k: number): number[] {
  const n = sorted.length;
  const gap = 0.01;
  const grid = linspace(sorted[0]! - gap, sorted[n - 1]! + gap, 30);
  const cdf = grid.map((x) => upperBound(sorted, x) / n);
  return linspace(0.01, 1, k).map((p) => {
    let i = cdf.findIndex((c) => c > p);
    if (i < 0) i = cdf.length - 1;
    const j = Math.max(0, i - 1);
    const [x1, y1, x2, y2] = [grid[j]!, cdf[j]!, grid[i]!, cdf[i]!];
    return y2 === y1 ? x2 : x1 + ((p - y1) * (x2 - x1)) / (y2 - y1);
  });
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii) with TF-MOT's retries: each new
 * centroid is the best of 2 + ⌊ln k⌋ candidates drawn with probability ∝ D²,
 * judged by the potential it leaves.
 */
function kmeansppInit(values: Float64Array, k: number, random: () => number): number[] {
  const n = values.length;
  const d2 = new Float64Array(n).fill(Infinity);
  const centers = [values[Math.floor(random() * n)]!];
  const update = (c: number, into: Float64Array) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = (values[i]! - c) ** 2;
      into[i] = Math.min(d2[i]!, d);
      total += into[i]!;
    }
    return total;
  };
  update(centers[0]!, d2);
  const tries = 2 + Math.floor(Math.log(k));
  const scratch = new Float64Array(n);
  while (centers.length < k) {
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i]!;
    let best = NaN;
    let bestPotential = Infinity;
    for (let t = 0; t < tries; t++) {
      let r = random() * total;
      let pick = n - 1;
      for (let i = 0; i < n; i++) {
        r -= d2[i]!;
        if (r <= 0) {
          pick = i;
          break;
        }
      }
      const potential = update(values[pick]!, scratch);
      if (potential < bestPotential) {
        bestPotential = potential;
        best = values[pick]!;
      }
    }
    centers.push(best);
    update(best, d2);
  }
  return centers;
}

/** Index of the first sorted value > x. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function initialCentroids(values: Float64Array, sorted: Float64Array, k: number, init: ClusterInit, seed: number): number[] {
  const min = sorted[0]!;
  const max = sorted[sorted.length - 1]!;
  switch (init) {
    case 'linear':
      return linspace(min, max, k);
    case 'random': {
      const random = rng(seed);
      return Array.from({ length: k }, () => min + random() * (max - min));
    }
    case 'density':
      return densityInit(sorted, k);
    case 'kmeans++':
      return kmeansppInit(values, k, rng(seed));
  }
}

/**
 * Lloyd's iterations from `start`: assign each value to its nearest centroid
 * (in 1-D: the run between neighbouring midpoints), move each centroid to its
 * members' mean, until nothing moves. A centroid left without members is moved
 * to the value farthest from its own centroid (as scikit-learn does), so all k
 * are used when there are k distinct values. Returns them ascending.
 */
export function lloyd1d(sorted: Float64Array, start: number[], maxIterations = 300): Float64Array {
  const n = sorted.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!;
  const c = Float64Array.from(start).sort();
  const k = c.length;
  const bounds = new Int32Array(k + 1);
  for (let it = 0; it < maxIterations; it++) {
    bounds[k] = n;
    for (let j = 1; j < k; j++) bounds[j] = upperBound(sorted, (c[j - 1]! + c[j]!) / 2);
    let moved = false;
    for (let j = 0; j < k; j++) {
      const [a, b] = [bounds[j]!, bounds[j + 1]!];
      if (b <= a) {
        const far = farthest(sorted, c, bounds);
        if (far !== null && !c.includes(far)) {
          c[j] = far;
          moved = true;
        }
        continue;
      }
      const mean = (prefix[b]! - prefix[a]!) / (b - a);
      if (mean !== c[j]) {
        c[j] = mean;
        moved = true;
      }
    }
    if (!moved) break;
    c.sort();
  }
  return c;
}

/** The value farthest from its centroid: in 1-D, the first or last of some cluster's run. */
function farthest(sorted: Float64Array, c: Float64Array, bounds: Int32Array): number | null {
  let best: number | null = null;
  let worst = 0;
  for (let j = 0; j < c.length; j++) {
    const [a, b] = [bounds[j]!, bounds[j + 1]!];
    if (b <= a) continue;
    for (const x of [sorted[a]!, sorted[b - 1]!]) {
      const d = (x - c[j]!) ** 2;
      if (d > worst) {
        worst = d;
        best = x;
      }
    }
  }
  return best;
}

/** Index of the nearest centroid (ascending `centroids`); ties go to the lower one. */
export function nearest(centroids: Float64Array | Float32Array, x: number): number {
  let lo = 0;
  let hi = centroids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x > (centroids[mid]! + centroids[mid + 1]!) / 2) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** k-means of `values` from the chosen initialization: codebook (float32, ascending) and each value's index. */
export function kmeans1d(values: Float64Array, k: number, init: ClusterInit, seed: number) {
  const sorted = Float64Array.from(values).sort();
  const centroids = Float32Array.from(lloyd1d(sorted, initialCentroids(values, sorted, k, init, seed)));
  centroids.sort();
  const indices = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) indices[i] = nearest(centroids, values[i]!);
  return { centroids, indices };
}
