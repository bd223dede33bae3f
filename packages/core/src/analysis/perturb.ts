/**
 * What sensitivity does to one layer's kernel at one level. Kept as plain
 * functions on the kernel's values so a sweep never rebuilds a model.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkFraction, checkIntInRange } from '../errors.js';

export type Technique = 'prune' | 'quantize';

export interface Perturbation {
  check: (level: number) => void;
  apply: (values: Float32Array, shape: number[], level: number) => Float32Array;
}

/** Index of a layer's main weight (kernel / depthwise kernel) in layer.weights, or −1. */
export function kernelIndex(layer: tf.layers.Layer): number {
  return layer.weights.findIndex((w) => /(^|\/)(kernel|depthwise_kernel)$/.test(w.originalName));
}

/** Zeroes exactly round(sparsity · n) of the smallest-magnitude values (ties broken by position). */
export function magnitudePrune(values: Float32Array, sparsity: number): Float32Array {
  const k = Math.round(sparsity * values.length);
  const out = Float32Array.from(values);
  if (k === 0) return out;
  const order = Array.from(values.keys()).sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
  for (let i = 0; i < k; i++) out[order[i]!] = 0;
  return out;
}

/**
 * Symmetric per-channel fake quantization along the last axis (the output
 * channel of Dense/Conv kernels, the input channel of depthwise ones with
 * multiplier 1): scale = max|w| / (2^(b−1) − 1), w → round(w / scale) · scale.
 * One bit keeps only the sign times the channel's mean |w| (binary weights).
 */
export function fakeQuantizePerChannel(values: Float32Array, shape: number[], bits: number): Float32Array {
  const channels = shape.at(-1)!;
  const out = new Float32Array(values.length);
  for (let c = 0; c < channels; c++) {
    let maxAbs = 0;
    let sumAbs = 0;
    for (let i = c; i < values.length; i += channels) {
      maxAbs = Math.max(maxAbs, Math.abs(values[i]!));
      sumAbs += Math.abs(values[i]!);
    }
    if (bits === 1) {
      const alpha = sumAbs / (values.length / channels);
      for (let i = c; i < values.length; i += channels) out[i] = Math.sign(values[i]!) * alpha;
      continue;
    }
    const qmax = 2 ** (bits - 1) - 1;
    const scale = maxAbs / qmax || 1;
    for (let i = c; i < values.length; i += channels) out[i] = Math.max(-qmax, Math.min(qmax, Math.round(values[i]! / scale))) * scale;
  }
  return out;
}

export const PERTURBATIONS: Record<Technique, Perturbation> = {
  prune: { check: (s) => checkFraction('sensitivity', 'prune level (sparsity)', s), apply: (v, _shape, s) => magnitudePrune(v, s) },
  quantize: { check: (b) => checkIntInRange('sensitivity', 'quantize level (bits)', b, 1, 16), apply: fakeQuantizePerChannel },
};
