/** `sparsity`: what pruning did, per weight tensor (`prune`, `pruneGradually`, `%prune`). */
import { z } from 'zod';
import {
  count,
  defineKind,
  formatInt as int,
  formatPercent,
  formatShape as dims,
  formatSig as sig,
  fraction,
  Histogram,
  shape,
  version,
  type PanelCurve,
} from '../base.js';
import { bars, histogramFigure, pct, type Figure } from '../figure.js';
import { heatmapScale } from '../scales.js';

/** What pruning did to one weight tensor. */
export const SparsityLayer = z.object({
  name: z.string(),
  shapeBefore: shape,
  shapeAfter: shape,
  paramsBefore: count,
  paramsAfter: count,
  /** Sparsity of this layer's weight before the operation. */
  sparsityBefore: fraction,
  nonzeros: count,
  sparsity: fraction,
  /** Magnitude threshold used, when the criterion has one. */
  threshold: z.number().nullable().optional(),
  criterion: z.string(),
});

/** A downsampled picture of one layer's mask: values are kept-fractions in [0, 1], row-major. */
export const MaskImage = z.object({
  layer: z.string(),
  rows: count,
  cols: count,
  /** Shape of the real weight this image summarizes. */
  shape: shape,
  values: z.array(fraction),
});

export const SparsityReport = z.object({
  kind: z.literal('sparsity'),
  version,
  title: z.string(),
  method: z.string(),
  granularity: z.string(),
  scope: z.string(),
  /** True when whole units were removed and the model really has fewer parameters. */
  physicallySmaller: z.boolean(),
  layers: z.array(SparsityLayer),
  /** Whole model: every parameter, biases and unpruned layers included. `prunedSparsity` is over the pruned kernels only. */
  totals: z.object({
    paramsBefore: count,
    paramsAfter: count,
    nonzerosBefore: count,
    nonzeros: count,
    sparsity: fraction,
    prunedSparsity: fraction.optional(),
  }),
  masks: z.array(MaskImage).optional(),
  /** Weight histograms before and after (all pruned layers together). */
  histograms: z.object({ before: Histogram, after: Histogram }).optional(),
  /** Accuracy per step of iterative / gradual pruning. */
  steps: z
    .array(z.object({ step: count, sparsity: fraction, accuracy: fraction.nullable(), accuracyOneShot: fraction.nullable().optional() }))
    .optional(),
  accuracy: z.object({ before: fraction.nullable(), after: fraction.nullable() }).optional(),
  /** What could not be done or measured, one sentence each (e.g. accuracy without data). */
  notes: z.array(z.string()).optional(),
});

export type SparsityLayer = z.infer<typeof SparsityLayer>;
export type MaskImage = z.infer<typeof MaskImage>;
export type SparsityReport = z.infer<typeof SparsityReport>;

/**
 * The mask heatmap's axes: the weight viewed as [inputs, outputs] (a conv kernel's inputs are its
 * kernel positions × input channels), each cell placed at the units it averages.
 */
const MASK_LAYOUT = { xaxis: { title: 'output' }, yaxis: { title: 'input', autorange: 'reversed' } };

/** One layer's mask picture: kept fraction per cell, its colours fitted to this layer's range. */
function maskVariant(m: MaskImage) {
  const outputs = m.shape.at(-1) ?? m.cols;
  const inputs = m.shape.slice(0, -1).reduce<number>((a, d) => a * (d ?? 1), 1);
  const at = (cells: number, units: number) => Array.from({ length: cells }, (_, i) => Math.round(((i + 0.5) * units) / cells - 0.5));
  return {
    label: m.layer,
    title: `Kept weights of ${m.layer} (${m.shape.join('×')}, fraction kept per cell)`,
    data: [
      {
        type: 'heatmap' as const,
        x: at(m.cols, outputs),
        y: at(m.rows, inputs),
        z: Array.from({ length: m.rows }, (_, row) => m.values.slice(row * m.cols, (row + 1) * m.cols)),
        ...heatmapScale(m.values),
        showscale: true,
      },
    ],
  };
}

