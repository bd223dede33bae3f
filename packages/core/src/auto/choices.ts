/**
 * One layer's compression choice — a sparsity and a weight width — and what it
 * does to the layer's kernel: the values the model computes with and the bytes
 * the saved file spends on them. Both come from the real encoders (magnitude
 * pruning, then the packed per-channel grid that `saveModel` writes), so the
 * planner's numbers are measured, not modelled.
 */
import { gzipSync } from 'node:zlib';
import { clustersFromValues } from '../cluster/artifacts.js';
import { clusterValues, sharedValues, type LayerClusters } from '../cluster/cluster.js';
import { encodeClustered } from '../cluster/encode.js';
import { lowestMask } from '../prune/select.js';
import { weightScores } from '../prune/criteria.js';
import { fakeQuantize } from '../quantize/affine.js';
import { encodePackedWeight } from '../quantize/packed.js';
import { factorKernels, factorShapes, matrixShape, rankOf, reconstruct } from './factor.js';

export interface Choice {
  /** Fraction of the kernel's weights set to zero (smallest magnitudes), in [0, 1). */
  sparsity: number;
  /** Weight width: 2…8 (per output channel grid) or 32 (float32, or clustered). */
  bits: number;
  /** k-means weight sharing: centroids of the layer's one codebook (bits is then 32). */
  clusters?: number;
  /**
   * Low-rank factorization: the kernel becomes two factor layers of rank round(rankFraction · min(in, out)) (a fraction of
   * full rank, in (0, 1)), each factor kernel at `bits`; sparsity is then 0 (see factor.ts).
   */
  rankFraction?: number;
}

/**
 * How a plan's file stores kernels: 'packed' (per-layer bit widths, the default) or 'deep' (codebooks + Huffman-coded
 * indices, what clustering needs; a b-bit grid is stored as per-channel codebooks of its levels).
 */
export type PlanFormat = 'packed' | 'deep';

/** How sizes are counted: bytes on disk, or their gzip (what pruning's zeros buy, what a server sends). */
export type SizeMeasure = 'bytes' | 'gzip';

export const describeChoice = (c: Choice) =>
  [
    c.rankFraction ? `rank ${+(c.rankFraction * 100).toFixed(2)}%` : '',
    c.sparsity > 0 ? `${Math.round(c.sparsity * 100)}% sparse` : '',
    c.clusters ? `${c.clusters} clusters` : c.bits < 32 ? `${c.bits}-bit` : 'fp32',
  ]
    .filter(Boolean)
    .join(', ');

/** Whether a choice leaves the kernel's values as float32 (only pruning, or nothing). */
export const isFloat = (c: Choice) => c.bits === 32 && !c.clusters && !c.rankFraction;

/** Keep-mask of magnitude pruning at `sparsity` (exactly round(sparsity · n) zeros, ties by position — prune's own rule). */
export function keepMask(values: Float32Array, sparsity: number): Uint8Array {
  return lowestMask(weightScores(values, 'magnitude', 0), Math.round(sparsity * values.length)).mask;
}

/** The kernel values a choice leaves: pruned, then on the symmetric per-channel grid or k shared values (k-means, zeros kept). */
export function applyChoice(values: Float32Array, shape: number[], choice: Choice, axis = shape.length - 1): Float32Array {
  if (choice.rankFraction) {
    // the function the factorized pair computes, in the original topology (factor.ts)
    const r = rankOf(choice.rankFraction, shape);
    const { rows, cols } = matrixShape(shape);
    const [a, b] = factorKernels(values, shape, r, choice.bits);
    return reconstruct(a, b, rows, cols, r);
  }
  let out = values;
  if (choice.sparsity > 0) {
    const mask = keepMask(values, choice.sparsity);
    out = values.map((v, i) => (mask[i] ? v : 0));
  }
  if (choice.clusters) {
    // a kernel with at most k distinct nonzero values already shares them: nothing to cluster
    const distinct = new Set(out.filter((v) => v !== 0)).size;
    if (distinct > choice.clusters)
      out = sharedValues(
        clusterValues(out, shape, { k: choice.clusters, init: 'linear', preserveSparsity: true, seed: 0, layer: 'kernel' }),
      );
  } else if (choice.bits < 32) out = fakeQuantize(out, shape, { bits: choice.bits, scheme: 'symmetric', axis });
  return out;
}

/**
 * Codebooks of a kernel whose values are shared (a choice's output), as the deep format stores it when not told:
 * one codebook if it holds at most 256 values, else one per output channel; null if neither fits.
 */
export function deepClusters(values: Float32Array, shape: number[], layer: string, axis: number | null | undefined): LayerClusters | null {
  return clustersFromValues(values, shape, layer, undefined, 256) ?? clustersFromValues(values, shape, layer, axis ?? undefined, 256);
}

/** Bytes the saved file spends on this kernel under a choice: encoded the way saveModel writes it, then counted. */
export function choiceBytes(
  values: Float32Array,
  shape: number[],
  choice: Choice,
  size: SizeMeasure,
  axis = shape.length - 1,
  format: PlanFormat = 'packed',
): number {
  let bytes: Uint8Array;
  if (choice.rankFraction) {
    // the two factor kernels, each encoded as saveModel writes a kernel of that shape at these bits
    const r = rankOf(choice.rankFraction, shape);
    const [a, b] = factorKernels(values, shape, r, choice.bits);
    const [aShape, bShape] = factorShapes(shape, r);
    const grid = { sparsity: 0, bits: choice.bits };
    const parts = [encodeKernel(a, aShape, grid, format, aShape.length - 1), encodeKernel(b, bShape, grid, format, bShape.length - 1)];
    bytes = new Uint8Array(parts[0]!.length + parts[1]!.length);
    bytes.set(parts[0]!);
    bytes.set(parts[1]!, parts[0]!.length);
  } else bytes = encodeKernel(values, shape, choice, format, axis);
  return size === 'gzip' ? gzipSync(bytes, { level: 9 }).byteLength : bytes.byteLength;
}

/** A kernel's bytes in the saved file under a (non-low-rank) choice. */
function encodeKernel(values: Float32Array, shape: number[], choice: Choice, format: PlanFormat, axis: number): Uint8Array {
  let bytes: Uint8Array;
  if (format === 'deep') {
    const kept = applyChoice(values, shape, choice, axis);
    const c = isFloat(choice) ? null : deepClusters(kept, shape, 'kernel', axis);
    bytes = c ? encodeClustered(c).bytes : new Uint8Array(kept.buffer, kept.byteOffset, kept.byteLength);
  } else {
    if (choice.clusters) throw new Error(`a clustered choice is stored in the 'deep' format, not 'packed'`);
    const kept = choice.sparsity > 0 ? applyChoice(values, shape, { sparsity: choice.sparsity, bits: 32 }) : values;
    bytes =
      choice.bits < 32
        ? encodePackedWeight(kept, shape, choice.bits, 'kernel', axis).bytes
        : new Uint8Array(kept.buffer, kept.byteOffset, kept.byteLength);
  }
  return bytes;
}
