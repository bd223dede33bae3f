import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';

/** Throws a one-line error unless `value` is a tfjs LayersModel. */
export function checkModel(where: string, value: unknown, name = 'model'): asserts value is tf.LayersModel {
  if (!(value instanceof tf.LayersModel)) {
    const what = value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    fail(where, `${name} must be a tf.LayersModel (from tf.sequential, tf.model or loadModel), got ${what}`);
  }
}

/** Where a model's weights are NaN or ±Infinity: the first one, and how many of each. */
export interface NonFinite {
  /** Weight path (`fc1/kernel`) and flat index of the first non-finite value. */
  first: { weight: string; index: number; value: number } | null;
  nan: number;
  inf: number;
}

/** Counts NaN and ±Infinity in `values`. */
export function countNonFinite(values: ArrayLike<number>): { nan: number; inf: number; firstIndex: number } {
  let nan = 0;
  let inf = 0;
  let firstIndex = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) continue;
    if (Number.isNaN(v)) nan++;
    else inf++;
    if (firstIndex < 0) firstIndex = i;
  }
  return { nan, inf, firstIndex };
}

/** Scans every float weight of `model` for NaN / ±Infinity. */
export function findNonFinite(model: tf.LayersModel): NonFinite {
  const out: NonFinite = { first: null, nan: 0, inf: 0 };
  for (const w of model.weights) {
    if (w.dtype !== 'float32') continue;
    const values = w.read().dataSync();
    const c = countNonFinite(values);
    out.nan += c.nan;
    out.inf += c.inf;
    if (!out.first && c.firstIndex >= 0) out.first = { weight: w.originalName, index: c.firstIndex, value: values[c.firstIndex]! };
  }
  return out;
}

/**
 * Throws a one-line error if any weight of `model` is NaN or ±Infinity.
 * Comparisons with NaN are always false, so thresholds, ranges and norms
 * computed from such weights are silently wrong; every operation that derives
 * numbers from weights rejects them up front. `summary` counts them, and a
 * lossless save keeps them bit for bit.
 */
export function checkFiniteWeights(where: string, model: tf.LayersModel): void {
  const f = findNonFinite(model);
  if (!f.first) return;
  const { weight, index, value } = f.first;
  fail(
    where,
    `weight '${weight}' has ${String(value)} at index ${index} (${f.nan} NaN, ${f.inf} ±Infinity in '${model.name}'); ` +
      `replace non-finite weights first (summary(model) counts them per layer)`,
  );
}

/** Throws a one-line error unless `value` is a model Whittle can run: a LayersModel or a GraphModel. */
export function checkRunnable(where: string, value: unknown, name = 'model'): asserts value is tf.LayersModel | tf.GraphModel {
  if (value instanceof tf.GraphModel) return;
  checkModel(where, value, name);
}
