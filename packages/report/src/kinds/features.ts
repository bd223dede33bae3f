/** `features`: which input features input pruning kept, and accuracy per round (`pruneInputs`, `%prune_inputs`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, fraction, num, version } from '../base.js';
import { pct, type Figure } from '../figure.js';

export const FeatureScore = z.object({
  /** Index in the original input. */
  index: count,
  /** The feature's name when the data has names (a word), else null. */
  name: z.string().nullable(),
  /** Its score in the last round that ranked it (higher = more important). */
  score: num,
});

export const FeaturesReport = z.object({
  kind: z.literal('features'),
  version,
  title: z.string(),
  model: z.string(),
  method: z.string(),
  /** What the score measures, e.g. 'mean |∂loss/∂x|'. */
  criterion: z.string(),
  featuresBefore: count,
  featuresAfter: count,
  paramsBefore: count,
  paramsAfter: count,
  /** Indices of the kept features in the original input, ascending (what `selectFeatures` takes). */
  kept: z.array(count),
  /** For pixel features, the kept mask as a picture: values[r·cols + c] is 1 when kept. */
  mask: z.object({ rows: count, cols: count, values: z.array(fraction) }).nullable(),
  /** The highest-scoring kept features, best first (at most 30). */
  top: z.array(FeatureScore),
  /** Round 0 is the model before pruning; accuracy is on `evaluatedOn`. */
  rounds: z.array(z.object({ round: count, features: count, accuracy: fraction, loss: num })),
  evaluatedOn: z.string(),
});

export type FeatureScore = z.infer<typeof FeatureScore>;
export type FeaturesReport = z.infer<typeof FeaturesReport>;

const label = (f: FeatureScore) => f.name ?? `#${f.index}`;

function figures(r: FeaturesReport): Figure[] {
  const out: Figure[] = [];
  if (r.mask) {
    const m = r.mask;
    out.push({
      title: `Kept input features (${r.featuresAfter} of ${r.featuresBefore}, shown as ${m.rows}×${m.cols})`,
      data: [
        {
          type: 'heatmap',
          z: Array.from({ length: m.rows }, (_, row) => m.values.slice(row * m.cols, (row + 1) * m.cols)),
          colorscale: 'Greys',
          zmin: 0,
          zmax: 1,
          showscale: false,
        },
      ],
      layout: { yaxis: { autorange: 'reversed', scaleanchor: 'x' } },
    });
  } else if (r.top.length) {
    const top = [...r.top].reverse(); // best at the top of a horizontal bar chart
    out.push({
      title: `Top kept features by ${r.criterion}`,
      data: [{ type: 'bar', orientation: 'h', name: r.criterion, x: top.map((f) => f.score), y: top.map(label) }],
      layout: { height: 120 + 18 * top.length, xaxis: { title: r.criterion }, margin: { l: 140 } },
    });
  }
  if (r.rounds.length > 1)
    out.push({
      title: `Accuracy per round (${r.evaluatedOn})`,
      data: [
        {
          type: 'scatter',
          mode: 'lines+markers',
          name: 'accuracy',
          x: r.rounds.map((x) => x.features),
          y: r.rounds.map((x) => pct(x.accuracy)),
          text: r.rounds.map((x) => `round ${x.round}`),
        },
      ],
      layout: { xaxis: { title: 'input features', autorange: 'reversed' }, yaxis: { title: 'accuracy %' } },
    });
  return out;
}

export const featuresKind = defineKind({
  schema: FeaturesReport,
  table: (r) => ({
    title: r.title,
    columns: ['round', 'features', 'accuracy', 'loss'],
    rows: r.rounds.map((x) => [x.round, int(x.features), formatPercent(x.accuracy), sig(x.loss)]),
    notes: [
      `${r.method} (${r.criterion}): ${int(r.featuresBefore)} → ${int(r.featuresAfter)} input features; params ${int(r.paramsBefore)} → ${int(r.paramsAfter)}; accuracy on ${r.evaluatedOn}`,
      `top kept: ${r.top
        .slice(0, 10)
        .map((f) => `${label(f)} (${sig(f.score, 3)})`)
        .join(', ')}`,
    ],
  }),
  tableFirst: false,
  figures,
  panel: {
    headline: (r) => [
      `${formatPercent(r.rounds[0]?.accuracy)} → ${formatPercent(r.rounds.at(-1)?.accuracy)}`,
      `${int(r.featuresAfter)} of ${int(r.featuresBefore)} inputs`,
    ],
  },
});
