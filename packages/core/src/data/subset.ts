/**
 * Subsets that keep every class. The bundled splits are ordered by class, so
 * "the first n samples" of one is a few classes only; a stratified subset keeps
 * each class in proportion to its share of the split.
 */

/**
 * `limit` rows of a split, each class in proportion to its share of the split
 * (largest-remainder rounding: within ±1 of limit·n_c/n; a class that would
 * round to zero still gets one row, taken from the largest class). Each class's
 * rows are taken in `order` (a permutation of the rows), and returned in it.
 */
export function stratifiedRows(labels: Int32Array, limit: number, order: ArrayLike<number>): Int32Array {
  const n = labels.length;
  if (limit >= n) return Int32Array.from(order);
  const counts = new Array<number>(labels.reduce((m, l) => Math.max(m, l), 0) + 1).fill(0);
  for (const l of labels) counts[l]!++;
  const exact = counts.map((c) => (limit * c) / n);
  const quota = exact.map(Math.floor);
  const left = limit - quota.reduce((s, q) => s + q, 0);
  const byRemainder = quota.map((_, c) => c).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b);
  for (let k = 0; k < left; k++) quota[byRemainder[k]!]!++;
  for (let c = 0; c < counts.length; c++) {
    if (counts[c]! > 0 && quota[c] === 0) {
      quota[quota.indexOf(Math.max(...quota))]!--;
      quota[c] = 1;
    }
  }
  const rows = new Int32Array(limit);
  let k = 0;
  for (let i = 0; i < order.length && k < limit; i++) {
    const row = order[i]!;
    const c = labels[row]!;
    if (quota[c]! > 0) {
      quota[c]!--;
      rows[k++] = row;
    }
  }
  return rows;
}
