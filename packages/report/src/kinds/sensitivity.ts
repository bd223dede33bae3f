/** `sensitivity`: a metric per layer at each pruning or quantization level (`sensitivity`, `%sensitivity`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, num, version } from '../base.js';
import { pct, type Trace } from '../figure.js';

export const SensitivityReport = z.object({
  kind: z.literal('sensitivity'),
  version,
  title: z.string(),
  technique: z.enum(['prune', 'quantize']),
  metric: z.string(),
  /** The metric of the untouched model. */
  baseline: num,
  /** Sparsities (prune) or bit widths (quantize), one per column of `values`. */
  levels: z.array(num),
  layers: z.array(z.object({ name: z.string(), values: z.array(num) })),
  /** Drop from baseline that a user would accept (drawn as a line). */
  maxDrop: z.number().nonnegative().optional(),
  samples: count.optional(),
  seconds: z.number().nonnegative().optional(),
});

export type SensitivityReport = z.infer<typeof SensitivityReport>;

/** Plot coordinates: sparsities and accuracies on 0–100 axes, bit widths and other metrics as they are. */
const levelsX = (r: SensitivityReport) => r.levels.map((l) => (r.technique === 'prune' ? pct(l) : l));
const metricY = (r: SensitivityReport) => (v: number) => (r.metric === 'accuracy' ? pct(v) : v);
const metricText = (r: SensitivityReport, v: number) => (r.metric === 'accuracy' ? formatPercent(v) : sig(v));

function figures(r: SensitivityReport) {
  const x = levelsX(r);
  const scale = metricY(r);
  const data: Trace[] = r.layers.map((l) => ({ type: 'scatter', mode: 'lines+markers', name: l.name, x, y: l.values.map(scale) }));
  data.push({
    type: 'scatter',
    mode: 'lines',
    name: 'baseline',
    x: [x[0]!, x.at(-1)!],
    y: [scale(r.baseline), scale(r.baseline)],
    line: { dash: 'dot' },
  });
  if (r.maxDrop !== undefined) {
    const t = scale(r.metric === 'loss' ? r.baseline + r.maxDrop : r.baseline - r.maxDrop);
    data.push({ type: 'scatter', mode: 'lines', name: 'acceptable drop', x: [x[0]!, x.at(-1)!], y: [t, t], line: { dash: 'dash' } });
  }
  return [
    {
      title: r.title,
      data,
      layout: {
        xaxis: { title: r.technique === 'prune' ? 'sparsity %' : 'bits', autorange: r.technique === 'quantize' ? 'reversed' : true },
        yaxis: { title: r.metric === 'accuracy' ? 'accuracy %' : r.metric },
      },
    },
  ];
}

export const sensitivityKind = defineKind({
  schema: SensitivityReport,
  table: (r) => ({
    title: r.title,
    columns: ['layer', ...r.levels.map((l) => (r.technique === 'prune' ? formatPercent(l) : `${l} bit`))],
    rows: r.layers.map((l) => [l.name, ...l.values.map((v) => metricText(r, v))]),
    notes: [`baseline ${r.metric}: ${metricText(r, r.baseline)}` + (r.samples ? ` on ${int(r.samples)} samples` : '')],
  }),
  figures,
  panel: {
    curves: (r) =>
      r.layers.map((l) => ({
        technique: r.technique === 'prune' ? 'pruning' : 'quantization',
        x: r.technique === 'prune' ? 'sparsity %' : 'bits',
        y: r.metric === 'accuracy' ? 'accuracy %' : r.metric,
        trace: { type: 'scatter', mode: 'lines+markers', name: l.name, x: levelsX(r), y: l.values.map(metricY(r)) },
      })),
    headline: (r) => [
      `baseline ${r.metric === 'accuracy' ? formatPercent(r.baseline) : r.baseline}`,
      `${r.layers.length} layers × ${r.levels.length} levels`,
    ],
  },
});
