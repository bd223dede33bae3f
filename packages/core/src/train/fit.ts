/**
 * A seeded training loop. tfjs's model.fit shuffles with Math.random and is
 * slower than a plain optimizer.minimize loop; compression needs hooks after
 * every step anyway (re-apply pruning masks, update QAT observers), so Whittle
 * trains with this loop everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDataset, type Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { checkPositiveInt, fail } from '../errors.js';
import { recalibrateBatchNorm } from './batchnorm.js';
import { checkOptions, omitKeys, optionKeys } from '../options.js';
import { interruptCheck } from './interrupt.js';

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean loss over the epoch so far. */
  loss: number;
}

export interface FitOptions {
  /** Passes over the training data. Default 1. */
  epochs?: number;
  /** Samples per optimizer step. Default 64. */
  batchSize?: number;
  /** Adam learning rate (ignored when `optimizer` is given). Default 1e-3. */
  learningRate?: number;
  optimizer?: tf.Optimizer;
  /** Seed of the per-epoch shuffle. Default 0. */
  seed?: number;
  /** Loss of a batch; default: categorical cross-entropy of the model's softmax output. */
  loss?: (yTrue: tf.Tensor, yPred: tf.Tensor, x: tf.Tensor) => tf.Scalar;
  /** Weights to train; default all trainable weights. */
  variables?: tf.Variable[];
  /** Called after every optimizer step (e.g. to re-apply pruning masks). */
  afterStep?: (step: number) => void;
  /** Called every `progressEvery` steps and at each epoch's end; throwing stops training. */
  onProgress?: (p: TrainProgress) => void;
  progressEvery?: number;
  /**
   * Batches used to re-estimate BatchNorm statistics after training (see
   * recalibrateBatchNorm); 0 keeps the moving averages as trained. Default 200.
   */
  recalibrateBatchNorm?: number;
}

export const FIT_OPTIONS = {
  epochs: true,
  batchSize: true,
  learningRate: true,
  optimizer: true,
  seed: true,
  loss: true,
  variables: true,
  afterStep: true,
  onProgress: true,
  progressEvery: true,
  recalibrateBatchNorm: true,
} as const satisfies { [K in keyof Required<FitOptions>]: true };
const FIT_KEYS = optionKeys<FitOptions>(FIT_OPTIONS);
/** The fit options that fineTune, QAT and gradualPrune pass through (they own afterStep and variables). */
export const TRAIN_OPTIONS = omitKeys(FIT_OPTIONS, 'afterStep', 'variables');

export interface FitResult {
  /** Mean training loss per epoch. */
  loss: number[];
  seconds: number;
  steps: number;
}

export const crossEntropy = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
  tf.metrics.categoricalCrossentropy(yTrue, yPred).mean() as tf.Scalar;

/** Trains `model` in place on `data`. */
export async function fit(model: tf.LayersModel, data: Dataset, options: FitOptions = {}): Promise<FitResult> {
  checkOptions('fit', options, FIT_KEYS);
  checkDataset('fit', 'data', data);
  const epochs = checkPositiveInt('fit', 'epochs', options.epochs ?? 1);
  const batchSize = checkPositiveInt('fit', 'batchSize', options.batchSize ?? 64);
  const lossFn = options.loss ?? crossEntropy;
  const optimizer = options.optimizer ?? tf.train.adam(options.learningRate ?? 1e-3);
  const variables = options.variables ?? model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (variables.length === 0) fail('fit', `model '${model.name}' has no trainable weights`);
  const every = options.progressEvery ?? 10;
  const batches = Math.ceil(data.size / batchSize);
  const losses: number[] = [];
  const start = performance.now();
  let step = 0;
  let sum: tf.Scalar | undefined;
  const checkInterrupt = interruptCheck('fit');
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = permutation(data.size, (options.seed ?? 0) * 7919 + epoch);
      sum = tf.scalar(0);
      for (let b = 0; b < batches; b++) {
        checkInterrupt();
        const rows = order.subarray(b * batchSize, Math.min(data.size, (b + 1) * batchSize));
        const batchLoss = tf.tidy(() => {
          const idx = tf.tensor1d(rows, 'int32');
          const x = tf.gather(data.x, idx);
          const y = tf.gather(data.y, idx);
          return optimizer.minimize(() => lossFn(y, model.apply(x, { training: true }) as tf.Tensor, x), true, variables)!;
        });
        const running: tf.Scalar = sum;
        const next = tf.tidy(() => running.add(batchLoss.mul(rows.length)) as tf.Scalar);
        tf.dispose([sum, batchLoss]);
        sum = next;
        step++;
        options.afterStep?.(step);
        if (options.onProgress && (b % every === every - 1 || b === batches - 1)) {
          const seen = Math.min(data.size, (b + 1) * batchSize);
          options.onProgress({ epoch: epoch + 1, epochs, batch: b + 1, batches, loss: (await sum.data())[0]! / seen });
        }
        // Yield to the event loop now and then, so a kernel can process interrupts.
        if (b % 20 === 19) await new Promise((r) => setImmediate(r));
      }
      losses.push((await sum.data())[0]! / data.size);
      sum.dispose();
      sum = undefined;
    }
  } finally {
    sum?.dispose();
    if (!options.optimizer) optimizer.dispose();
  }
  if ((options.recalibrateBatchNorm ?? 200) > 0) recalibrateBatchNorm(model, data, { batches: options.recalibrateBatchNorm, batchSize });
  return { loss: losses, seconds: (performance.now() - start) / 1000, steps: step };
}
