/**
 * Writing the "deep" format: every clustered kernel is re-read from the model's
 * own weights (so what is stored is exactly what the model holds), split into
 * codebooks + indices, and encoded by encode.ts. Other tensors (biases) stay
 * float32, or become float16 in tfjs's standard manifest field.
 */
import type * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { kernelOf } from '../models/weights.js';
import { codebookOf, type Clusters, type LayerClusters } from './cluster.js';
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
  axis: number | undefined,
  maxK: number,
): LayerClusters | null {
  const groups = axis === undefined ? 1 : shape[axis]!;
  const group = codebookOf({ shape, groups, axis });
  const sets = Array.from({ length: groups }, () => new Set<number>());
  for (let i = 0; i < values.length; i++) {
    const set = sets[group[i]!]!;
    if (values[i] !== 0) set.add(values[i]!);
    if (set.size > maxK) return null;
  }
  const books = sets.map((set) => [...set].sort((a, b) => a - b));
  const k = Math.max(2, ...books.map((b) => b.length));
  const codebooks = new Float32Array(groups * k);
  const lookup = books.map((b, g) => {
    codebooks.set(b, g * k);
    return new Map(b.map((v, j) => [v, j]));
  });
  const indices = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) indices[i] = values[i] === 0 ? -1 : lookup[group[i]!]!.get(values[i]!)!;
  return { layer, shape, k, groups, ...(groups > 1 ? { axis } : {}), codebooks, indices };
}

/** What clustering acts on, by saved weight name: each layer's main kernel (models/weights.ts) and its output-channel axis. */
export function clusterableKernels(model: tf.LayersModel): Map<string, { layer: string; axis: number | null }> {
  const out = new Map<string, { layer: string; axis: number | null }>();
  for (const layer of model.layers) {
    const k = kernelOf(layer);
    if (k) out.set(k.name, { layer: layer.name, axis: k.channelAxis });
  }
  return out;
}

/**
 * The 'sparse' save: a kernel's own values as codebooks (one, or one per
 * output channel) — lossless — encoded densely or as relative-index pairs,
 * whichever is smallest; null when no layout fits the Huffman coder (its
 * 15-bit codes allow at most 32,767 values per codebook besides the zero symbol).
 */
function smallestLossless(values: Float32Array, shape: number[], layer: string, axis: number | null) {
  let best: ReturnType<typeof encodeClustered> | null = null;
  for (const a of new Set([undefined, axis ?? undefined])) {
    const c = clustersFromValues(values, shape, layer, a, MAX_LOSSLESS_K);
    if (!c) continue;
    const encoded = encodeClustered(c);
    if (!best || encoded.bytes.byteLength < best.bytes.byteLength) best = encoded;
  }
  return best;
}
const MAX_LOSSLESS_K = 32767;

/**
 * Encodes float32 specs + data. `kernels` (from `clusterableKernels`) says
 * which entries are kernels. With `clusters`, exactly those layers' kernels
 * (their codebook layout; an error if a kernel holds more values than its k);
 * without, every kernel holding at most 256 distinct values
 * per tensor or per output channel.
 */
export function encodeDeepArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  kernels: Map<string, { layer: string; axis: number | null }>,
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
    const kernel = spec.dtype === 'float32' && !spec.quantization ? kernels.get(spec.name) : undefined;
    const layer = kernel?.layer ?? '';
    const given = kernel && wanted?.get(layer);
    let c: LayerClusters | null = null;
    if (given) {
      if (given.shape.join('×') !== spec.shape.join('×'))
        fail('saveModel', `clusters for '${layer}' have shape [${given.shape.join('×')}] but its kernel is [${spec.shape.join('×')}]`);
      c = clustersFromValues(
        new Float32Array(chunk.buffer),
        spec.shape,
        layer,
        given.groups > 1 ? (given.axis ?? kernel.axis ?? undefined) : undefined,
        given.k,
      );
      if (!c)
        fail(
          'saveModel',
          `layer '${layer}' holds more than k=${given.k} distinct values per codebook: it is not clustered as its assignments say`,
        );
    } else if (kernel && sparse && spec.shape.length >= 2) {
      const best = smallestLossless(new Float32Array(chunk.buffer), spec.shape, layer, kernel.axis);
      if (best && best.bytes.byteLength < chunk.byteLength) {
        weights[spec.name] = best.spec;
        parts.push(best.bytes);
        out.push({ name: spec.name, shape: [best.bytes.byteLength], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } });
        continue;
      }
    } else if (kernel && !wanted && spec.shape.length >= 2) {
      // one codebook, or one per output channel
      const values = new Float32Array(chunk.buffer);
      for (const axis of [undefined, kernel.axis ?? undefined]) if (!c) c = clustersFromValues(values, spec.shape, layer, axis, AUTO_MAX_K);
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
