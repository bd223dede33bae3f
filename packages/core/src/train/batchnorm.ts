import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';

interface BatchNormLike {
  momentum: number;
}

/** The model's BatchNormalization layers. */
export function batchNormLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization');
}

/**
 * Re-estimates BatchNorm moving statistics for the current weights ("precise
 * BN"): forward passes in training mode with the momentum set so the moving
 * mean/variance become the plain average over `batches` batches.
 *
 * Why: the exponential moving averages lag the weights. On these small MNIST
 * nets trained with Adam they lagged enough that resnet-mini scored 78 % with
 * its moving statistics and 97.6 % once they were re-estimated.
 */
export function recalibrateBatchNorm(
  model: tf.LayersModel,
  data: Dataset,
  options: { batches?: number; batchSize?: number; seed?: number } = {},
): void {
  const layers = batchNormLayers(model) as unknown as BatchNormLike[];
  if (layers.length === 0) return;
  const batchSize = options.batchSize ?? 64;
  const batches = Math.min(options.batches ?? 200, Math.ceil(data.size / batchSize));
  const saved = layers.map((l) => l.momentum);
  const order = permutation(data.size, options.seed ?? 1);
  try {
    for (let k = 0; k < batches; k++) {
      // momentum k/(k+1): new = old + (batch − old)/(k+1), the running mean of batch statistics
      for (const l of layers) l.momentum = k / (k + 1);
      const rows = order.subarray((k * batchSize) % data.size, ((k * batchSize) % data.size) + batchSize);
      tf.tidy(() => {
        model.apply(tf.gather(data.x, tf.tensor1d(rows, 'int32')), { training: true });
      });
    }
  } finally {
    layers.forEach((l, i) => (l.momentum = saved[i]!));
  }
}
