import { describe, expect, it } from 'vitest';
import { figures, reportTable, validateReport, type CompareReport } from '../index.js';

const side = (name: string, bytes: number, accuracy: number) => ({
  name,
  accuracy,
  params: 61_706,
  nonzeros: 61_706,
  bytes,
  latencyMs: 0.5,
});

describe('compare table', () => {
  it('is a before/after table: accuracy, bytes, the size ratio against the first model, latency', () => {
    // 250,000 B → 64,000 B is 3.90625× smaller, shown to 3 significant digits
    const report: CompareReport = {
      kind: 'compare',
      version: 1,
      title: 'before vs after',
      a: side('before', 250_000, 0.9741),
      b: side('<b>after</b>', 64_000, 0.9712),
      agreement: 0.99,
      meanKl: 0.001,
      samples: 2004,
    };
    expect(validateReport(report).ok).toBe(true);
    const t = reportTable(report);
    expect(t.columns).toEqual(['', 'before', '<b>after</b>']);
    expect(t.rows.map((r) => r[0])).toEqual(['accuracy', 'params', 'nonzeros', 'bytes', 'ratio (× smaller)', 'latency ms']);
    expect(t.rows.find((r) => r[0] === 'ratio (× smaller)')).toEqual(['ratio (× smaller)', '1×', '3.91×']);
    expect(t.rows.find((r) => r[0] === 'bytes')).toEqual(['bytes', '250,000', '64,000']);
  });

  it('draws each quantity on its own axis, in its own unit, one colour per model', () => {
    const report: CompareReport = {
      kind: 'compare',
      version: 1,
      title: 'before vs after',
      a: { ...side('before', 250_000, 0.9741), nonzeros: 61_706 },
      b: { ...side('after', 64_000, 0.9712), nonzeros: 6_170 },
      agreement: 0.99,
      meanKl: 0.001,
      samples: 2004,
    };
    const [figure] = figures(report);
    const traces = figure!.data as {
      name: string;
      x: string[];
      y: number[];
      xaxis: string;
      yaxis: string;
      marker: { color: string };
      showlegend: boolean;
    }[];
    // (panel, model) → the value drawn; accuracy in percent, counts and bytes as they are
    const drawn = Object.fromEntries(traces.map((t) => [`${t.x[0]} ${t.name}`, t.y[0]]));
    expect(drawn).toEqual({
      'accuracy before': 97.41,
      'accuracy after': 97.12,
      'nonzeros before': 61_706,
      'nonzeros after': 6_170,
      'size before': 250_000,
      'size after': 64_000,
    });
    // three panels, three y axes, each titled with its unit
    expect(new Set(traces.map((t) => t.yaxis))).toEqual(new Set(['y', 'y2', 'y3']));
    expect([figure!.layout.yaxis, figure!.layout.yaxis2, figure!.layout.yaxis3].map((a) => (a as { title: string }).title)).toEqual([
      'accuracy %',
      'nonzero weights',
      'bytes',
    ]);
    // a model's bars share one colour and one legend entry
    for (const name of ['before', 'after']) {
      const mine = traces.filter((t) => t.name === name);
      expect(new Set(mine.map((t) => t.marker.color)).size).toBe(1);
      expect(mine.filter((t) => t.showlegend)).toHaveLength(1);
    }
  });
});
