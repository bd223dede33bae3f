import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend } from './index.js';
import { rng } from '../data/random.js';

/** Random tensor from a seeded generator, values in [-1, 1). */
function rand(shape: number[], seed: number): tf.Tensor {
  const next = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => next() * 2 - 1),
    shape,
  );
}

/** Runs `f` on the given backend and returns the result as plain numbers. */
async function on(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = f();
  const v = (await t.data()) as Float32Array;
  t.dispose();
  return v;
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / Math.max(scale, 1e-12);
}

const cases = [
  { pad: 'same', stride: 1, ci: 1, co: 6, f: 5, hw: 12 },
  { pad: 'valid', stride: 1, ci: 6, co: 16, f: 5, hw: 14 },
  { pad: 'same', stride: 2, ci: 3, co: 8, f: 3, hw: 11 },
  { pad: 'valid', stride: 2, ci: 4, co: 5, f: 3, hw: 10 },
  { pad: 'same', stride: 2, ci: 8, co: 4, f: 1, hw: 7 },
] as const;

describe('wasm training kernels agree with the cpu backend', () => {
  beforeAll(async () => {
    const info = await initBackend('wasm');
    expect(info.addedKernels).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']),
    );
  });

  for (const c of cases) {
    it(`Conv2DBackpropFilter ${c.pad} stride ${c.stride} ${c.ci}→${c.co} ${c.f}×${c.f}`, async () => {
      const x = rand([3, c.hw, c.hw, c.ci], 1);
      const w = rand([c.f, c.f, c.ci, c.co], 2);
      const grad = () =>
        tf.tidy(() =>
          tf.grad((w: tf.Tensor) =>
            tf
              .conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)
              .square()
              .sum(),
          )(w),
        );
      const expected = await on('cpu', grad);
      const actual = await on('wasm', grad);
      expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
      tf.dispose([x, w]);
    });

    for (const mult of [1, 2]) {
      it(`depthwise gradients ${c.pad} stride ${c.stride} ${c.ci} channels ×${mult} ${c.f}×${c.f}`, async () => {
        const x = rand([2, c.hw, c.hw, c.ci], 3);
        const w = rand([c.f, c.f, c.ci, mult], 4);
        const loss = (x: tf.Tensor, w: tf.Tensor) =>
          tf
            .depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)
            .square()
            .sum();
        for (const which of [0, 1]) {
          const grad = () => tf.tidy(() => tf.grads(loss)([x, w])[which]!);
          const expected = await on('cpu', grad);
          const actual = await on('wasm', grad);
          expect(maxRelativeError(actual, expected), which === 0 ? 'input gradient' : 'filter gradient').toBeLessThan(1e-4);
        }
        tf.dispose([x, w]);
      });
    }
  }

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    const x = rand([2, 8, 8, 4], 7);
    const w = rand([3, 3, 4, 2], 8);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').sum())([x, w]);
      tf.grad((w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w.reshape([3, 3, 4, 2]) as tf.Tensor4D, 2, 'same').sum())(w);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});
