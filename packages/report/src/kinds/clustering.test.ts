import { describe, expect, it } from 'vitest';
import { figures, reportTable, tableText, validateReport, type Report } from '../index.js';

const hist = { binEdges: [-1, 0, 1], counts: [3, 5] };

describe('clustering report', () => {
  it('clustering: stage ratios with accuracy, per-layer histogram with centroids, bits fixed vs entropy-coded', () => {
    const layer = (name: string) => ({
      name,
      shape: [4, 3],
      params: 12,
      nonzeros: 6,
      clusters: 2,
      codebooks: 1,
      centroids: [-0.5, 0.25],
      histogram: hist,
      mse: 0.01,
      bitsFixed: 6.33,
      bitsEntropy: 3.1,
    });
    const r: Report = {
      kind: 'clustering',
      version: 1,
      title: 'deep',
      model: 'm',
      init: 'linear',
      scope: 'layer',
      layers: [layer('fc1'), layer('<img src=x onerror=alert(1)>')],
      stages: [
        { stage: 'fp32', accuracy: 0.94, nonzeros: 12, bitsPerWeight: 32, bytes: 48, ratio: 1 },
        { stage: 'encoded', accuracy: 0.9412, nonzeros: 6, bitsPerWeight: 3, bytes: 5, ratio: 9.6 },
      ],
    };
    const fs = figures(r);
    expect(fs).toHaveLength(3);
    expect(fs[0]!.data[0]!.y).toEqual([1, 9.6]);
    expect(fs[0]!.data[1]!.y).toEqual([94, 94.12]);
    expect(fs[1]!.data[1]!.x).toEqual([-0.5, 0.25]); // centroids marked on the histogram
    expect(fs[1]!.variants!.map((v) => v.title)).toEqual([
      'Weights of fc1 and their centroids',
      'Weights of &lt;img src=x onerror=alert(1)&gt; and their centroids',
    ]);
    expect(fs[2]!.data.map((t) => t.y)).toEqual([
      [6.33, 6.33],
      [3.1, 3.1],
    ]);
  });

  it('tables: per layer without stages; the stage table with bytes written for deepCompress', () => {
    const layer = {
      name: 'fc1',
      shape: [784, 300],
      params: 235200,
      nonzeros: 9130,
      clusters: 32,
      codebooks: 1,
      centroids: [-0.1, 0.1],
      histogram: hist,
      mse: 0.0001234,
      bitsFixed: 5.0013,
      bitsEntropy: 0.41,
    };
    const plain: Report = { kind: 'clustering', version: 1, title: 't', model: 'm', init: 'linear', scope: 'layer', layers: [layer] };
    expect(validateReport(plain).ok).toBe(true);
    const t = reportTable(plain);
    expect(t.rows).toEqual([['fc1', '[784×300]', '235,200', '9,130', 32, 1, '0.000123', '5', '0.41']]);
    expect(t.notes).toEqual(['linear initialization, one codebook per layer']);
    const deep: Report = {
      ...plain,
      stages: [
        { stage: 'fp32 baseline', accuracy: 0.9431, nonzeros: 266610, bitsPerWeight: 32, bytes: 1066440, ratio: 1 },
        { stage: 'encoded', accuracy: 0.9436, nonzeros: 16382, bitsPerWeight: 0.611, bytes: 20358, ratio: 52.384 },
      ],
      bytes: { weights: 20358, total: 23375, gzipWeights: 20300, gzipTotal: 21000, baselineWeights: 1066440, baselineTotal: 1068559 },
    };
    const d = reportTable(deep);
    expect(d.columns).toEqual(['stage', 'accuracy', 'nonzeros', 'bits/weight', 'weight bytes', 'ratio']);
    expect(d.rows[1]).toEqual(['encoded', '94.36%', '16,382', '0.611', '20,358', '52.4×']);
    expect(tableText(d)).toContain('fp32: 1,066,440 / 1,068,559 B → 52.4× smaller weights');
    expect(validateReport({ ...deep, scope: 'tensor' }).ok).toBe(false);
  });
});
