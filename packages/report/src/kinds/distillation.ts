/** `distillation`: a student trained from a teacher — loss terms per epoch, student beside teacher (`distill`, `%distill`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, fraction, num, version } from '../base.js';
import { pct } from '../figure.js';

const DistilledModel = z.object({
  name: z.string(),
  params: count,
  /** Bytes of the saved stock-tfjs folder, and gzipped. */
  bytes: count,
  gzipBytes: count,
  /** On the validation set, when one was given. */
  accuracy: fraction.nullable(),
});

export const DistillationReport = z.object({
  kind: z.literal('distillation'),
  version,
  title: z.string(),
  temperature: z.number().positive(),
  alpha: fraction,
  teacher: DistilledModel,
  student: DistilledModel,
  /** Fraction of validation samples where student and teacher predict the same class. */
  agreement: fraction.nullable(),
  epochs: z.array(
    z.object({
      epoch: count,
      /** Mean T²·KL(teacher ‖ student) over the epoch's steps. */
      soft: num,
      /** Mean cross-entropy with the labels over the epoch's steps. */
      hard: num,
      /** Mean training loss α·soft + (1 − α)·hard. */
      loss: num,
      /** Student's validation accuracy after the epoch. */
      accuracy: fraction.nullable(),
    }),
  ),
});

export type DistillationReport = z.infer<typeof DistillationReport>;

export const distillationKind = defineKind({
  schema: DistillationReport,
  tableFirst: true,
  table: (r) => ({
    title: r.title,
    columns: ['', 'teacher', 'student', 'student / teacher'],
    rows: [
      ['model', r.teacher.name, r.student.name, ''],
      ['params', int(r.teacher.params), int(r.student.params), `${((100 * r.student.params) / r.teacher.params).toFixed(1)}%`],
      ['bytes', int(r.teacher.bytes), int(r.student.bytes), `${(r.teacher.bytes / r.student.bytes).toFixed(2)}× smaller`],
      ['accuracy', formatPercent(r.teacher.accuracy), formatPercent(r.student.accuracy), ''],
    ],
    notes: [
      `T = ${r.temperature}, α = ${r.alpha}; top-1 agreement with the teacher ${formatPercent(r.agreement)}`,
      ...r.epochs.map(
        (e) =>
          `epoch ${e.epoch}: soft (T²·KL) ${sig(e.soft)}, hard (CE) ${sig(e.hard)}, loss ${sig(e.loss)}, accuracy ${formatPercent(e.accuracy)}`,
      ),
    ],
  }),
  figures: (r) => {
    const epochs = r.epochs.map((e) => e.epoch);
    const withAccuracy = r.epochs.filter((e) => e.accuracy !== null);
    return [
      {
        title: `${r.title}: loss terms per epoch`,
        data: [
          { type: 'scatter', mode: 'lines+markers', name: 'soft: T²·KL(teacher ‖ student)', x: epochs, y: r.epochs.map((e) => e.soft) },
          { type: 'scatter', mode: 'lines+markers', name: 'hard: cross-entropy with labels', x: epochs, y: r.epochs.map((e) => e.hard) },
          ...(withAccuracy.length
            ? [
                {
                  type: 'scatter' as const,
                  mode: 'lines+markers' as const,
                  name: 'student accuracy %',
                  x: withAccuracy.map((e) => e.epoch),
                  y: withAccuracy.map((e) => pct(e.accuracy!)),
                  yaxis: 'y2',
                },
              ]
            : []),
        ],
        layout: {
          xaxis: { title: { text: 'epoch' }, dtick: 1 },
          yaxis: { title: { text: 'loss' } },
          yaxis2: { title: { text: 'accuracy %' }, overlaying: 'y', side: 'right' },
        },
      },
    ];
  },
  panel: {
    points: (r) =>
      [r.teacher, r.student].filter((s) => s.accuracy !== null).map((s) => ({ label: s.name, bytes: s.bytes, accuracy: s.accuracy! })),
    headline: (r) => [
      formatPercent(r.student.accuracy),
      `student of ${r.teacher.name}: ${int(r.student.params)} params, agreement ${formatPercent(r.agreement)}`,
    ],
  },
});
