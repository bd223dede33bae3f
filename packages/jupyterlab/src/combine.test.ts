import { describe, expect, it } from 'vitest';
import { REPORT_MIME, type Report } from '@whittle/report';
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
const sensitivity: Report = {
  kind: 'sensitivity',
  version: 1,
  title: 's',
  technique: 'prune',
  metric: 'accuracy',
  baseline: 0.97,
  levels: [0, 0.5],
  layers: [{ name: 'conv1', values: [0.97, 0.9] }],
};
const evaluate: Report = { kind: 'evaluate', version: 1, model: 'm', accuracy: 0.9, loss: 0.3, samples: 10 };

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
    expect(curves!.data[0]).toMatchObject({ name: '[8] conv1', x: [0, 50], y: [97, 90] });
  });

  it('nothing to combine → no figures; the table still lists every report', () => {
    expect(combinedFigures([{ cell: 0, report: evaluate }])).toEqual([]);
    const t = runsTable([
      { cell: 0, report: evaluate },
      { cell: 1, report: compare },
    ]);
    expect(t.rows).toEqual([
      [1, 'evaluate', 'evaluate of m', '90.00%', ''],
      [2, 'compare', 'dense vs pruned', '97.00% vs 96.00%', 'agreement 98.00%'],
    ]);
  });
});

describe('the MIME type the renderer registers', () => {
  it("is @whittle/report's REPORT_MIME (kept as a plain constant so start-up does not load the schema)", () => {
    expect(WHITTLE_MIME).toBe(REPORT_MIME);
  });
});
