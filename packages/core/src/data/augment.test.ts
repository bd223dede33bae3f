import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { fromArrays, makeDataset } from './dataset.js';
import { shiftAugment } from './augment.js';

beforeAll(() => initBackend());

/** Image `v` ([h, w, c] row-major) moved by (dy, dx) with zero fill, by loops. */
function moved(v: Float32Array, h: number, w: number, c: number, dy: number, dx: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < h; r++)
    for (let col = 0; col < w; col++)
      for (let ch = 0; ch < c; ch++) {
        const [sr, sc] = [r - dy, col - dx];
        out.push(sr >= 0 && sr < h && sc >= 0 && sc < w ? v[(sr * w + sc) * c + ch]! : 0);
      }
  return out;
}
const NEIGHBOURS = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].map((dx) => [dy, dx])).filter(([dy, dx]) => dy || dx);

describe('shiftAugment: one-pixel shifted copies of image data', () => {
  it('appends copies whose every image is its source moved one pixel (by loops), labels kept, all 8 directions drawn', () => {
    const [n, h, w, c] = [60, 4, 5, 2];
    // distinct positive values: a shifted image matches exactly one direction
    const values = Float32Array.from({ length: n * h * w * c }, (_, i) => i + 1);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const data = fromArrays(values, labels, [h, w, c], 3);
    const tensors = tf.memory().numTensors;
    const out = shiftAugment(data, { copies: 2, seed: 5 });
    expect(tf.memory().numTensors - tensors).toBe(2); // x and y of the result
    expect(out.x.shape).toEqual([3 * n, h, w, c]);
    expect(out.size).toBe(3 * n);
    const x = out.x.dataSync();
    const y = out.y.arraySync();
    const size = h * w * c;
    const seen = new Set<string>();
    for (let row = 0; row < 3 * n; row++) {
      const i = row % n;
      const got = Array.from(x.subarray(row * size, (row + 1) * size));
      const source = values.subarray(i * size, (i + 1) * size);
      if (row < n) expect(got).toEqual(Array.from(source));
      else {
        const hits = NEIGHBOURS.filter(([dy, dx]) => moved(source, h, w, c, dy!, dx!).every((v, j) => v === got[j]));
        expect(hits).toHaveLength(1);
        seen.add(hits[0]!.join(','));
      }
      expect(out.labels[row]).toBe(labels[i]);
      expect(y[row]!.indexOf(1)).toBe(labels[i]);
    }
    expect(seen.size).toBe(8);
    // seeded: the same seed draws the same directions, another seed others
    const again = shiftAugment(data, { copies: 2, seed: 5 });
    const other = shiftAugment(data, { copies: 2, seed: 6 });
    expect(Array.from(again.x.dataSync())).toEqual(Array.from(x));
    expect(Array.from(other.x.dataSync())).not.toEqual(Array.from(x));
    expect(data.x.isDisposed).toBe(false);
    [out, again, other, data].forEach((d) => d.dispose());
  });

  it('rejects flat inputs, bad copies and unknown options in one line', () => {
    const flat = makeDataset(tf.zeros([4, 6]), tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2).toFloat() as tf.Tensor2D);
    const images = makeDataset(tf.zeros([2, 3, 3, 1]), tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2).toFloat() as tf.Tensor2D);
    expect(() => shiftAugment(flat)).toThrow('shiftAugment: data.x must be images [n, height, width, channels], got shape [4, 6]');
    expect(() => shiftAugment(images, { copies: 0 })).toThrow('shiftAugment: copies must be an integer in [1, 64], got 0');
    expect(() => shiftAugment(images, { copys: 2 } as never)).toThrow("shiftAugment: unknown option 'copys' (did you mean 'copies'?)");
    flat.dispose();
    images.dispose();
  });
});
