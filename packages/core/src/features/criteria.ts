/**
 * Importance of each input feature, higher = more important. A criterion is
 * `(model, samples) → scores` in a table, like pruning's criteria.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { crossEntropy } from '../train/fit.js';
import { inputReader } from './inputs.js';

export type FeatureMethod = 'weight' | 'saliency' | 'permutation';

type Criterion = (model: tf.LayersModel, data: Dataset, seed: number) => Float64Array;

/** L2 norm of the first layer's kernel rows that read each feature (Dense: row f; Conv2D: the [kh, kw, f, :] slice). */
const weight: Criterion = (model) => {
  const { layer, features, axis } = inputReader(model);
  const kernel = layer.getWeights()[0]!;
  const values = kernel.dataSync();
  const inner = kernel.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const scores = new Float64Array(features);
  for (let i = 0; i < values.length; i++) scores[Math.floor(i / inner) % features] += values[i]! ** 2;
  return scores.map(Math.sqrt);
};

const batches = (n: number, size: number) =>
  Array.from({ length: Math.ceil(n / size) }, (_, b) => [b * size, Math.min(size, n - b * size)] as const);

/** Mean |∂loss/∂x| per feature over the samples (and over positions, for image channels). */
const saliency: Criterion = (model, data) => {
  const features = data.x.shape.at(-1)!;
  const scores = new Float64Array(features);
  for (const [start, size] of batches(data.size, 250)) {
    const sums = tf.tidy(() => {
      const y = tf.slice(data.y, start, size);
      // the loss is a batch mean: × size gives each sample's own gradient
      const g = tf.grad((x: tf.Tensor) => crossEntropy(y, model.apply(x) as tf.Tensor).mul(size))(tf.slice(data.x, start, size));
      return g.abs().reshape([-1, features]).sum(0);
    });
    const v = sums.dataSync();
    for (let f = 0; f < features; f++) scores[f] += v[f]!;
    sums.dispose();
  }
  const positions = data.x.size / data.size / features;
  return scores.map((s) => s / (data.size * positions));
};

/**
 * Accuracy drop when one feature is shuffled across samples (seeded), which
 * breaks its link to the label but keeps its distribution. Many features tie
 * at an accuracy drop of 0 on a finite sample (every MNIST border pixel), so
 * the increase in mean loss, at 1e-3 weight, orders those ties.
 */
const permutationDrop: Criterion = (model, data, seed) => {
  const features = data.x.shape.at(-1)!;
  const scores = new Float64Array(features);
  const shuffled = tf.tidy(() => tf.gather(data.x, tf.tensor1d(permutation(data.size, seed), 'int32')));
  const score = (x: tf.Tensor) =>
    tf.tidy(() => {
      const p = model.predict(x) as tf.Tensor;
      const acc = p.argMax(-1).equal(data.y.argMax(-1)).toFloat().mean();
      return tf.stack([acc, crossEntropy(data.y, p)]);
    });
  const base = score(data.x);
  for (let f = 0; f < features; f++) {
    const diff = tf.tidy(() => {
      const mask = tf.oneHot(tf.tensor1d([f], 'int32'), features).reshape([features]);
      const x = data.x.mul(tf.sub(1, mask)).add(shuffled.mul(mask));
      return base.sub(score(x));
    });
    const [accDrop, lossDrop] = diff.dataSync();
    scores[f] = accDrop! - 1e-3 * lossDrop!;
    diff.dispose();
  }
  tf.dispose([shuffled, base]);
  return scores;
};

export const CRITERIA: Record<FeatureMethod, Criterion> = { weight, saliency, permutation: permutationDrop };

export const CRITERION_LABEL: Record<FeatureMethod, string> = {
  weight: "L2 norm of the first layer's input rows",
  saliency: 'mean |∂loss/∂x|',
  permutation: 'accuracy drop when shuffled',
};
