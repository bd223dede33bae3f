/**
 * What sensitivity does to one layer's kernel at one level. Kept as plain
 * functions on the kernel's values so a sweep never rebuilds a model.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkFraction, checkIntInRange } from '../errors.js';
import { lowestMask } from '../prune/select.js';
import { weightScores } from '../prune/criteria.js';
import { dequantizeTensor, quantizeTensor } from '../quantize/affine.js';
import { binarize } from '../quantize/special.js';

export type Technique = 'prune' | 'quantize';

export interface Perturbation {
  check: (level: number) => void;
  apply: (values: Float32Array, shape: number[], level: number) => Float32Array;
}

/** Index of a layer's main weight (kernel / depthwise kernel) in layer.weights, or −1. */
export function kernelIndex(layer: tf.layers.Layer): number {
  return layer.weights.findIndex((w) => /(^|\/)(kernel|depthwise_kernel)$/.test(w.originalName));
}

/** Zeroes exactly round(sparsity · n) of the smallest-magnitude values (ties broken by position) — prune's own mask. */
export function magnitudePrune(values: Float32Array, sparsity: number): Float32Array {
  const { mask } = lowestMask(weightScores(values, 'magnitude', 0), Math.round(sparsity * values.length));
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) if (mask[i]) out[i] = values[i]!;
  return out;
}

/**
 * Per-channel fake quantization along the last axis (the output channel of
 * Dense/Conv kernels, the channel of depthwise ones with multiplier 1) with
 * quantize's own pair: symmetric, scale = max|w| / (2^(b−1) − 1). One bit is
 * binary weights (sign · mean|w| per channel).
 */
export function fakeQuantizePerChannel(values: Float32Array, shape: number[], bits: number): Float32Array {
  if (bits === 1) return binarize(values, shape, -1);
  return dequantizeTensor(quantizeTensor(values, shape, { bits, axis: -1 }));
}

export const PERTURBATIONS: Record<Technique, Perturbation> = {
  prune: { check: (s) => checkFraction('sensitivity', 'prune level (sparsity)', s), apply: (v, _shape, s) => magnitudePrune(v, s) },
  quantize: { check: (b) => checkIntInRange('sensitivity', 'quantize level (bits)', b, 1, 16), apply: fakeQuantizePerChannel },
};
