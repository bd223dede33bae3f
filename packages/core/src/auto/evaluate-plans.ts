/**
 * Accuracy of a model with some layers' kernels replaced by a choice each.
 * The same function runs in the main thread (serial) and in every worker, on
 * the same backend, so a worker's answer equals the serial one bit for bit.
 * Every task starts from the original kernels (each changed layer is restored
 * afterwards): results don't depend on which worker ran which task, or in what order.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { fromArrays } from '../data/dataset.js';
import { evaluate } from '../analysis/evaluate.js';
import { kernelOf } from '../models/weights.js';
import { applyChoice, type Choice } from './choices.js';

export interface PlanTask {
  /** Layer name → choice; layers not named keep their weights. */
  choices: Record<string, Choice>;
  /** Which dataset to score on. */
  data: 'calibration' | 'test';
}

/** A dataset as plain arrays, for posting to workers. */
export interface PlainDataset {
  values: Float32Array;
  sampleShape: number[];
  labels: Int32Array;
  classes: number;
}

export function toPlain(data: Dataset): PlainDataset {
  return {
    values: data.x.dataSync() as Float32Array,
    sampleShape: data.x.shape.slice(1),
    labels: data.labels,
    classes: data.y.shape[1],
  };
}

export const fromPlain = (p: PlainDataset): Dataset => fromArrays(p.values, p.labels, p.sampleShape, p.classes);

/** Scores tasks on `model` (changed in place during a task, restored after it). */
export function evaluatePlans(model: tf.LayersModel, datasets: Record<PlanTask['data'], Dataset>, tasks: PlanTask[]): number[] {
  return tasks.map((task) => {
    const restore: { layer: tf.layers.Layer; weights: tf.Tensor[] }[] = [];
    try {
      for (const [name, choice] of Object.entries(task.choices)) {
        const layer = model.getLayer(name);
        const { index: k, channelAxis } = kernelOf(layer)!;
        // Copies: getWeights() hands out the variables' own tensors, which setWeights replaces and frees.
        const weights = layer.getWeights().map((w) => tf.clone(w));
        const kernel = weights[k]!;
        const replaced = tf.tensor(
          applyChoice(kernel.dataSync() as Float32Array, kernel.shape, choice, channelAxis ?? undefined),
          kernel.shape,
        );
        layer.setWeights(weights.map((w, i) => (i === k ? replaced : w)));
        replaced.dispose();
        restore.push({ layer, weights });
      }
      return evaluate(model, datasets[task.data]).accuracy;
    } finally {
      for (const r of restore.reverse()) {
        r.layer.setWeights(r.weights);
        tf.dispose(r.weights);
      }
    }
  });
}
