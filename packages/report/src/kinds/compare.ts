/** `compare`: two models side by side — accuracy, size, latency, agreement (`compare`, `%compare`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, fraction, version } from '../base.js';
import { pct } from '../figure.js';

const CompareSide = z.object({
  name: z.string(),
  accuracy: fraction,
  params: count,
  nonzeros: count,
  bytes: count,
  latencyMs: z.number().nonnegative().nullable(),
});
type CompareSide = z.infer<typeof CompareSide>;

export const CompareReport = z.object({
  kind: z.literal('compare'),
  version,
  title: z.string(),
  a: CompareSide,
  b: CompareSide,
  /** Fraction of samples where both models predict the same class. */
  agreement: fraction,
  /** Mean KL(a ‖ b) between output distributions. */
  meanKl: z.number().nonnegative(),
  samples: count,
});

export type CompareReport = z.infer<typeof CompareReport>;

const ratio = (a: number, b: number) => (b > 0 ? `${sig(a / b, 3)}×` : '–');

/**
 * One panel per quantity, each on its own axis: accuracy, nonzeros and bytes differ by orders of magnitude and
 * in unit, so one shared axis would flatten two of them.
 */
const PANELS = [
  { label: 'accuracy', axis: 'accuracy %', value: (s: CompareSide) => pct(s.accuracy) },
  { label: 'nonzeros', axis: 'nonzero weights', value: (s: CompareSide) => s.nonzeros },
  { label: 'size', axis: 'bytes', value: (s: CompareSide) => s.bytes },
];
/** The model's colour in every panel (plotly's first two), so one legend entry names both of its bars. */
const COLOURS = ['#1f77b4', '#ff7f0e'];

export const compareKind = defineKind({
  schema: CompareReport,
  tableFirst: true,
  table: (r) => ({
    title: r.title,
    columns: ['', r.a.name, r.b.name],
    rows: [
      ['accuracy', formatPercent(r.a.accuracy), formatPercent(r.b.accuracy)],
      ['params', int(r.a.params), int(r.b.params)],
      ['nonzeros', int(r.a.nonzeros), int(r.b.nonzeros)],
      ['bytes', int(r.a.bytes), int(r.b.bytes)],
      // how many times smaller than the first model (the "before" of a before/after table)
      ['ratio (× smaller)', ratio(r.a.bytes, r.a.bytes), ratio(r.a.bytes, r.b.bytes)],
      ['latency ms', sig(r.a.latencyMs, 3), sig(r.b.latencyMs, 3)],
    ],
    notes: [`top-1 agreement ${formatPercent(r.agreement)}, mean KL ${sig(r.meanKl, 3)} over ${int(r.samples)} samples`],
  }),
  figures: (r) => [
    {
      title: r.title,
      data: [r.a, r.b].flatMap((side, i) =>
        PANELS.map((p, j) => ({
          type: 'bar' as const,
          name: side.name,
          legendgroup: `model ${i}`,
          showlegend: j === 0,
          marker: { color: COLOURS[i] },
          x: [p.label],
          y: [p.value(side)],
          xaxis: j ? `x${j + 1}` : 'x',
          yaxis: j ? `y${j + 1}` : 'y',
        })),
      ),
      layout: {
        barmode: 'group',
        grid: { rows: 1, columns: PANELS.length, pattern: 'independent' },
        ...Object.fromEntries(PANELS.map((p, j) => [j ? `yaxis${j + 1}` : 'yaxis', { title: p.axis, rangemode: 'tozero' }])),
      },
    },
  ],
  panel: {
    points: (r) => [r.a, r.b].map((s) => ({ label: s.name, bytes: s.bytes, accuracy: s.accuracy })),
    headline: (r) => [`${formatPercent(r.a.accuracy)} vs ${formatPercent(r.b.accuracy)}`, `agreement ${formatPercent(r.agreement)}`],
  },
});
