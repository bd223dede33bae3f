/**
 * Faster replacements for the wasm kernels that dominate a training step.
 *
 * tfjs-backend-wasm 4.22 runs them as plain C++ loops instead of XNNPACK:
 *  - Conv2DBackpropInput: replaced by a conv2d of the zero-upsampled output
 *    gradient with the flipped filter (conv2dBackpropInput), which XNNPACK runs;
 *  - MaxPoolGrad: replaced by one pass over the windows in plain JS on the wasm
 *    heap (≈ 3× faster than wasm's loop, which searches windows per input pixel);
 *  - BatchMatMul: wasm only uses XNNPACK when neither operand is transposed, but
 *    a Dense layer's backward pass multiplies by Wᵀ and xᵀ; transposing first
 *    (cheap) and multiplying plainly is ≈ 20× faster;
 *  - Tile (BatchNorm's gradient) and GatherV2 (fit's batches): block copies
 *    instead of per-element index arithmetic; Slice: reads a view of its input
 *    instead of copying all of it out of the heap first;
 *  - Sum, Mean, FusedBatchNorm and the depthwise filter gradient (BatchNorm and
 *    depthwise training): loops on the heap, see wasm-heap-kernels.ts.
 * An override keeps the original kernel's setup and calls the original for the
 * cases it does not handle. Measured with tf.profile on LeNet-5 (bench/README.md).
 */
import * as tf from '@tensorflow/tfjs';
import {
  asTensor,
  convAttrs,
  pair,
  padInfo,
  padOrCrop4d,
  upsampleWithZeros,
  type ConvAttrs,
  type KernelArgs,
  type Pair,
} from './conv-util.js';

import * as heapKernels from './wasm-heap-kernels.js';
import type { Original } from './wasm-heap-kernels.js';

type Override = (args: KernelArgs, original: Original) => tf.TensorInfo | tf.TensorInfo[];

/**
 * dx[p] = Σ_i D[p + pad − i] · W[i] (summed over output channels), where D is dy
 * with (s−1) zeros inserted: a stride-1 conv2d of D, padded to fit, by the
 * spatially flipped filter with its in/out channel axes swapped.
 */
export function conv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: number[], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = inputShape as [number, number, number, number];
    const [fh, fw] = filter.shape;
    const p = padInfo(inputShape, filter.shape, attrs, false);
    const D = upsampleWithZeros(dy, pair(attrs.strides));
    const [, Lh, Lw] = D.shape;
    const padded = padOrCrop4d(D, fh - 1 - p.top, H + p.top - Lh, fw - 1 - p.left, W + p.left - Lw);
    const flipped = filter.reverse([0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D;
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * One pass over the pooling windows on the wasm heap: find each window's first
 * maximum (skipping padding, like the cpu kernel) and add dy there. Plain JS on
 * heap views, because wasm's MaxPoolWithArgmax cannot stand in: it starts from
 * FLT_MIN (so all-negative windows point at index 0) and keeps the last tie.
 */
function maxPoolGrad(args: KernelArgs, original: Original): tf.TensorInfo {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as {
    filterSize: number | Pair;
    strides: number | Pair;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (input.dtype !== 'float32') return original(args) as tf.TensorInfo;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const heap = args.backend as unknown as WasmHeap;
  const out = heap.makeOutput(input.shape, 'float32');
  const [x, g, dx] = [heap.typedArrayFromHeap(input), heap.typedArrayFromHeap(dy), heap.typedArrayFromHeap(out)];
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - info.padInfo.top;
      const yFrom = Math.max(0, y0);
      const yTo = Math.min(H, y0 + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * sw - info.padInfo.left;
        const xFrom = Math.max(0, x0);
        const xTo = Math.min(W, x0 + fw);
        const dyAt = ((b * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let y = yFrom; y < yTo; y++) {
            for (let i = ((b * H + y) * W + xFrom) * C + c, xx = xFrom; xx < xTo; xx++, i += C) {
              if (x[i]! > best) {
                best = x[i]!;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += g[dyAt + c]!;
        }
      }
    }
  }
  return out;
}

/**
 * Tile by block copies on the wasm heap: each input row is copied once and then
 * repeated with copyWithin (doubling), so the cost is a memcpy of the output.
 * BatchNorm's gradient tiles [C] statistics to the full activation shape, and
 * wasm's per-element index arithmetic made Tile mobilenet-mini's top kernel.
 */
function tile(args: KernelArgs, original: Original): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const reps = (args.attrs as { reps: number[] }).reps;
  if (x.dtype === 'string' || x.shape.length === 0) return original(args) as tf.TensorInfo;
  const heap = args.backend as unknown as WasmHeap;
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = heap.makeOutput(outShape, x.dtype);
  const [src, dst] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out)];
  const D = x.shape.length;
  const inBlock = x.shape.map((_, d) => x.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const outBlock = outShape.map((_, d) => outShape.slice(d + 1).reduce((a, b) => a * b, 1));
  const repeat = (start: number, length: number, times: number) => {
    for (let filled = length; filled < length * times; filled *= 2)
      dst.copyWithin(start + filled, start, start + Math.min(filled, length * times - filled));
  };
  const fill = (srcAt: number, dstAt: number, d: number): void => {
    if (d === D - 1) dst.set(src.subarray(srcAt, srcAt + x.shape[d]!), dstAt);
    else for (let i = 0; i < x.shape[d]!; i++) fill(srcAt + i * inBlock[d]!, dstAt + i * outBlock[d]!, d + 1);
    repeat(dstAt, x.shape[d]! * outBlock[d]!, reps[d]!);
  };
  if (src.length > 0) fill(0, 0, 0);
  return out;
}

/** Batch-of-one products with a transposed operand: transpose explicitly, then the XNNPACK path. */
function batchMatMul(args: KernelArgs, original: Original): tf.TensorInfo | tf.TensorInfo[] {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const batchOfOne = (t: tf.TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);
  if (!(transposeA || transposeB) || !batchOfOne(a) || !batchOfOne(b) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return original(args);
  }
  return tf.tidy(() => {
    const as2d = (t: tf.TensorInfo, transpose: boolean) => {
      const m = asTensor(t).reshape(t.shape.slice(-2)) as tf.Tensor2D;
      return transpose ? m.transpose() : m;
    };
    const product = tf.matMul(as2d(a, transposeA), as2d(b, transposeB));
    const ones = new Array<number>(Math.max(a.shape.length, b.shape.length) - 2).fill(1);
    return product.reshape([...ones, ...product.shape]);
  });
}

/**
 * Gather as one contiguous row copy per index (TypedArray.set on the heap);
 * wasm's Gather computes every element's address separately, and fit() gathers
 * each training batch (≈ 5 ms of a LeNet-300-100 step here).
 */
function gatherV2(args: KernelArgs, original: Original): tf.TensorInfo {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
  if (batchDims !== 0 || x.dtype === 'string' || indices.dtype !== 'int32') return original(args) as tf.TensorInfo;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const heap = args.backend as unknown as WasmHeap;
  const dim = x.shape[ax]!;
  for (const i of heap.typedArrayFromHeap(indices))
    if (!(i >= 0 && i < dim)) throw new Error(`GatherV2: the index value ${i} is not in [0, ${dim - 1}]`);
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const slice = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const out = heap.makeOutput([...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)], x.dtype);
  // views of the heap are taken after makeOutput: allocating may grow wasm memory, which detaches older views
  const [idx, src, dst] = [heap.typedArrayFromHeap(indices), heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out)];
  for (let o = 0, at = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++, at += slice) {
      const from = (o * dim + idx[k]!) * slice;
      dst.set(src.subarray(from, from + slice), at);
    }
  }
  return out;
}

