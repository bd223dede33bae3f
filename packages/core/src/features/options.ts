import type { Dataset } from '../data/dataset.js';
import { checkPositiveInt, fail } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import type { TrainProgress } from '../train/fit.js';
import type { FeatureMethod } from './criteria.js';

export interface PruneInputsProgress {
  round: number;
  rounds: number;
  phase: 'rank' | 'train';
  /** Present while training. */
  train?: TrainProgress;
}

export interface PruneInputsOptions {
  /** Input features to keep: a fraction in (0, 1] of them, or a count (an integer > 1). */
  keep: number;
  /** How features are ranked. Default 'weight'. */
  method?: FeatureMethod;
  /** Rounds of recursive feature elimination: remove a slice, retrain `epochs`, re-rank. Default 1 (one shot). */
  steps?: number;
  /** Training epochs after each round (on `data`); 0 = no retraining. Default 0 for one shot, 1 with steps > 1. */
  epochs?: number;
  /** Samples of `data` used by 'saliency' and 'permutation' (seeded subset). Default 1000. */
  samples?: number;
  /** Where accuracy per round is measured (e.g. the test split); default `data`. */
  validation?: Dataset;
  /** Image height × width for the report's mask picture, when the features are pixels of a flat input. Default: a square side when the count is a square and the data has no feature names. */
  image?: [number, number];
  /** Seed of the ranking subset and of training; round r of 'permutation' shuffles with seed + r. Default 0. */
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  onProgress?: (p: PruneInputsProgress) => void;
}

const KNOWN = optionKeys<PruneInputsOptions>({
  keep: true,
  method: true,
  steps: true,
  epochs: true,
  samples: true,
  validation: true,
  image: true,
  seed: true,
  batchSize: true,
  learningRate: true,
  onProgress: true,
});
const METHODS: FeatureMethod[] = ['weight', 'saliency', 'permutation'];

/** Validates options against a model with `features` inputs; returns them with defaults and `keep` as a count. */
export function normalize(options: PruneInputsOptions, features: number) {
  if (typeof options !== 'object' || options === null) fail('pruneInputs', `options must be an object, got ${String(options)}`);
  checkOptions('pruneInputs', options, KNOWN);
  const { keep } = options;
  if (typeof keep !== 'number' || !Number.isFinite(keep) || keep <= 0)
    fail('pruneInputs', `keep=${String(keep)} must be a fraction in (0, 1] or a count of features ≥ 1`);
  if (keep > 1 && !Number.isInteger(keep)) fail('pruneInputs', `keep=${keep} is above 1, so it is a count, and must be an integer`);
  if (keep > features) fail('pruneInputs', `keep=${keep} features, but the model has only ${features}`);
  const count = keep <= 1 ? Math.round(keep * features) : keep;
  if (count < 1) fail('pruneInputs', `keep=${keep} of ${features} features rounds to 0 features`);
  const method = options.method ?? 'weight';
  if (!METHODS.includes(method)) fail('pruneInputs', `method must be one of ${METHODS.join(', ')}, got '${String(method)}'`);
  const steps = checkPositiveInt('pruneInputs', 'steps', options.steps ?? 1);
  const epochs = options.epochs ?? (steps > 1 ? 1 : 0);
  if (!Number.isInteger(epochs) || epochs < 0) fail('pruneInputs', `epochs must be a non-negative integer, got ${String(epochs)}`);
  if (options.image && options.image[0] * options.image[1] !== features)
    fail('pruneInputs', `image ${options.image.join('×')} does not hold the model's ${features} features`);
  return {
    count,
    method,
    steps,
    epochs,
    samples: checkPositiveInt('pruneInputs', 'samples', options.samples ?? 1000),
    seed: options.seed ?? 0,
  };
}
