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
 */
import * as tf from '@tensorflow/tfjs';
import { cloneModel } from '../models/clone.js';
import { fail } from '../errors.js';
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
  return fail('saveModel', `quantization must be one of ${EXPORT_QUANTIZATIONS.join(', ')}, got '${String(mode)}'`);
}

export interface ExportOptions {
  /** Also encode 1-D (and scalar) weights: biases, BatchNorm vectors. Default false: they stay float32. */
  vectors?: boolean;
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
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
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
    const enc = encodeWeight(new Float32Array(chunk), mode);
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
  return { specs: out, data: joined };
}

/** A copy of `model` computing with exactly the weights a `mode` export decodes to (Whittle's simulation of it). */
export function simulateExport(model: tf.LayersModel, mode: ExportQuantization, options: ExportOptions = {}): tf.LayersModel {
  const copy = cloneModel(model);
  const created: tf.Tensor[] = [];
  const weights = copy.getWeights().map((w) => {
    if (!isEncoded(w.dtype, w.shape, options)) return w;
    const t = tf.tensor(encodeWeight(w.dataSync() as Float32Array, mode).decoded, w.shape);
    created.push(t);
    return t;
  });
  copy.setWeights(weights);
  tf.dispose(created);
  return copy;
}
