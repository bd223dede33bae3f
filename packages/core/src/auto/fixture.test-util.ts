/** The auto tests' shared fixture: pretrained LeNet-300-100 and a 300-digit MNIST split (every digit), set up once per file. */
import type * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../backend/index.js';
import type { Dataset } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { referenceModel } from '../models/reference.js';

export function lenet300Fixture(): { train: Dataset; test: Dataset; model: tf.LayersModel } {
  const f = {} as { train: Dataset; test: Dataset; model: tf.LayersModel };
  beforeAll(async () => {
    await initBackend();
    Object.assign(f, mnist({ limit: 300 }));
    f.model = referenceModel('lenet-300-100', { pretrained: true });
  });
  afterAll(() => {
    f.train.dispose();
    f.test.dispose();
    f.model.dispose();
  });
  return f;
}
