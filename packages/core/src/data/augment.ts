/**
 * Shift augmentation for image datasets: copies of every image moved by one
 * pixel. Fine-tuning a pruned model on the same 8,000 digits again and again
 * overfits them; one-pixel shifts are the classic MNIST regularizer (LeCun et
 * al. 1998 distorted their training digits), cheap and label-preserving.
 */
import * as tf from '@tensorflow/tfjs';
import { checkIntInRange, fail } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { checkDataset, makeDataset, type Dataset } from './dataset.js';
import { rng } from './random.js';

export interface ShiftAugmentOptions {
  /** Shifted copies of the data to append, in [1, 64]. Default 1. */
  copies?: number;
  /** Seed of each copy's directions. Default 0. */
  seed?: number;
}
const KEYS = optionKeys<ShiftAugmentOptions>({ copies: true, seed: true });

/** The 8 one-pixel moves [dy, dx] (down, right positive). */
export const SHIFTS: readonly (readonly [number, number])[] = [-1, 0, 1]
  .flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx] as const))
  .filter(([dy, dx]) => dy !== 0 || dx !== 0);

/**
 * `data` followed by `copies` copies of it (rows in the same order), each image
 * moved by one pixel in one of 8 directions drawn per image (seeded), zeros
 * entering at the border: row c·n + i of the result is image i moved, with its
 * label. x must be images [n, height, width, channels]. The input is not disposed.
 */
export function shiftAugment(data: Dataset, options: ShiftAugmentOptions = {}): Dataset {
  checkDataset('shiftAugment', 'data', data);
  checkOptions('shiftAugment', options, KEYS);
  const copies = checkIntInRange('shiftAugment', 'copies', options.copies ?? 1, 1, 64);
  if (data.x.rank !== 4) fail('shiftAugment', `data.x must be images [n, height, width, channels], got shape [${data.x.shape.join(', ')}]`);
  const n = data.size;
  const next = rng(options.seed ?? 0);
  const x = tf.tidy(() => {
    const padded = tf.pad(data.x as tf.Tensor4D, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const [, h, w, c] = data.x.shape as number[];
    const parts: tf.Tensor[] = [data.x];
    for (let k = 0; k < copies; k++) {
      // per image a direction; move each direction's images at once, then put rows back in order
      const direction = Array.from({ length: n }, () => Math.floor(next() * SHIFTS.length));
      const blocks: tf.Tensor[] = [];
      const order: number[] = [];
      SHIFTS.forEach(([dy, dx], s) => {
        const rows = direction.flatMap((d, i) => (d === s ? [i] : []));
        if (rows.length === 0) return;
        // out[r][col] = in[r − dy][col − dx]: a window of the padded image
        blocks.push(tf.gather(padded, rows).slice([0, 1 - dy, 1 - dx, 0], [rows.length, h!, w!, c!]));
        order.push(...rows);
      });
      const inverse = new Int32Array(n);
      order.forEach((row, j) => (inverse[row] = j));
      parts.push(tf.gather(tf.concat(blocks), inverse));
    }
    return tf.concat(parts);
  });
  const y = tf.tidy(() => tf.tile(data.y, [copies + 1, 1]) as tf.Tensor2D);
  const labels = new Int32Array(n * (copies + 1));
  for (let k = 0; k <= copies; k++) labels.set(data.labels, k * n);
  return makeDataset(x, y, labels, { featureNames: data.featureNames, classNames: data.classNames });
}
