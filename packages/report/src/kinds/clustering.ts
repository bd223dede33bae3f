/**
 * `clustering`: k-means weight sharing per kernel (`cluster`, `%cluster`), and the stages of a Deep Compression
 * pipeline (`deepCompress`, `whittle compress --pipeline deep`).
 */
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
  num,
  shape,
  version,
  type RunPoint,
} from '../base.js';
import { bars, histogramVariants, pct, type Figure, type Trace } from '../figure.js';
import { logAxis } from '../scales.js';

export const ClusteringLayer = z.object({
  name: z.string(),
  shape,
  params: count,
  nonzeros: count,
  /** Centroids per codebook. */
  clusters: count,
  /** Codebooks in this layer: 1, or one per output channel. */
  codebooks: count,
  /** The centroids (the first codebooks' when there are many), drawn over the histogram. */
  centroids: z.array(num),
  /** The weights before clustering. */
  histogram: Histogram,
  mse: z.number().nonnegative(),
  /** Bits per weight with fixed-width ⌈log2 k⌉ indices (+ codebooks), and as entropy-coded by Whittle's deep format. */
  bitsFixed: z.number().nonnegative(),
  bitsEntropy: z.number().nonnegative(),
});

export const ClusteringStage = z.object({
  stage: z.string(),
  accuracy: fraction.nullable(),
  nonzeros: count,
  /** Weight-file bytes × 8 per parameter. */
  bitsPerWeight: z.number().nonnegative(),
  /** Weight-file bytes as written (the fp32 baseline and the stages before encoding: float32 on disk). */
  bytes: count,
  /** Baseline weight bytes ÷ these bytes. */
  ratio: z.number().nonnegative(),
});

export const ClusteringReport = z.object({
  kind: z.literal('clustering'),
  version,
  title: z.string(),
  model: z.string(),
  init: z.string(),
  scope: z.enum(['layer', 'channel']),
  layers: z.array(ClusteringLayer),
  /** deepCompress: one row per stage. */
  stages: z.array(ClusteringStage).optional(),
  accuracy: z.object({ before: fraction.nullable(), after: fraction.nullable() }).optional(),
  /** Bytes written by save: weight files, whole folder (model.json included), their gzip; and the fp32 baseline's. */
  bytes: z
    .object({ weights: count, total: count, gzipWeights: count, gzipTotal: count, baselineWeights: count, baselineTotal: count })
    .optional(),
});

export type ClusteringLayer = z.infer<typeof ClusteringLayer>;
export type ClusteringStage = z.infer<typeof ClusteringStage>;
export type ClusteringReport = z.infer<typeof ClusteringReport>;

/** A layer's weight histogram with its centroids marked on the axis. */
function histogramWithCentroids(l: ClusteringLayer): Trace[] {
  return [
    bars(l.histogram, 'weights'),
    {
      type: 'scatter',
      mode: 'markers',
      name: `centroids (k = ${l.clusters}${l.codebooks > 1 ? `, ${l.codebooks} codebooks` : ''})`,
      x: l.centroids,
      // on a hidden axis of their own, so they sit at the foot of the bars on a linear or a log count axis
      y: l.centroids.map(() => 0),
      yaxis: 'y2',
      marker: { symbol: 'triangle-up', size: 9 },
    },
  ];
}

