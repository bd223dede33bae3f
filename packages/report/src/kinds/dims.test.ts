import { describe, expect, it } from 'vitest';
import { figures, reportTable, validateReport, type Report } from '../index.js';

const hostile = '<img src=x onerror=alert(1)>';

const lowrank: Report = {
  kind: 'lowrank',
  version: 1,
  title: 'svd factorization of m',
  model: 'm',
  method: 'svd',
  budget: 'energy 0.7',
  layers: [
    {
      name: hostile,
      type: 'Dense',
      shape: [3, 2],
      spectrum: [5, 3],
      cumulativeEnergy: [25 / 34, 1],
      rank: 1,
      maxRank: 2,
      factorized: true,
      reason: null,
      paramsBefore: 8,
      paramsAfter: 7,
      macsBefore: 6,
      macsAfter: 5,
    },
    {
      name: 'd2',
      type: 'Dense',
      shape: [4, 3],
      spectrum: [2, 1, 1],
      cumulativeEnergy: [4 / 6, 5 / 6, 1],
      rank: 2,
      maxRank: 3,
      factorized: false,
      reason: "factors would hold 17 params, not fewer than the layer's 15",
      paramsBefore: 15,
      paramsAfter: 15,
      macsBefore: 12,
      macsAfter: 12,
    },
  ],
  totals: { paramsBefore: 23, paramsAfter: 22, macsBefore: 18, macsAfter: 17 },
};

const features: Report = {
  kind: 'features',
  version: 1,
  title: 'saliency input pruning of spam-mlp',
  model: 'spam-mlp',
  method: 'saliency',
  criterion: 'mean |∂loss/∂x|',
  featuresBefore: 4,
  featuresAfter: 2,
  paramsBefore: 50,
  paramsAfter: 30,
  kept: [0, 3],
  mask: null,
  top: [
    { index: 3, name: hostile, score: 0.5 },
    { index: 0, name: null, score: 0.25 },
  ],
  rounds: [
    { round: 0, features: 4, accuracy: 0.9, loss: 0.3 },
    { round: 1, features: 2, accuracy: 0.85, loss: 0.4 },
  ],
  evaluatedOn: 'validation data',
};

describe('lowrank and features reports', () => {
  it('lowrank: a table row per layer, a spectrum picker with the rank marked, params bars', () => {
    expect(validateReport(lowrank).ok).toBe(true);
    const table = reportTable(lowrank);
    expect(table.rows[0]).toEqual([hostile, 'Dense', '3×2', '1 / 2', '73.53%', '8 → 7', '6 → 5', 'factorized']);
    expect(table.rows[1]![7]).toBe("factors would hold 17 params, not fewer than the layer's 15");
    const [spectrum, params] = figures(lowrank);
    expect(spectrum!.variants!.map((v) => v.label)).toEqual([hostile, 'd2']);
    expect(spectrum!.data[0]!.y).toEqual([5, 3]);
    expect(spectrum!.data[1]!.y).toEqual([73.53, 100]);
    expect(spectrum!.data[2]).toMatchObject({ x: [1], y: [73.53] });
    expect(params!.data[0]!.x).toEqual(['&lt;img src=x onerror=alert(1)&gt;', 'd2']);
  });

  it('features: rounds table, ranked bars with names (escaped), accuracy per round; a mask picture for pixels', () => {
    expect(validateReport(features).ok).toBe(true);
    expect(reportTable(features).rows).toEqual([
      [0, '4', '90.00%', '0.3'],
      [1, '2', '85.00%', '0.4'],
    ]);
    const [bars, curve] = figures(features);
    expect(bars!.data[0]!.y).toEqual(['#0', '&lt;img src=x onerror=alert(1)&gt;']);
    expect(bars!.data[0]!.x).toEqual([0.25, 0.5]);
    expect(curve!.data[0]!.y).toEqual([90, 85]);
    const pixels = { ...features, top: [], mask: { rows: 2, cols: 2, values: [0, 1, 1, 0] } } as Report;
    expect(validateReport(pixels).ok).toBe(true);
    expect(figures(pixels)[0]!.data[0]!.z).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(validateReport({ ...features, featuresBefore: -1 }).ok).toBe(false);
  });
});
