/**
 * Weight histograms of several models on shared bins — "before and after" a
 * compression step — as a Whittle histogram report: the zero spike after
 * pruning and the discrete levels after quantization show up side by side.
 */
import type * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { checkModel } from '../models/check.js';
import { selectTargets, matches } from '../prune/targets.js';
import { histogram, type HistogramReport } from '@whittle/report';
import { checkOptions, optionKeys } from '../options.js';

export interface WeightHistogramOptions {
  /** Layer names or globs to include (default: every prunable kernel, classifier included). */
  layers?: string[];
  bins?: number;
  /** Log-scaled y axis (default: the viewer decides from the counts — log when one bin, e.g. a pruned model's zero bin, dwarfs the rest). */
  logY?: boolean;
  title?: string;
}
const HISTOGRAM_KEYS = optionKeys<WeightHistogramOptions>({ layers: true, bins: true, logY: true, title: true });

const WHERE = 'weightHistogram';

/** Histograms of the kernels of each model in `series` (label → model), over one common range. */
export function weightHistogram(series: Record<string, tf.LayersModel>, options: WeightHistogramOptions = {}): HistogramReport {
  checkOptions('weightHistogram', options, HISTOGRAM_KEYS);
  const entries = Object.entries(series);
  if (entries.length === 0) fail(WHERE, 'give at least one model, e.g. weightHistogram({ before: model, after: pruned })');
  const bins = options.bins ?? 80;
  if (!Number.isInteger(bins) || bins < 1 || bins > 10_000) fail(WHERE, `bins must be an integer in [1, 10000], got ${String(bins)}`);
  const values = entries.map(([label, model]) => {
    checkModel(WHERE, model, label);
    const targets = selectTargets(model, { only: options.layers, includeOutput: true, where: WHERE });
    const chunks = targets.map((t) => t.layer.getWeights()[t.index]!.dataSync() as Float32Array);
    const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((offset, c) => (all.set(c, offset), offset + c.length), 0);
    return { label, all, names: targets.map((t) => t.layer.name) };
  });
  let lo = Infinity;
  let hi = -Infinity;
  for (const { all } of values) for (const v of all) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const layers = options.layers ? values[0]!.names.filter((n) => matches(n, options.layers!)) : [];
  return {
    kind: 'histogram',
    version: 1,
    title: options.title ?? `Weights${layers.length ? ` of ${layers.join(', ')}` : ''}: ${entries.map(([l]) => l).join(' vs ')}`,
    series: values.map(({ label, all }) => ({ label, ...histogram(all, bins, Number.isFinite(lo) ? [lo, hi] : undefined) })),
    ...(options.logY !== undefined && { logY: options.logY }),
  };
}
