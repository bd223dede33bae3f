/**
 * Weight encodings that stock TensorFlow.js decodes itself: the weights
 * manifest's `quantization` field ({ dtype: 'uint8' | 'uint16', min, scale },
 * decoded as q·scale + min; or { dtype: 'float16' }). A model saved this way
 * loads with plain `tf.loadLayersModel`, no Whittle needed.
 */
import * as tf from '@tensorflow/tfjs';
import { cloneModel } from '../models/clone.js';
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
 * Per-tensor affine encoding with the range nudged so that 0 is exactly
 * representable (pruned zeros stay zero after decoding), like tfjs-converter.
 */
function encodeAffine(values: Float32Array, dtype: 'uint8' | 'uint16'): Encoded {
  const qmax = dtype === 'uint8' ? 255 : 65535;
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = hi > lo ? (hi - lo) / qmax : 1;
  const zeroPoint = roundHalfEven(-lo / scale);
  const min = -zeroPoint * scale;
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  const decoded = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    q[i] = Math.min(qmax, Math.max(0, roundHalfEven(values[i]! / scale) + zeroPoint));
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
  return fail('saveModel', `quantization must be one of ${EXPORT_QUANTIZATIONS.join(', ')}, got '${show(mode)}'`);
}

/** Re-encodes tfjs weight specs + data (float32 weights only; others pass through). */
export function encodeArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  mode: ExportQuantization,
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = size * (spec.dtype === 'bool' ? 1 : 4);
    const chunk = data.slice(offset, offset + bytes);
    offset += bytes;
    if (spec.dtype !== 'float32' || spec.quantization) {
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
export function simulateExport(model: tf.LayersModel, mode: ExportQuantization): tf.LayersModel {
  const copy = cloneModel(model);
  const decoded = copy
    .getWeights()
    .map((w) => (w.dtype === 'float32' ? tf.tensor(encodeWeight(w.dataSync() as Float32Array, mode).decoded, w.shape) : null));
  copy.setWeights(decoded.map((d, i) => d ?? copy.getWeights()[i]!));
  tf.dispose(decoded.filter((d) => d !== null)); // setWeights copies them
  return copy;
}
