/**
 * Weight encodings that stock TensorFlow.js decodes itself: the weights
 * manifest's `quantization` field ({ dtype: 'uint8' | 'uint16', min, scale },
 * decoded as q·scale + min; or { dtype: 'float16' }). A model saved this way
 * loads with plain `tf.loadLayersModel`, no Whittle needed.
 *
 * Only kernels (weights of rank ≥ 2) are encoded by default: 1-D tensors —
 * biases, BatchNorm γ/β/mean/variance — are a negligible share of the bytes,
 * and one per-tensor grid over, say, a moving variance wipes out its small
 * entries. `vectors: true` encodes them too.
 *
 * One per-tensor grid also wipes out a kernel's small output channels when
 * its channel ranges differ by orders of magnitude — typical of BatchNorm
 * folded into a convolution (a packaged MobileNetV2's folded uint8 export kept
 * 6 % of its top-1 answers). Given the channel axes, a uint8/uint16 kernel
 * whose worst channel would lose more than `maxChannelError` of its own range
 * is written as float16 instead (stock tfjs decodes that too), and the
 * export says which.
 */
import * as tf from '@tensorflow/tfjs';
import { cloneModel } from '../models/clone.js';
import { weightAxes } from '../models/weights.js';
import { fail, show } from '../errors.js';
import { roundHalfEven } from './affine.js';
import { toFloat16Bits, fromFloat16Bits } from './special.js';

export type ExportQuantization = 'uint8' | 'uint16' | 'float16';
export const EXPORT_QUANTIZATIONS: ExportQuantization[] = ['uint8', 'uint16', 'float16'];

export interface Encoded {
  bytes: Uint8Array;
  quantization: { dtype: 'uint8' | 'uint16'; min: number; scale: number } | { dtype: 'float16' };
  /** The values stock tfjs will decode. */
  decoded: Float32Array;
}

/**
 * Per-tensor affine encoding over the tensor's own range [min, max]. When 0
 * lies inside it, the range is nudged so that 0 is exactly representable
 * (pruned zeros stay zero after decoding); a range that excludes 0 is not
 * stretched to include it — the stock format (q·scale + min) does not need it.
 */
function encodeAffine(values: Float32Array, dtype: 'uint8' | 'uint16'): Encoded {
  const qmax = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(lo <= hi)) lo = hi = 0; // empty tensor
  const scale = hi > lo ? (hi - lo) / qmax : 1;
  const zeroPoint = lo <= 0 && hi >= 0 ? roundHalfEven(-lo / scale) : 0;
  const min = lo <= 0 && hi >= 0 ? -zeroPoint * scale : lo;
  const offset = lo <= 0 && hi >= 0 ? 0 : lo;
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  const decoded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    q[i] = Math.min(qmax, Math.max(0, roundHalfEven((values[i]! - offset) / scale) + zeroPoint));
    decoded[i] = q[i]! * scale + min;
  }
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype, min, scale }, decoded };
}

export function encodeWeight(values: Float32Array, mode: ExportQuantization): Encoded {
  if (mode === 'float16') {
    const h = Uint16Array.from(values, toFloat16Bits);
    return { bytes: new Uint8Array(h.buffer), quantization: { dtype: 'float16' }, decoded: Float32Array.from(h, fromFloat16Bits) };
  }
  if (mode === 'uint8' || mode === 'uint16') return encodeAffine(values, mode);
  return fail('saveModel', `quantization must be one of ${EXPORT_QUANTIZATIONS.join(', ')}, got ${show(mode)}`);
}

export interface ExportOptions {
  /** Also encode 1-D (and scalar) weights: biases, BatchNorm vectors. Default false: they stay float32. */
  vectors?: boolean;
  /** Output-channel axis per weight name (models/weights.ts): enables the float16 fallback below. */
  axes?: Map<string, number | null>;
  /**
   * uint8/uint16: the largest error allowed in any output channel, as a
   * fraction of that channel's max |w|; a kernel above it is stored as
   * float16. Default 0.1 (the channel keeps ≥ 5 steps either side of 0).
   */
  maxChannelError?: number;
}

/** max over output channels of max|w − decoded| / max|w| within the channel (channels of zeros are skipped). */
export function worstChannelError(values: Float32Array, decoded: Float32Array, shape: number[], axis: number): number {
  const channels = shape[axis]!;
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const range = new Float32Array(channels);
  const error = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / stride) % channels;
    range[c] = Math.max(range[c]!, Math.abs(values[i]!));
    error[c] = Math.max(error[c]!, Math.abs(values[i]! - decoded[i]!));
  }
  let worst = 0;
  for (let c = 0; c < channels; c++) if (range[c]! > 0) worst = Math.max(worst, error[c]! / range[c]!);
  return worst;
}

/** encodeWeight, with the float16 fallback for a kernel whose worst channel the affine grid would wipe out. */
function encodeNamed(
  values: Float32Array,
  shape: number[],
  name: string,
  mode: ExportQuantization,
  options: ExportOptions,
): Encoded & { fallback: boolean } {
  const enc = encodeWeight(values, mode);
  const axis = options.axes?.get(name);
  if (mode === 'float16' || axis === undefined || axis === null || shape.length < 2) return { ...enc, fallback: false };
  if (worstChannelError(values, enc.decoded, shape, axis) <= (options.maxChannelError ?? 0.1)) return { ...enc, fallback: false };
  return { ...encodeWeight(values, 'float16'), fallback: true };
}

/** Whether an export encodes a weight of this dtype and shape. */
export const isEncoded = (dtype: string, shape: number[], options: ExportOptions = {}) =>
  dtype === 'float32' && (options.vectors === true || shape.length >= 2);

/** Re-encodes tfjs weight specs + data (float32 kernels, or all float32 weights with `vectors`; others pass through). */
export function encodeArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  mode: ExportQuantization,
  options: ExportOptions = {},
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array; float16: string[] } {
  const parts: Uint8Array[] = [];
  const float16: string[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = size * (spec.dtype === 'bool' ? 1 : 4);
    const chunk = data.slice(offset, offset + bytes);
    offset += bytes;
    if (!isEncoded(spec.dtype ?? 'float32', spec.shape, options) || spec.quantization) {
      parts.push(new Uint8Array(chunk));
      out.push(spec);
      continue;
    }
    const enc = encodeNamed(new Float32Array(chunk), spec.shape, spec.name, mode, options);
    if (enc.fallback) float16.push(spec.name);
    parts.push(enc.bytes);
    out.push({ ...spec, quantization: enc.quantization });
  }
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const joined = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.byteLength;
  }
  return { specs: out, data: joined, float16 };
}

/** A copy of `model` computing with exactly the weights a `mode` export decodes to (Whittle's simulation of it). */
export function simulateExport(model: tf.LayersModel, mode: ExportQuantization, options: ExportOptions = {}): tf.LayersModel {
  const copy = cloneModel(model);
  const created: tf.Tensor[] = [];
  const names = copy.weights.map((w) => w.originalName);
  options = { ...options, axes: options.axes ?? weightAxes(copy) }; // as saveModel encodes it
  const weights = copy.getWeights().map((w, i) => {
    if (!isEncoded(w.dtype, w.shape, options)) return w;
    const t = tf.tensor(encodeNamed(w.dataSync() as Float32Array, w.shape, names[i]!, mode, options).decoded, w.shape);
    created.push(t);
    return t;
  });
  copy.setWeights(weights);
  tf.dispose(created);
  return copy;
}
