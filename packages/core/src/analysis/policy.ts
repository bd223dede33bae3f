import { fail } from '../errors.js';
import type { SensitivityReport } from '@whittle/report';
import { checkOptions, optionKeys } from '../options.js';

export interface PolicyOptions {
  /** Largest acceptable drop of the metric from the baseline (accuracy: a fraction, e.g. 0.005 = 0.5 pp). */
  maxDrop: number;
}
const POLICY_KEYS = optionKeys<PolicyOptions>({ maxDrop: true });

/**
 * The most aggressive level per layer whose metric stays within `maxDrop` of the
 * baseline — and so does every milder level (a noisy curve that dips and
 * recovers doesn't earn the later level). Pruning: the highest sparsity;
 * quantization: the fewest bits. Layers where no level qualifies are left out
 * (untouched). The result plugs into prune's per-layer `sparsity` map or
 * quantize's `perLayer` bits.
 */
export function policyFromSensitivity(report: SensitivityReport, options: PolicyOptions): Record<string, number> {
  checkOptions('policyFromSensitivity', options, POLICY_KEYS);
  const { maxDrop } = options;
  if (typeof maxDrop !== 'number' || !Number.isFinite(maxDrop) || maxDrop < 0)
    fail('policyFromSensitivity', `maxDrop must be a number ≥ 0, got ${String(maxDrop)}`);
  const higherIsBetter = report.metric !== 'loss';
  const withinBudget = (v: number) => (higherIsBetter ? report.baseline - v : v - report.baseline) <= maxDrop + 1e-12;
  // Mildest level first: low sparsity, or many bits.
  const order = report.levels
    .map((_, i) => i)
    .sort((i, j) => (report.technique === 'prune' ? report.levels[i]! - report.levels[j]! : report.levels[j]! - report.levels[i]!));
  const policy: Record<string, number> = {};
  for (const layer of report.layers) {
    let chosen: number | undefined;
    for (const i of order) {
      if (!withinBudget(layer.values[i]!)) break;
      chosen = report.levels[i];
    }
    if (chosen !== undefined && !(report.technique === 'prune' && chosen === 0)) policy[layer.name] = chosen;
  }
  return policy;
}
