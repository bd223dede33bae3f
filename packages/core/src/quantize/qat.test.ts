import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { rng } from '../data/random.js';
import { evaluate } from '../analysis/evaluate.js';
import { lenet5 } from '../models/reference.js';
import { dequantizeTensor, quantizeTensor } from './affine.js';
import { fakeQuantSTE } from './fake-quant-layer.js';
import { fakeQuantWeights, quantizeAwareTrain } from './qat.js';
import { quantize } from './ptq.js';
import { makeObserver } from './observers.js';

beforeAll(() => initBackend());

describe('straight-through estimator', () => {
  it('forward = the asymmetric affine grid; gradient = 1 inside the range, 0 outside', () => {
    const values = Float32Array.from([-0.5, 0, 0.23, 0.37, 0.9, 1.0, 1.7]);
    const x = tf.tensor1d(values);
    const [lo, hi] = [0, 1];
    const y = fakeQuantSTE(x, 4, lo, hi).dataSync();
    // independent reference: the JS pair on the same range (min 0, max 1 → scale 1/15, zp 0), clamped to [0, 1]
    const ref = dequantizeTensor(
      quantizeTensor(
        Float32Array.from(values, (v) => Math.min(1, Math.max(0, v))),
        [7],
        { bits: 4, scheme: 'asymmetric' },
      ),
    );
    y.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 6));
    const g = tf
      .grad((t: tf.Tensor) => fakeQuantSTE(t, 4, lo, hi).sum())(x)
      .dataSync();
    expect(Array.from(g)).toEqual([0, 1, 1, 1, 1, 1, 0]);
  });

  it('fakeQuantWeights in tf ops equals the JS per-channel symmetric pair', () => {
    const next = rng(2);
    const values = Float32Array.from({ length: 60 }, () => next() * 2 - 1);
    for (const bits of [2, 4, 8]) {
      const ops = fakeQuantWeights(tf.tensor(values, [10, 6]), bits, true, 1).dataSync();
      const ref = dequantizeTensor(quantizeTensor(values, [10, 6], { bits, axis: 1 }));
      ops.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 6));
    }
  });
});

describe('quantizeAwareTrain', () => {
  it('2-bit QAT recovers what 2-bit PTQ loses; the kernels end on the 2-bit grid; the input is unchanged', async () => {
    const model = lenet5({ pretrained: true });
    const { train, test } = mnist({ layout: 'image', limit: 1600 });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const ptq = evaluate((await quantize(model, { weights: { bits: 2 } })).model, test).accuracy;
    const { model: qat, report } = await quantizeAwareTrain(model, train, { bits: 2, epochs: 1 });
    const acc = evaluate(qat, test).accuracy;
    expect(acc).toBeGreaterThan(ptq + 0.2);
    // on the grid: quantizing again at 2 bits changes no weight
    for (const name of ['conv1', 'fc1']) {
      const k = qat.getLayer(name).getWeights()[0]!;
      const grid = quantizeTensor(k.dataSync() as Float32Array, k.shape, { bits: 2, axis: -1 });
      const again = dequantizeTensor(grid);
      k.dataSync().forEach((v, i) => expect(again[i]).toBeCloseTo(v, 6));
      // the report shows the grid's scales (they were 0 before), the JS pair's per-channel scales
      const row = report.layers.find((l) => l.name === name)!;
      expect(row.scaleMin).toBeGreaterThan(0);
      expect(row.scaleMin).toBeCloseTo(Math.min(...grid.scale), 6);
      expect(row.scaleMax).toBeCloseTo(Math.max(...grid.scale), 6);
      expect(new Set(Array.from(k.dataSync()).map((v) => v.toFixed(6))).size).toBeLessThanOrEqual(3 * k.shape.at(-1)!);
    }
    expect(report.layers).toHaveLength(5);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    train.dispose();
    test.dispose();
  });

  it('rejects bits outside 2…8', async () => {
    const { train, test } = mnist({ layout: 'image', limit: 10 });
    await expect(quantizeAwareTrain(lenet5(), train, { bits: 1 })).rejects.toThrow(
      'quantizeAwareTrain: bits must be an integer in [2, 8], got 1',
    );
    train.dispose();
    test.dispose();
  });
});

