/**
 * Whittle's packed weight format, for what the stock manifest cannot say:
 * per-channel scales and widths below 8 bits. Every float32 weight of rank ≥ 2
 * (kernels) becomes symmetric per-output-channel (last axis) integers stored
 * as q + (2^(b−1) − 1) in b bits, LSB first, after the float32 scales. Biases
 * and other small tensors stay float32.
 *
 * On disk each packed weight is an ordinary manifest entry of `nBytes` uint8
 * values (so the shard sizes check out with the stock rules) and
 * `userDefinedMetadata.whittlePacked[name]` says how to decode it; `loadModel`
 * does that before handing tfjs the float32 weights. Stock tfjs cannot load
 * these files — use the uint8/float16 export for that.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkIntInRange, fail } from '../errors.js';
import { quantizeTensor } from './affine.js';

export interface PackedEntry {
  /** The weight's real shape (the manifest entry holds the packed bytes). */
  shape: number[];
  bits: number;
  channels: number;
}

export type PackedMetadata = Record<string, PackedEntry>;

/** b-bit unsigned values, LSB first, in ⌈n·b/8⌉ bytes. */
export function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  for (let i = 0, bit = 0; i < values.length; i++) {
    for (let k = 0; k < bits; k++, bit++) if ((values[i]! >> k) & 1) out[bit >> 3]! |= 1 << (bit & 7);
  }
  return out;
}

export function unpackBits(bytes: Uint8Array, bits: number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0, bit = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < bits; k++, bit++) v |= ((bytes[bit >> 3]! >> (bit & 7)) & 1) << k;
    out[i] = v;
  }
  return out;
}

/** One kernel in the packed layout (float32 scales, then the b-bit codes): what the file stores for it. */
export function encodePackedWeight(
  values: Float32Array,
  shape: number[],
  bits: number,
  name: string,
): { bytes: Uint8Array; entry: PackedEntry } {
  const t = quantizeTensor(values, shape, { bits, scheme: 'symmetric', axis: shape.length - 1 }, name);
  const offset = 2 ** (bits - 1) - 1;
  const packed = packBits(
    Array.from(t.q, (q) => q + offset),
    bits,
  );
  const bytes = new Uint8Array(t.scale.byteLength + packed.byteLength);
  bytes.set(new Uint8Array(t.scale.buffer, t.scale.byteOffset, t.scale.byteLength), 0);
  bytes.set(packed, t.scale.byteLength);
  return { bytes, entry: { shape, bits, channels: t.scale.length } };
}

/**
 * Packs float32 kernels of tfjs weight specs + data at `bits` (2…8). A map from
 * layer name to bits packs only the kernels of the layers it names, each at
 * its own width (32 = leave float32); the other weights stay float32.
 */
export function encodePackedArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  bits: number | Record<string, number>,
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array; metadata: PackedMetadata } {
  if (typeof bits === 'number') checkIntInRange('saveModel', 'bits (packed format)', bits, 2, 8);
  else
    for (const [layer, b] of Object.entries(bits))
      if (b !== 32) checkIntInRange('saveModel', `bits of '${layer}' (packed format; 32 = float32)`, b, 2, 8);
  const bitsFor = (name: string) => (typeof bits === 'number' ? bits : bits[name.slice(0, name.lastIndexOf('/'))]);
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  const metadata: PackedMetadata = {};
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const chunk = data.slice(offset, offset + size * (spec.dtype === 'bool' ? 1 : 4));
    offset += chunk.byteLength;
    const b = bitsFor(spec.name);
    if (spec.dtype !== 'float32' || spec.quantization || spec.shape.length < 2 || b === undefined || b === 32) {
      parts.push(new Uint8Array(chunk));
      out.push(spec);
      continue;
    }
    const { bytes, entry } = encodePackedWeight(new Float32Array(chunk), spec.shape, b, spec.name);
    parts.push(bytes);
    metadata[spec.name] = entry;
    out.push({ name: spec.name, shape: [bytes.byteLength], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } });
  }
  const joined = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.byteLength;
  }
  return { specs: out, data: joined, metadata };
}

/** Inverse of encodePackedArtifacts: float32 specs + data that tfjs loads. */
export function decodePackedArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  metadata: PackedMetadata,
  entryBytes: (e: tf.io.WeightsManifestEntry) => number,
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = entryBytes(spec);
    const chunk = new Uint8Array(data.slice(offset, offset + n));
    offset += n;
    const meta = metadata[spec.name];
    if (!meta) {
      parts.push(chunk);
      out.push(spec);
      continue;
    }
    const size = meta.shape.reduce((a, b) => a * b, 1);
    if (n !== meta.channels * 4 + Math.ceil((size * meta.bits) / 8))
      fail('loadModel', `packed weight '${spec.name}' has ${n} bytes, expected ${meta.channels * 4 + Math.ceil((size * meta.bits) / 8)}`);
    const scales = new Float32Array(chunk.buffer.slice(0, meta.channels * 4));
    const q = unpackBits(chunk.subarray(meta.channels * 4), meta.bits, size);
    const shift = 2 ** (meta.bits - 1) - 1;
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (q[i]! - shift) * scales[i % meta.channels]!;
    parts.push(new Uint8Array(values.buffer));
    out.push({ name: spec.name, shape: meta.shape, dtype: 'float32' });
  }
  const joined = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.byteLength;
  }
  return { specs: out, data: joined.buffer };
}
