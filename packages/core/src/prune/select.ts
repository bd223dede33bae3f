/**
 * The k-th smallest value without sorting everything. Global pruning picks one
 * threshold across all chosen weights — 25 M of them in the benchmark — and a
 * full sort would be O(n log n) with a large constant; quickselect is O(n).
 * Written here because no well-kept npm package does this on typed arrays in place.
 */
export function kthSmallest(values: Float32Array, k: number): number {
  if (k < 0 || k >= values.length) throw new RangeError(`kthSmallest: k=${k} outside [0, ${values.length})`);
  const a = Float32Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // median of three as pivot keeps sorted inputs linear
    const mid = (lo + hi) >>> 1;
    const pivot = Math.max(Math.min(a[lo]!, a[mid]!), Math.min(Math.max(a[lo]!, a[mid]!), a[hi]!));
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * A keep-mask (1 = keep) that removes exactly `count` entries with the lowest
 * scores: everything below the count-th smallest score, then just enough of the
 * entries equal to it, in index order. Returns the mask and that threshold.
 */
export function lowestMask(scores: Float32Array, count: number): { mask: Uint8Array; threshold: number | null } {
  const mask = new Uint8Array(scores.length).fill(1);
  if (count <= 0) return { mask, threshold: null };
  if (count >= scores.length) return { mask: mask.fill(0), threshold: Infinity };
  const threshold = kthSmallest(scores, count - 1);
  let removed = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! < threshold) {
      mask[i] = 0;
      removed++;
    }
  }
  for (let i = 0; i < scores.length && removed < count; i++) {
    if (scores[i] === threshold) {
      mask[i] = 0;
      removed++;
    }
  }
  return { mask, threshold };
}
