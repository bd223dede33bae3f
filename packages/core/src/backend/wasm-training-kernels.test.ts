import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend, useFastWasmKernels } from './index.js';
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
  { pad: 'valid', stride: 1, ci: 16, co: 32, f: 1, hw: 7 }, // pointwise: the matrix-product path
] as const;

describe('wasm training kernels agree with the cpu backend', () => {
  beforeAll(async () => {
    const info = await initBackend('wasm');
    expect(info.addedKernels).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'Conv2DBackpropInput',
        'MaxPoolGrad',
        'BatchMatMul',
        'Tile',
        'GatherV2',
        'Slice',
      ]),
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

    it(`Conv2DBackpropInput ${c.pad} stride ${c.stride} ${c.ci}→${c.co} ${c.f}×${c.f}`, async () => {
      const x = rand([3, c.hw, c.hw, c.ci], 5);
      const w = rand([c.f, c.f, c.ci, c.co], 6);
      const grad = () =>
        tf.tidy(() =>
          tf.grad((x: tf.Tensor) =>
            tf
              .conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad)
              .square()
              .sum(),
          )(x),
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

describe('wasm kernel replacements agree with the cpu backend', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const pools = [
    { pool: 2, stride: 2, pad: 'valid', hw: 12, c: 6 },
    { pool: 2, stride: 2, pad: 'valid', hw: 11, c: 3 }, // last row/column outside every window
    { pool: 3, stride: 2, pad: 'same', hw: 9, c: 4 }, // overlapping windows
    { pool: 2, stride: 1, pad: 'valid', hw: 7, c: 16 },
    { pool: 3, stride: 1, pad: 'same', hw: 6, c: 1 },
  ] as const;
  for (const p of pools) {
    for (const ties of [false, true]) {
      it(`MaxPoolGrad ${p.pool}×${p.pool} ${p.pad} stride ${p.stride} ${p.c} channels${ties ? ', with ties' : ''}`, async () => {
        // ties: values rounded to a few levels, so windows hold equal maxima (the first one gets the gradient)
        const x = tf.tidy(() => (ties ? rand([2, p.hw, p.hw, p.c], 9).mul(2).round() : rand([2, p.hw, p.hw, p.c], 9)));
        // dy: distinct weights per pooled value, so a gradient sent to the wrong pixel shows
        const dy = tf.tidy(() => rand(tf.maxPool(x as tf.Tensor4D, p.pool, p.stride, p.pad).shape, 10));
        const grad = () =>
          tf.tidy(() =>
            tf.grad((x: tf.Tensor) =>
              tf
                .maxPool(x as tf.Tensor4D, p.pool, p.stride, p.pad)
                .mul(dy)
                .sum(),
            )(x),
          );
        const expected = await on('cpu', grad);
        const actual = await on('wasm', grad);
        expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
        tf.dispose([x, dy]);
      });
    }
  }

  const products = [
    { a: [5, 7], b: [7, 3], ta: false, tb: false },
    { a: [7, 5], b: [7, 3], ta: true, tb: false },
    { a: [5, 7], b: [3, 7], ta: false, tb: true },
    { a: [7, 5], b: [3, 7], ta: true, tb: true },
    { a: [1, 64, 30], b: [64, 20], ta: true, tb: false },
    { a: [2, 6, 4], b: [2, 5, 4], ta: false, tb: true }, // batched: wasm's own kernel
  ];
  for (const m of products) {
    it(`BatchMatMul ${m.a}${m.ta ? 'ᵀ' : ''} × ${m.b}${m.tb ? 'ᵀ' : ''}`, async () => {
      const a = rand(m.a, 10);
      const b = rand(m.b, 11);
      const product = () => tf.matMul(a, b, m.ta, m.tb);
      const expected = await on('cpu', product);
      const actual = await on('wasm', product);
      expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
      tf.dispose([a, b]);
    });
  }

  const tiles = [
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1], dtype: 'float32' },
    { shape: [2, 3], reps: [2, 3], dtype: 'float32' },
    { shape: [4], reps: [5], dtype: 'int32' },
    { shape: [2, 1, 3], reps: [1, 4, 1], dtype: 'bool' },
    { shape: [3, 2, 2, 1], reps: [1, 1, 1, 1], dtype: 'float32' },
  ] as const;
  for (const t of tiles) {
    it(`Tile ${t.dtype} [${t.shape}] × [${t.reps}]`, async () => {
      const x = tf.tidy(() =>
        t.dtype === 'bool'
          ? rand([...t.shape], 16).greater(0)
          : rand([...t.shape], 16)
              .mul(10)
              .round()
              .cast(t.dtype),
      );
      expect(x.dtype).toBe(t.dtype);
      const tiled = () => tf.tile(x, [...t.reps]).cast('float32');
      expect(Array.from(await on('wasm', tiled))).toEqual(Array.from(await on('cpu', tiled)));
      x.dispose();
    });
  }

  const gathers = [
    { shape: [50, 7], idx: [3, 0, 49, 3, 12], axis: 0, dtype: 'float32' },
    { shape: [4, 6, 5], idx: [5, 0, 2], axis: 1, dtype: 'float32' },
    { shape: [3, 4], idx: [3, 3, 1], axis: 1, dtype: 'int32' },
    {
      shape: [6, 2, 2],
      idx: [
        [1, 5],
        [0, 0],
      ],
      axis: 0,
      dtype: 'float32',
    },
  ] as const;
  for (const c of gathers) {
    it(`GatherV2 ${c.dtype} [${c.shape}] axis ${c.axis} indices ${JSON.stringify(c.idx)}`, async () => {
      const x = tf.tidy(() =>
        rand([...c.shape], 18)
          .mul(100)
          .round()
          .cast(c.dtype),
      );
      const idx = tf.tensor(c.idx as unknown as number[], undefined, 'int32');
      const gathered = () => tf.gather(x, idx, c.axis).cast('float32');
      await tf.setBackend('wasm');
      expect(tf.gather(x, idx, c.axis).shape).toEqual([...c.shape.slice(0, c.axis), ...idx.shape, ...c.shape.slice(c.axis + 1)]);
      expect(Array.from(await on('wasm', gathered))).toEqual(Array.from(await on('cpu', gathered)));
      tf.dispose([x, idx]);
    });
  }

  const slices = [
    { shape: [100, 40], begin: [10, 0], size: [20, 40] }, // contiguous rows
    { shape: [6, 9, 9, 5], begin: [1, 2, 3, 0], size: [4, 5, 6, 5] }, // short runs, element copy
    { shape: [3, 4, 70], begin: [0, 1, 5], size: [3, 2, 60] }, // long runs, TypedArray.set
    { shape: [8], begin: [3], size: [-1] },
    { shape: [2, 3, 4, 5, 6], begin: [1, 0, 1, 2, 1], size: [1, 3, 2, 2, 4] },
  ];
  for (const c of slices) {
    it(`Slice [${c.shape}] from [${c.begin}] size [${c.size}]`, async () => {
      const x = rand(c.shape, 19);
      const sliced = () => tf.slice(x, c.begin, c.size);
      expect(Array.from(await on('wasm', sliced))).toEqual(Array.from(await on('cpu', sliced)));
      const xi = tf.tidy(() => x.mul(100).round().cast('int32'));
      const slicedInt = () => tf.slice(xi, c.begin, c.size).cast('float32');
      expect(Array.from(await on('wasm', slicedInt))).toEqual(Array.from(await on('cpu', slicedInt)));
      tf.dispose([x, xi]);
    });
  }

  it('GatherV2 rejects an index out of range', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([3, 2]);
    const idx = tf.tensor1d([0, 3], 'int32');
    expect(() => tf.gather(x, idx)).toThrow('GatherV2: the index value 3 is not in [0, 2]');
    tf.dispose([x, idx]);
  });

  it('GatherV2 whose output grows the wasm heap still reads its indices (a view taken before the allocation is detached)', async () => {
    await tf.setBackend('wasm');
    const heapBytes = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    const rows = 4 * (Math.ceil(heapBytes / 4 / 256 / 4) + 1); // the output alone is larger than the heap
    const x = tf.randomNormal([4, 256], 0, 1, 'float32', 1);
    const idx = tf.tensor1d(
      Int32Array.from({ length: rows }, (_, i) => i % 4),
      'int32',
    );
    const gathered = tf.gather(x, idx);
    // every fourth row block is x itself: check the last one, written after the heap grew
    const tail = gathered.slice([rows - 4, 0], [4, 256]);
    expect(Array.from(await tail.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, idx, gathered, tail]);
  });

  it('Dense gradients (both transposed products)', async () => {
    const x = rand([16, 20], 12);
    const w = rand([20, 8], 13);
    const grad = () =>
      tf.tidy(() =>
        tf.concat(
          tf
            .grads((x: tf.Tensor, w: tf.Tensor) => tf.matMul(x, w).relu().square().sum())([x, w])
            .map((g) => g.reshape([-1])),
        ),
      );
    expect(maxRelativeError(await on('wasm', grad), await on('cpu', grad))).toBeLessThan(1e-4);
    tf.dispose([x, w]);
  });

  it('can be switched off and on again, and leak no tensors', async () => {
    await tf.setBackend('wasm');
    expect(useFastWasmKernels(false).sort()).toEqual([
      'BatchMatMul',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'FusedBatchNorm',
      'GatherV2',
      'MaxPoolGrad',
      'Mean',
      'Slice',
      'Sum',
      'Tile',
    ]);
    expect(useFastWasmKernels(false)).toEqual([]);
    const x = rand([2, 8, 8, 3], 14);
    const w = rand([3, 3, 3, 4], 15);
    // ReLU before the pool, as in LeNet: wasm's own MaxPoolGrad is wrong for all-negative
    // windows (it starts its search at FLT_MIN), so only non-negative inputs compare
    const loss = (x: tf.Tensor, w: tf.Tensor) =>
      tf
        .maxPool(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').relu(), 2, 2, 'valid')
        .reshape([2, -1])
        .matMul(tf.ones([64, 3]))
        .square()
        .sum();
    const grads = () =>
      tf.tidy(() =>
        tf.concat(
          tf
            .grads(loss)([x, w])
            .map((g) => g.reshape([-1])),
        ),
      );
    const plain = (await grads().data()) as Float32Array;
    expect(useFastWasmKernels(true).sort()).toEqual([
      'BatchMatMul',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'FusedBatchNorm',
      'GatherV2',
      'MaxPoolGrad',
      'Mean',
      'Slice',
      'Sum',
      'Tile',
    ]);
    const before = tf.memory().numTensors;
    const fast = grads();
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(maxRelativeError((await fast.data()) as Float32Array, plain)).toBeLessThan(1e-4);
    tf.dispose([x, w, fast]);
  });
});
