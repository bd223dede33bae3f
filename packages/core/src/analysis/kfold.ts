import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { gather } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { checkIntInRange } from '../errors.js';
import { evaluate } from './evaluate.js';
import { checkOptions, optionKeys } from '../options.js';

export interface KFoldOptions {
  /** Number of folds, ≥ 2. Default 5. */
  k?: number;
  /** Seed of the shuffle that assigns samples to folds. Default 0. */
  seed?: number;
  /** Called after each fold; throwing stops the run. */
  onFold?: (fold: { fold: number; k: number; accuracy: number }) => void;
}
const KFOLD_KEYS = optionKeys<KFoldOptions>({ k: true, seed: true, onFold: true });

export interface KFoldResult {
  folds: { fold: number; accuracy: number; samples: number }[];
  mean: number;
  /** Sample standard deviation over folds. */
  std: number;
}

/**
 * k-fold cross-validation: the data is shuffled (seeded) and cut into k folds;
 * each fold in turn is held out while `buildAndTrain` trains a fresh model on
 * the other k − 1. Returns held-out accuracy per fold, mean and std.
 */
export async function kfold(
  buildAndTrain: (train: Dataset, fold: number) => Promise<tf.LayersModel> | tf.LayersModel,
  data: Dataset,
  options: KFoldOptions = {},
): Promise<KFoldResult> {
  checkOptions('kfold', options, KFOLD_KEYS);
  const k = checkIntInRange('kfold', 'k', options.k ?? 5, 2, data.size);
  const order = permutation(data.size, options.seed ?? 0);
  const folds: KFoldResult['folds'] = [];
  for (let fold = 0; fold < k; fold++) {
    const lo = Math.floor((fold * data.size) / k);
    const hi = Math.floor(((fold + 1) * data.size) / k);
    const heldOut = gather(data, order.subarray(lo, hi));
    const rest = gather(data, Int32Array.from([...order.subarray(0, lo), ...order.subarray(hi)]));
    try {
      const model = await buildAndTrain(rest, fold);
      const { accuracy } = evaluate(model, heldOut);
      model.dispose();
      folds.push({ fold, accuracy, samples: heldOut.size });
      options.onFold?.({ fold, k, accuracy });
    } finally {
      heldOut.dispose();
      rest.dispose();
    }
  }
  const mean = folds.reduce((s, f) => s + f.accuracy, 0) / k;
  const std = Math.sqrt(folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / (k - 1));
  return { folds, mean, std };
}
