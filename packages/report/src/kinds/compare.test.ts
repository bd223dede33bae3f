import { describe, expect, it } from 'vitest';
import { reportTable, validateReport, type CompareReport } from '../index.js';

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
});
