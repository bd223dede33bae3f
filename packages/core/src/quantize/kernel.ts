/**
 * Quantizing one kernel: the quantizer `quantize` applies to each layer, and
 * that sensitivity sweeps with, so both describe the same arithmetic.
 */
import { checkIntInRange } from '../errors.js';
import { checkFinite, quantizeTensor, dequantizeTensor, type Clip, type Scheme } from './affine.js';
import { binarize, ternarize, toFloat16 } from './special.js';

export interface WeightQuantization {
  /** 2…16 for the affine grid; 1 = binary; 'ternary'; 'float16'. Default 8. */
  bits?: number | 'ternary' | 'float16';
  scheme?: Scheme;
  /** One scale per output channel (default true). */
  perChannel?: boolean;
  scale?: 'float' | 'pow2';
  /**
   * 'minmax' (default): the grid spans the largest weight. 'mse': per channel (or tensor),
   * the clipped range with the least squared weight error — much better at 2–4 bits.
   * Binary already uses the MSE-optimal scale (mean |w|); ternary and float16 ignore it.
   */
  clip?: Clip;
}

export type Bits = number | 'ternary' | 'float16';

export const DEFAULT_WEIGHT_QUANTIZATION: Required<WeightQuantization> = {
  bits: 8,
  scheme: 'symmetric',
  perChannel: true,
  scale: 'float',
  clip: 'minmax',
};

export function checkBits(bits: Bits): Bits {
  if (bits === 'ternary' || bits === 'float16') return bits;
  return checkIntInRange('quantize', 'bits', bits, 1, 16);
}

/**
 * Quantizes one kernel; returns the values the model will compute with and the
 * scales used. `channelAxis` is the kernel's output-channel axis (models/weights.ts).
 */
export function quantizeKernel(
  values: Float32Array,
  shape: number[],
  channelAxis: number,
  bits: Bits,
  w: Required<WeightQuantization>,
  name: string,
) {
  checkFinite('quantize', name, values);
  const axis = w.perChannel ? channelAxis : undefined;
  if (bits === 'float16') return { values: toFloat16(values), scales: [], scheme: 'float16' };
  if (bits === 'ternary') return { values: ternarize(values, shape, axis), scales: [], scheme: 'ternary' };
  if (bits === 1) return { values: binarize(values, shape, axis), scales: [], scheme: 'binary' };
  const t = quantizeTensor(values, shape, { bits, scheme: w.scheme, axis, scale: w.scale, clip: w.clip }, name);
  return {
    values: dequantizeTensor(t),
    scales: Array.from(t.scale),
    scheme: [w.scheme, ...(w.scale === 'pow2' ? ['pow2'] : []), ...(w.clip === 'mse' ? ['MSE clip'] : [])].join(', '),
  };
}
