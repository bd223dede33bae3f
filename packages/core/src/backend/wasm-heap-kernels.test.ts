import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './index.js';
import { rng } from '../data/random.js';

/** Random tensor from a seeded generator, values in [lo, hi). */
function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const next = rng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => lo + next() * (hi - lo)),
    shape,
  );
}

/** Runs `f` on `backend`; returns shape and values. */
async function on(backend: string, f: () => tf.Tensor): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backend);
  const t = f();
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return { shape: t.shape, values };
}

/** wasm result vs the cpu backend's: same shape, max |difference| / max |cpu value|. */
async function relErrVsCpu(f: () => tf.Tensor): Promise<number> {
  const expected = await on('cpu', f);
  const actual = await on('wasm', f);
  expect(actual.shape).toEqual(expected.shape);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.values.length; i++) {
    scale = Math.max(scale, Math.abs(expected.values[i]!));
    err = Math.max(err, Math.abs(actual.values[i]! - expected.values[i]!));
  }
  return err / Math.max(scale, 1e-12);
}

describe('wasm heap kernels agree with the cpu backend', () => {
  beforeAll(async () => {
    const info = await initBackend('wasm');
    expect(info.addedKernels).toEqual(expect.arrayContaining(['Sum', 'Mean', 'FusedBatchNorm']));
  });

  const reductions: { shape: number[]; axis: number[]; keepDims: boolean }[] = [
    { shape: [8, 5, 5, 96], axis: [0, 1, 2], keepDims: false },
    { shape: [8, 5, 5, 96], axis: [2, 0, 1], keepDims: true },
    { shape: [8, 5, 5, 16], axis: [0, 1, 2], keepDims: false }, // few channels: tfjs's own kernel
    { shape: [64, 300], axis: [0], keepDims: false },
    { shape: [3, 4, 70], axis: [0, 1], keepDims: true },
    { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: true },
    { shape: [6, 7, 3], axis: [1], keepDims: false }, // not leading: tfjs's own kernel
    { shape: [6, 7, 3], axis: [0, 2], keepDims: true }, // not contiguous: tfjs's own kernel
  ];
  for (const r of reductions) {
    for (const op of ['sum', 'mean'] as const) {
      it(`${op} [${r.shape}] over [${r.axis}]${r.keepDims ? ' keepDims' : ''}`, async () => {
        const x = rand(r.shape, 1);
        expect(await relErrVsCpu(() => x[op](r.axis, r.keepDims))).toBeLessThan(1e-4);
        x.dispose();
      });
    }
  }

  it('int32 sums still use tfjs’s own kernel', async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
    await tf.setBackend('wasm');
    const s = x.sum(0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual([9, 12]);
    tf.dispose([x, s]);
  });

  for (const withAffine of [true, false]) {
    it(`batchNorm with per-channel parameters${withAffine ? '' : ', no offset or scale'}`, async () => {
      const x = rand([4, 6, 6, 8], 2);
      const [m, v, o, s] = [rand([8], 3), rand([8], 4, 0.1, 2), rand([8], 5), rand([8], 6)];
      const f = () => tf.batchNorm(x, m, v, withAffine ? o : undefined, withAffine ? s : undefined, 1e-3);
      expect(await relErrVsCpu(f)).toBeLessThan(1e-4);
      tf.dispose([x, m, v, o, s]);
    });
  }

  it('batchNorm with parameters that are not per channel uses tfjs’s own kernel', async () => {
    const x = rand([2, 3, 4], 7);
    const [m, v] = [rand([3, 4], 14), rand([3, 4], 8, 0.1, 2)];
    expect(await relErrVsCpu(() => tf.batchNorm(x, m, v, undefined, undefined, 1e-3))).toBeLessThan(1e-4);
    tf.dispose([x, m, v]);
  });

  it('a BatchNormalization layer in training: output and gradients of input, gamma and beta', async () => {
    const x = rand([8, 5, 5, 6], 9);
    const layer = tf.layers.batchNormalization({ gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' });
    layer.build([null, 5, 5, 6]);
    const run = () =>
      tf.tidy(() => {
        const weights = layer.trainableWeights.map((w) => w.read());
        const { value, grads } = tf.variableGrads(
          () => (layer.apply(x, { training: true }) as tf.Tensor).square().mul(tf.range(0, 6)).sum() as tf.Scalar,
        );
        const dx = tf.grad((x: tf.Tensor) => (layer.apply(x, { training: true }) as tf.Tensor).square().mul(tf.range(0, 6)).sum())(x);
        return tf.concat([value.reshape([1]), dx.reshape([-1]), ...weights.map((w) => grads[w.name]!.reshape([-1]))]);
      });
    expect(await relErrVsCpu(run)).toBeLessThan(1e-4);
    x.dispose();
    layer.weights.forEach((w) => w.dispose());
  });

  const depthwise = [
    { stride: 1, pad: 'same', mult: 2 },
    { stride: 2, pad: 'same', mult: 3 },
    { stride: 2, pad: 'valid', mult: 1 },
  ] as const;
  for (const d of depthwise) {
    it(`depthwise filter gradient ${d.pad} stride ${d.stride} ×${d.mult}`, async () => {
      const x = rand([3, 9, 9, 5], 10);
      const w = rand([3, 3, 5, d.mult], 11);
      const grad = () =>
        tf.tidy(() =>
          tf.grad((w: tf.Tensor) =>
            tf
              .depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, d.stride, d.pad)
              .square()
              .sum(),
          )(w),
        );
      expect(await relErrVsCpu(grad)).toBeLessThan(1e-4);
      tf.dispose([x, w]);
    });
  }

  it('leak no tensors', async () => {
    await tf.setBackend('wasm');
    const x = rand([4, 6, 6, 3], 12);
    const w = rand([3, 3, 3, 1], 13);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.batchNorm(x, x.mean([0, 1, 2]), x.sum([0, 1, 2]).abs().add(1));
      tf.grad((w: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same').sum())(w);
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});
