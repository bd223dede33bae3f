/**
 * Decoder of Whittle's "deep" format (Deep Compression's storage: shared
 * codebooks, relative-index sparse encoding, Huffman coding). Core's
 * cluster/encode.ts is the encoder.
 *
 * A clustered kernel is one manifest entry of `nBytes` uint8 values holding
 *   [codebooks: groups × k float32 LE][index stream][gap stream (sparse mode)]
 * with section lengths in its DeepTensorSpec. Weight i uses codebook
 * i % groups. Symbols 0…k−1 are centroids; symbol k (when `zero`) is 0.
 * - dense mode: one index symbol per weight, in order.
 * - sparse mode: (gap, index) pairs; an entry sits `gap` places after the
 *   previous one (the first after position −1). A gap too long for `gapBits`
 *   is bridged by a filler zero (symbol k) at the longest gap, as in the paper;
 *   weights after the last entry are zero.
 * Each stream is canonical Huffman: [code lengths, 4 bits each, for symbols
 * 0…lengths−1][codes, MSB first]. Every tensor and shard has a CRC-32.
 */
import { crc32 } from '../crc32.js';
import type { ShardChecksums, WeightDecoder } from './index.js';

export const DEEP_FORMAT = 'whittle-deep';
export const DEEP_VERSION = 1;

export interface DeepTensorSpec {
  /** Layer the kernel belongs to (named in errors). */
  layer: string;
  /** The kernel's real shape (its manifest entry holds the encoded bytes). */
  shape: number[];
  /** Centroids per codebook. */
  k: number;
  /** Codebooks; weight i uses codebook i % groups. */
  groups: number;
  mode: 'dense' | 'sparse';
  /** Symbols in the index stream (sparse: entries incl. fillers). */
  count: number;
  /** Sparse mode: bits of a relative index (gap alphabet 2^gapBits). */
  gapBits: number;
  /** Huffman code-length table sizes (symbols 0…n−1) of the index and gap streams. */
  tables: [number, number];
  /** Byte lengths of the codebooks, the index stream and the gap stream. */
  sections: [number, number, number];
  /** CRC-32 of this tensor's bytes. */
  crc32: number;
}

/** Canonical Huffman decoder over `bytes` (counts/symbols tables, as in zlib's puff). */
function huffmanReader(bytes: Uint8Array, tableSize: number, bad: (what: string) => never) {
  const tableBytes = Math.ceil(tableSize / 2);
  if (bytes.length < tableBytes) bad(`code table needs ${tableBytes} bytes, has ${bytes.length}`);
  const lengths = new Uint8Array(tableSize);
  for (let s = 0; s < tableSize; s++) lengths[s] = (bytes[s >> 1]! >> ((s & 1) * 4)) & 15;
  const counts = new Int32Array(16);
  for (const l of lengths) counts[l]++;
  counts[0] = 0;
  const offsets = new Int32Array(16);
  for (let l = 1; l < 15; l++) offsets[l + 1] = offsets[l]! + counts[l]!;
  const symbols = new Int32Array(tableSize);
  for (let s = 0; s < tableSize; s++) if (lengths[s]) symbols[offsets[lengths[s]!]!++] = s;
  let bit = tableBytes * 8;
  const end = bytes.length * 8;
  return () => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      if (bit >= end) bad('stream ends inside a code');
      code |= (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1;
      bit++;
      const count = counts[len]!;
      if (code - first < count) return symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return bad('invalid Huffman code');
  };
}

export interface DeepMetadata {
  format: typeof DEEP_FORMAT;
  version: number;
  /** Per shard file: its byte length and CRC-32. */
  shards: ShardChecksums;
  /** Per clustered weight (manifest name). */
  weights: Record<string, DeepTensorSpec>;
  /** CRC-32 of every other weight's bytes (biases …), so corruption names its layer. */
  checksums?: Record<string, number>;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const counts = (v: unknown, length: number) => Array.isArray(v) && v.length === length && v.every(isCount);
/** Weights one tensor may decode to (1 GiB of float32): its shape is metadata, outside the CRC. */
const MAX_WEIGHTS = 2 ** 28;

/** Metadata is data from a file: its form is checked before anything is sized from it (found by the file fuzz). */
function checkSpec(spec: DeepTensorSpec, bad: (what: string) => never): void {
  const s = spec as Partial<DeepTensorSpec> | null;
  if (
    !s ||
    typeof s !== 'object' ||
    !Array.isArray(s.shape) ||
    !s.shape.every(isCount) ||
    !isCount(s.k) ||
    s.k < 1 ||
    !isCount(s.groups) ||
    s.groups < 1 ||
    !isCount(s.count) ||
    !isCount(s.gapBits) ||
    s.gapBits > 24 ||
    (s.mode !== 'dense' && s.mode !== 'sparse') ||
    !counts(s.tables, 2) ||
    !counts(s.sections, 3) ||
    !isCount(s.crc32)
  )
    bad('its deep entry is malformed (shape, k, groups, count, gapBits, tables, sections, mode and crc32 must be given, as counts)');
  if (s.shape.reduce((a, b) => a * b, 1) > MAX_WEIGHTS) bad(`shape [${s.shape.join(', ')}] is larger than ${MAX_WEIGHTS} weights`);
}

/** Decodes one clustered kernel; `bad` throws naming the file and the layer. */
export const decodeDeep: WeightDecoder<DeepTensorSpec> = (bytes, spec, bad) => {
  checkSpec(spec, bad);
  const [cb, ib, gb] = spec.sections;
  if (bytes.length !== cb + ib + gb) bad(`${bytes.length} bytes, expected ${cb + ib + gb}`);
  if (crc32(bytes) !== spec.crc32) bad('CRC-32 mismatch');
  if (cb !== spec.groups * spec.k * 4) bad(`codebooks take ${cb} bytes, expected ${spec.groups * spec.k * 4}`);
  const codebooks = new Float32Array(spec.groups * spec.k);
  const view = new DataView(bytes.buffer, bytes.byteOffset, cb);
  for (let i = 0; i < codebooks.length; i++) codebooks[i] = view.getFloat32(i * 4, true);
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const nextIndex = huffmanReader(bytes.subarray(cb, cb + ib), spec.tables[0], bad);
  const value = (i: number, s: number) => {
    if (s > spec.k) bad(`index ${s} beyond ${spec.k} clusters`);
    out[i] = s === spec.k ? 0 : codebooks[(i % spec.groups) * spec.k + s]!;
  };
  if (spec.mode === 'dense') {
    if (spec.count !== n) bad(`dense stream of ${spec.count} symbols for ${n} weights`);
    for (let i = 0; i < n; i++) value(i, nextIndex());
  } else {
    const nextGap = huffmanReader(bytes.subarray(cb + ib), spec.tables[1], bad);
    let pos = -1;
    for (let e = 0; e < spec.count; e++) {
      pos += nextGap() + 1;
      if (pos >= n) bad(`entry ${e} lands at ${pos}, past ${n} weights`);
      value(pos, nextIndex());
    }
  }
  return out;
};
