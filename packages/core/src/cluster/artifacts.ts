/**
 * Writing the "deep" format: every clustered kernel is re-read from the model's
 * own weights (so what is stored is exactly what the model holds), split into
 * codebooks + indices, and encoded by encode.ts. Other tensors (biases) stay
 * float32, or become float16 in tfjs's standard manifest field.
 */
import type * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { channelCount, type Clusters, type LayerClusters } from './cluster.js';
import { encodeClustered } from './encode.js';
import { encodeWeight } from '../quantize/export.js';
import { crc32, type DeepTensorSpec } from './format.js';

/** Without assignments, a kernel counts as clustered when each codebook would hold at most this many values. */
const AUTO_MAX_K = 256;

/**
 * Codebooks and indices of values that already share a few values per codebook
 * (each group's distinct nonzero values, ascending; zeros are the zero symbol),
 * or null when some codebook would exceed `maxK` values.
 */
export function clustersFromValues(
  values: Float32Array,
  shape: number[],
  layer: string,
  groups: number,
  maxK: number,
): LayerClusters | null {
  const books: number[][] = [];
  for (let g = 0; g < groups; g++) {
    const set = new Set<number>();
    for (let i = g; i < values.length; i += groups) {
      if (values[i] !== 0) set.add(values[i]!);
      if (set.size > maxK) return null;
    }
    books.push([...set].sort((a, b) => a - b));
  }
  const k = Math.max(2, ...books.map((b) => b.length));
  const codebooks = new Float32Array(groups * k);
  const lookup = books.map((b, g) => {
    codebooks.set(b, g * k);
    return new Map(b.map((v, j) => [v, j]));
  });
  const indices = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) indices[i] = values[i] === 0 ? -1 : lookup[i % groups]!.get(values[i]!)!;
  return { layer, shape, k, groups, codebooks, indices };
}

/**
 * The 'sparse' save: a kernel's own values as codebooks (one, or one per
 * channel) — lossless — encoded densely or as relative-index pairs, whichever
 * is smallest; null when no layout fits the Huffman coder (its 15-bit codes
 * allow at most 32,767 values per codebook besides the zero symbol).
 */
function smallestLossless(values: Float32Array, shape: number[], layer: string, depthwise: boolean) {
  let best: ReturnType<typeof encodeClustered> | null = null;
  for (const groups of new Set([1, channelCount(shape, depthwise)])) {
    const c = clustersFromValues(values, shape, layer, groups, MAX_LOSSLESS_K);
    if (!c) continue;
    const encoded = encodeClustered(c);
    if (!best || encoded.bytes.byteLength < best.bytes.byteLength) best = encoded;
  }
  return best;
}
const MAX_LOSSLESS_K = 32767;

const layerOf = (weightName: string) => weightName.split('/').slice(0, -1).join('/');

/**
 * Encodes float32 specs + data. With `clusters`, exactly those layers' kernels
 * (their codebook layout; an error if a kernel holds more values than its k);
 * without, every kernel holding at most 256 distinct values
 * per tensor or per channel.
 */
export function encodeDeepArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  clusters?: Clusters,
  unclustered: 'float32' | 'float16' = 'float32',
  { sparse = false }: { sparse?: boolean } = {},
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array; weights: Record<string, DeepTensorSpec>; checksums: Record<string, number> } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  const weights: Record<string, DeepTensorSpec> = {};
  const checksums: Record<string, number> = {};
  const wanted = clusters ? new Map(Object.values(clusters).map((c) => [c.layer, c])) : undefined;
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const chunk = new Uint8Array(data.slice(offset, offset + size * (spec.dtype === 'bool' ? 1 : 4)));
    offset += chunk.byteLength;
    const layer = layerOf(spec.name);
    const isKernel = /(^|\/)(kernel|depthwise_kernel)$/.test(spec.name) && spec.dtype === 'float32' && !spec.quantization;
    const given = wanted?.get(layer);
    let c: LayerClusters | null = null;
    if (isKernel && given) {
      c = clustersFromValues(new Float32Array(chunk.buffer), spec.shape, layer, given.groups, given.k);
      if (!c)
        fail(
          'saveModel',
          `layer '${layer}' holds more than k=${given.k} distinct values per codebook: it is not clustered as its assignments say`,
        );
    } else if (isKernel && sparse && spec.shape.length >= 2) {
      const best = smallestLossless(new Float32Array(chunk.buffer), spec.shape, layer, spec.name.endsWith('depthwise_kernel'));
      if (best && best.bytes.byteLength < chunk.byteLength) {
        weights[spec.name] = best.spec;
        parts.push(best.bytes);
        out.push({ name: spec.name, shape: [best.bytes.byteLength], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } });
        continue;
      }
    } else if (isKernel && !wanted && spec.shape.length >= 2) {
      // one codebook, or one per channel (last axis; depthwise: last two)
      const values = new Float32Array(chunk.buffer);
      const depthwise = spec.name.endsWith('depthwise_kernel');
      for (const groups of [1, channelCount(spec.shape, depthwise)])
        if (!c) c = clustersFromValues(values, spec.shape, layer, groups, AUTO_MAX_K);
    }
    if (!c) {
      if (unclustered === 'float16' && spec.dtype === 'float32' && !spec.quantization) {
        const enc = encodeWeight(new Float32Array(chunk.buffer), 'float16');
        parts.push(enc.bytes);
        out.push({ ...spec, quantization: enc.quantization });
      } else {
        parts.push(chunk);
        out.push(spec);
      }
      checksums[spec.name] = crc32(parts.at(-1)!);
      continue;
    }
    const { bytes, spec: deep } = encodeClustered(c);
    weights[spec.name] = deep;
    parts.push(bytes);
    out.push({ name: spec.name, shape: [bytes.byteLength], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } });
  }
  for (const layer of wanted?.keys() ?? [])
    if (!Object.values(weights).some((w) => w.layer === layer))
      fail('saveModel', `clusters name layer '${layer}', which has no float32 kernel in this model`);
  const joined = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  parts.reduce((o, p) => (joined.set(p, o), o + p.byteLength), 0);
  return { specs: out, data: joined, weights, checksums };
}