function figures(r: ClusteringReport): Figure[] {
  const out: Figure[] = [];
  if (r.stages?.length) {
    const x = r.stages.map((s) => s.stage);
    out.push({
      title: r.title,
      data: [
        { type: 'bar', name: 'ratio ×', x, y: r.stages.map((s) => s.ratio) },
        {
          type: 'scatter',
          mode: 'lines+markers',
          name: 'accuracy %',
          x,
          y: r.stages.map((s) => (s.accuracy == null ? NaN : pct(s.accuracy))),
          yaxis: 'y2',
        },
      ],
      layout: {
        yaxis: { title: 'fp32 bytes ÷ bytes', ...logAxis(r.stages.map((s) => s.ratio)) },
        yaxis2: { title: 'accuracy %', overlaying: 'y', side: 'right' },
      },
    });
  }
  const variants = r.layers.map((l) => ({
    label: l.name,
    title: `Weights of ${l.name} and their centroids`,
    data: histogramWithCentroids(l),
  }));
  if (variants.length) {
    const f = histogramVariants('weight value', variants);
    out.push({ ...f, layout: { ...f.layout, yaxis2: { overlaying: 'y', visible: false, range: [0, 1] } } });
  }
  const names = r.layers.map((l) => l.name);
  out.push({
    title: 'Bits per weight: fixed-width indices vs entropy-coded (deep format)',
    data: [
      { type: 'bar', name: 'fixed ⌈log2 k⌉ + codebooks', x: names, y: r.layers.map((l) => l.bitsFixed) },
      { type: 'bar', name: 'entropy-coded', x: names, y: r.layers.map((l) => l.bitsEntropy) },
    ],
    layout: { barmode: 'group', yaxis: { title: 'bits / weight', rangemode: 'tozero' } },
  });
  return out;
}

/** The fp32 baseline and the compressed result, when the report has stages with accuracy. */
function points(r: ClusteringReport): RunPoint[] {
  const first = r.stages?.[0];
  const last = r.stages?.at(-1);
  const out: RunPoint[] = [];
  if (first?.accuracy != null) out.push({ label: `${r.title} (${first.stage})`, bytes: first.bytes, accuracy: first.accuracy });
  if (last && last !== first && last.accuracy != null) out.push({ label: r.title, bytes: last.bytes, accuracy: last.accuracy });
  return out;
}

function table(r: ClusteringReport) {
  const written = r.bytes
    ? [
        `written: weights ${int(r.bytes.weights)} B (gzip ${int(r.bytes.gzipWeights)}), folder ${int(r.bytes.total)} B (gzip ${int(r.bytes.gzipTotal)}); fp32: ${int(r.bytes.baselineWeights)} / ${int(r.bytes.baselineTotal)} B → ${(r.bytes.baselineWeights / r.bytes.weights).toFixed(1)}× smaller weights`,
      ]
    : [];
  const accuracy = r.accuracy ? [`accuracy ${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}`] : [];
  if (r.stages)
    return {
      title: r.title,
      columns: ['stage', 'accuracy', 'nonzeros', 'bits/weight', 'weight bytes', 'ratio'],
      rows: r.stages.map((s) => [
        s.stage,
        formatPercent(s.accuracy),
        int(s.nonzeros),
        sig(s.bitsPerWeight, 3),
        int(s.bytes),
        `${s.ratio.toFixed(1)}×`,
      ]),
      notes: [
        ...r.layers.map(
          (l) => `${l.name}: k = ${l.clusters} × ${l.codebooks} codebook(s), ${sig(l.bitsEntropy, 3)} bits/weight entropy-coded`,
        ),
        ...written,
      ],
    };
  return {
    title: r.title,
    columns: ['layer', 'shape', 'params', 'nonzeros', 'k', 'codebooks', 'MSE', 'bits fixed', 'bits entropy-coded'],
    rows: r.layers.map((l) => [
      l.name,
      dims(l.shape),
      int(l.params),
      int(l.nonzeros),
      l.clusters,
      l.codebooks,
      sig(l.mse, 3),
      sig(l.bitsFixed, 3),
      sig(l.bitsEntropy, 3),
    ]),
    notes: [`${r.init} initialization, one codebook per ${r.scope}`, ...accuracy, ...written],
  };
}

export const clusteringKind = defineKind({
  schema: ClusteringReport,
  table,
  figures,
  tableFirst: true,
  panel: {
    points,
    headline: (r) => [
      r.accuracy ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}` : formatPercent(r.stages?.at(-1)?.accuracy),
      r.bytes ? `${int(r.bytes.baselineWeights)} → ${int(r.bytes.weights)} bytes` : `k = ${r.layers.map((l) => l.clusters).join(', ')}`,
    ],
  },
});
