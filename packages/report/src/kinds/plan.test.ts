import { describe, expect, it } from 'vitest';
import { figures, reportTable, validateReport, type PlanReport } from '../index.js';

const hostile = '<img src=x onerror=alert(1)>';

const report: PlanReport = {
  kind: 'plan',
  version: 1,
  title: `Compression plan for ${hostile}`,
  model: hostile,
  size: 'gzip',
  techniques: ['prune', 'quantize'],
  budget: { bytes: 20_000 },
  original: { bytes: 229_393, accuracy: 0.9741, latencyMs: 0.5 },
  layers: [
    { name: hostile, params: 150, sparsity: 0, bits: 4, bytes: 122, predictedDrop: 0 },
    { name: 'fc1', params: 48_000, sparsity: 0.9, bits: 32, bytes: 6279, predictedDrop: 0.045 },
  ],
  rounds: [
    {
      round: 1,
      capacityBytes: 20_000,
      predictedBytes: 20_500,
      predictedAccuracy: 0.93,
      accuracyBeforeFineTune: 0.9371,
      bytes: 20_655,
      accuracy: 0.9701,
      latencyMs: 0.4,
      met: false,
      missed: ['20655 B > 20000 B'],
    },
    {
      round: 2,
      capacityBytes: 19_245,
      predictedBytes: 19_000,
      predictedAccuracy: 0.92,
      accuracyBeforeFineTune: 0.9,
      bytes: 19_800,
      accuracy: 0.965,
      latencyMs: 0.4,
      learningRate: 3e-4,
      validation: {
        samples: 800,
        rates: [
          { learningRate: 1e-3, accuracy: 0.97875, loss: 0.08 },
          { learningRate: 3e-4, accuracy: 0.99, loss: 0.05 },
        ],
      },
      met: true,
      missed: [],
    },
  ],
  chosenRound: 2,
  baselines: [
    { label: 'every layer 4-bit', bytes: 30_000, accuracy: 0.97 },
    { label: 'every layer 90% sparse, 2-bit', bytes: 9000, accuracy: 0.5 },
  ],
  search: { points: 248, seconds: 30.5, workers: 2, calibrationSamples: 1000, crashes: [{ worker: 0, error: hostile, tasks: 4 }] },
  epochs: 2,
};

describe('plan report', () => {
  it('validates; the table lists each layer with its technique and level, and every round against the budget', () => {
    expect(validateReport(report).ok).toBe(true);
    const t = reportTable(report);
    expect(t.columns).toEqual(['layer', 'params', 'technique and level', 'gzip bytes', 'predicted drop']);
    expect(t.rows).toEqual([
      [hostile, '150', '4-bit', '122', '0 pp'],
      ['fc1', '48,000', '90% sparse, fp32', '6,279', '4.5 pp'],
    ]);
    expect(t.notes[0]).toBe('budget: ≤ 20,000 B; original 229,393 B, 97.41%, 0.5 ms');
    expect(t.notes[1]).toContain('missed: 20655 B > 20000 B');
    expect(t.notes[2]).toContain('measured 19,800 B, 90.00% before / 96.50% after 2 fine-tuning epochs');
    expect(t.notes[2]).toContain('after 2 fine-tuning epochs at Adam 0.0003 (of 0.001 97.88%, 0.0003 99.00% on 800 validation samples)');
    expect(t.notes[1]).not.toContain('Adam');
    expect(t.notes[2]).toContain('budget met');
    expect(t.notes[3]).toBe('chosen: round 2');
    expect(t.notes[4]).toContain('2 threads; 1 worker crash(es) re-run');
  });

  it('plots uniform baselines, predicted, applied and fine-tuned plans and the budget line on one size axis; strings escaped once', () => {
    const [pareto, layers] = figures(report);
    expect(pareto!.data.map((d) => d.name)).toEqual([
      'uniform (no fine-tuning)',
      'plan, predicted',
      'plan, before fine-tuning',
      'plan, after 2 epochs',
      'original',
      'byte budget',
    ]);
    expect(pareto!.data[0]!.x).toEqual([30_000, 9000]);
    expect(pareto!.data[0]!.y).toEqual([97, 50]);
    expect(pareto!.data[3]!.x).toEqual([20_655, 19_800]);
    expect(pareto!.data[3]!.y).toEqual([97.01, 96.5]);
    expect(pareto!.data[5]!.x).toEqual([20_000, 20_000]);
    expect(pareto!.title).toBe('Compression plan for &lt;img src=x onerror=alert(1)&gt;: size vs accuracy');
    expect(layers!.data[0]!.x).toEqual(['&lt;img src=x onerror=alert(1)&gt;', 'fc1']);
    expect(layers!.data[0]!.y).toEqual([4, 32]);
    expect(layers!.data[1]!.y).toEqual([0, 90]);
  });

  it('a clustered layer reads as k clusters in the table and log2 k bits in the per-layer figure', () => {
    const clustered = { ...report, layers: [{ ...report.layers[1]!, clusters: 16 }] };
    expect(validateReport(clustered).ok).toBe(true);
    expect(reportTable(clustered).rows[0]![2]).toBe('90% sparse, 16 clusters');
    expect(figures(clustered)[1]!.data[0]!.y).toEqual([4]);
  });

  it("a factorized layer reads as its rank and the factors' bits in the table", () => {
    const factorized = { ...report, layers: [{ ...report.layers[0]!, sparsity: 0, rank: 16 }] };
    expect(validateReport(factorized).ok).toBe(true);
    expect(reportTable(factorized).rows[0]![2]).toBe('rank 16, 4-bit');
    expect(validateReport({ ...report, layers: [{ ...report.layers[0]!, rank: 1.5 }] }).ok).toBe(false);
  });

  it('rejects a report whose sparsity is outside [0, 1]', () => {
    expect(validateReport({ ...report, layers: [{ ...report.layers[0]!, sparsity: 1.5 }] }).ok).toBe(false);
  });
});
