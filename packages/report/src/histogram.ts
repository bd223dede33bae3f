import type { Histogram } from './base.js';

/** Histogram of `values` over `bins` equal-width bins spanning [lo, hi] (default: their range). */
export function histogram(values: ArrayLike<number>, bins = 60, range?: [number, number]): Histogram {
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { binEdges: [0, 1], counts: [0] };
  if (hi === lo) hi = lo + 1e-12;
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((values[i]! - lo) / width)));
    counts[b]!++;
  }
  // six significant digits keep notebooks small and are far below any plot's resolution
  return { binEdges: Array.from({ length: bins + 1 }, (_, i) => Number((lo + i * width).toPrecision(6))), counts };
}
