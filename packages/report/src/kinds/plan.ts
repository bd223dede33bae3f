/**
 * `plan`: a compression plan chosen for a budget (`autoCompress`, `whittle compress`, `%compress`):
 * each layer's technique and level, predicted against measured accuracy, bytes and latency
 * against the budget for every round, and uniform settings on the same size-vs-accuracy plot.
 */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, fraction, num, version } from '../base.js';
import type { Trace } from '../figure.js';
import { pct } from '../figure.js';
import { logAxis } from '../scales.js';

export const PlanReport = z.object({
  kind: z.literal('plan'),
  version,
  title: z.string(),
  model: z.string(),
  /** How sizes are counted: bytes on disk or gzip of them. */
  size: z.enum(['bytes', 'gzip']),
  techniques: z.array(z.string()),
  budget: z.object({ bytes: num.optional(), ratio: num.optional(), latencyMs: num.optional(), maxAccuracyDrop: num.optional() }),
  original: z.object({ bytes: count, accuracy: fraction, latencyMs: num }),
  /** The chosen round's plan. */
  layers: z.array(
    z.object({
      name: z.string(),
      params: count,
      sparsity: fraction,
      /** 2…8, or 32 for float32 (or clustered). */
      bits: count,
      /** k-means centroids of the layer's codebook, when clustered. */
      clusters: count.optional(),
      /** Low-rank factorization: the rank r of the two factor layers replacing the kernel (each at `bits`). */
      rank: count.optional(),
      /** The layer's kernel encoded under this choice. */
      bytes: count,
      /** Calibration-accuracy drop with only this layer changed. */
      predictedDrop: num,
    }),
  ),
  rounds: z.array(
    z.object({
      round: count,
      /** Byte capacity the planner was given (null: planned for maxAccuracyDrop). */
      capacityBytes: num.nullable(),
      predictedBytes: count,
      /** Original test accuracy minus the summed per-layer drops (layer effects assumed additive). */
      predictedAccuracy: num,
      /** Measured before fine-tuning: where the additivity assumption shows. */
      accuracyBeforeFineTune: fraction,
      bytes: count,
      accuracy: fraction,
      latencyMs: num,
      /** The Adam learning rate the round was fine-tuned at (absent: no fine-tuning). */
      learningRate: num.optional(),
      /** When several rates were tried: each one's accuracy on the validation slice held out of `train`. */
      validation: z.object({ samples: count, rates: z.array(z.object({ learningRate: num, accuracy: fraction, loss: num })) }).optional(),
      met: z.boolean(),
      /** What was missed, in words. */
      missed: z.array(z.string()),
    }),
  ),
  chosenRound: count,
  /** Uniform settings (every layer the same), applied without fine-tuning. */
  baselines: z.array(z.object({ label: z.string(), bytes: count, accuracy: fraction })),
  search: z.object({
    points: count,
    seconds: num,
    workers: count,
    calibrationSamples: count,
    crashes: z.array(z.object({ worker: count, error: z.string(), tasks: count })),
  }),
  epochs: count,
});

export type PlanReport = z.infer<typeof PlanReport>;

const level = (l: { sparsity: number; bits: number; clusters?: number; rank?: number }) =>
  [
    l.rank ? `rank ${l.rank}` : '',
    l.sparsity > 0 ? `${Math.round(l.sparsity * 100)}% sparse` : '',
    l.clusters ? `${l.clusters} clusters` : l.bits < 32 ? `${l.bits}-bit` : 'fp32',
  ]
    .filter(Boolean)
    .join(', ');

/** ' at Adam 3e-4 (of 1e-3 97.9 %, 3e-4 99.0 %, 1e-4 98.8 % on 800 validation samples)' */
function rateText(x: PlanReport['rounds'][number]): string {
  if (x.learningRate === undefined) return '';
  const v = x.validation;
  const tried = v
    ? ` (of ${v.rates.map((t) => `${sig(t.learningRate, 3)} ${formatPercent(t.accuracy)}`).join(', ')} on ${int(v.samples)} validation samples)`
    : '';
  return ` at Adam ${sig(x.learningRate, 3)}${tried}`;
}

