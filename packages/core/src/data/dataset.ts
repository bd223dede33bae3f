import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';

export type Layout = 'flat' | 'image';

/** Inputs and one-hot targets as tensors, plus the integer labels as plain data. */
export interface Dataset {
  /** [n, 784] ('flat') or [n, 28, 28, 1] ('image'). */
  x: tf.Tensor;
  /** One-hot float32 [n, classes]. */
  y: tf.Tensor2D;
  /** Integer class per sample. */
  labels: Int32Array;
  size: number;
  dispose(): void;
}

export function fromArrays(pixels: Float32Array, labels: Int32Array, layout: Layout, classes: number): Dataset {
  const n = labels.length;
  const features = pixels.length / n;
  const side = Math.round(Math.sqrt(features));
  const shape = layout === 'flat' ? [n, features] : [n, side, side, 1];
  return makeDataset(tf.tensor(pixels, shape), tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D, labels);
}

export function makeDataset(x: tf.Tensor, y: tf.Tensor2D, labels?: Int32Array): Dataset {
  if (x.shape[0] !== y.shape[0]) fail('dataset', `x has ${x.shape[0]} samples but y has ${y.shape[0]}`);
  const ownLabels = labels ?? (tf.tidy(() => y.argMax(1)).dataSync() as Int32Array);
  return {
    x,
    y,
    labels: ownLabels,
    size: x.shape[0]!,
    dispose: () => tf.dispose([x, y]),
  };
}

/** Rows [start, start + count) of a dataset as a new dataset (new tensors; dispose them). */
export function slice(data: Dataset, start: number, count: number): Dataset {
  const end = Math.min(data.size, start + count);
  const begin = Math.max(0, start);
  return makeDataset(
    tf.slice(data.x, begin, end - begin),
    tf.slice(data.y, begin, end - begin) as tf.Tensor2D,
    data.labels.slice(begin, end),
  );
}

/** The given rows of a dataset as a new dataset. */
export function gather(data: Dataset, rows: ArrayLike<number>): Dataset {
  const idx = tf.tensor1d(Array.from(rows), 'int32');
  const x = tf.gather(data.x, idx);
  const y = tf.gather(data.y, idx) as tf.Tensor2D;
  idx.dispose();
  return makeDataset(
    x,
    y,
    Int32Array.from(rows, (r) => data.labels[r]!),
  );
}
