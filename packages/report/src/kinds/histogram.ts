/** `histogram`: one or more histograms on one axis (`weightHistogram`, `%histogram`). */
import { z } from 'zod';
import { defineKind, formatInt as int, formatSig as sig, Histogram, version } from '../base.js';
import { bars, histogramFigure } from '../figure.js';

export const HistogramReport = z.object({
  kind: z.literal('histogram'),
  version,
  title: z.string(),
  /** Each series is drawn as its own histogram (e.g. 'before' and 'after'). */
  series: z.array(Histogram.extend({ label: z.string() })),
  /** Log-scaled counts; when absent the viewer decides from the data (log when one bin dwarfs the rest). */
  logY: z.boolean().optional(),
  /** What the values are, for the x-axis title (default 'weight value'). */
  xTitle: z.string().optional(),
});

export type HistogramReport = z.infer<typeof HistogramReport>;

export const histogramKind = defineKind({
  schema: HistogramReport,
  table: (r) => ({
    title: r.title,
    columns: ['series', 'samples', 'min', 'max', 'zero bin'],
    rows: r.series.map((s) => {
      const zeroBin = s.binEdges.findIndex((e, i) => e <= 0 && (s.binEdges[i + 1] ?? Infinity) > 0);
      return [
        s.label,
        int(s.counts.reduce((a, b) => a + b, 0)),
        sig(s.binEdges[0]),
        sig(s.binEdges.at(-1)),
        zeroBin >= 0 ? int(s.counts[zeroBin] ?? 0) : '–',
      ];
    }),
    notes: [],
  }),
  figures: (r) => [
    histogramFigure(
      r.title,
      r.xTitle ?? 'weight value',
      r.series.map((s) => bars(s, s.label)),
      r.logY,
    ),
  ],
  panel: { headline: (r) => ['', `${r.series.length} series`] },
});
