/**
 * What sensitivity does to one layer's kernel at one level. Kept as plain
 * functions on the kernel's values so a sweep never rebuilds a model.
 */
import { checkFraction, checkIntInRange } from '../errors.js';
import { lowestMask } from '../prune/select.js';
import { weightScores } from '../prune/criteria.js';
import { DEFAULT_WEIGHT_QUANTIZATION, quantizeKernel } from '../quantize/kernel.js';

export type Technique = 'prune' | 'quantize';

export interface Perturbation {
  check: (level: number) => void;
  /** `channelAxis`: the kernel's output-channel axis (models/weights.ts). */
  apply: (values: Float32Array, shape: number[], level: number, channelAxis: number) => Float32Array;
}

/** Zeroes exactly round(sparsity · n) of the smallest-magnitude values (ties broken by position) — prune's own mask. */
export function magnitudePrune(values: Float32Array, sparsity: number): Float32Array {
  const { mask } = lowestMask(weightScores(values, 'magnitude', 0), Math.round(sparsity * values.length));
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) if (mask[i]) out[i] = values[i]!;
  return out;
}

/**
 * Per-channel fake quantization along `channelAxis` (the kernel's output
 * channel, from models/weights.ts) with `quantize`'s own default quantizer:
 * symmetric, scale = max|w| / (2^(b−1) − 1). One bit is binary weights
 * (sign · mean|w| per channel).
 */
export function fakeQuantizePerChannel(values: Float32Array, shape: number[], bits: number, channelAxis = shape.length - 1): Float32Array {
  return quantizeKernel(values, shape, channelAxis, bits, DEFAULT_WEIGHT_QUANTIZATION, 'kernel').values;
}

export const PERTURBATIONS: Record<Technique, Perturbation> = {
  prune: { check: (s) => checkFraction('sensitivity', 'prune level (sparsity)', s), apply: (v, _shape, s) => magnitudePrune(v, s) },
  quantize: { check: (b) => checkIntInRange('sensitivity', 'quantize level (bits)', b, 1, 16), apply: fakeQuantizePerChannel },
};
