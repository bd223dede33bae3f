/** `pareto`: size vs accuracy of many configurations, with the front marked (`sweep`, `%sweep`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, fraction, version } from '../base.js';
import { pct, type Figure } from '../figure.js';
import { logAxis } from '../scales.js';

export const ParetoReport = z.object({
  kind: z.literal('pareto'),
  version,
  title: z.string(),
  points: z.array(
    z.object({
      label: z.string(),
      /** Bytes actually written by save. */
      bytes: count,
      accuracy: fraction,
      onFront: z.boolean(),
      config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    }),
  ),
});

export type ParetoReport = z.infer<typeof ParetoReport>;

/** An axis range with 10 % of its span (at least 1 % of the value) added on each side: room for the point labels. */
function padded(v: number[]): [number, number] {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pad = Math.max((hi - lo) * 0.1, Math.abs(hi) * 0.01, 0.01);
  return [lo - pad, hi + pad];
}

export const paretoKind = defineKind({
  schema: ParetoReport,
  table: (r) => ({
    title: r.title,
    columns: ['configuration', 'bytes', 'accuracy', 'on front'],
    rows: r.points.map((p) => [p.label, int(p.bytes), formatPercent(p.accuracy), p.onFront ? 'yes' : '']),
    notes: [],
  }),
  figures: (r): Figure[] => {
    const front = r.points.filter((p) => p.onFront).sort((a, b) => a.bytes - b.bytes);
    const bySize = [...r.points].sort((a, b) => a.bytes - b.bytes);
    const bytes = r.points.map((p) => p.bytes);
    const acc = r.points.map((p) => pct(p.accuracy));
    return [
      {
        title: r.title,
        data: [
          {
            type: 'scatter',
            mode: 'lines',
            name: 'Pareto front',
            x: front.map((p) => p.bytes),
            y: front.map((p) => pct(p.accuracy)),
            line: { width: 2 },
            hovertemplate: '%{x} bytes<br>%{y}%<extra></extra>',
          },
          {
            type: 'scatter',
            mode: 'markers+text',
            name: 'configurations',
            x: r.points.map((p) => p.bytes),
            y: r.points.map((p) => pct(p.accuracy)),
            text: r.points.map((p) => p.label),
            // neighbours (in size) alternate above and below, so close labels do not print over each other
            textposition: r.points.map((p) => (bySize.indexOf(p) % 2 ? 'bottom center' : 'top center')),
            textfont: { size: 10 },
            marker: { size: 8 },
            cliponaxis: false,
            hovertemplate: '%{text}<br>%{x} bytes<br>%{y}%<extra></extra>',
          },
        ],
        layout: {
          xaxis: { title: 'bytes', ...logAxis(bytes), range: padded(bytes.map(Math.log10)) },
          yaxis: { title: 'accuracy %', range: padded(acc) },
        },
      },
    ];
  },
  panel: {
    points: (r) => r.points.map((p) => ({ label: p.label, bytes: p.bytes, accuracy: p.accuracy })),
    headline: (r) => ['', `${r.points.filter((p) => p.onFront).length} of ${r.points.length} on the front`],
  },
});
