/** One split as plain arrays: `x` is row-major [n, features], `labels` the class of each row. */
export interface ArraySplit {
  x: Float32Array;
  labels: Int32Array;
  /** Where each row came from, when the source names its samples (spam: 'group/id' of the message). */
  ids?: readonly string[];
}

/** A bundled dataset as plain arrays (no tensors): its fixed split and the names of its columns and classes. */
export interface ArrayDataset {
  train: ArraySplit;
  test: ArraySplit;
  /** Shape of one sample, e.g. [28, 28, 1] for MNIST or [words] for the spam corpus; x has its product per row. */
  sampleShape: readonly number[];
  /** Name of each column of x, in order. */
  featureNames: readonly string[];
  /** Name of each class; label i means classNames[i]. */
  classNames: readonly string[];
}
