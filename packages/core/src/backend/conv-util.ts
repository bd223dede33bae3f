/**
 * Shape helpers shared by Whittle's wasm gradient kernels: padding arithmetic,
 * zero-upsampling, and wrapping a kernel's TensorInfo inputs as tensors.
 */
import * as tf from '@tensorflow/tfjs';

export type Pair = [number, number];
export type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvAttrs {
  strides: number | Pair;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | Pair;
  dataFormat?: 'NHWC' | 'NCHW';
}

export const pair = (v: number | Pair | undefined): Pair => (v === undefined ? [1, 1] : typeof v === 'number' ? [v, v] : v);

/** Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor. */
export function padOrCrop4d(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const padded = tf.pad(t, [
    [0, 0],
    [Math.max(top, 0), Math.max(bottom, 0)],
    [Math.max(left, 0), Math.max(right, 0)],
    [0, 0],
  ]);
  const [n, h, w, c] = padded.shape;
  const t0 = Math.max(-top, 0);
  const l0 = Math.max(-left, 0);
  if (Math.min(top, bottom, left, right) >= 0) return padded;
  return padded.slice([0, t0, l0, 0], [n, h - t0 - Math.max(-bottom, 0), w - l0 - Math.max(-right, 0), c]) as tf.Tensor4D;
}

/** Inserts (s - 1) zeros between neighbouring pixels: [n, oh, ow, c] → [n, (oh-1)s+1, (ow-1)s+1, c]. */
export function upsampleWithZeros(dy: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const spread = tf.pad(dy.reshape([n, oh, 1, ow, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  return spread.reshape([n, oh * sh, ow * sw, c]).slice([0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]) as tf.Tensor4D;
}

export function padInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs, depthwise: boolean) {
  if (attrs.dataFormat === 'NCHW') throw new Error('whittle wasm kernels: only NHWC is supported');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad as 'same',
    attrs.dimRoundingMode,
    depthwise,
  ).padInfo;
}

export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  attrs?: Record<string, unknown>;
  backend?: tf.KernelBackend;
}

// Kernel functions receive TensorInfos of the active backend. Wrapping one as a
// tensor shares its data; the extra reference keeps that data alive when the
// wrapper is disposed at the end of the kernel's tidy.
export function asTensor(info: tf.TensorInfo): tf.Tensor4D {
  const engine = tf.engine();
  engine.backend.incRef(info.dataId);
  return engine.makeTensorFromTensorInfo(info) as tf.Tensor4D;
}
export const convAttrs = (attrs: Record<string, unknown> | undefined) => attrs as unknown as ConvAttrs;
