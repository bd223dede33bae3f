/**
 * One layer's compression choice — a sparsity and a weight width — and what it
 * does to the layer's kernel: the values the model computes with and the bytes
 * the saved file spends on them. Both come from the real encoders (magnitude
 * pruning, then the packed per-channel grid that `saveModel` writes), so the
 * planner's numbers are measured, not modelled.
 */
import { gzipSync } from 'node:zlib';
import { lowestMask } from '../prune/select.js';
import { weightScores } from '../prune/criteria.js';
import { dequantizeTensor, quantizeTensor } from '../quantize/affine.js';
import { encodePackedWeight } from '../quantize/packed.js';

export interface Choice {
  /** Fraction of the kernel's weights set to zero (smallest magnitudes), in [0, 1). */
  sparsity: number;
  /** Weight width: 2…8 (packed, per output channel) or 32 (float32). */
  bits: number;
}

/** How sizes are counted: bytes on disk, or their gzip (what pruning's zeros buy, what a server sends). */
export type SizeMeasure = 'bytes' | 'gzip';

export const describeChoice = (c: Choice) =>
  [c.sparsity > 0 ? `${Math.round(c.sparsity * 100)}% sparse` : '', c.bits < 32 ? `${c.bits}-bit` : 'fp32'].filter(Boolean).join(', ');

/** Keep-mask of magnitude pruning at `sparsity` (exactly round(sparsity · n) zeros, ties by position — prune's own rule). */
export function keepMask(values: Float32Array, sparsity: number): Uint8Array {
  return lowestMask(weightScores(values, 'magnitude', 0), Math.round(sparsity * values.length)).mask;
}

/** The kernel values a choice leaves: pruned, then on the packed format's symmetric per-channel grid. */
export function applyChoice(values: Float32Array, shape: number[], choice: Choice, axis = shape.length - 1): Float32Array {
  let out = values;
  if (choice.sparsity > 0) {
    const mask = keepMask(values, choice.sparsity);
    out = values.map((v, i) => (mask[i] ? v : 0));
  }
  if (choice.bits < 32) out = dequantizeTensor(quantizeTensor(out, shape, { bits: choice.bits, scheme: 'symmetric', axis }));
  return out;
}

/** Bytes the saved file spends on this kernel under a choice: encoded the way saveModel writes it, then counted. */
export function choiceBytes(values: Float32Array, shape: number[], choice: Choice, size: SizeMeasure, axis = shape.length - 1): number {
  const kept = choice.sparsity > 0 ? applyChoice(values, shape, { sparsity: choice.sparsity, bits: 32 }) : values;
  const bytes =
    choice.bits < 32
      ? encodePackedWeight(kept, shape, choice.bits, 'kernel', axis).bytes
      : new Uint8Array(kept.buffer, kept.byteOffset, kept.byteLength);
  return size === 'gzip' ? gzipSync(bytes, { level: 9 }).byteLength : bytes.byteLength;
}