describe('observers', () => {
  const values = Float32Array.from({ length: 10001 }, (_, i) => i / 10000); // uniform on [0, 1]
  const withOutlier = Float32Array.from([...values, 50]);

  it('minmax takes the extremes; percentile ignores one outlier in 10,000', () => {
    const mm = makeObserver('minmax');
    mm.observe(withOutlier);
    expect(mm.range(8)).toEqual([0, 50]);
    const p = makeObserver('percentile');
    p.observe(withOutlier);
    expect(p.range(8)[1]).toBeCloseTo(1, 2);
  });

  it('mse keeps a single far outlier (clipping it would cost more than a coarser grid)', () => {
    const mse = makeObserver('mse');
    mse.observe(withOutlier);
    expect(mse.range(8)[1]).toBeGreaterThan(45);
  });

  it('mse clips a Laplace(1) distribution at 4 bits near the ACIQ optimum (≈ 5, Banner et al. 2019)', () => {
    const next = rng(8);
    const laplace = Float32Array.from({ length: 20000 }, () => {
      const u = next() - 0.5;
      return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    });
    const o = makeObserver('mse');
    o.observe(laplace);
    const [lo, hi] = o.range(4);
    expect(lo).toBe(-hi);
    expect(hi).toBeGreaterThan(3.5);
    expect(hi).toBeLessThan(6.5);
    expect(Math.max(...laplace.map(Math.abs))).toBeGreaterThan(8); // so it really clipped
    const kl = makeObserver('kl');
    kl.observe(laplace);
    const [, klHi] = kl.range(4);
    expect(klHi).toBeGreaterThan(2);
    expect(klHi).toBeLessThan(8); // entropy calibration clips the tail too
  });

  it('moving-average averages per-batch extremes', () => {
    const o = makeObserver('moving-average');
    o.observe(Float32Array.from([0, 1]));
    o.observe(Float32Array.from([0, 2]));
    expect(o.range(8)[1]).toBeCloseTo(0.9 * 1 + 0.1 * 2, 10);
  });
});

describe('quantizeAwareTrain per layer, with masks', () => {
  it('keeps masked weights at zero, each layer on its own grid, and a 32-bit layer free', async () => {
    const { mnist } = await import('../data/mnist.js');
    const { referenceModel } = await import('../models/reference.js');
    const { train } = mnist({ limit: 100 });
    const model = referenceModel('lenet-300-100', { pretrained: true });
    const w1 = model.getLayer('fc1').getWeights()[0]!;
    const mask = Uint8Array.from(w1.dataSync(), (_, i) => (i % 3 === 0 ? 0 : 1));
    const before = tf.memory().numTensors;
    const { model: trained } = await quantizeAwareTrain(model, train, {
      bits: 8,
      perLayer: { fc1: 3, fc2: 32 },
      masks: { fc1: { layer: 'fc1', shape: w1.shape, values: mask } },
      epochs: 1,
      batchSize: 50,
    });
    const k1 = trained.getLayer('fc1').getWeights()[0]!.dataSync();
    mask.forEach((m, i) => m === 0 && expect(Math.abs(k1[i]!)).toBe(0));
    const distinct = (v: ArrayLike<number>, channels: number, c: number) =>
      new Set(Array.from(v).filter((_, i) => i % channels === c)).size;
    for (let c = 0; c < 300; c += 37) expect(distinct(k1, 300, c)).toBeLessThanOrEqual(7); // 3-bit symmetric: −3…3
    const k2 = trained.getLayer('fc2').getWeights()[0]!.dataSync();
    expect(distinct(k2, 100, 0)).toBeGreaterThan(255); // float: not on any ≤ 8-bit grid
    const k3 = trained.getLayer('fc3').getWeights()[0]!.dataSync();
    for (let c = 0; c < 10; c++) expect(distinct(k3, 10, c)).toBeLessThanOrEqual(255); // default bits 8
    trained.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    train.dispose();
  });
});
