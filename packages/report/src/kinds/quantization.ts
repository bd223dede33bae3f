/** `quantization`: per-layer quantization error, bits and sizes (`quantize`, `quantizeAwareTrain`, `%quantize`). */
import { z } from 'zod';
import {
  count,
  defineKind,
  formatInt as int,
  formatPercent,
  formatSig as sig,
  fraction,
  Histogram,
  num,
  version,
  type PanelCurve,
  type RunPoint,
} from '../base.js';
import { bars, histogramVariants, pct, type Figure } from '../figure.js';
import { logAxis } from '../scales.js';

export const QuantizationLayer = z.object({
  name: z.string(),
  bits: z.number(),
  scheme: z.string(),
  granularity: z.enum(['per-tensor', 'per-channel']),
  scaleMin: num,
  scaleMax: num,
  mse: z.number().nonnegative(),
  /** Signal-to-quantization-noise ratio, 10·log10(Σw² / Σ(w − ŵ)²). */
  sqnrDb: z.number().nullable(),
  maxError: z.number().nonnegative(),
  errorHistogram: Histogram.optional(),
  weightHistogram: z.object({ before: Histogram, after: Histogram }).optional(),
});

export const QuantizationReport = z.object({
  kind: z.literal('quantization'),
  version,
  title: z.string(),
  weights: z.object({ bits: z.number(), scheme: z.string(), perChannel: z.boolean(), scale: z.string() }),
  activations: z.object({ bits: z.number(), observer: z.string() }).nullable(),
  layers: z.array(QuantizationLayer),
  /** Per-layer SQNR before equalization, when cross-layer equalization ran. */
  equalization: z.array(z.object({ name: z.string(), sqnrDbBefore: z.number().nullable(), sqnrDbAfter: z.number().nullable() })).optional(),
  accuracy: z.object({ before: fraction.nullable(), after: fraction.nullable() }).optional(),
  bytes: z.object({ before: count, after: count, gzipBefore: count.optional(), gzipAfter: count.optional() }).optional(),
  /** The saved export reloaded (stock decoding) and compared with the float model on `samples` inputs. */
  exported: z.object({ format: z.string(), samples: count, top1: fraction, maxRelDiff: z.number().nonnegative() }).optional(),
  /** What could not be done or measured, one sentence each (e.g. equalization pairs skipped, accuracy without data). */
  notes: z.array(z.string()).optional(),
});

export type QuantizationLayer = z.infer<typeof QuantizationLayer>;
export type QuantizationReport = z.infer<typeof QuantizationReport>;

function figures(r: QuantizationReport): Figure[] {
  const names = r.layers.map((l) => l.name);
  const out: Figure[] = [
    {
      title: r.title,
      data: [
        { type: 'bar', name: 'SQNR dB', x: names, y: r.layers.map((l) => l.sqnrDb ?? NaN) },
        { type: 'scatter', mode: 'markers', name: 'MSE', x: names, y: r.layers.map((l) => l.mse), yaxis: 'y2' },
      ],
      layout: {
        yaxis: { title: 'SQNR (dB)' },
        yaxis2: { title: 'MSE', overlaying: 'y', side: 'right', ...logAxis(r.layers.map((l) => l.mse)) },
      },
    },
    {
      title: 'Bits per layer',
      data: [{ type: 'bar', name: 'bits', x: names, y: r.layers.map((l) => l.bits) }],
      layout: { height: 200, yaxis: { title: 'bits', dtick: 1, rangemode: 'tozero' } },
    },
  ];
  if (r.equalization?.length) {
    const x = r.equalization.map((e) => e.name);
    out.push({
      title: 'SQNR before and after cross-layer equalization',
      data: [
        { type: 'bar', name: 'before', x, y: r.equalization.map((e) => e.sqnrDbBefore ?? NaN) },
        { type: 'bar', name: 'after', x, y: r.equalization.map((e) => e.sqnrDbAfter ?? NaN) },
      ],
      layout: { barmode: 'group', yaxis: { title: 'SQNR (dB)' } },
    });
  }
  // one histogram per layer behind a layer picker, as in the sparsity view
  const weights = r.layers.flatMap((l) =>
    l.weightHistogram
      ? [
          {
            label: l.name,
            title: `Weights of ${l.name}: float and quantized`,
            data: [bars(l.weightHistogram.before, 'float'), bars(l.weightHistogram.after, 'quantized')],
          },
        ]
      : [],
  );
  if (weights.length) out.push(histogramVariants('weight value', weights));
  const errors = r.layers.flatMap((l) =>
    l.errorHistogram ? [{ label: l.name, title: `Quantization error of ${l.name}`, data: [bars(l.errorHistogram, 'error', 1)] }] : [],
  );
  if (errors.length) out.push(histogramVariants('error: quantized − float weight', errors));
  return out;
}

