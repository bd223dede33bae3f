/**
 * The bundled data lives in @whittle/datasets, an optional peer of core: a
 * library user who ships a model does not install 40 MB of digits and mail.
 * It is loaded on first use; the tensors, shuffling and subsets are made here.
 */
import { createRequire } from 'node:module';
import type { ArrayDataset } from '@whittle/datasets';
import { fail } from '../errors.js';
import { fromArrays, type Dataset } from './dataset.js';
import { permutation } from './random.js';
import { stratifiedRows } from './subset.js';

type DatasetsPackage = typeof import('@whittle/datasets');

const requireHere = createRequire(import.meta.url);
let loaded: DatasetsPackage | undefined;

/** @whittle/datasets, or a one-line error saying how to install it. `load` is for tests. */
export function datasetsPackage(where: string, load: (id: string) => unknown = requireHere): DatasetsPackage {
  if (loaded && load === requireHere) return loaded;
  try {
    const pkg = load('@whittle/datasets') as DatasetsPackage;
    if (load === requireHere) loaded = pkg;
    return pkg;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes('@whittle/datasets'))
      fail(where, 'the bundled data is in a separate package: npm install @whittle/datasets');
    throw e;
  }
}

/** How much of each split, in which order. */
export interface SubsetOptions {
  /**
   * Seed for shuffling the train split and for drawing limited subsets; `false`
   * keeps file order (grouped by class). The test split stays in file order. Default 0.
   */
  shuffle?: number | false;
  /**
   * Keep `limit` samples of each split, each class in proportion to its share of
   * the split (±1; at least one of each). Default: the whole split.
   */
  limit?: number;
}

/** A bundled dataset's splits as tensors of the given sample shape, shuffled and limited as asked. */
export function toDatasets(
  where: string,
  data: ArrayDataset,
  sampleShape: readonly number[],
  options: SubsetOptions,
): { train: Dataset; test: Dataset } {
  const { shuffle = 0, limit } = options;
  if (shuffle !== false && !Number.isInteger(shuffle)) fail(where, `shuffle must be an integer seed or false, got ${String(shuffle)}`);
  const classes = data.classNames.length;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < classes))
    fail(where, `limit must be an integer ≥ ${classes} (one sample of each class), got ${String(limit)}`);
  const order = (n: number) => (shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : permutation(n, shuffle));
  const trainOrder = order(data.train.labels.length);
  const trainRows = limit === undefined ? trainOrder : stratifiedRows(data.train.labels, limit, trainOrder);
  const testRows = limit === undefined ? undefined : stratifiedRows(data.test.labels, limit, order(data.test.labels.length)).sort();
  const names = { featureNames: data.featureNames, classNames: data.classNames };
  const train = pick(data.train.x, data.train.labels, trainRows);
  const test = testRows ? pick(data.test.x, data.test.labels, testRows) : data.test;
  return {
    train: fromArrays(train.x, train.labels, sampleShape, classes, names),
    test: fromArrays(test.x, test.labels, sampleShape, classes, names),
  };
}

/** The given rows of row-major values and their labels, copied. */
function pick(x: Float32Array, labels: Int32Array, rows: Int32Array): { x: Float32Array; labels: Int32Array } {
  const width = x.length / labels.length;
  const out = new Float32Array(rows.length * width);
  rows.forEach((row, i) => out.set(x.subarray(row * width, (row + 1) * width), i * width));
  return { x: out, labels: Int32Array.from(rows, (row) => labels[row]!) };
}
