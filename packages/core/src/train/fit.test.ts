import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { buildLenet5, buildLenet300100 } from '../models/architectures.js';
import { cloneModel } from '../models/clone.js';
import { mnist } from '../data/mnist.js';
import { fit } from './fit.js';
import { evaluate } from '../analysis/evaluate.js';

beforeAll(() => initBackend('wasm'));

/** One SGD step of LeNet-5 on 64 digits: loss before and the updated fc1 kernel. */
async function step(backend: string): Promise<{ loss: number; after: Float32Array }> {
  await tf.setBackend(backend);
  const { train, test } = mnist({ layout: 'image', limit: 64 });
  const model = buildLenet5(7);
  const optimizer = tf.train.sgd(0.1);
  const loss = optimizer.minimize(
    () => tf.metrics.categoricalCrossentropy(train.y, model.apply(train.x) as tf.Tensor).mean() as tf.Scalar,
    true,
  )!;
  const result = { loss: loss.dataSync()[0]!, after: model.getLayer('conv1').getWeights()[0]!.dataSync() as Float32Array };
  tf.dispose([loss]);
  train.dispose();
  test.dispose();
  model.dispose();
  return result;
}

describe('training', () => {
  it('a LeNet-5 step on wasm gives the same loss and update as on cpu', async () => {
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4);
    let maxDiff = 0;
    cpu.after.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - wasm.after[i]!))));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('fit learns, reports progress, is reproducible with a seed, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const { train, test } = mnist({ layout: 'flat', limit: 1000 });
    const before = tf.memory().numTensors;
    const a = buildLenet300100(1);
    const b = cloneModel(a);
    const seen: number[] = [];
    const ha = await fit(a, train, { epochs: 2, onProgress: (p) => seen.push(p.epoch) });
    const hb = await fit(b, train, { epochs: 2 });
    expect(ha.loss).toEqual(hb.loss);
    expect(ha.loss[1]!).toBeLessThan(ha.loss[0]!);
    expect(seen).toContain(2);
    expect(evaluate(a, test).accuracy).toBeGreaterThan(0.75);
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
    train.dispose();
    test.dispose();
  });

  it('stops cleanly when the progress callback throws', async () => {
    const { train, test } = mnist({ layout: 'flat', limit: 640 });
    const model = buildLenet300100(2);
    const before = tf.memory().numTensors;
    await expect(
      fit(model, train, {
        epochs: 3,
        onProgress: () => {
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    train.dispose();
    test.dispose();
  });

  it('rejects bad options with one-line errors', async () => {
    const { train, test } = mnist({ limit: 10 });
    const model = buildLenet300100();
    await expect(fit(model, train, { epochs: 0 })).rejects.toThrow('fit: epochs must be a positive integer, got 0');
    await expect(fit(model, train, { batchSize: 2.5 })).rejects.toThrow('fit: batchSize must be a positive integer, got 2.5');
    train.dispose();
    test.dispose();
  });
});
