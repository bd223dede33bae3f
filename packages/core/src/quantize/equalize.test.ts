import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { mobilenetMini, lenet5 } from '../models/reference.js';
import { validateReport } from '@whittle/report';
import { equalize, foldBatchNorm } from './equalize.js';
import { quantize } from './ptq.js';

beforeAll(() => initBackend());

const maxDiff = (a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor) =>
  tf.tidy(
    () =>
      tf
        .abs((a.predict(x) as tf.Tensor).sub(b.predict(x) as tf.Tensor))
        .max()
        .dataSync()[0]!,
  );

describe('BatchNorm folding and cross-layer equalization', () => {
  it('fold and equalize leave the function unchanged (≤ 1e-5) and remove the BatchNorm layers', () => {
    const model = mobilenetMini({ pretrained: true });
    const { train, test } = mnist({ layout: 'image', limit: 100 });
    const folded = foldBatchNorm(model);
    const eq = equalize(model);
    expect(folded.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
    expect(maxDiff(model, folded, test.x)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(model, eq, test.x)).toBeLessThanOrEqual(1e-5);
    // the last pair equalized (block4_pw → GAP → classifier): A's output-channel ranges equal B's input rows' ranges
    const a = eq.getLayer('block4_pw').getWeights()[0]!.dataSync() as Float32Array; // [1, 1, 128, 128]
    const b = eq.getLayer('classifier').getWeights()[0]!.dataSync() as Float32Array; // [128, 10]
    for (let c = 0; c < 128; c++) {
      const ra = a.reduce((m, x, i) => (i % 128 === c ? Math.max(m, Math.abs(x)) : m), 0);
      const rb = b.slice(c * 10, c * 10 + 10).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(ra).toBeCloseTo(rb, 4);
    }
    train.dispose();
    test.dispose();
  });

  it('per-tensor 8-bit SQNR improves on average and accuracy stays within 0.5 pp', async () => {
    const model = mobilenetMini({ pretrained: true });
    const { train, test } = mnist({ layout: 'image' });
    const { model: q, report } = await quantize(model, { weights: { bits: 8, perChannel: false, scheme: 'asymmetric' }, equalize: true });
    expect(validateReport(report).ok).toBe(true);
    const gains = report.equalization!.map((e) => e.sqnrDbAfter! - e.sqnrDbBefore!);
    expect(gains.reduce((s, g) => s + g, 0) / gains.length).toBeGreaterThan(1);
    const { evaluate } = await import('../analysis/evaluate.js');
    expect(evaluate(model, test).accuracy - evaluate(q, test).accuracy).toBeLessThanOrEqual(0.005);
    train.dispose();
    test.dispose();
  });

  it('names what it cannot handle, in the name of the operation called', async () => {
    const input = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ name: 'shared', units: 4 });
    const twice = tf.model({ name: 'twice', inputs: input, outputs: shared.apply(shared.apply(input)) as tf.SymbolicTensor });
    const why = "layer 'shared' of 'twice' is applied 2 times (shared weights); give each call its own layer";
    expect(() => foldBatchNorm(twice)).toThrow(`foldBatchNorm: ${why}`);
    expect(() => equalize(twice)).toThrow(`equalize: ${why}`);
    await expect(quantize(twice, { equalize: true })).rejects.toThrow(`quantize: ${why}`);
    expect(maxDiff(lenet5(), equalize(lenet5()), tf.ones([2, 28, 28, 1]))).toBeLessThanOrEqual(1e-5);
    twice.dispose();
  });
});
