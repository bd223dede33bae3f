/**
 * Decoder of Whittle's "deep" weight format (Deep Compression's storage: shared
 * codebooks, relative-index sparse encoding, Huffman coding). Pure and
 * dependency-free — no Node, no tfjs — so a browser loader can carry it.
 *
 * A clustered kernel is one manifest entry of `nBytes` uint8 values holding
 *   [codebooks: groups × k float32 LE][index stream][gap stream (sparse mode)]
 * with section lengths in its DeepTensorSpec (model.json →
 * userDefinedMetadata.whittleDeep.weights[name]). Weight i uses codebook
 * i % groups. Symbols 0…k−1 are centroids; symbol k (when `zero`) is 0.
 * - dense mode: one index symbol per weight, in order.
 * - sparse mode: (gap, index) pairs; an entry sits `gap` places after the
 *   previous one (the first after position −1). A gap too long for `gapBits`
 *   is bridged by a filler zero (symbol k) at the longest gap, as in the paper;
 *   weights after the last entry are zero.
 * Each stream is canonical Huffman: [code lengths, 4 bits each, for symbols
 * 0…lengths−1][codes, MSB first]. Every tensor and shard has a CRC-32.
 */

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

export interface DeepMetadata {
  format: typeof DEEP_FORMAT;
  version: number;
  /** Per shard file: its byte length and CRC-32. */
  shards: Record<string, { bytes: number; crc32: number }>;
  /** Per clustered weight (manifest name). */
  weights: Record<string, DeepTensorSpec>;
  /** CRC-32 of every other weight's bytes (biases …), so corruption names its layer. */
  checksums?: Record<string, number>;
}

export class DeepFormatError extends Error {
  override name = 'DeepFormatError';
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, as zlib/PNG). Hand-written: 10 lines, and the decoder must not depend on Node's zlib. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
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

/** Decodes one clustered kernel. `where` names the file in errors. */
export function decodeDeepTensor(bytes: Uint8Array, spec: DeepTensorSpec, where: string): Float32Array {
  const bad = (what: string): never => {
    throw new DeepFormatError(`${where}: layer '${spec.layer}' is corrupt or truncated (${what})`);
  };
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
}

/** One weights-manifest entry, as far as this decoder needs it (tfjs's WeightsManifestEntry fits). */
export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; [key: string]: unknown };
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one manifest entry occupies in its shard. */
const entryBytes = (e: ManifestEntry) => e.shape.reduce((a, b) => a * b, 1) * (BYTES_PER[e.quantization?.dtype ?? e.dtype] ?? NaN);

/**
 * Decodes every clustered weight to float32 (`shards`: file name → bytes, in
 * manifest order), checking each tensor's CRC-32 and then each shard's: returns
 * specs + one buffer that tfjs loads. Throws DeepFormatError naming the file
 * and the layer on corrupt or truncated data, before anything is built.
 */
export function decodeDeepWeights(
  specs: ManifestEntry[],
  shards: { name: string; bytes: Uint8Array }[],
  meta: DeepMetadata,
): { specs: ManifestEntry[]; data: ArrayBuffer } {
  if (meta.format !== DEEP_FORMAT || meta.version !== DEEP_VERSION)
    throw new DeepFormatError(
      `model.json: whittle-deep metadata of version ${String(meta.version)} is not supported (this loader reads ${DEEP_VERSION})`,
    );
  const data = new Uint8Array(shards.reduce((n, s) => n + s.bytes.length, 0));
  shards.reduce((o, s) => (data.set(s.bytes, o), o + s.bytes.length), 0);
  // a weight may straddle shards, so it is named by the shard its first byte is in
  const fileAt = (offset: number) => {
    let end = 0;
    for (const s of shards) if (offset < (end += s.bytes.length)) return s.name;
    return shards.at(-1)?.name ?? '(no shard)';
  };
  const layerOf = (name: string) => meta.weights[name]?.layer ?? name.split('/').slice(0, -1).join('/');
  const needed = specs.reduce((n, e) => n + entryBytes(e), 0);
  if (data.length < needed) {
    let end = 0;
    const cut = specs.find((e) => (end += entryBytes(e)) > data.length)!;
    throw new DeepFormatError(
      `${shards.at(-1)?.name ?? '(no shard)'}: truncated, ${data.length} of ${needed} bytes; layer '${layerOf(cut.name)}' and those after it are cut`,
    );
  }
  const parts: Uint8Array[] = [];
  const out: ManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = entryBytes(spec);
    const chunk = data.subarray(offset, offset + n);
    const deep = meta.weights[spec.name];
    if (deep) {
      const values = decodeDeepTensor(chunk, deep, fileAt(offset));
      parts.push(new Uint8Array(values.buffer));
      out.push({ name: spec.name, shape: deep.shape, dtype: 'float32' });
    } else {
      const want = meta.checksums?.[spec.name];
      if (want !== undefined && crc32(chunk) !== want)
        throw new DeepFormatError(`${fileAt(offset)}: layer '${layerOf(spec.name)}' is corrupt (CRC-32 mismatch in ${spec.name})`);
      parts.push(chunk);
      out.push(spec);
    }
    offset += n;
  }
  for (const s of shards) {
    const m = meta.shards[s.name];
    if (!m) throw new DeepFormatError(`${s.name}: not listed in the whittle-deep metadata`);
    if (s.bytes.length !== m.bytes) throw new DeepFormatError(`${s.name}: has ${s.bytes.length} bytes, expected ${m.bytes}`);
    if (crc32(s.bytes) !== m.crc32) throw new DeepFormatError(`${s.name}: CRC-32 mismatch, the file is corrupt`);
  }
  const joined = new Uint8Array(parts.reduce((t, p) => t + p.byteLength, 0));
  parts.reduce((o, p) => (joined.set(p, o), o + p.byteLength), 0);
  return { specs: out, data: joined.buffer };
}
