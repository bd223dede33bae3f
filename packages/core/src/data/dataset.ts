import * as tf from '@tensorflow/tfjs';
import { fail, show } from '../errors.js';

export type Layout = 'flat' | 'image';

/** What names a dataset's columns and classes, when its source knows them. */
export interface DatasetNames {
  /** Name of each input feature: a column of x reshaped to [n, features] (words for spam(), pixels 'r3c5' for mnist()). */
  featureNames?: readonly string[];
  /** Name of each class: label i is classNames[i]. */
  classNames?: readonly string[];
}

/** Inputs and one-hot targets as tensors, plus the integer labels as plain data. */
export interface Dataset extends DatasetNames {
  /** [n, ...sample shape]: e.g. [n, 784] ('flat') or [n, 28, 28, 1] ('image') for MNIST. */
  x: tf.Tensor;
  /** One-hot float32 [n, classes]. */
  y: tf.Tensor2D;
  /** Integer class per sample. */
  labels: Int32Array;
  size: number;
  dispose(): void;
}

/** Checks that `data` is a Dataset (a forgotten argument was a raw TypeError deep inside; found by the kernel fuzz). */
export function checkDataset(where: string, name: string, data: unknown): asserts data is Dataset {
  const d = data as Partial<Dataset> | null;
  // by shape, not instanceof: a notebook's tfjs may be another copy than core's
  const tensor = (t: unknown) => !!t && typeof t === 'object' && Array.isArray((t as tf.Tensor).shape);
  if (!d || typeof d !== 'object' || !tensor(d.x) || !tensor(d.y) || !(d.labels instanceof Int32Array))
    fail(where, `${name} must be a Dataset ({ x, y, labels, size }, e.g. from mnist() or fromArrays()), got ${show(data)}`);
}

/** A dataset from row-major values ([n, ...sampleShape]) and integer labels in [0, classes). */
export function fromArrays(
  values: Float32Array,
  labels: Int32Array,
  sampleShape: readonly number[],
  classes: number,
  names: DatasetNames = {},
): Dataset {
  const n = labels.length;
  const x = tf.tensor(values, [n, ...sampleShape]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  return makeDataset(x, y, labels, names);
}

/** A dataset over the given tensors (it takes ownership: dispose() frees them); labels default to argmax(y). */
export function makeDataset(x: tf.Tensor, y: tf.Tensor2D, labels?: Int32Array, names: DatasetNames = {}): Dataset {
  if (x.shape[0] !== y.shape[0]) fail('dataset', `x has ${x.shape[0]} samples but y has ${y.shape[0]}`);
  return {
    x,
    y,
    labels: labels ?? argMaxRows(y),
    size: x.shape[0]!,
    ...names,
    dispose: () => tf.dispose([x, y]),
  };
}

function argMaxRows(y: tf.Tensor2D): Int32Array {
  const classes = tf.argMax(y, 1);
  const labels = Int32Array.from(classes.dataSync());
  classes.dispose();
  return labels;
}

const namesOf = (data: Dataset): DatasetNames => ({ featureNames: data.featureNames, classNames: data.classNames });

/** Rows [start, start + count) of a dataset as a new dataset (new tensors; dispose them). */
export function slice(data: Dataset, start: number, count: number): Dataset {
  const end = Math.min(data.size, start + count);
  const begin = Math.max(0, start);
  return makeDataset(
    tf.slice(data.x, begin, end - begin),
    tf.slice(data.y, begin, end - begin) as tf.Tensor2D,
    data.labels.slice(begin, end),
    namesOf(data),
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
    namesOf(data),
  );
}