function figures(r: SparsityReport): Figure[] {
  const names = r.layers.map((l) => l.name);
  const out: Figure[] = [
    {
      title: r.title,
      data: [
        { type: 'bar', name: 'before', x: names, y: r.layers.map((l) => pct(l.sparsityBefore)) },
        { type: 'bar', name: 'after', x: names, y: r.layers.map((l) => pct(l.sparsity)) },
      ],
      layout: { barmode: 'group', yaxis: { title: 'sparsity %', range: [0, 100] } },
    },
  ];
  // One heatmap with a layer picker: the library already downsampled big masks to rows × cols cells.
  const masks = (r.masks ?? []).map(maskVariant);
  if (masks.length) out.push({ ...masks[0]!, layout: MASK_LAYOUT, variants: masks });
  if (r.histograms) {
    out.push(
      histogramFigure('Weights before and after', 'weight value', [bars(r.histograms.before, 'before'), bars(r.histograms.after, 'after')]),
    );
  }
  if (r.steps?.length) {
    const x = r.steps.map((s) => pct(s.sparsity));
    out.push({
      title: 'Accuracy per pruning step',
      data: [
        {
          type: 'scatter',
          mode: 'lines+markers',
          name: 'one-shot',
          x,
          y: r.steps.map((s) => (s.accuracyOneShot == null ? NaN : pct(s.accuracyOneShot))),
        },
        {
          type: 'scatter',
          mode: 'lines+markers',
          name: 'fine-tuned',
          x,
          y: r.steps.map((s) => (s.accuracy == null ? NaN : pct(s.accuracy))),
        },
      ],
      layout: { xaxis: { title: 'sparsity %' }, yaxis: { title: 'accuracy %' } },
    });
  }
  return out;
}

/** Side-panel curves: accuracy against sparsity when measured, else each layer's sparsity. */
function curves(r: SparsityReport): PanelCurve[] {
  const acc = r.accuracy;
  const line = (name: string, x: number[], y: number[]): PanelCurve => ({
    technique: 'pruning',
    x: 'sparsity %',
    y: 'accuracy %',
    trace: { type: 'scatter', mode: 'lines+markers', name, x, y },
  });
  const out: PanelCurve[] = [];
  if (acc && acc.before !== null && acc.after !== null) {
    const before = 1 - r.totals.nonzerosBefore / Math.max(1, r.totals.paramsBefore);
    out.push(line(r.title, [pct(before), pct(r.totals.sparsity)], [pct(acc.before), pct(acc.after)]));
  }
  const steps = (r.steps ?? []).filter((s) => s.accuracy !== null);
  if (steps.length)
    out.push(
      line(
        `${r.title}, per step`,
        steps.map((s) => pct(s.sparsity)),
        steps.map((s) => pct(s.accuracy!)),
      ),
    );
  if (out.length) return out;
  const x = r.layers.map((l) => l.name);
  return [
    {
      technique: 'pruning',
      x: 'layer',
      y: 'sparsity %',
      trace: { type: 'bar', name: r.title, x, y: r.layers.map((l) => pct(l.sparsity)) },
    },
  ];
}

export const sparsityKind = defineKind({
  schema: SparsityReport,
  table: (r) => ({
    title: r.title,
    columns: ['layer', 'shape before', 'shape after', 'params', 'nonzeros', 'sparsity', 'threshold', 'criterion'],
    rows: r.layers.map((l) => [
      l.name,
      dims(l.shapeBefore),
      dims(l.shapeAfter),
      l.paramsBefore === l.paramsAfter ? int(l.paramsAfter) : `${int(l.paramsBefore)} → ${int(l.paramsAfter)}`,
      int(l.nonzeros),
      formatPercent(l.sparsity),
      sig(l.threshold),
      l.criterion,
    ]),
    notes: [
      `${r.method}, ${r.granularity}, ${r.scope} scope: ${int(r.totals.nonzerosBefore)} → ${int(r.totals.nonzeros)} nonzero parameters (${formatPercent(r.totals.sparsity)} of the model${r.totals.prunedSparsity !== undefined ? `, ${formatPercent(r.totals.prunedSparsity)} of the pruned kernels` : ''}); params ${int(r.totals.paramsBefore)} → ${int(r.totals.paramsAfter)}`,
      r.physicallySmaller
        ? 'physically smaller: whole units were removed, the model has fewer parameters and runs faster'
        : 'masked: shapes are unchanged; the model is smaller only once encoded sparsely or compressed (gzip)',
      ...(r.accuracy ? [`accuracy ${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}`] : []),
      ...(r.steps ?? []).map((s) => `step ${s.step}: sparsity ${formatPercent(s.sparsity)}, accuracy ${formatPercent(s.accuracy)}`),
      ...(r.notes ?? []),
    ],
  }),
  figures,
  panel: {
    curves,
    headline: (r) => [
      r.accuracy ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}` : '',
      `${formatPercent(r.totals.sparsity)} sparse`,
    ],
  },
});
