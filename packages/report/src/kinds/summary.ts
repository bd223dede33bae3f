/** `summary`: a model's layers with parameters, nonzeros, MACs and bytes (`summary(model)`, `%summary`). */
import { z } from 'zod';
import { barLabels, logAxis, magnitudeAxis } from '../scales.js';
import { count, defineKind, formatInt as int, formatPercent as pct, formatShape as dims, fraction, shape, version } from '../base.js';

export const SummaryLayer = z.object({
  name: z.string(),
  type: z.string(),
  outputShape: shape,
  params: count,
  nonzeros: count,
  sparsity: fraction,
  /** Multiply-accumulates per sample. */
  macs: count,
  /** Bytes of the weights at their stored precision (fp32 unless quantized). */
  bytes: count,
  /** Bits per weight, when quantized. */
  bits: z.number().nullable().optional(),
  /** Weights that are NaN or ±Infinity (operations other than summary and lossless save reject them). */
  nonFinite: count.optional(),
});

export const SummaryReport = z.object({
  kind: z.literal('summary'),
  version,
  model: z.string(),
  layers: z.array(SummaryLayer),
  totals: z.object({ params: count, nonzeros: count, sparsity: fraction, macs: count, bytes: count, nonFinite: count.optional() }),
});

export type SummaryLayer = z.infer<typeof SummaryLayer>;
export type SummaryReport = z.infer<typeof SummaryReport>;

export const summaryKind = defineKind({
  schema: SummaryReport,
  title: (r) => `summary of ${r.model}`,
  tableFirst: true,
  table: (r) => {
    // the non-finite column appears only when there is something to see
    const bad = (r.totals.nonFinite ?? 0) > 0;
    return {
      title: `Summary of ${r.model}`,
      columns: ['layer', 'type', 'output', 'params', 'nonzeros', 'sparsity', 'MACs', 'bytes', ...(bad ? ['NaN/Inf'] : [])],
      rows: r.layers.map((l) => [
        l.name,
        l.type,
        dims(l.outputShape),
        int(l.params),
        int(l.nonzeros),
        pct(l.sparsity),
        int(l.macs),
        int(l.bytes),
        ...(bad ? [int(l.nonFinite ?? 0)] : []),
      ]),
      notes: [
        `total: ${int(r.totals.params)} params, ${int(r.totals.nonzeros)} nonzero (${pct(r.totals.sparsity)} sparse), ${int(r.totals.macs)} MACs/sample, ${int(r.totals.bytes)} bytes`,
        ...(bad
          ? [`${int(r.totals.nonFinite!)} weights are NaN or ±Infinity: pruning, quantization and lossy saves reject this model`]
          : []),
      ],
    };
  },
  figures: (r) => {
    // layers without weights (pooling, flatten, …) have no bars to draw
    const shown = r.layers.filter((l) => l.params > 0);
    const x = shown.map((l) => l.name);
    const params = shown.map((l) => l.params);
    const nonzeros = shown.map((l) => l.nonzeros);
    const all = [...params, ...nonzeros];
    return [
      {
        title: `Parameters and nonzeros per layer — ${r.model}`,
        data: [
          { type: 'bar', name: 'params', x, y: params, ...barLabels(params) },
          { type: 'bar', name: 'nonzeros', x, y: nonzeros, ...barLabels(nonzeros, params) },
        ],
        // one layer often holds 100× another's weights: log then, with the counts written on the bars
        layout: { barmode: 'group', yaxis: { title: 'count', ...magnitudeAxis(all) } },
        logToggle: true,
        logAxis: logAxis(all),
      },
    ];
  },
  panel: { headline: (r) => ['', `${int(r.totals.bytes)} bytes, ${pct(r.totals.sparsity)} sparse`] },
});
