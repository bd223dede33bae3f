/**
 * @whittle/datasets: the data bundled for Whittle's tests, tutorials and
 * benchmarks, as plain arrays with no tfjs. @whittle/core's `mnist()` and
 * `spam()` turn them into tensors; a library user who ships a model does not
 * need this package.
 */
export type { ArrayDataset, ArraySplit } from './types.js';
export { mnistArrays, MNIST_CLASS_NAMES, MNIST_FEATURE_NAMES, MNIST_IMAGE_SHAPE } from './mnist.js';
export { spamArrays, SPAM_CLASS_NAMES, SPAM_WORDS, type SpamArraysOptions } from './spam.js';
export { messageText, tokenize, topWords } from './text.js';
