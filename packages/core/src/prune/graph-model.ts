/**
 * Pruning a GraphModel at the weight level: unstructured (per kernel or one
 * global threshold) or N:M masks on the kernels the graph's ops read, by
 * magnitude. Shapes are unchanged; structured pruning changes layers and
 * needs a LayersModel.
 */
import type * as tf from '@tensorflow/tfjs';
import type { SparsityReport } from '@whittle/report';
import { checkFraction, fail } from '../errors.js';
import { graphWeights, withGraphWeights } from '../io/graph.js';
import { weightScores } from './criteria.js';
import { globalMasks, layerMask, nmMask } from './masks.js';
import { matches } from './targets.js';
import type { Granularity, PruneOptions } from './options.js';
import { checkOptions, optionKeys } from '../options.js';

export interface GraphPruneOptions {
  /** Fraction of each kernel's weights to zero, in [0, 1) (unstructured). */
  sparsity?: number;
  /** 'unstructured' (default) or N:M, e.g. { n: 2, m: 4 }; structured granularities need a LayersModel. */
  granularity?: Granularity;
  /** 'layer' (default): the same sparsity in every kernel; 'global': one threshold for all. */
  scope?: 'layer' | 'global';
  /** Weight names or globs to leave dense. */
  skip?: string[];
}

/**
 * prune()'s options as a GraphModel takes them (the CLI's and %prune's flags
 * give the same object for both kinds of model); what only a LayersModel can
 * do is a one-line error naming it.
 */
export function graphPruneOptions(o: PruneOptions): GraphPruneOptions {
  const layersOnly = (what: string) =>
    fail('prune', `${what} needs a LayersModel; this is a GraphModel (tfjs-converter output): prune it by magnitude, unstructured or N:M`);
  if (typeof o.sparsity === 'object' && o.sparsity !== null) layersOnly('a per-layer sparsity map');
  if (o.method !== undefined && o.method !== 'magnitude') layersOnly(`method '${String(o.method)}'`);
  if (o.compensate !== undefined && o.compensate !== 'none') layersOnly(`compensate '${String(o.compensate)}'`);
  if (o.calibration) layersOnly('calibration data (compensation)');
  return {
    sparsity: o.sparsity as number | undefined,
    ...(o.scope ? { scope: o.scope } : {}),
    ...(o.granularity ? { granularity: o.granularity } : {}),
    ...(o.skip ? { skip: o.skip } : {}),
  };
}

const GRAPH_PRUNE_KEYS = optionKeys<GraphPruneOptions>({ sparsity: true, granularity: true, scope: true, skip: true });

export async function pruneGraph(
  model: tf.GraphModel,
  options: GraphPruneOptions,
): Promise<{ model: tf.GraphModel; report: SparsityReport }> {
  checkOptions('prune', options, GRAPH_PRUNE_KEYS);
  const granularity = options.granularity ?? 'unstructured';
  if (typeof granularity === 'string' && granularity !== 'unstructured')
    fail(
      'prune',
      `${granularity} pruning removes units and needs a LayersModel; this is a GraphModel (tfjs-converter output): use unstructured or N:M`,
    );
  const all = graphWeights(model);
  const kernels = all.filter((g) => g.role === 'kernel' && !matches(g.name, options.skip ?? []));
  const scores = kernels.map((k) => weightScores(k.values, 'magnitude', 0));
  let masks: Uint8Array[];
  let threshold: number | null = null;
  if (typeof granularity === 'object') masks = kernels.map((k, i) => nmMask(scores[i]!, k.shape, granularity.n, granularity.m));
  else {
    const sparsity = checkFraction('prune', 'sparsity', options.sparsity ?? NaN);
    if (options.scope === 'global') ({ masks, threshold } = globalMasks(scores, sparsity));
    else masks = scores.map((s) => layerMask(s, sparsity).mask);
  }
  const replace = new Map<string, Float32Array>();
  const count = (v: Float32Array) => v.reduce((n, x) => n + (x !== 0 ? 1 : 0), 0);
  const layers: SparsityReport['layers'] = kernels.map((k, i) => {
    const pruned = Float32Array.from(k.values, (v, j) => (masks[i]![j] ? v : 0));
    replace.set(k.name, pruned);
    const nonzeros = count(pruned);
    return {
      name: k.name,
      shapeBefore: k.shape,
      shapeAfter: k.shape,
      paramsBefore: k.values.length,
      paramsAfter: k.values.length,
      sparsityBefore: 1 - count(k.values) / k.values.length,
      nonzeros,
      sparsity: 1 - nonzeros / k.values.length,
      threshold,
      criterion: 'magnitude',
    };
  });
  const paramsBefore = all.reduce((s, g) => s + g.values.length, 0);
  const nonzerosBefore = all.reduce((s, g) => s + count(g.values), 0);
  const removed = layers.reduce((s, l, i) => s + count(kernels[i]!.values) - l.nonzeros, 0); // nonzeros the masks zeroed
  const kernelParams = kernels.reduce((s, k) => s + k.values.length, 0);
  const out = await withGraphWeights(model, replace);
  return {
    model: out,
    report: {
      kind: 'sparsity',
      version: 1,
      title: `${typeof granularity === 'object' ? `${granularity.n}:${granularity.m}` : `${Math.round((options.sparsity ?? 0) * 100)} %`} magnitude pruning of a graph model`,
      method: 'magnitude',
      granularity: typeof granularity === 'object' ? `${granularity.n}:${granularity.m}` : 'unstructured',
      scope: options.scope ?? 'layer',
      physicallySmaller: false,
      layers,
      totals: {
        paramsBefore,
        paramsAfter: paramsBefore,
        nonzerosBefore,
        nonzeros: nonzerosBefore - removed,
        sparsity: 1 - (nonzerosBefore - removed) / paramsBefore,
        prunedSparsity: kernelParams ? layers.reduce((s, l) => s + (l.paramsAfter - l.nonzeros), 0) / kernelParams : 0,
      },
    },
  };
}
