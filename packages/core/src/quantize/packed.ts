/**
 * Whittle's packed weight format, for what the stock manifest cannot say:
 * per-channel scales and widths below 8 bits. Every float32 weight of rank ≥ 2
 * (kernels) becomes symmetric per-output-channel integers (the channel axis
 * from models/weights.ts: the last axis, axis 2 of depthwise kernels) stored
 * as q + (2^(b−1) − 1) in b bits, LSB first, after the float32 scales. Biases
 * and other small tensors stay float32.
 *
 * On disk each packed weight is an ordinary manifest entry of `nBytes` uint8
 * values (so the shard sizes check out with the stock rules) and
 * `userDefinedMetadata.whittlePacked` (PackedMetadata: format, version, a
 * CRC-32 per shard, an entry per packed weight) says how to decode it;
 * @whittle/loader does that — in `loadModel` and in browsers — before handing
 * tfjs the float32 weights. Stock tfjs alone cannot load these files.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkIntInRange } from '../errors.js';
import { quantizeTensor } from './affine.js';

import { crc32, type PackedEntry, type ShardChecksums } from '@whittle/loader';
export type { PackedEntry } from '@whittle/loader';

/** What model.json's `userDefinedMetadata.whittlePacked` holds. */
export interface PackedMetadata {
  format: 'whittle-packed';
  version: number;
  shards: ShardChecksums;
  weights: Record<string, PackedEntry>;
  /** CRC-32 of every weight's stored bytes, so corruption names its layer. */
  checksums: Record<string, number>;
}

/** b-bit unsigned values, LSB first, in ⌈n·b/8⌉ bytes. */
export function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  for (let i = 0, bit = 0; i < values.length; i++) {
    for (let k = 0; k < bits; k++, bit++) if ((values[i]! >> k) & 1) out[bit >> 3]! |= 1 << (bit & 7);
  }
  return out;
}

// The decoder (unpackBits, decodePacked) lives in @whittle/loader, shared with browsers.
export { unpackBits } from '@whittle/loader';

/**
 * One kernel in the packed layout (float32 scales along `axis`, default the
 * last, then the b-bit codes): what the file stores for it.
 */
export function encodePackedWeight(
  values: Float32Array,
  shape: number[],
  bits: number,
  name: string,
  axis = shape.length - 1,
): { bytes: Uint8Array; entry: PackedEntry } {
  const t = quantizeTensor(values, shape, { bits, scheme: 'symmetric', axis }, name);
  const offset = 2 ** (bits - 1) - 1;
  const packed = packBits(
    Array.from(t.q, (q) => q + offset),
    bits,
  );
  const bytes = new Uint8Array(t.scale.byteLength + packed.byteLength);
  bytes.set(new Uint8Array(t.scale.buffer, t.scale.byteOffset, t.scale.byteLength), 0);
  bytes.set(packed, t.scale.byteLength);
  return { bytes, entry: { shape, bits, channels: t.scale.length, axis } };
}

/**
 * Packs float32 kernels of tfjs weight specs + data at `bits` (2…8), per
 * channel along `axes.get(spec.name)` (models/weights.ts `weightAxes`; the
 * last axis for names it lacks). A map from layer name to bits packs only the
 * kernels of the layers it names, each at its own width (32 = leave float32);
 * the other weights stay float32. Each entry records its own bits.
 */
export function encodePackedArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  bits: number | Record<string, number>,
  axes: Map<string, number | null> = new Map(),
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array; weights: Record<string, PackedEntry>; checksums: Record<string, number> } {
  if (typeof bits === 'number') checkIntInRange('saveModel', 'bits (packed format)', bits, 2, 8);
  else
    for (const [layer, b] of Object.entries(bits))
      if (b !== 32) checkIntInRange('saveModel', `bits of '${layer}' (packed format; 32 = float32)`, b, 2, 8);
  const bitsFor = (name: string) => (typeof bits === 'number' ? bits : bits[name.slice(0, name.lastIndexOf('/'))]);
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  const weights: Record<string, PackedEntry> = {};
  const checksums: Record<string, number> = {};
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const chunk = data.slice(offset, offset + size * (spec.dtype === 'bool' ? 1 : 4));
    offset += chunk.byteLength;
    const b = bitsFor(spec.name);
    if (spec.dtype !== 'float32' || spec.quantization || spec.shape.length < 2 || b === undefined || b === 32) {
      parts.push(new Uint8Array(chunk));
      checksums[spec.name] = crc32(parts.at(-1)!);
      out.push(spec);
      continue;
    }
    const axis = axes.get(spec.name) ?? spec.shape.length - 1;
    const { bytes, entry } = encodePackedWeight(new Float32Array(chunk), spec.shape, b, spec.name, axis);
    parts.push(bytes);
    checksums[spec.name] = crc32(bytes);
    weights[spec.name] = entry;
    out.push({ name: spec.name, shape: [bytes.byteLength], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } });
  }
  const joined = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.byteLength;
  }
  return { specs: out, data: joined, weights, checksums };
}
