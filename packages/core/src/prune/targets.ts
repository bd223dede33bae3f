/** Which weights pruning touches: kernels of Dense/Conv layers, minus what the caller skips. */
import type * as tf from '@tensorflow/tfjs';
import { minimatch } from 'minimatch';
import { fail } from '../errors.js';
import { kernelOf } from '../models/weights.js';

export interface Target {
  layer: tf.layers.Layer;
  /** Index of the kernel in layer.getWeights(). */
  index: number;
  shape: number[];
}

/** The layer(s) producing the model's outputs: the classifier, dense unless asked for. */
export function outputLayerNames(model: tf.LayersModel): Set<string> {
  const names = model.outputs.map((t) => t.sourceLayer.name);
  return new Set(names.length ? names : [model.layers.at(-1)!.name]);
}

export const matches = (name: string, patterns: string[]) => patterns.some((p) => p === name || minimatch(name, p));

/**
 * Prunable kernels. Biases and BatchNorm are never pruned; the last classifier
 * layer stays dense unless `includeOutput` or the sparsity map names it.
 */
export function selectTargets(
  model: tf.LayersModel,
  opts: { skip?: string[]; only?: string[]; includeOutput?: boolean; where: string },
): Target[] {
  const outputs = outputLayerNames(model);
  const all = model.layers.filter((l) => kernelOf(l));
  for (const pattern of [...(opts.skip ?? []), ...(opts.only ?? [])]) {
    if (!all.some((l) => matches(l.name, [pattern]))) {
      fail(opts.where, `no prunable layer matches '${pattern}'; prunable layers: ${all.map((l) => l.name).join(', ')}`);
    }
  }
  return all
    .filter((l) => (opts.only ? matches(l.name, opts.only) : opts.includeOutput || !outputs.has(l.name)))
    .filter((l) => !matches(l.name, opts.skip ?? []))
    .map((layer) => {
      const { index, shape } = kernelOf(layer)!;
      return { layer, index, shape };
    });
}
