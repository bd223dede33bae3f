/** `lowrank`: what low-rank factorization did to each chosen layer (`factorize`, `%factorize`). */
import { z } from 'zod';
import { count, defineKind, formatInt as int, formatPercent, formatSig as sig, fraction, num, version } from '../base.js';
import { pct, type Figure } from '../figure.js';
import { barLabels, logAxis, magnitudeAxis } from '../scales.js';

export const LowrankLayer = z.object({
  name: z.string(),
  type: z.string(),
  /** Kernel shape before: [in, out] or [kh, kw, cin, cout]. */
  shape: z.array(count),
  /** Singular values of the kernel (svd) or standard deviations of the outputs along their principal directions (pca), descending. */
  spectrum: z.array(num),
  /** Cumulative fraction of Σ spectrum², one per rank 1…len. */
  cumulativeEnergy: z.array(fraction),
  /** The r the budget chose (even when the layer was left whole). */
  rank: count,
  /** min(rows, cols) of the kernel viewed as a matrix. */
  maxRank: count,
  /** True when the layer was replaced by two factors. */
  factorized: z.boolean(),
  /** Why a layer was left whole (e.g. the factors would not be smaller). */
  reason: z.string().nullable(),
  paramsBefore: count,
  paramsAfter: count,
  macsBefore: count,
  macsAfter: count,
});

export const LowrankReport = z.object({
  kind: z.literal('lowrank'),
  version,
  title: z.string(),
  model: z.string(),
  method: z.string(),
  /** The budget as given, e.g. 'energy 0.9'. */
  budget: z.string(),
  layers: z.array(LowrankLayer),
  /** Whole model, every layer counted. */
  totals: z.object({ paramsBefore: count, paramsAfter: count, macsBefore: count, macsAfter: count }),
  /** Test accuracy before and after, when the caller measured it (the CLI and magic do). */
  accuracy: z.object({ before: fraction.nullable(), after: fraction.nullable() }).optional(),
});

export type LowrankLayer = z.infer<typeof LowrankLayer>;
export type LowrankReport = z.infer<typeof LowrankReport>;

/** One picker entry per layer: its spectrum (bars) and cumulative energy (line), the chosen rank marked. */
function figures(r: LowrankReport): Figure[] {
  const variants = r.layers.map((l) => {
    const ranks = l.spectrum.map((_, i) => i + 1);
    return {
      label: l.name,
      title: `${l.name}: ${r.method === 'pca' ? 'output std. dev. per principal direction' : 'singular values'}, rank ${l.rank} of ${l.maxRank}${l.factorized ? '' : ' (left whole)'}`,
      data: [
        { type: 'bar' as const, name: r.method === 'pca' ? 'std. dev.' : 'σ', x: ranks, y: l.spectrum },
        {
          type: 'scatter' as const,
          mode: 'lines' as const,
          name: 'cumulative energy %',
          x: ranks,
          y: l.cumulativeEnergy.map(pct),
          yaxis: 'y2',
        },
        {
          type: 'scatter' as const,
          mode: 'markers' as const,
          name: `chosen rank ${l.rank}`,
          x: [l.rank],
          y: [pct(l.cumulativeEnergy[l.rank - 1] ?? 1)],
          yaxis: 'y2',
          marker: { size: 12, symbol: 'diamond', color: '#d62728' },
        },
      ],
    };
  });
  const names = r.layers.map((l) => l.name);
  const out: Figure[] = [];
  if (variants.length)
    out.push({
      ...variants[0]!,
      layout: {
        xaxis: { title: 'rank' },
        yaxis: { title: r.method === 'pca' ? 'std. dev.' : 'singular value' },
        yaxis2: { title: 'cumulative energy %', overlaying: 'y', side: 'right', range: [0, 100] },
      },
      variants,
    });
  const before = r.layers.map((l) => l.paramsBefore);
  const after = r.layers.map((l) => l.paramsAfter);
  out.push({
    title: `Parameters per layer: ${int(r.totals.paramsBefore)} → ${int(r.totals.paramsAfter)}`,
    data: [
      { type: 'bar', name: 'before', x: names, y: before, ...barLabels(before) },
      { type: 'bar', name: 'after', x: names, y: after, ...barLabels(after, before) },
    ],
    layout: { barmode: 'group', yaxis: { title: 'parameters', ...magnitudeAxis([...before, ...after]) } },
    logToggle: true,
    logAxis: logAxis([...before, ...after]),
  });
  return out;
}

export const lowrankKind = defineKind({
  schema: LowrankReport,
  table: (r) => ({
    title: r.title,
    columns: ['layer', 'type', 'kernel', 'rank', 'energy kept', 'params', 'MACs', 'note'],
    rows: r.layers.map((l) => [
      l.name,
      l.type,
      l.shape.join('×'),
      `${l.rank} / ${l.maxRank}`,
      formatPercent(l.cumulativeEnergy[l.rank - 1] ?? 1),
      l.factorized ? `${int(l.paramsBefore)} → ${int(l.paramsAfter)}` : int(l.paramsBefore),
      l.factorized ? `${int(l.macsBefore)} → ${int(l.macsAfter)}` : int(l.macsBefore),
      l.reason ?? 'factorized',
    ]),
    notes: [
      `${r.method}, ${r.budget}: params ${int(r.totals.paramsBefore)} → ${int(r.totals.paramsAfter)} (${sig(r.totals.paramsBefore / Math.max(1, r.totals.paramsAfter), 3)}× fewer), MACs per sample ${int(r.totals.macsBefore)} → ${int(r.totals.macsAfter)}`,
      ...(r.accuracy ? [`accuracy ${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}`] : []),
    ],
  }),
  figures,
  panel: {
    headline: (r) => [
      r.accuracy ? `${formatPercent(r.accuracy.before)} → ${formatPercent(r.accuracy.after)}` : '',
      `${sig(r.totals.paramsBefore / Math.max(1, r.totals.paramsAfter), 3)}× fewer params`,
    ],
  },
});
