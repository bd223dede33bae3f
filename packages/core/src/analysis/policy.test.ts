import { describe, expect, it } from 'vitest';
import { policyFromSensitivity } from './policy.js';
import type { SensitivityReport } from '@whittle/report';

const pruneReport: SensitivityReport = {
  kind: 'sensitivity',
  version: 1,
  title: 'synthetic',
  technique: 'prune',
  metric: 'accuracy',
  baseline: 0.97,
  levels: [0, 0.5, 0.8, 0.9],
  layers: [
    { name: 'robust', values: [0.97, 0.97, 0.968, 0.966] }, // 0.9 drops 0.4 pp
    { name: 'fragile', values: [0.97, 0.96, 0.9, 0.5] }, // 0.5 already drops 1 pp
    { name: 'noisy', values: [0.97, 0.969, 0.95, 0.97] }, // 0.8 fails, so 0.9 must not be chosen
  ],
};

describe('policyFromSensitivity', () => {
  it('picks the highest sparsity within the budget, contiguous from the mildest level', () => {
    expect(policyFromSensitivity(pruneReport, { maxDrop: 0.005 })).toEqual({ robust: 0.9, noisy: 0.5 });
    expect(policyFromSensitivity(pruneReport, { maxDrop: 0.015 })).toEqual({ robust: 0.9, fragile: 0.5, noisy: 0.5 });
    expect(policyFromSensitivity(pruneReport, { maxDrop: 0 })).toEqual({ robust: 0.5 });
  });

  it('picks the fewest bits for quantization', () => {
    const q: SensitivityReport = {
      ...pruneReport,
      technique: 'quantize',
      levels: [8, 4, 2],
      layers: [
        { name: 'a', values: [0.97, 0.969, 0.6] },
        { name: 'b', values: [0.97, 0.9, 0.5] },
      ],
    };
    expect(policyFromSensitivity(q, { maxDrop: 0.002 })).toEqual({ a: 4, b: 8 });
  });

  it('treats loss as lower-is-better', () => {
    const l: SensitivityReport = { ...pruneReport, metric: 'loss', baseline: 0.1, layers: [{ name: 'a', values: [0.1, 0.11, 0.2, 0.5] }] };
    expect(policyFromSensitivity(l, { maxDrop: 0.02 })).toEqual({ a: 0.5 });
  });

  it('rejects a negative budget', () => {
    expect(() => policyFromSensitivity(pruneReport, { maxDrop: -1 })).toThrow(
      'policyFromSensitivity: maxDrop must be a number ≥ 0, got -1',
    );
  });
});
