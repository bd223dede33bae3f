/**
 * Gradient kernels that tfjs-backend-wasm 4.22 lacks, built from ops it has.
 *
 * Without them a CNN cannot train on wasm at all, and the pure-JS cpu backend is
 * ~100× slower. Each kernel turns its gradient into an ordinary (depthwise)
 * convolution that XNNPACK runs:
 *  - the filter gradient is a convolution of the input with the output gradient,
 *    with the batch moved into the channel axis and dilation = the forward stride;
 *  - the input gradient of a (depthwise) conv is a (depthwise) conv of the
 *    zero-upsampled output gradient with the spatially flipped filter.
 * wasm-overrides.ts applies the same idea to Conv2DBackpropInput, which wasm
 * has but runs as a plain loop.
 * Tests compare every kernel with the cpu backend's on random inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, convAttrs, pair, padInfo, padOrCrop4d, upsampleWithZeros, type ConvAttrs, type KernelArgs } from './conv-util.js';
import { useFastWasmKernels } from './wasm-overrides.js';

/**
 * dW[i,j,c,o] = Σ_{b,h,w} x[b, h·s+i−pad, w·s+j−pad, c] · dy[b,h,w,o]:
 * a conv2d of x with channels and batch swapped ([ci,H,W,n]) by dy used as a
 * filter ([oh,ow,n,co]) with dilation = stride.
 */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, ci, co] = filterShape as [number, number, number, number];
    if (fh === 1 && fw === 1 && pair(attrs.strides).every((s) => s === 1)) {
      // pointwise conv: dW = xᵀ·dy, one matrix product (≈ 2–4× faster than the general form)
      return tf.matMul(x.reshape([-1, ci]), dy.reshape([-1, co]), true, false).reshape([1, 1, ci, co]) as tf.Tensor4D;
    }
    const p = padInfo(x.shape, filterShape, attrs, false);
    const xT = padOrCrop4d(x, p.top, p.bottom, p.left, p.right).transpose([3, 1, 2, 0]) as tf.Tensor4D;
    const dyAsFilter = dy.transpose([1, 2, 0, 3]) as tf.Tensor4D;
    const full = tf.conv2d(xT, dyAsFilter, 1, 'valid', 'NHWC', pair(attrs.strides));
    return full.slice([0, 0, 0, 0], [ci, fh, fw, co]).transpose([1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * Depthwise filter gradient. Channel c of x pairs only with channels c·m+k of dy,
 * so x is repeated m times per channel, then batch and channel are folded into
 * one depthwise channel axis ([1,H,W,C·n]) and dy becomes a depthwise filter
 * ([oh,ow,C·n,1]); summing the batch afterwards gives dW.
 */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw, ci, m] = filterShape as [number, number, number, number];
    const [n, H, W] = x.shape;
    const [, oh, ow, C] = dy.shape;
    const [sh, sw] = pair(attrs.strides);
    const [dh, dw] = pair(attrs.dilations);
    const p = padInfo(x.shape, filterShape, attrs, true);
    const xr = m === 1 ? x : (x.reshape([n, H, W, ci, 1]).tile([1, 1, 1, 1, m]).reshape([n, H, W, C]) as tf.Tensor4D);
    const xFolded = padOrCrop4d(xr, p.top, p.bottom, p.left, p.right)
      .transpose([1, 2, 3, 0])
      .reshape([1, H + p.top + p.bottom, W + p.left + p.right, C * n]) as tf.Tensor4D;
    const dyAsFilter = dy.transpose([1, 2, 3, 0]).reshape([oh, ow, C * n, 1]) as tf.Tensor4D;
    const full = tf.depthwiseConv2d(xFolded, dyAsFilter, [dh, dw], 'valid', 'NHWC', [sh, sw]);
    return full
      .slice([0, 0, 0, 0], [1, fh, fw, C * n])
      .reshape([fh, fw, C, n])
      .sum(3)
      .reshape([fh, fw, ci, m]) as tf.Tensor4D;
  });
}

/**
 * Depthwise input gradient: dx[p] = Σ_i D[p + pad − i·d] · f[i], where D is dy
 * with (s−1) zeros inserted — a stride-1 depthwise conv of D (padded to fit) by
 * the flipped filter; the m multiplier outputs of each channel are then summed.
 */
export function depthwiseBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: number[], attrs: ConvAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, H, W, ci] = inputShape as [number, number, number, number];
    const [fh, fw, , m] = filter.shape;
    const C = ci * m;
    const [dh, dw] = pair(attrs.dilations);
    const p = padInfo(inputShape, filter.shape, attrs, true);
    const D = upsampleWithZeros(dy, pair(attrs.strides));
    const [, Lh, Lw] = D.shape;
    const top = (fh - 1) * dh - p.top;
    const left = (fw - 1) * dw - p.left;
    const padded = padOrCrop4d(D, top, H + p.top - Lh, left, W + p.left - Lw);
    const flipped = filter.reverse([0, 1]).reshape([fh, fw, C, 1]) as tf.Tensor4D;
    const dx = tf.depthwiseConv2d(padded, flipped, 1, 'valid', 'NHWC', [dh, dw]);
    return (m === 1 ? dx : dx.reshape([n, H, W, ci, m]).sum(4)) as tf.Tensor4D;
  });
}

const KERNELS: Record<string, (args: KernelArgs) => tf.Tensor4D> = {
  Conv2DBackpropFilter: ({ inputs, attrs }) =>
    tf.tidy(() => conv2dBackpropFilter(asTensor(inputs.x!), asTensor(inputs.dy!), attrs!.filterShape as number[], convAttrs(attrs))),
  DepthwiseConv2dNativeBackpropFilter: ({ inputs, attrs }) =>
    tf.tidy(() => depthwiseBackpropFilter(asTensor(inputs.x!), asTensor(inputs.dy!), attrs!.filterShape as number[], convAttrs(attrs))),
  DepthwiseConv2dNativeBackpropInput: ({ inputs, attrs }) =>
    tf.tidy(() => depthwiseBackpropInput(asTensor(inputs.dy!), asTensor(inputs.filter!), attrs!.inputShape as number[], convAttrs(attrs))),
};

/**
 * Registers the missing training kernels for the wasm backend and replaces the
 * slow ones (wasm-overrides.ts). Idempotent. Returns the names added or replaced.
 */
export function registerWasmTrainingKernels(): string[] {
  const added: string[] = [];
  for (const [kernelName, impl] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: impl as unknown as tf.KernelFunc });
    added.push(kernelName);
  }
  return [...added, ...useFastWasmKernels(true)];
}
