import type { Dataset } from '../data/dataset.js';
import { checkFraction, checkPositiveInt, fail } from '../errors.js';
import { optionKeys } from '../options.js';

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
  /**
   * How the layers that lost inputs or weights make up for them, using
   * `calibration` samples. A removed unit did not output zero: it fed the next
   * layer values whose mean is often far from 0 (after ReLU never negative), so
   * dropping it outright shifts every downstream pre-activation and the
   * one-shot model starts far from the original; pruned weights likewise.
   * - 'mean-activation' (structured only) folds each removed unit's mean
   *   output, times the next layer's weights, into that layer's bias (exact on
   *   average for the next pre-activations, up to the zero-padded borders of
   *   'same' convolutions).
   * - 'least-squares' refits each affected Dense layer's kept weights and bias
   *   so that, fed by the pruned model's own inputs, its pre-activations match
   *   the original's on those samples (layer-wise reconstruction: the
   *   reconstruction step of channel pruning, He et al. 2017 / ThiNet, and
   *   AdaPrune / OBC for masks, which stay fixed). Structured: on top of the
   *   mean shift, which convolution readers keep; unstructured / N:M: Dense
   *   layers only.
   * - 'none' drops units / weights outright (a structured result then equals
   *   the original with those units' weights and biases zeroed).
   *
   * Default: 'least-squares' when `calibration` is given, else 'none'.
   */
  compensate?: 'none' | 'mean-activation' | 'least-squares';
  /** Samples (e.g. the training split) for compensation; a seeded random subset is used. */
  calibration?: Dataset;
  /**
   * How many calibration samples to use (seeded random subset). Default 2000:
   * least squares fits (inputs + 1) values per output unit (201 for LeNet-5's
   * fc1 at 50 %), and wants several samples per fitted value.
   */
  calibrationSamples?: number;
}

/** Default calibration subset for compensation (see calibrationSamples). */
export const CALIBRATION_SAMPLES = 2000;

/** Every key of PruneOptions, checked against the interface at compile time. */
export const PRUNE_OPTIONS = {
  sparsity: true,
  method: true,
  granularity: true,
  scope: true,
  skip: true,
  includeOutput: true,
  seed: true,
  compensate: true,
  calibration: true,
  calibrationSamples: true,
} as const satisfies { [K in keyof Required<PruneOptions>]: true };
export const PRUNE_KEYS = optionKeys<PruneOptions>(PRUNE_OPTIONS);

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
  const compensate = options.compensate ?? (options.calibration ? 'least-squares' : 'none');
  if (compensate !== 'none' && compensate !== 'mean-activation' && compensate !== 'least-squares')
    fail('prune', `compensate must be 'none', 'mean-activation' or 'least-squares', got '${String(compensate)}'`);
  if (compensate === 'mean-activation' && !structured)
    fail('prune', `compensate 'mean-activation' applies to structured pruning, not ${describeGranularity(granularity)}`);
  if (compensate !== 'none' && !options.calibration)
    fail('prune', `compensate '${compensate}' needs calibration samples (options.calibration)`);
  const calibrationSamples = checkPositiveInt('prune', 'calibrationSamples', options.calibrationSamples ?? CALIBRATION_SAMPLES);
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
    compensate,
    calibration: options.calibration,
    calibrationSamples,
  };
}
