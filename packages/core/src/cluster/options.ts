import { fail } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { CLUSTER_INITS, type ClusterInit } from './kmeans.js';

export interface ClusterOptions {
  /**
   * Centroids per codebook, an integer in [2, 65536] (a 4-bit index holds 16).
   * A map from layer name or glob to k clusters only the layers it names.
   */
  clusters: number | Record<string, number>;
  /** Centroid initialization (TF-MOT's): 'linear' (default, the paper's), 'kmeans++', 'density' or 'random' (seeded). */
  init?: ClusterInit;
  /** 'layer' (default): one codebook per kernel; 'channel': one per output channel (depthwise: per channel). */
  scope?: 'layer' | 'channel';
  /** Zeros (e.g. pruned weights) stay exactly zero and take no centroid. Default true. */
  preserveSparsity?: boolean;
  /** Layer names or globs to leave untouched. */
  skip?: string[];
  /** Seed for 'random' and 'kmeans++'. Default 0. */
  seed?: number;
}

export const MIN_CLUSTERS = 2;
export const MAX_CLUSTERS = 65536;
const KEYS = optionKeys<ClusterOptions>({ clusters: true, init: true, scope: true, preserveSparsity: true, skip: true, seed: true });

export function checkClusters(where: string, name: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < MIN_CLUSTERS || k > MAX_CLUSTERS)
    fail(where, `clusters=${String(k)}${name ? ` for '${name}'` : ''} must be an integer in [${MIN_CLUSTERS}, ${MAX_CLUSTERS}]`);
  return k;
}

export function normalizeCluster(options: ClusterOptions) {
  if (!options || typeof options !== 'object') fail('cluster', 'options must be an object like { clusters: 16 }');
  checkOptions('cluster', options, KEYS);
  const { clusters } = options;
  if (clusters === undefined) fail('cluster', 'clusters is required (centroids per codebook, e.g. 16, or a map from layer to k)');
  if (typeof clusters === 'object' && clusters !== null) for (const [l, k] of Object.entries(clusters)) checkClusters('cluster', l, k);
  else checkClusters('cluster', '', clusters);
  const init = options.init ?? 'linear';
  if (!CLUSTER_INITS.includes(init)) fail('cluster', `init must be one of ${CLUSTER_INITS.join(', ')}, got '${String(init)}'`);
  const scope = options.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'channel') fail('cluster', `scope must be 'layer' or 'channel', got '${String(scope)}'`);
  return { clusters, init, scope, preserveSparsity: options.preserveSparsity ?? true, skip: options.skip ?? [], seed: options.seed ?? 0 };
}
