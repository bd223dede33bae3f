/**
 * Students by width: the same architecture with every hidden width scaled.
 * It reuses structured pruning's channel-dependency graph, so units coupled by
 * an Add or listed by a Concatenate shrink together and the rebuilt model is
 * always consistent; then every weight is drawn afresh (an untrained student).
 */
import * as tf from '@tensorflow/tfjs';
import { rng } from '../data/random.js';
import { fail } from '../errors.js';
import { checkModel } from '../models/check.js';
import { checkOptions, optionKeys } from '../options.js';
import { ChannelGraph } from '../prune/graph.js';
import { rebuild } from '../prune/surgery.js';

export interface ShrinkOptions {
  /** Seed of the fresh weights. Default 0. */
  seed?: number;
}
const SHRINK_KEYS = optionKeys<ShrinkOptions>({ seed: true });

/**
 * An untrained copy of `model` whose hidden layers (every Dense / Conv output
 * but the classifier's) have round(factor · width) units, at least 1.
 * factor ∈ (0, 1]. Weights: PyTorch's default U(±1/√fan_in) for kernels and
 * biases, as the reference models are initialized; BatchNorm γ = 1, β = 0,
 * moving mean 0 and variance 1.
 */
export function shrinkWidth(model: tf.LayersModel, factor: number, options: ShrinkOptions = {}): tf.LayersModel {
  checkModel('shrinkWidth', model);
  checkOptions('shrinkWidth', options, SHRINK_KEYS);
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0 || factor > 1)
    fail('shrinkWidth', `factor must be in (0, 1], got ${String(factor)}`);
  const graph = new ChannelGraph(model);
  // Coupled groups from the same producers form one cluster (e.g. the 16 channels shared by a residual Add).
  const clusters = new Map<string, number[][]>();
  for (const group of graph.groups()) {
    if (group.some((a) => graph.atoms[a]!.pinned)) continue;
    const key = [...new Set(group.map((a) => graph.atoms[a]!.producer))].sort().join(' + ');
    clusters.set(key, [...(clusters.get(key) ?? []), group]);
  }
  const removed = new Set<number>();
  for (const groups of clusters.values()) {
    const keep = Math.max(1, Math.round(factor * groups.length));
    for (const group of groups.slice(keep)) for (const a of group) removed.add(a);
  }
  const smaller = rebuild(graph, removed);
  reinitialize(smaller, options.seed ?? 0);
  smaller.name = `${model.name}-w${factor}`;
  return smaller;
}

/** Fresh weights in place: U(±1/√fan_in) for kernels and biases; BatchNorm back to identity. */
function reinitialize(model: tf.LayersModel, seed: number): void {
  const next = rng(seed);
  for (const layer of model.layers) {
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const kernel = weights.find((w) => /(^|\/)(kernel|depthwise_kernel)$/.test(w.originalName));
    // fan-in: everything but the output axis (the depth multiplier for depthwise kernels [kh, kw, C, 1])
    const fanIn = kernel
      ? layer.getClassName() === 'DepthwiseConv2D'
        ? kernel.shape[0]! * kernel.shape[1]!
        : kernel.shape.slice(0, -1).reduce((a, b) => a! * b!, 1)!
      : 1;
    const bound = 1 / Math.sqrt(fanIn);
    const fresh = weights.map((w) => {
      const size = w.shape.reduce((a, b) => a! * b!, 1)!;
      const name = w.originalName.split('/').pop()!;
      if (name === 'gamma' || name === 'moving_variance') return tf.ones(w.shape as number[]);
      if (name === 'beta' || name === 'moving_mean') return tf.zeros(w.shape as number[]);
      return tf.tensor(
        Float32Array.from({ length: size }, () => (2 * next() - 1) * bound),
        w.shape as number[],
      );
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}
