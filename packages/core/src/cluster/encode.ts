/**
 * Encoder of the "deep" format (see format.ts for the layout). For each kernel
 * it tries dense coding and sparse coding at every gap width 1…8 bits and keeps
 * the smallest — the bytes, not a formula, decide.
 *
 * Huffman is hand-written: npm's Huffman packages code strings (not symbol
 * arrays with a canonical, length-limited code a 30-line decoder can read);
 * the code-length construction and canonical assignment here are ~50 lines.
 */
import { crc32, type DeepTensorSpec } from './format.js';
import type { LayerClusters } from './cluster.js';

const MAX_CODE_LENGTH = 15;

/** Huffman code lengths for `freq` (0 for unused symbols), at most 15 bits (frequencies are flattened until they fit). */
export function codeLengths(freq: ArrayLike<number>): Uint8Array {
  const used = Array.from(freq, (f, s) => [f, s] as const).filter(([f]) => f > 0);
  const lengths = new Uint8Array(freq.length);
  if (used.length === 1) lengths[used[0]![1]] = 1;
  if (used.length <= 1) return lengths;
  let weights = used.map(([f]) => f);
  for (;;) {
    // nodes: leaves 0…m−1, internal after; merge the two lightest (a sorted queue of leaves + a FIFO of internals)
    const m = weights.length;
    const order = weights.map((_, i) => i).sort((a, b) => weights[a]! - weights[b]! || a - b);
    const parent = new Int32Array(2 * m - 1);
    const weight = new Float64Array(2 * m - 1);
    weights.forEach((w, i) => (weight[i] = w));
    let leaf = 0;
    let head = m;
    let next = m;
    const pop = () => (leaf < m && (head >= next || weight[order[leaf]!]! <= weight[head]!) ? order[leaf++]! : head++);
    while (next < 2 * m - 1) {
      const a = pop();
      const b = pop();
      weight[next] = weight[a]! + weight[b]!;
      parent[a] = parent[b] = next++;
    }
    const depth = new Uint8Array(2 * m - 1);
    let max = 0;
    for (let i = 2 * m - 3; i >= 0; i--) max = Math.max(max, (depth[i] = depth[parent[i]!]! + 1));
    if (max <= MAX_CODE_LENGTH) {
      used.forEach(([, s], i) => (lengths[s] = depth[i]!));
      return lengths;
    }
    weights = weights.map((w) => Math.ceil(w / 2));
  }
}

/** Canonical codes for `lengths`: shorter codes first, then by symbol (what format.ts decodes). */
function canonicalCodes(lengths: Uint8Array): Int32Array {
  const counts = new Int32Array(MAX_CODE_LENGTH + 1);
  for (const l of lengths) if (l) counts[l] = counts[l]! + 1;
  const next = new Int32Array(MAX_CODE_LENGTH + 2);
  for (let l = 1, code = 0; l <= MAX_CODE_LENGTH; l++) {
    code = (code + counts[l - 1]!) << 1;
    next[l] = code;
  }
  const codes = new Int32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) if (lengths[s]) codes[s] = next[lengths[s]!]!++;
  return codes;
}

/** A Huffman stream: 4-bit code lengths for symbols 0…table−1, then the codes MSB first. */
export function huffmanEncode(symbols: ArrayLike<number>, alphabet: number): { bytes: Uint8Array; table: number } {
  const freq = new Float64Array(alphabet);
  for (let i = 0; i < symbols.length; i++) freq[symbols[i]!]++;
  const lengths = codeLengths(freq);
  let table = alphabet;
  while (table > 0 && lengths[table - 1] === 0) table--;
  const codes = canonicalCodes(lengths);
  let bits = 0;
  for (let s = 0; s < alphabet; s++) bits += freq[s]! * lengths[s]!;
  const head = Math.ceil(table / 2);
  const out = new Uint8Array(head + Math.ceil(bits / 8));
  for (let s = 0; s < table; s++) out[s >> 1] |= lengths[s]! << ((s & 1) * 4);
  let bit = head * 8;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i]!;
    for (let l = lengths[s]! - 1; l >= 0; l--, bit++) if ((codes[s]! >> l) & 1) out[bit >> 3] |= 0x80 >> (bit & 7);
  }
  return { bytes: out, table };
}

/** Symbol per weight: its centroid index, or k for a zero. */
const symbolsOf = (c: LayerClusters) => Int32Array.from(c.indices, (j) => (j < 0 ? c.k : j));

/** (gap, index) pairs of the sparse mode, with filler zeros where a gap exceeds 2^gapBits − 1. */
function sparseStreams(c: LayerClusters, gapBits: number): { gaps: number[]; idx: number[] } {
  const maxGap = 2 ** gapBits - 1;
  const gaps: number[] = [];
  const idx: number[] = [];
  let prev = -1;
  for (let i = 0; i < c.indices.length; i++) {
    if (c.indices[i]! < 0) continue;
    while (i - prev - 1 > maxGap) {
      gaps.push(maxGap);
      idx.push(c.k);
      prev += maxGap + 1;
    }
    gaps.push(i - prev - 1);
    idx.push(c.indices[i]!);
    prev = i;
  }
  return { gaps, idx };
}

/** Encodes one clustered kernel in its smallest mode; returns the bytes and the spec format.ts decodes. */
export function encodeClustered(
  c: LayerClusters,
  force?: { mode: 'dense' | 'sparse'; gapBits?: number },
): { bytes: Uint8Array; spec: DeepTensorSpec } {
  const codebook = new Uint8Array(c.codebooks.length * 4);
  const view = new DataView(codebook.buffer);
  c.codebooks.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const alphabet = c.k + 1;
  const candidates: {
    mode: 'dense' | 'sparse';
    gapBits: number;
    count: number;
    index: ReturnType<typeof huffmanEncode>;
    gap?: ReturnType<typeof huffmanEncode>;
  }[] = [];
  candidates.push({ mode: 'dense', gapBits: 0, count: c.indices.length, index: huffmanEncode(symbolsOf(c), alphabet) });
  if (c.indices.some((j) => j < 0)) {
    for (let gapBits = 1; gapBits <= 8; gapBits++) {
      const { gaps, idx } = sparseStreams(c, gapBits);
      candidates.push({
        mode: 'sparse',
        gapBits,
        count: idx.length,
        index: huffmanEncode(idx, alphabet),
        gap: huffmanEncode(gaps, 2 ** gapBits),
      });
    }
  }
  const size = (x: (typeof candidates)[number]) =>
    force && (x.mode !== force.mode || (force.gapBits !== undefined && x.gapBits !== force.gapBits))
      ? Infinity
      : x.index.bytes.length + (x.gap?.bytes.length ?? 0);
  const best = candidates.reduce((a, b) => (size(b) < size(a) ? b : a));
  const gapBytes = best.gap?.bytes ?? new Uint8Array(0);
  const bytes = new Uint8Array(codebook.length + best.index.bytes.length + gapBytes.length);
  bytes.set(codebook, 0);
  bytes.set(best.index.bytes, codebook.length);
  bytes.set(gapBytes, codebook.length + best.index.bytes.length);
  return {
    bytes,
    spec: {
      layer: c.layer,
      shape: c.shape,
      k: c.k,
      groups: c.groups,
      ...(c.groups > 1 && c.axis !== undefined ? { axis: c.axis } : {}),
      mode: best.mode,
      count: best.count,
      gapBits: best.gapBits,
      tables: [best.index.table, best.gap?.table ?? 0],
      sections: [codebook.length, best.index.bytes.length, gapBytes.length],
      crc32: crc32(bytes),
    },
  };
}
