/**
 * `prune(model, options) → { model, report, masks }`. The input model is never
 * changed: the result is a new model whose pruned weights are exactly zero
 * (unstructured, N:M) or whose pruned units are gone (structured).
 */
import * as tf from '@tensorflow/tfjs';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import type { SparsityReport } from '@whittle/report';
import { weightScores, type UnstructuredMethod } from './criteria.js';
import { calibrationBatch, leastSquaresRefitMasked } from './compensate.js';
import { globalMasks, layerMask, nmMask, type Masks } from './masks.js';
import { describeGranularity, normalize, PRUNE_KEYS, type PruneOptions } from './options.js';
import { checkOptions } from '../options.js';
import { sparsityReport, type PrunedKernel } from './report.js';
import { matches, selectTargets } from './targets.js';
import { pruneStructured } from './structured.js';

export interface PruneResult {
  model: tf.LayersModel;
  report: SparsityReport;
  /** Keep-masks of the pruned kernels (unstructured, N:M); empty for structured pruning. */
  masks: Masks;
}

/** Sparsity a map assigns to a layer: the first entry whose name or glob matches. */
function sparsityFor(map: number | Record<string, number>, layer: string): number {
  if (typeof map === 'number') return map;
  const hit = Object.entries(map).find(([pattern]) => matches(layer, [pattern]));
  return hit ? hit[1] : 0;
}

/** Masks for the unstructured / N:M options, computed from `model`'s current weights. */
export function computeMasks(model: tf.LayersModel, o: ReturnType<typeof normalize>) {
  const mapKeys = typeof o.sparsity === 'object' && o.sparsity !== null ? Object.keys(o.sparsity) : undefined;
  const targets = selectTargets(model, { skip: o.skip, only: mapKeys, includeOutput: o.includeOutput, where: 'prune' });
  const values = targets.map((t) => t.layer.getWeights()[t.index]!.dataSync() as Float32Array);
  const scores = values.map((v, i) => weightScores(v, o.method as UnstructuredMethod, o.seed + i));
  let masks: Uint8Array[];
  let thresholds: (number | null)[];
  if (o.nm) {
    masks = scores.map((s, i) => nmMask(s, targets[i]!.shape, o.nm!.n, o.nm!.m));
    thresholds = masks.map(() => null);
  } else if (o.scope === 'global') {
    const g = globalMasks(scores, o.sparsity as number);
    masks = g.masks;
    thresholds = masks.map(() => g.threshold);
  } else {
    const per = scores.map((s, i) => layerMask(s, sparsityFor(o.sparsity!, targets[i]!.layer.name)));
    masks = per.map((p) => p.mask);
    thresholds = per.map((p) => p.threshold);
  }
  const asData: Masks = Object.fromEntries(
    targets.map((t, i) => [t.layer.name, { layer: t.layer.name, shape: t.shape, values: masks[i]! }]),
  );
  return { targets, values, masks, thresholds, asData };
}

export function prune(model: tf.LayersModel, options: PruneOptions): PruneResult {
  checkModel('prune', model);
  checkOptions('prune', options, PRUNE_KEYS);
  checkFiniteWeights('prune', model);
  const o = normalize(options);
  if (o.structured) return pruneStructured(model, o);
  const { targets, values, masks, thresholds, asData } = computeMasks(model, o);
  const pruned = cloneModel(model);
  const keptValues: Float32Array[] = targets.map((t, i) => {
    const kept = new Float32Array(values[i]!.length);
    for (let j = 0; j < kept.length; j++) if (masks[i]![j]) kept[j] = values[i]![j]!;
    const layer = pruned.getLayer(t.layer.name);
    const weights = layer.getWeights();
    const replacement = tf.tensor(kept, t.shape);
    layer.setWeights(weights.map((w, j) => (j === t.index ? replacement : w)));
    replacement.dispose();
    return kept;
  });
  if (o.compensate === 'least-squares') {
    const x = calibrationBatch(model, o.calibration!, o.calibrationSamples);
    leastSquaresRefitMasked(model, pruned, Object.values(asData), x);
    x.dispose();
    targets.forEach((t, i) => (keptValues[i] = pruned.getLayer(t.layer.name).getWeights()[t.index]!.dataSync() as Float32Array));
  }
  const kernels: PrunedKernel[] = targets.map((t, i) => {
    const params = values[i]!.length;
    return {
      layer: t.layer.name,
      before: { shape: t.shape, values: values[i]!, params },
      after: { shape: t.shape, values: keptValues[i]!, params },
      mask: masks[i],
      threshold: o.method === 'magnitude' ? thresholds[i]! : null,
      criterion: o.nm ? `${o.method}, keep ${o.nm.n} of every ${o.nm.m}` : o.method === 'magnitude' ? '|w|' : `random (seed ${o.seed})`,
    };
  });
  const granularity = describeGranularity(o.granularity);
  const report = sparsityReport({
    title: `${o.method} pruning of ${model.name} (${granularity}, ${o.nm ? 'per group' : o.scope})`,
    method: o.method,
    granularity,
    scope: o.nm ? 'layer' : o.scope,
    physicallySmaller: false,
    before: model,
    after: pruned,
    kernels,
  });
  // masked weights are only smaller once stored sparsely: the model carries that format (io/storage.ts)
  return { model: pruned, report, masks: asData };
}