function budgetText(r: PlanReport): string {
  const b = r.budget;
  return [
    b.bytes !== undefined ? `≤ ${int(b.bytes)} B` : '',
    b.ratio !== undefined ? `≥ ${b.ratio}× smaller` : '',
    b.latencyMs !== undefined ? `≤ ${b.latencyMs} ms` : '',
    b.maxAccuracyDrop !== undefined ? `drop ≤ ${sig(b.maxAccuracyDrop * 100, 3)} pp` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export const planKind = defineKind({
  schema: PlanReport,
  tableFirst: true,
  table: (r) => {
    const chosen = r.rounds.find((x) => x.round === r.chosenRound);
    return {
      title: r.title,
      columns: ['layer', 'params', 'technique and level', `${r.size === 'gzip' ? 'gzip ' : ''}bytes`, 'predicted drop'],
      rows: r.layers.map((l) => [l.name, int(l.params), level(l), int(l.bytes), `${sig(l.predictedDrop * 100, 3)} pp`]),
      notes: [
        `budget: ${budgetText(r)}; original ${int(r.original.bytes)} B, ${formatPercent(r.original.accuracy)}, ${sig(r.original.latencyMs, 3)} ms`,
        ...r.rounds.map(
          (x) =>
            `round ${x.round}: predicted ${int(x.predictedBytes)} B, ${formatPercent(Math.max(0, x.predictedAccuracy))}; ` +
            `measured ${int(x.bytes)} B, ${formatPercent(x.accuracyBeforeFineTune)} before / ${formatPercent(x.accuracy)} after ${r.epochs} fine-tuning epochs${rateText(x)}, ` +
            `${sig(x.latencyMs, 3)} ms — ${x.met ? 'budget met' : `missed: ${x.missed.join('; ')}`}`,
        ),
        `chosen: round ${r.chosenRound}${chosen && !chosen.met ? ' (no round met the budget)' : ''}`,
        `search: ${int(r.search.points)} points on ${int(r.search.calibrationSamples)} calibration samples in ${sig(r.search.seconds, 3)} s, ` +
          `${r.search.workers} thread${r.search.workers === 1 ? '' : 's'}` +
          (r.search.crashes.length
            ? `; ${r.search.crashes.length} worker crash(es) re-run: ${r.search.crashes.map((c) => c.error).join('; ')}`
            : ''),
      ],
    };
  },
  figures: (r) => {
    const rounds = r.rounds;
    const accs = [r.original.accuracy, ...rounds.map((x) => x.accuracy), ...r.baselines.map((b) => b.accuracy)];
    const data: Trace[] = [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'uniform (no fine-tuning)',
        x: r.baselines.map((b) => b.bytes),
        y: r.baselines.map((b) => pct(b.accuracy)),
        text: r.baselines.map((b) => b.label),
        marker: { color: '#7f7f7f' },
        hovertemplate: '%{text}<br>%{x} B<br>%{y}%<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'plan, predicted',
        x: rounds.map((x) => x.predictedBytes),
        y: rounds.map((x) => pct(Math.max(0, x.predictedAccuracy))),
        text: rounds.map((x) => `round ${x.round}`),
        marker: { symbol: 'circle-open', size: 10, color: '#1f77b4' },
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'plan, before fine-tuning',
        x: rounds.map((x) => x.bytes),
        y: rounds.map((x) => pct(x.accuracyBeforeFineTune)),
        text: rounds.map((x) => `round ${x.round}`),
        marker: { symbol: 'x', size: 9, color: '#ff7f0e' },
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: `plan, after ${r.epochs} epochs`,
        x: rounds.map((x) => x.bytes),
        y: rounds.map((x) => pct(x.accuracy)),
        text: rounds.map((x) => `round ${x.round}${x.met ? '' : ' (missed)'}`),
        marker: { size: 11, color: '#2ca02c' },
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: 'original',
        x: [r.original.bytes],
        y: [pct(r.original.accuracy)],
        marker: { symbol: 'diamond', size: 10, color: '#000000' },
      },
    ];
    const limit = Math.min(r.budget.bytes ?? Infinity, r.budget.ratio ? r.original.bytes / r.budget.ratio : Infinity);
    if (Number.isFinite(limit))
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: 'byte budget',
        x: [limit, limit],
        y: [pct(Math.min(...accs)), pct(Math.max(...accs))],
        line: { dash: 'dash', color: '#d62728' },
      });
    return [
      {
        title: `${r.title}: size vs accuracy`,
        data,
        layout: {
          xaxis: {
            title: `${r.size === 'gzip' ? 'gzip ' : ''}bytes`,
            ...logAxis([r.original.bytes, ...rounds.flatMap((x) => [x.bytes, x.predictedBytes]), ...r.baselines.map((b) => b.bytes)]),
          },
          yaxis: { title: 'test accuracy %' },
        },
      },
      {
        title: `${r.title}: per-layer choice`,
        data: [
          // bars on two axes group side by side only with an offset group each;
          // a clustered layer: log2 k, the bits an index into its codebook carries before Huffman coding
          {
            type: 'bar',
            name: 'bits',
            x: r.layers.map((l) => l.name),
            y: r.layers.map((l) => (l.clusters ? Math.log2(l.clusters) : l.bits)),
            offsetgroup: 'bits',
          },
          {
            type: 'bar',
            name: 'sparsity %',
            x: r.layers.map((l) => l.name),
            y: r.layers.map((l) => pct(l.sparsity)),
            yaxis: 'y2',
            offsetgroup: 'sparsity',
          },
        ],
        layout: {
          height: 260,
          barmode: 'group',
          yaxis: { title: 'bits' },
          yaxis2: { title: 'sparsity %', overlaying: 'y', side: 'right', range: [0, 100] },
        },
      },
    ];
  },
  panel: {
    points: (r) => {
      const x = r.rounds.find((y) => y.round === r.chosenRound);
      return x ? [{ label: `${r.model} plan`, bytes: x.bytes, accuracy: x.accuracy }] : [];
    },
    headline: (r) => {
      const x = r.rounds.find((y) => y.round === r.chosenRound);
      return x ? [formatPercent(x.accuracy), `${int(x.bytes)} B${x.met ? '' : ' (budget missed)'}`] : ['', ''];
    },
  },
});
