import * as tf from '@tensorflow/tfjs';
import { checkDataset, type Dataset } from '../data/dataset.js';
import { checkRunnable } from '../models/check.js';
import { modelName, type AnyModel } from '../io/graph.js';
import type { EvaluateReport } from '@whittle/report';
import { checkOptions, optionKeys } from '../options.js';

export interface EvaluateOptions {
  /** Samples per forward pass. Default 500. */
  batchSize?: number;
}
const EVALUATE_KEYS = optionKeys<EvaluateOptions>({ batchSize: true });

/** Predicted class of every sample, in batches. */
export function predictClasses(model: AnyModel, x: tf.Tensor, batchSize = 500): Int32Array {
  const n = x.shape[0]!;
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const classes = tf.tidy(() => (model.predict(tf.slice(x, start, size)) as tf.Tensor).argMax(-1));
    out.set(classes.dataSync() as Int32Array, start);
    classes.dispose();
  }
  return out;
}

/** Top-1 accuracy and mean cross-entropy of `model` on `data`. */
export function evaluate(model: AnyModel, data: Dataset, options: EvaluateOptions = {}): EvaluateReport {
  checkRunnable('evaluate', model);
  checkOptions('evaluate', options, EVALUATE_KEYS);
  checkDataset('evaluate', 'data', data);
  const batchSize = options.batchSize ?? 500;
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < data.size; start += batchSize) {
    const size = Math.min(batchSize, data.size - start);
    const [classes, loss] = tf.tidy(() => {
      const p = model.predict(tf.slice(data.x, start, size)) as tf.Tensor;
      const y = tf.slice(data.y, start, size);
      return [p.argMax(-1), tf.metrics.categoricalCrossentropy(y, p).sum()] as [tf.Tensor, tf.Tensor];
    });
    const c = classes.dataSync();
    for (let i = 0; i < size; i++) if (c[i] === data.labels[start + i]) correct++;
    lossSum += loss.dataSync()[0]!;
    tf.dispose([classes, loss]);
  }
  return {
    kind: 'evaluate',
    version: 1,
    model: modelName(model),
    accuracy: correct / data.size,
    loss: lossSum / data.size,
    samples: data.size,
  };
}
