/**
 * `cluster(model, options) → { model, report, assignments }`: weight sharing by
 * k-means (Han et al., Deep Compression). Each kernel (or each output channel's
 * slice of it) is replaced by k shared values — its codebook — and every
 * weight by the index of its centroid. The input model is never changed.
 */
import * as tf from '@tensorflow/tfjs';
import { setStorageFormat } from '../io/storage.js';
import { fail } from '../errors.js';
import { checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { layerWeights } from '../models/weights.js';
import { matches, selectTargets } from '../prune/targets.js';
import { kmeans1d } from './kmeans.js';
import { checkClusters, normalizeCluster, type ClusterOptions } from './options.js';
import { clusteringReport, type ClusteringReport } from './report.js';

/** One kernel's weight sharing: plain data beside the model, like a pruning mask. */
export interface LayerClusters {
  layer: string;
  shape: number[];
  /** Centroids per codebook. */
  k: number;
  /** Codebooks: 1 (scope 'layer') or one per output channel along `axis` (see `codebookOf`). */
  groups: number;
  /** With groups > 1, the kernel's output-channel axis (models/weights.ts: the last; depthwise and transposed convs: 2). */
  axis?: number;
  /** groups × k centroids, codebook-major, each ascending. */
  codebooks: Float32Array;
  /** Each weight's centroid within its codebook; −1 = a zero kept by preserveSparsity. */
  indices: Int32Array;
}

export type Clusters = Record<string, LayerClusters>;

export interface ClusterResult {
  model: tf.LayersModel;
  report: ClusteringReport;
  assignments: Clusters;
}

/**
 * Codebook of each weight (flat, row-major index i): its channel along `axis`,
 * ⌊i / inner⌋ mod groups, where inner is the product of the axes after it
 * (1 for the last axis: i mod groups). One codebook: always 0.
 */
export function codebookOf(c: Pick<LayerClusters, 'shape' | 'groups' | 'axis'>): Int32Array {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const inner = c.axis === undefined ? 1 : c.shape.slice(c.axis + 1).reduce((a, b) => a * b, 1);
  return Int32Array.from({ length: n }, (_, i) => (c.groups === 1 ? 0 : Math.floor(i / inner) % c.groups));
}

const kFor = (map: number | Record<string, number>, layer: string) =>
  typeof map === 'number' ? map : Object.entries(map).find(([p]) => matches(layer, [p]))?.[1];

/** Clusters one kernel's values; throws if a codebook would have more centroids than distinct values. */
export function clusterValues(
  values: Float32Array,
  shape: number[],
  opts: {
    k: number;
    /** The output-channel axis (models/weights.ts) for one codebook per channel; undefined for one per kernel. */
    axis?: number;
    init: ClusterOptions['init'] & string;
    preserveSparsity: boolean;
    seed: number;
    layer: string;
  },
): LayerClusters {
  const { k, axis, layer } = opts;
  const groups = axis === undefined ? 1 : shape[axis]!;
  const group = codebookOf({ shape, groups, axis });
  const members: number[][] = Array.from({ length: groups }, () => []);
  for (let i = 0; i < values.length; i++) if (!(opts.preserveSparsity && values[i] === 0)) members[group[i]!]!.push(i);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i])) fail('cluster', `layer '${layer}' holds ${values[i]} at index ${i}; clustering needs finite weights`);
  const codebooks = new Float32Array(groups * k);
  const indices = new Int32Array(values.length).fill(-1);
  for (let g = 0; g < groups; g++) {
    const v = Float64Array.from(members[g]!, (i) => values[i]!);
    const distinct = new Set(v).size;
    if (distinct < k && groups > 1) {
      // a channel that already holds fewer values than k (often after pruning; none if pruned away)
      // keeps them exactly; the spare centroids repeat the last one and stay unused
      const own = [...new Set(v)].sort((a, b) => a - b);
      const book = Array.from({ length: k }, (_, j) => own[Math.min(j, own.length - 1)] ?? 0);
      codebooks.set(book, g * k);
      members[g]!.forEach((i) => (indices[i] = own.indexOf(values[i]!)));
      continue;
    }
    if (distinct < k)
      fail(
        'cluster',
        `clusters=${k} for layer '${layer}' exceeds its ${distinct} distinct ${opts.preserveSparsity ? 'nonzero ' : ''}weights; use at most ${distinct}`,
      );
    const { centroids, indices: idx } = kmeans1d(v, k, opts.init, opts.seed + g);
    codebooks.set(centroids, g * k);
    members[g]!.forEach((i, j) => (indices[i] = idx[j]!));
  }
  return { layer, shape, k, groups, ...(groups > 1 ? { axis } : {}), codebooks, indices };
}

/** The weights a layer's clusters stand for: codebook value per index, zero where index is −1. */
export function sharedValues(c: LayerClusters, group = codebookOf(c)): Float32Array {
  const out = new Float32Array(c.indices.length);
  for (let i = 0; i < out.length; i++) {
    const j = c.indices[i]!;
    if (j >= 0) out[i] = c.codebooks[group[i]! * c.k + j]!;
  }
  return out;
}

export function cluster(model: tf.LayersModel, options: ClusterOptions): ClusterResult {
  checkModel('cluster', model);
  const o = normalizeCluster(options);
  const only = typeof o.clusters === 'object' ? Object.keys(o.clusters) : undefined;
  const targets = selectTargets(model, { skip: o.skip, only, includeOutput: true, where: 'cluster' });
  if (targets.length === 0) fail('cluster', `model '${model.name}' has no kernels left to cluster (skip: ${o.skip.join(', ')})`);
  const result = cloneModel(model);
  const assignments: Clusters = {};
  const before: Float32Array[] = [];
  try {
    for (const t of targets) {
      const name = t.layer.name;
      const k = checkClusters('cluster', name, kFor(o.clusters, name));
      // the kernel's output-channel axis comes from the one place that knows it (depthwise: axis 2)
      const axis = o.scope === 'channel' ? (layerWeights(t.layer)[t.index]!.channelAxis ?? undefined) : undefined;
      const values = t.layer.getWeights()[t.index]!.dataSync() as Float32Array;
      const c = clusterValues(values, t.shape, {
        k,
        axis,
        init: o.init,
        preserveSparsity: o.preserveSparsity,
        seed: o.seed,
        layer: name,
      });
      assignments[name] = c;
      before.push(values);
      const layer = result.getLayer(name);
      const replacement = tf.tensor(sharedValues(c), t.shape);
      layer.setWeights(layer.getWeights().map((w, j) => (j === t.index ? replacement : w)));
      replacement.dispose();
    }
  } catch (err) {
    result.dispose();
    throw err;
  }
  const report = clusteringReport({
    title: `k-means weight sharing of ${model.name} (${o.init} init, one codebook per ${o.scope})`,
    model: model.name,
    init: o.init,
    scope: o.scope,
    layers: Object.values(assignments).map((c, i) => ({ clusters: c, before: before[i]! })),
  });
  return { model: setStorageFormat(result, { quantization: 'deep', clusters: assignments }), report, assignments };
}