/** Before and after, when the report knows both the accuracy and the size. */
function points(r: QuantizationReport): RunPoint[] {
  const { accuracy, bytes } = r;
  if (!accuracy || !bytes) return [];
  const out: RunPoint[] = [];
  if (accuracy.before !== null) out.push({ label: `${r.title} (before)`, bytes: bytes.before, accuracy: accuracy.before });
  if (accuracy.after !== null) out.push({ label: r.title, bytes: bytes.after, accuracy: accuracy.after });
  return out;
}

/** Side-panel curves: accuracy from fp32 to the weight bits when measured, else each layer's SQNR. */
function curves(r: QuantizationReport): PanelCurve[] {
  const acc = r.accuracy;
  if (acc && acc.before !== null && acc.after !== null)
    return [
      {
        technique: 'quantization',
        x: 'bits',
        y: 'accuracy %',
        trace: { type: 'scatter', mode: 'lines+markers', name: r.title, x: [32, r.weights.bits], y: [pct(acc.before), pct(acc.after)] },
      },
    ];
  const x = r.layers.map((l) => l.name);
  return [
    {
      technique: 'quantization',
      x: 'layer',
      y: 'SQNR dB',
      trace: { type: 'bar', name: r.title, x, y: r.layers.map((l) => l.sqnrDb ?? NaN) },
    },
  ];
}

export const quantizationKind = defineKind({
  schema: QuantizationReport,
  table: (r) => ({
    title: r.title,
    columns: ['layer', 'bits', 'scheme', 'granularity', 'scale min', 'scale max', 'MSE', 'SQNR dB', 'max |err|'],
    rows: r.layers.map((l) => [
      l.name,
      l.bits,
      l.scheme,
      l.granularity,
      sig(l.scaleMin),
      sig(l.scaleMax),
      sig(l.mse, 3),
      sig(l.sqnrDb, 3),
      sig(l.maxError, 3),
    ]),
    notes: [
      `weights: ${r.weights.bits}-bit ${r.weights.scheme}, ${r.weights.perChannel ? 'per-channel' : 'per-tensor'}, ${r.weights.scale} scales` +
        (r.activations ? `; activations: ${r.activations.bits}-bit, ${r.activations.observer} observer` : ''),
      ...(r.accuracy ? [`accuracy ${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}`] : []),
      ...(r.bytes
        ? [`bytes ${int(r.bytes.before)} → ${int(r.bytes.after)} (${(r.bytes.before / Math.max(1, r.bytes.after)).toFixed(2)}× smaller)`]
        : []),
      ...(r.equalization ?? []).map((e) => `equalization ${e.name}: SQNR ${sig(e.sqnrDbBefore, 3)} → ${sig(e.sqnrDbAfter, 3)} dB`),
      ...(r.exported
        ? [
            `${r.exported.format} export reloaded: top-1 agreement with the float model ${formatPercent(r.exported.top1)} on ${int(r.exported.samples)} samples (max relative output difference ${sig(r.exported.maxRelDiff, 2)})`,
          ]
        : []),
      ...(r.notes ?? []),
    ],
  }),
  figures,
  panel: {
    points,
    curves,
    headline: (r) => [
      r.accuracy ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}` : '',
      r.bytes ? `${int(r.bytes.before)} → ${int(r.bytes.after)} bytes` : `${r.weights.bits}-bit`,
    ],
  },
});
