import { describe, expect, it } from 'vitest';
import { REPORT_MIME, type Report, type SensitivityReport } from '@whittle/report';
import { WHITTLE_MIME } from './mime-type.js';
import { combinedFigures, runPoints, runsTable } from './combine.js';

const pareto: Report = {
  kind: 'pareto',
  version: 1,
  title: 'sweep',
  points: [
    { label: 'fp32', bytes: 248_000, accuracy: 0.9741, onFront: true },
    { label: 'int8', bytes: 62_000, accuracy: 0.9736, onFront: true },
  ],
};
const compare: Report = {
  kind: 'compare',
  version: 1,
  title: 'dense vs pruned',
  a: { name: 'dense', accuracy: 0.97, params: 100, nonzeros: 100, bytes: 400, latencyMs: null },
  b: { name: 'pruned', accuracy: 0.96, params: 100, nonzeros: 10, bytes: 40, latencyMs: 1 },
  agreement: 0.98,
  meanKl: 0.01,
  samples: 100,
};
const sens = (over: Partial<SensitivityReport> = {}): Report => ({
  kind: 'sensitivity',
  version: 1,
  title: 's',
  technique: 'prune',
  metric: 'accuracy',
  baseline: 0.97,
  levels: [0, 0.5],
  layers: [{ name: 'conv1', values: [0.97, 0.9] }],
  ...over,
});
const sensitivity = sens();
const evaluate: Report = { kind: 'evaluate', version: 1, model: 'm', accuracy: 0.9, loss: 0.3, samples: 10 };
const bitsSensitivity = sens({ title: 'q', technique: 'quantize', levels: [8, 4], layers: [{ name: 'fc', values: [0.97, 0.8] }] });
const lossSensitivity = sens({ title: 'l', metric: 'loss', baseline: 0.1, layers: [{ name: 'fc', values: [0.1, 0.4] }] });
const pruned: Report = {
  kind: 'sparsity',
  version: 1,
  title: 'pruned 80%',
  method: 'magnitude',
  granularity: 'unstructured',
  scope: 'global',
  physicallySmaller: false,
  layers: [],
  totals: { paramsBefore: 100, paramsAfter: 100, nonzerosBefore: 100, nonzeros: 20, sparsity: 0.8 },
  accuracy: { before: 0.97, after: 0.95 },
};
const quantized: Report = {
  kind: 'quantization',
  version: 1,
  title: 'q4',
  weights: { bits: 4, scheme: 'affine', perChannel: true, scale: 'float' },
  activations: null,
  layers: [
    { name: 'conv1', bits: 4, scheme: 'affine', granularity: 'per-channel', scaleMin: 0, scaleMax: 1, mse: 0, sqnrDb: 21.5, maxError: 0 },
  ],
};

describe('side panel: reports from many cells on one page', () => {
  it('every run with a size and an accuracy becomes a point, labelled by its cell', () => {
    expect(runPoints(compare)).toEqual([
      { label: 'dense', bytes: 400, accuracy: 0.97 },
      { label: 'pruned', bytes: 40, accuracy: 0.96 },
    ]);
    expect(runPoints(evaluate)).toEqual([]);
    const [runs, curves] = combinedFigures([
      { cell: 2, report: pareto },
      { cell: 4, report: evaluate },
      { cell: 6, report: compare },
      { cell: 7, report: sensitivity },
    ]);
    expect(runs!.data.map((t) => t.name)).toEqual(['[3] sweep', '[7] dense vs pruned']);
    expect(runs!.data[0]!.x).toEqual([248_000, 62_000]);
    expect(runs!.data[0]!.y).toEqual([97.41, 97.36]);
    // 40 B … 248 kB: whole decades, labelled compactly
    expect(runs!.layout.xaxis).toMatchObject({
      type: 'log',
      tickvals: [100, 1000, 10_000, 100_000],
      ticktext: ['100', '1k', '10k', '100k'],
    });
    expect(curves!.data[0]).toMatchObject({ name: '[8] conv1', x: [0, 50], y: [97, 90] });
  });

  it('curves are grouped by technique and metric: sparsity and bits, accuracy and loss never share an axis', () => {
    const figs = combinedFigures([
      { cell: 0, report: sensitivity },
      { cell: 1, report: bitsSensitivity },
      { cell: 2, report: lossSensitivity },
      { cell: 3, report: pruned },
      { cell: 4, report: quantized },
    ]);
    const plots = figs.map((f) => ({
      title: f.title,
      x: (f.layout.xaxis as { title: string }).title,
      y: (f.layout.yaxis as { title: string }).title,
      traces: f.data.map((t) => t.name),
    }));
    expect(plots).toEqual([
      { title: 'Pruning: accuracy % by sparsity %', x: 'sparsity %', y: 'accuracy %', traces: ['[1] conv1', '[4] pruned 80%'] },
      { title: 'Pruning: loss by sparsity %', x: 'sparsity %', y: 'loss', traces: ['[3] fc'] },
      { title: 'Quantization: accuracy % by bits', x: 'bits', y: 'accuracy %', traces: ['[2] fc'] },
      // a quantization run without accuracy still shows: its SQNR per layer
      { title: 'Quantization: SQNR dB by layer', x: 'layer', y: 'SQNR dB', traces: ['[5] q4'] },
    ]);
    // the one-shot prune run: from its sparsity before to after, accuracy before → after
    expect(figs[0]!.data[1]).toMatchObject({ x: [0, 80], y: [97, 95] });
    // fewer bits further along; legends below the plot, the figure taller for each entry
    expect(figs[2]!.layout.xaxis).toMatchObject({ autorange: 'reversed' });
    expect(figs[0]!.layout).toMatchObject({ legend: { orientation: 'h', yref: 'container', y: 0, yanchor: 'bottom' }, height: 380 });
  });

  it('nothing to combine → no figures; the table still lists every report, accuracy next to the title', () => {
    expect(combinedFigures([{ cell: 0, report: evaluate }])).toEqual([]);
    const t = runsTable([
      { cell: 0, report: evaluate },
      { cell: 1, report: compare },
    ]);
    expect(t.columns).toEqual(['cell', 'title', 'accuracy', 'result', 'kind']);
    expect(t.rows).toEqual([
      [1, 'evaluate of m', '90.00%', '', 'evaluate'],
      [2, 'dense vs pruned', '97.00% vs 96.00%', 'agreement 98.00%', 'compare'],
    ]);
  });
});

describe('the MIME type the renderer registers', () => {
  it("is @whittle/report's REPORT_MIME (kept as a plain constant so start-up does not load the schema)", () => {
    expect(WHITTLE_MIME).toBe(REPORT_MIME);
  });
});
