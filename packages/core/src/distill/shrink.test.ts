import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { referenceModel } from '../models/reference.js';
import { shrinkWidth } from './shrink.js';

beforeAll(() => initBackend());

/** Output width of each named layer. */
const widths = (m: tf.LayersModel, names: string[]) => names.map((n) => (m.getLayer(n).outputShape as number[]).at(-1));

describe('shrinkWidth', () => {
  // Expected widths and parameter counts worked out by hand from the architectures (architectures.ts).
  it('lenet-300-100 at 0.5: 784-150-50-10', () => {
    const small = shrinkWidth(referenceModel('lenet-300-100'), 0.5);
    expect(widths(small, ['fc1', 'fc2', 'fc3'])).toEqual([150, 50, 10]);
    expect(small.countParams()).toBe(784 * 150 + 150 + 150 * 50 + 50 + 50 * 10 + 10);
    expect(small.name).toBe('lenet-300-100-w0.5');
  });

  it('lenet-5 at 0.5 and 0.25 (rounded, at least one unit)', () => {
    const teacher = referenceModel('lenet-5', { pretrained: true });
    const half = shrinkWidth(teacher, 0.5);
    expect(widths(half, ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'])).toEqual([3, 8, 60, 42, 10]);
    // conv1 5·5·1·3+3, conv2 5·5·3·8+8, fc1 (5·5·8)·60+60, fc2 60·42+42, fc3 42·10+10
    expect(half.countParams()).toBe(78 + 608 + 12060 + 2562 + 430);
    const quarter = shrinkWidth(teacher, 0.25);
    expect(widths(quarter, ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'])).toEqual([2, 4, 30, 21, 10]);
    expect(widths(shrinkWidth(teacher, 0.01), ['conv1', 'conv2', 'fc1', 'fc2'])).toEqual([1, 1, 1, 1]);
    expect(shrinkWidth(teacher, 1).countParams()).toBe(teacher.countParams());
  });

  it('mobilenet-mini at 0.5: depthwise and BatchNorm follow their producer', () => {
    const small = shrinkWidth(referenceModel('mobilenet-mini'), 0.5);
    expect(
      widths(small, ['stem', 'stem_bn', 'block1_dw', 'block1_pw', 'block2_pw', 'block3_dw', 'block3_pw', 'block4_pw', 'classifier']),
    ).toEqual([8, 8, 8, 16, 32, 32, 64, 64, 10]);
  });

  it('resnet-mini at 0.5: the Add couples stem and res_conv2; the Concatenate joins both halved branches', () => {
    const model = referenceModel('resnet-mini', { pretrained: true });
    const small = shrinkWidth(model, 0.5, { seed: 2 });
    expect(widths(small, ['stem', 'res_conv1', 'res_conv2', 'res_add', 'branch1', 'branch3', 'concat', 'head', 'classifier'])).toEqual([
      8, 8, 8, 8, 8, 8, 16, 24, 10,
    ]);
    expect(small.getLayer('head').getWeights()[0]!.shape).toEqual([3, 3, 16, 24]);
    const out = small.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor;
    expect(out.shape).toEqual([2, 10]);
  });

  it('draws fresh weights: U(±1/√fan_in) kernels, BatchNorm reset, seeded; the input model is unchanged', () => {
    const model = referenceModel('resnet-mini', { pretrained: true });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const tensors = tf.memory().numTensors;
    const a = shrinkWidth(model, 0.5, { seed: 4 });
    expect(tf.memory().numTensors - tensors).toBe(a.weights.length);
    const b = shrinkWidth(model, 0.5, { seed: 4 });
    const c = shrinkWidth(model, 0.5, { seed: 5 });
    const head = (m: tf.LayersModel) => Array.from(m.getLayer('head').getWeights()[0]!.dataSync());
    expect(head(a)).toEqual(head(b));
    expect(head(a)).not.toEqual(head(c));
    const k = head(a);
    const bound = 1 / Math.sqrt(3 * 3 * 16);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    const [gamma, beta, mean, variance] = a
      .getLayer('head_bn')
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    expect([gamma, beta, mean, variance].map((v) => [...new Set(v)])).toEqual([[1], [0], [0], [1]]);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  });

  it('rejects factors outside (0, 1]', () => {
    const m = referenceModel('lenet-5');
    expect(() => shrinkWidth(m, 0)).toThrow('shrinkWidth: factor must be in (0, 1], got 0');
    expect(() => shrinkWidth(m, 1.5)).toThrow('shrinkWidth: factor must be in (0, 1], got 1.5');
  });
});
