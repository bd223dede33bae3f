/** `evaluate`: a model's accuracy and loss on a dataset (`evaluate(model, data)`, `%evaluate`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, fraction, num, version } from '../base.js';
import { pct } from '../figure.js';

export const EvaluateReport = z.object({
  kind: z.literal('evaluate'),
  version,
  model: z.string(),
  accuracy: fraction,
  loss: num,
  samples: count,
});

export type EvaluateReport = z.infer<typeof EvaluateReport>;

export const evaluateKind = defineKind({
  schema: EvaluateReport,
  title: (r) => `evaluate of ${r.model}`,
  tableFirst: true,
  table: (r) => ({
    title: `Evaluation of ${r.model}`,
    columns: ['accuracy', 'loss', 'samples'],
    rows: [[formatPercent(r.accuracy), sig(r.loss), int(r.samples)]],
    notes: [],
  }),
  figures: (r) => [
    {
      title: `Accuracy of ${r.model} on ${r.samples} samples`,
      data: [
        { type: 'bar', name: 'correct', x: [pct(r.accuracy)], y: [r.model], marker: { color: '#2ca02c' }, orientation: 'h' },
        { type: 'bar', name: 'wrong', x: [pct(1 - r.accuracy)], y: [r.model], marker: { color: '#d62728' }, orientation: 'h' },
      ],
      layout: { barmode: 'stack', height: 160, xaxis: { title: '% of samples', range: [0, 100] } },
    },
  ],
  panel: { headline: (r) => [formatPercent(r.accuracy), ''] },
});
