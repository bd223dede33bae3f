/**
 * Decoder of Whittle's packed format: per-channel symmetric integers of 2…8
 * bits. A packed kernel is one manifest entry of `nBytes` uint8 values holding
 *   [scales: channels × float32 LE][q + (2^(b−1) − 1) in b bits, LSB first]
 * and weight i uses the scale of its channel along `axis` (default: the last).
 * Core's quantize/packed.ts is the encoder.
 */
import type { WeightDecoder } from './index.js';

export const PACKED_FORMAT = 'whittle-packed';
/** 1: the bare map of entries (no checksums); 2: { format, version, shards, weights, checksums }. */
export const PACKED_VERSION = 2;

export interface PackedEntry {
  /** The weight's real shape (its manifest entry holds the packed bytes). */
  shape: number[];
  bits: number;
  channels: number;
  /** The channel axis the scales run along (absent: the last axis). */
  axis?: number;
}

/** b-bit unsigned values, LSB first, from ⌈n·b/8⌉ bytes. */
export function unpackBits(bytes: Uint8Array, bits: number, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0, bit = 0; i < n; i++) {
    let v = 0;
    for (let k = 0; k < bits; k++, bit++) v |= ((bytes[bit >> 3]! >> (bit & 7)) & 1) << k;
    out[i] = v;
  }
  return out;
}

export const decodePacked: WeightDecoder<PackedEntry> = (bytes, e, bad) => {
  const size = e.shape.reduce((a, b) => a * b, 1);
  const axis = e.axis ?? e.shape.length - 1;
  if (!(e.bits >= 2 && e.bits <= 8) || e.shape[axis] !== e.channels) bad(`bits=${e.bits}, channels=${e.channels} do not fit its shape`);
  const expected = e.channels * 4 + Math.ceil((size * e.bits) / 8);
  if (bytes.length !== expected) bad(`${bytes.length} bytes, expected ${expected}`);
  const scales = new Float32Array(e.channels);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let c = 0; c < e.channels; c++) scales[c] = view.getFloat32(c * 4, true);
  const q = unpackBits(bytes.subarray(e.channels * 4), e.bits, size);
  const shift = 2 ** (e.bits - 1) - 1;
  const inner = e.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (q[i]! - shift) * scales[Math.floor(i / inner) % e.channels]!;
  return out;
};
