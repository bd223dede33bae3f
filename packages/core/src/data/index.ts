export { mnist, mnistArrays, MNIST_CLASSES, MNIST_PIXELS, type MnistOptions } from './mnist.js';
export { spam, type SpamOptions } from './spam.js';
export type { SubsetOptions } from './bundled.js';
export { stratifiedRows } from './subset.js';
export { fromArrays, makeDataset, slice, gather, type Dataset, type DatasetNames, type Layout } from './dataset.js';
export { rng, permutation } from './random.js';
export { loadData, type LoadDataOptions } from './files.js';
export { parseNpy } from './npy.js';
export { splitData, type SplitOptions } from './split.js';