/**
 * Slice from a view of the heap. wasm's Slice first copies the whole input out
 * of the heap (readSync), so taking 64 rows of the 7,996-digit training set
 * copied all 25 MB; here the cost is the size of the slice. Contiguous runs of
 * the last axis are copied with TypedArray.set when long, element by element when short.
 */
function slice(args: KernelArgs, original: Original): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
  if (x.dtype === 'string' || x.shape.length === 0) return original(args) as tf.TensorInfo;
  const [from, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const heap = args.backend as unknown as WasmHeap;
  const out = heap.makeOutput(extent, x.dtype);
  const [src, dst] = [heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(out)];
  if (dst.length === 0) return out;
  const strides = tf.util.computeStrides(x.shape);
  const rank = x.shape.length;
  const run = extent[rank - 1]!;
  const rows = dst.length / run;
  const at = new Array<number>(rank - 1).fill(0); // index of the current row in the output
  for (let r = 0; r < rows; r++) {
    let offset = from[rank - 1]!;
    for (let d = 0; d < rank - 1; d++) offset += (from[d]! + at[d]!) * strides[d]!;
    if (run >= 32) dst.set(src.subarray(offset, offset + run), r * run);
    else for (let i = 0; i < run; i++) dst[r * run + i] = src[offset + i]!;
    for (let d = rank - 2; d >= 0 && ++at[d]! === extent[d]; d--) at[d] = 0;
  }
  return out;
}

const OVERRIDES: Record<string, Override> = {
  Conv2DBackpropInput: ({ inputs, attrs }) =>
    tf.tidy(() => conv2dBackpropInput(asTensor(inputs.dy!), asTensor(inputs.filter!), attrs!.inputShape as number[], convAttrs(attrs))),
  MaxPoolGrad: maxPoolGrad,
  BatchMatMul: batchMatMul,
  Tile: tile,
  GatherV2: gatherV2,
  Slice: slice,
  Sum: heapKernels.sum,
  Mean: heapKernels.mean,
  FusedBatchNorm: heapKernels.fusedBatchNorm,
  DepthwiseConv2dNativeBackpropFilter: heapKernels.depthwiseBackpropFilter,
};

/** The wasm kernels replaced so far, with their original registrations. */
const originals = new Map<string, tf.KernelConfig>();

/**
 * Switches Whittle's faster wasm kernels on (default) or back to tfjs's own.
 * Returns the names of the kernels replaced now. Only the wasm backend is touched.
 */
export function useFastWasmKernels(on = true): string[] {
  const changed: string[] = [];
  for (const [kernelName, impl] of Object.entries(OVERRIDES)) {
    const original = originals.get(kernelName) ?? tf.getKernel(kernelName, 'wasm');
    if (!original || on === originals.has(kernelName)) continue;
    // registerKernel warns and overwrites when a kernel exists: unregister first
    tf.unregisterKernel(kernelName, 'wasm');
    if (on) {
      const run = original.kernelFunc as unknown as Original;
      tf.registerKernel({ ...original, kernelFunc: ((args: KernelArgs) => impl(args, run)) as unknown as tf.KernelFunc });
      originals.set(kernelName, original);
    } else {
      tf.registerKernel(original);
      originals.delete(kernelName);
    }
    changed.push(kernelName);
  }
  return changed;
}
