/**
 * Low-rank choices for `autoCompress`: a choice with `rank` (a fraction of the
 * layer's full rank min(rows, cols)) replaces the kernel W by the truncated-SVD
 * factors A·B of lowrank/factors.ts, each factor on the choice's bit grid.
 *
 * Scoring uses the reconstruction Q(A)·Q(B) in the original topology: a Dense or
 * Conv2D layer is linear in its kernel, and lowrank's split computes x·A then ·B
 * (for Conv2D: the same convolution with r filters, then a 1×1), which is the
 * same function as x·(A·B). So sensitivity needs no topology change, and the
 * prefix cache of evaluate-plans.ts still applies.
 */
import type * as tf from '@tensorflow/tfjs';
import { svdFactors, type Factors } from '../lowrank/factors.js';
import { firstFactorName } from '../lowrank/split.js';
import { fakeQuantize } from '../quantize/affine.js';

/** Layers lowrank can split (channelsLast Conv2D, Dense). */
export function factorizable(layer: tf.layers.Layer): boolean {
  const cls = layer.getClassName();
  return (cls === 'Dense' || cls === 'Conv2D') && (layer.getConfig() as { dataFormat?: string }).dataFormat !== 'channelsFirst';
}

/** The kernel as a matrix: rows = inputs (kh·kw·cin for a convolution), cols = outputs. */
export function matrixShape(shape: number[]): { rows: number; cols: number } {
  const cols = shape.at(-1)!;
  return { rows: shape.reduce((a, d) => a * d, 1) / cols, cols };
}

/** r for a rank fraction: round(fraction · min(rows, cols)), at least 1. */
export function rankOf(fraction: number, shape: number[]): number {
  const { rows, cols } = matrixShape(shape);
  return Math.max(1, Math.round(fraction * Math.min(rows, cols)));
}

/** Shapes of the two factor kernels, as lowrank/split.ts builds them. */
export function factorShapes(shape: number[], rank: number): [number[], number[]] {
  const cols = shape.at(-1)!;
  return [[...shape.slice(0, -1), rank], shape.length === 2 ? [rank, cols] : [1, 1, rank, cols]];
}

// The SVD of a big kernel takes seconds and every rank × bits choice of a layer needs the same one: keep the full-rank
// factors of the last few kernels, keyed by the kernel's exact bits (two hashes over every value) so a changed kernel
// never hits. Rank r's factors are the first r columns of A and rows of B (svdFactors computes each entry alike).
const cache = new Map<string, Factors>();
function key(values: Float32Array, rows: number, cols: number): string {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let h1 = 0x811c9dc5;
  let h2 = 0;
  for (let i = 0; i < words.length; i++) {
    h1 = Math.imul(h1 ^ words[i]!, 0x01000193);
    h2 = (Math.imul(h2, 31) + words[i]!) | 0;
  }
  return `${rows}x${cols}:${h1}:${h2}`;
}

/** Truncated-SVD factors of a kernel at `rank` (no bias: the layer keeps its own). */
export function kernelFactors(values: Float32Array, shape: number[], rank: number): Factors {
  const { rows, cols } = matrixShape(shape);
  const k = key(values, rows, cols);
  let full = cache.get(k);
  if (!full) {
    full = svdFactors(values, rows, cols, Math.min(rows, cols), null);
    cache.set(k, full);
    if (cache.size > 8) cache.delete(cache.keys().next().value!);
  }
  const a = new Float32Array(rows * rank);
  for (let i = 0; i < rows; i++) a.set(full.a.subarray(i * full.rank, i * full.rank + rank), i * rank);
  return { a, b: full.b.slice(0, rank * cols), bias: null, rank };
}

/** A factor on the symmetric per-output-channel grid of `bits` (what packed saving and QAT use); 32 = as it is. */
export function onGrid(values: Float32Array, shape: number[], bits: number): Float32Array {
  return bits < 32 ? fakeQuantize(values, shape, { bits, scheme: 'symmetric', axis: shape.length - 1 }) : values;
}

/** The two factor kernels a choice of rank r and `bits` leaves (what the factorized model holds). */
export function factorKernels(values: Float32Array, shape: number[], rank: number, bits: number): [Float32Array, Float32Array] {
  const f = kernelFactors(values, shape, rank);
  const [aShape, bShape] = factorShapes(shape, rank);
  return [onGrid(f.a, aShape, bits), onGrid(f.b, bShape, bits)];
}

/** The kernel the factorized pair computes: A·B (float64 sums, rounded once), in the kernel's own shape. */
export function reconstruct(a: Float32Array, b: Float32Array, rows: number, cols: number, rank: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    acc.fill(0);
    for (let k = 0; k < rank; k++) {
      const aik = a[i * rank + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < cols; j++) acc[j] = acc[j]! + aik * b[k * cols + j]!;
    }
    for (let j = 0; j < cols; j++) out[i * cols + j] = acc[j]!;
  }
  return out;
}

/** The names of the factor layers that replace `name`. */
export const factorNames = (name: string): [string, string] => [firstFactorName(name), name];
