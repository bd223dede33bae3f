import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { buildLenet300100 } from '../models/architectures.js';
import { mnist } from '../data/mnist.js';
import { fineTune } from '../prune/finetune.js';
import { fit } from './fit.js';
import { interruptCheck, interruptWork, KeyboardInterrupt } from './interrupt.js';

beforeAll(() => initBackend('wasm'));

const checksum = (m: tf.LayersModel) => m.getWeights().reduce((s, w) => s + w.abs().sum().dataSync()[0]!, 0);

describe('interrupts', () => {
  it('a check throws only after an interrupt that came later than its loop began', () => {
    interruptWork(); // an earlier interrupt does not concern loops that start afterwards
    const check = interruptCheck('loop');
    expect(() => check()).not.toThrow();
    interruptWork();
    expect(() => check()).toThrow(KeyboardInterrupt);
    expect(() => check()).toThrow(/^loop: interrupted; the input model is unchanged$/);
    expect(() => interruptCheck('next')()).not.toThrow();
  });

  it('stops a fine-tune at its next step: the caller gets KeyboardInterrupt, the input model is unchanged, nothing leaks', async () => {
    const { train, test } = mnist({ limit: 640 });
    const model = buildLenet300100(3);
    const before = checksum(model);
    const tensors = tf.memory().numTensors;
    let calls = 0;
    const job = fineTune(model, train, {
      epochs: 20,
      batchSize: 32,
      progressEvery: 1,
      onProgress: () => {
        calls++;
        if (calls === 3) interruptWork(); // as the kernel does on Jupyter's interrupt
      },
    });
    await expect(job).rejects.toThrow(/^fit: interrupted/);
    expect(calls).toBe(3); // 20 epochs × 20 batches would call it 400 times
    expect(tf.memory().numTensors).toBe(tensors);
    expect(checksum(model)).toBe(before);
    // a fit begun after the interrupt runs to its end
    const after = await fit(model, train, { epochs: 1, batchSize: 320 });
    expect(after.steps).toBe(2);
    model.dispose();
    train.dispose();
    test.dispose();
  });
});
