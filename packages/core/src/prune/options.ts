import { checkFraction, checkPositiveInt, fail } from '../errors.js';

export type Granularity = 'unstructured' | { n: number; m: number } | 'neuron' | 'filter' | 'channel';
export type PruneMethod = 'magnitude' | 'random' | 'l1' | 'l2' | 'bn-scale';

export interface PruneOptions {
  /**
   * Fraction to remove, in [0, 1): of each kernel's weights (unstructured), or of
   * each layer's units (structured). A map from layer name or glob to fraction
   * prunes only the layers it names. Not used by N:M.
   */
  sparsity?: number | Record<string, number>;
  /** magnitude (|w|) or random for weights; l1, l2, bn-scale or random for units. Default magnitude / l2. */
  method?: PruneMethod;
  /** 'unstructured' (default), { n, m } for N:M, or structured 'neuron' (Dense units), 'filter' (conv filters), 'channel' (both). */
  granularity?: Granularity;
  /** 'layer' (default): each kernel to its own sparsity; 'global': one magnitude threshold across all chosen kernels. */
  scope?: 'layer' | 'global';
  /** Layer names or globs to leave untouched. */
  skip?: string[];
  /** Also prune the output (classifier) layer, which stays dense by default. */
  includeOutput?: boolean;
  /** Seed for 'random'. Default 0. */
  seed?: number;
}

export const isStructured = (g: Granularity): g is 'neuron' | 'filter' | 'channel' => g === 'neuron' || g === 'filter' || g === 'channel';

export function describeGranularity(g: Granularity): string {
  return typeof g === 'object' ? `${g.n}:${g.m}` : g;
}

/** Validates options; returns them with defaults filled in. */
export function normalize(options: PruneOptions) {
  const granularity = options.granularity ?? 'unstructured';
  const structured = isStructured(granularity);
  const nm = typeof granularity === 'object' ? granularity : undefined;
  if (typeof granularity !== 'object' && granularity !== 'unstructured' && !structured) {
    fail('prune', `granularity must be 'unstructured', { n, m }, 'neuron', 'filter' or 'channel', got '${String(granularity)}'`);
  }
  if (nm) {
    checkPositiveInt('prune', 'n of N:M', nm.n);
    checkPositiveInt('prune', 'm of N:M', nm.m);
    if (nm.n >= nm.m) fail('prune', `N:M needs n < m, got ${nm.n}:${nm.m}`);
  }
  const method = options.method ?? (structured ? 'l2' : 'magnitude');
  const allowed = structured ? ['l1', 'l2', 'bn-scale', 'random'] : ['magnitude', 'random'];
  if (!allowed.includes(method))
    fail('prune', `method '${method}' does not fit ${describeGranularity(granularity)} pruning; use one of ${allowed.join(', ')}`);
  const scope = options.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') fail('prune', `scope must be 'layer' or 'global', got '${String(scope)}'`);
  const sparsity = options.sparsity;
  if (!nm) {
    if (sparsity === undefined) fail('prune', 'sparsity is required (a fraction in [0, 1), or a map from layer to fraction)');
    if (typeof sparsity === 'number') checkFraction('prune', 'sparsity', sparsity);
    else if (typeof sparsity === 'object' && sparsity !== null) {
      for (const [layer, s] of Object.entries(sparsity)) checkFraction('prune', `sparsity of '${layer}'`, s);
      if (scope === 'global') fail('prune', 'global scope uses one sparsity for all layers; give a number, or use scope layer with a map');
    } else fail('prune', `sparsity must be a number or a map from layer to number, got ${typeof sparsity}`);
  }
  if (scope === 'global' && (structured || nm))
    fail('prune', `global scope applies to unstructured pruning, not ${describeGranularity(granularity)}`);
  return {
    granularity,
    structured,
    nm,
    method,
    scope,
    sparsity,
    skip: options.skip ?? [],
    includeOutput: options.includeOutput ?? false,
    seed: options.seed ?? 0,
  };
}
