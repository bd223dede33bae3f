import type { ParetoReport } from '@whittle/report';

export interface ParetoInput {
  label: string;
  bytes: number;
  accuracy: number;
  config?: ParetoReport['points'][number]['config'];
}

/**
 * Marks the non-dominated points: no other point is at least as small and at
 * least as accurate, and strictly better in one of the two. Sorting by bytes
 * then sweeping keeps this O(n log n).
 */
export function paretoFront(points: ParetoInput[]): ParetoReport['points'] {
  const order = points.map((_, i) => i).sort((i, j) => points[i]!.bytes - points[j]!.bytes || points[j]!.accuracy - points[i]!.accuracy);
  const onFront = new Array<boolean>(points.length).fill(false);
  let best = -Infinity;
  for (const i of order) {
    if (points[i]!.accuracy > best) {
      onFront[i] = true;
      best = points[i]!.accuracy;
    }
  }
  // Exact duplicates of a front point are on the front too (neither dominates the other).
  for (const i of order) {
    if (!onFront[i] && points.some((q, j) => onFront[j] && q.bytes === points[i]!.bytes && q.accuracy === points[i]!.accuracy))
      onFront[i] = true;
  }
  return points.map((p, i) => ({ ...p, onFront: onFront[i]! }));
}

export function paretoReport(title: string, points: ParetoInput[]): ParetoReport {
  return { kind: 'pareto', version: 1, title, points: paretoFront(points) };
}
