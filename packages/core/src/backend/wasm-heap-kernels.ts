/**
 * Plain-JS loops on the wasm heap for the kernels that dominate a BatchNorm /
 * depthwise training step (mobilenet-mini; measured with tf.profile, bench/README.md):
 *  - Sum and Mean over leading axes (BatchNorm's moments and its gradient reduce
 *    [n,h,w,c] to [c]): wasm transposes the reduced axes to the end first and then
 *    reduces; here one pass accumulates every row into a per-channel sum (≈ 1.3–1.6×
 *    faster from 64 channels up);
 *  - FusedBatchNorm: wasm recomputes each element's parameter indices; here the
 *    per-channel scale and shift are computed once;
 *  - DepthwiseConv2dNativeBackpropFilter: the XNNPACK form (wasm-training-kernels.ts)
 *    folds the batch into ≈ 1,000–8,000 channels with a 7×7–14×14 "filter", which
 *    XNNPACK runs slowly; the direct sum over output pixels is ≈ 3× faster.
 * Each one handles the float32 layouts training produces and calls the original
 * kernel for anything else. Sums accumulate in float64, like the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './conv-util.js';

export type Original = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[];

interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}
const heapOf = (args: KernelArgs) => args.backend as unknown as WasmHeap;
const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** Sum or Mean over the first k axes ([rows, inner] → [inner]), one pass, float64 sums. */
function reduceLeading(args: KernelArgs, original: Original, mean: boolean): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== 'float32' || x.shape.length === 0) return original(args);
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const k = axes.length;
  if (k === 0 || axes.some((a, i) => a !== i)) return original(args);
  const rows = product(x.shape.slice(0, k));
  const inner = product(x.shape.slice(k));
  // below ≈ 64 channels the short inner loop loses to wasm's transpose + reduce (measured)
  if (inner < 64) return original(args);
  const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const heap = heapOf(args);
  const out = heap.makeOutput(outShape, 'float32');
  // views after makeOutput: allocating may grow wasm memory, which detaches older views
  const [src, dst] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out)];
  const acc = new Float64Array(inner);
  addRows(src, acc);
  const scale = mean ? 1 / rows : 1;
  for (let j = 0; j < inner; j++) dst[j] = acc[j]! * scale;
  return out;
}

/** acc[j] += src[r·inner + j] for every row r (a small monomorphic function V8 optimises well). */
function addRows(src: Float32Array, acc: Float64Array): void {
  const inner = acc.length;
  for (let at = 0; at < src.length; at += inner) for (let j = 0; j < inner; j++) acc[j] += src[at + j]!;
}

export const sum = (args: KernelArgs, original: Original) => reduceLeading(args, original, false);
export const mean = (args: KernelArgs, original: Original) => reduceLeading(args, original, true);

/** y = offset + (x − mean)·scale/√(variance + ε), parameters per channel (last axis). */
export function fusedBatchNorm(args: KernelArgs, original: Original): tf.TensorInfo | tf.TensorInfo[] {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const eps = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
  const C = x!.shape.at(-1) ?? 1;
  const params = [mean, variance, offset, scale].filter((t): t is tf.TensorInfo => t !== undefined);
  if (x!.dtype !== 'float32' || x!.shape.length === 0 || params.some((t) => t.dtype !== 'float32' || product(t.shape) !== C)) {
    return original(args);
  }
  const heap = heapOf(args);
  const out = heap.makeOutput(x!.shape, 'float32');
  const view = (t: tf.TensorInfo) => heap.typedArrayFromHeap(t);
  const a = new Float64Array(C);
  const b = new Float64Array(C);
  const [m, v] = [view(mean!), view(variance!)];
  const [o, s] = [offset ? view(offset) : undefined, scale ? view(scale) : undefined];
  for (let c = 0; c < C; c++) {
    const k = (s ? s[c]! : 1) / Math.sqrt(v[c]! + eps);
    a[c] = k;
    b[c] = (o ? o[c]! : 0) - m[c]! * k;
  }
  affine(view(x!), view(out), a, b);
  return out;
}

/** dst[r·C + c] = src[r·C + c]·a[c] + b[c]: one monomorphic loop V8 optimises well. */
function affine(src: Float32Array, dst: Float32Array, a: Float64Array, b: Float64Array): void {
  const C = a.length;
  for (let at = 0; at < src.length; at += C) for (let c = 0; c < C; c++) dst[at + c] = src[at + c]! * a[c]! + b[c]!;
}

/**
 * dW[i,j,c,q] = Σ_{b,y,x} x[b, y·s + i·d − pad, x·s + j·d − pad, c] · dy[b, y, x, c·m + q],
 * summed output pixel by output pixel with the channels innermost (contiguous on the heap).
 */
export function depthwiseBackpropFilter(args: KernelArgs, original: Original): tf.TensorInfo | tf.TensorInfo[] {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number;
    dilations?: number | [number, number];
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dataFormat?: string;
    filterShape: [number, number, number, number];
  };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || attrs.dataFormat === 'NCHW') return original(args);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const M = info.outChannels / C;
  const CM = C * M;
  const heap = heapOf(args);
  const out = heap.makeOutput(attrs.filterShape, 'float32');
  const [xs, gs, dst] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(out)];
  const acc = new Float64Array(FH * FW * CM);
  for (let b = 0; b < N; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const g0 = ((b * OH + oy) * OW + ox) * CM;
        for (let fy = 0; fy < FH; fy++) {
          const iy = oy * sh - info.padInfo.top + fy * dh;
          if (iy < 0 || iy >= H) continue;
          for (let fx = 0; fx < FW; fx++) {
            const ix = ox * sw - info.padInfo.left + fx * dw;
            if (ix < 0 || ix >= W) continue;
            const x0 = ((b * H + iy) * W + ix) * C;
            const a0 = (fy * FW + fx) * CM;
            if (M === 1) for (let c = 0; c < C; c++) acc[a0 + c] += xs[x0 + c]! * gs[g0 + c]!;
            else for (let c = 0; c < C; c++) for (let q = 0; q < M; q++) acc[a0 + c * M + q] += xs[x0 + c]! * gs[g0 + c * M + q]!;
          }
        }
      }
    }
  }
  dst.set(acc);
  return out;
}
