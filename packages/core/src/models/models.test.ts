import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { evaluate } from '../analysis/evaluate.js';
import { cloneModel } from './clone.js';
import { pretrainedDir, referenceModel, REFERENCE_MODELS, REFERENCE_NAMES } from './reference.js';

beforeAll(() => initBackend());

// Accuracy each committed model must reach on the 2,004-digit test split (issue: foundation).
const BOUNDS: Record<string, number> = { 'lenet-300-100': 0.94, 'lenet-5': 0.96, 'mobilenet-mini': 0.97, 'resnet-mini': 0.97 };

describe('reference models', () => {
  it('LeNet-5 has 61,706 parameters and LeNet-300-100 has 266,610', () => {
    expect(referenceModel('lenet-5').countParams()).toBe(61706);
    expect(referenceModel('lenet-300-100').countParams()).toBe(266610);
  });

  it('builds the same initial weights from the same seed', () => {
    const a = referenceModel('resnet-mini', { seed: 5 })
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    const b = referenceModel('resnet-mini', { seed: 5 })
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
    expect(a).toEqual(b);
  });

  it('resnet-mini has a residual Add and a Concatenate; mobilenet-mini has depthwise convs and BatchNorm', () => {
    const classes = (name: string) => new Set(referenceModel(name).layers.map((l) => l.getClassName()));
    expect([...classes('resnet-mini')]).toEqual(expect.arrayContaining(['Add', 'Concatenate', 'BatchNormalization']));
    expect([...classes('mobilenet-mini')]).toEqual(
      expect.arrayContaining(['DepthwiseConv2D', 'BatchNormalization', 'GlobalAveragePooling2D']),
    );
  });

  for (const name of REFERENCE_NAMES) {
    it(`${name} pretrained reaches ≥ ${BOUNDS[name]! * 100}% on the test split, as its training record says`, () => {
      const model = referenceModel(name, { pretrained: true });
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout });
      const { accuracy } = evaluate(model, test);
      expect(accuracy).toBeGreaterThanOrEqual(BOUNDS[name]!);
      const record = JSON.parse(readFileSync(`${pretrainedDir(name)}training.json`, 'utf8')) as { testAccuracy: number };
      expect(accuracy).toBeCloseTo(record.testAccuracy, 3);
      train.dispose();
      test.dispose();
    });
  }

  it('rejects an unknown name with the list of known ones', () => {
    expect(() => referenceModel('alexnet')).toThrow(
      "referenceModel: unknown reference model 'alexnet'; choose one of lenet-300-100, lenet-5, mobilenet-mini, resnet-mini",
    );
  });

  it('cloneModel copies weights, and training the copy leaves the original unchanged', () => {
    const a = referenceModel('lenet-5', { seed: 1 });
    const b = cloneModel(a);
    const before = Array.from(a.getWeights()[0]!.dataSync());
    b.getLayer('conv1').setWeights(
      b
        .getLayer('conv1')
        .getWeights()
        .map((w) => tf.onesLike(w)),
    );
    expect(Array.from(a.getWeights()[0]!.dataSync())).toEqual(before);
    expect(b.layers.map((l) => l.name)).toEqual(a.layers.map((l) => l.name));
  });
});
