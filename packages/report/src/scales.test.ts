import { describe, expect, it } from 'vitest';
import { compact, countAxis, heatmapScale, logTicks, magnitudeAxis } from './scales.js';

describe('scales chosen from the data', () => {
  it('compact labels: three significant digits and an SI suffix', () => {
    expect([0, 7, 999, 1000, 1234, 62_000, 250_693, 1_500_000, 0.5, 0.00012].map(compact)).toEqual([
      '0',
      '7',
      '999',
      '1k',
      '1.23k',
      '62k',
      '251k',
      '1.5M',
      '0.5',
      '1.2e-4',
    ]);
  });

  it('log ticks: 1-2-5 within a decade, 1-3 over two, whole decades beyond, never more than about six', () => {
    // a small layer: counts up to 40 (plotly's own ticks label 2, 3, 4 … in every decade here, and they overlap)
    expect(logTicks(1, 40).tickvals).toEqual([1, 3, 10, 30]);
    expect(logTicks(1, 9).tickvals).toEqual([1, 2, 5]);
    expect(logTicks(1, 250_000)).toEqual({
      tickvals: [1, 10, 100, 1000, 10_000, 100_000],
      ticktext: ['1', '10', '100', '1k', '10k', '100k'],
    });
    // twelve decades: every other one
    expect(logTicks(1e-6, 1e6).tickvals).toEqual([1e-6, 1e-4, 0.01, 1, 100, 10_000, 1e6]);
    // narrower than any two round values: the two ends, rounded
    expect(logTicks(62_100, 70_400)).toEqual({ tickvals: [62_000, 70_000], ticktext: ['62k', '70k'] });
    expect(logTicks(0, 10).tickvals).toEqual([]);
  });

  it('histogram counts go log only when one bin dwarfs the rest', () => {
    // a pruned layer: the zero bin holds 90 % of the weights
    expect(countAxis([[3, 5, 900, 4, 2]]).log).toBe(true);
    // a bell shape, and a quantized layer's discrete levels: linear
    expect(countAxis([[10, 40, 90, 40, 10]]).log).toBe(false);
    expect(countAxis([[0, 120, 0, 0, 300, 0, 0, 110]]).log).toBe(false);
    // any series of the figure decides; the log ticks span 1 … the tallest bin
    const both = countAxis([
      [10, 40, 90, 40, 10],
      [1, 2, 800, 3, 1],
    ]);
    expect(both.log).toBe(true);
    expect(both.logAxis).toMatchObject({ type: 'log', tickvals: [1, 3, 10, 30, 100, 300] });
  });

  it('bars: log when one is at least 30× another (zeros ignored), linear from zero otherwise', () => {
    expect(magnitudeAxis([156, 2_416, 48_120, 850, 0])).toMatchObject({ type: 'log', tickvals: [300, 1000, 3000, 10_000, 30_000] });
    expect(magnitudeAxis([100, 2_000])).toEqual({ type: 'linear', rangemode: 'tozero' });
  });

  it('heatmap colours: fitted to the values, symmetric about zero when signed', () => {
    expect(heatmapScale([0.1, 0.25, 0.4])).toEqual({ colorscale: 'Viridis', zmin: 0.1, zmax: 0.4 });
    expect(heatmapScale([-0.3, 0.05, 0.2])).toEqual({ colorscale: 'RdBu', zmin: -0.3, zmax: 0.3 });
    expect(heatmapScale([-0.1, 0.5])).toEqual({ colorscale: 'RdBu', zmin: -0.5, zmax: 0.5 });
    // all cells equal (an unpruned layer): a range that still has a width
    expect(heatmapScale([1, 1])).toEqual({ colorscale: 'Viridis', zmin: 0, zmax: 1 });
    expect(heatmapScale([])).toEqual({ colorscale: 'Viridis', zmin: 0, zmax: 1 });
  });
});
