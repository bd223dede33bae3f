import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../analysis/evaluate.js';
import { splitData } from '../data/split.js';
import type { Dataset } from '../data/dataset.js';
import { autoCompress } from './auto.js';
import { realizePlan, type PlanChoices } from './apply.js';
import { tunePlan } from './tune.js';
import { lenet300Fixture } from './fixture.test-util.js';

const fixture = lenet300Fixture();
let train: Dataset;
let test: Dataset;
let model: tf.LayersModel;
beforeAll(() => ({ train, test, model } = fixture));

const every = (choice: PlanChoices[string]): PlanChoices => Object.fromEntries(['fc1', 'fc2', 'fc3'].map((n) => [n, choice]));
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const settings = { epochs: 2, batchSize: 32, seed: 3, validationFraction: 0.2 };

describe('tunePlan: the learning rate chosen on a validation slice of the training split', () => {
  it('chooses the rate most accurate on the slice, then fine-tunes on all of train at that rate', async () => {
    const plan = every({ sparsity: 0.5, bits: 4 });
    const rates = [3e-3, 3e-4];
    const before = tf.memory().numTensors;
    const original = weightsOf(model);
    const tuned = await tunePlan(model, plan, train, { ...settings, learningRates: rates });

    // the reference: the same stratified split, each rate fine-tuned and scored independently
    const split = splitData(train, { testFraction: 0.2, seed: 3 });
    const scored = [];
    for (const learningRate of rates) {
      const m = await realizePlan(model, plan, split.train, { ...settings, learningRate });
      scored.push({ learningRate, ...evaluate(m, split.test) });
      m.dispose();
    }
    split.train.dispose();
    split.test.dispose();
    const best = scored.reduce((a, b) => (b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.loss < a.loss) ? b : a));
    const refit = await realizePlan(model, plan, train, { ...settings, learningRate: best.learningRate });

    expect(tuned.validationSamples).toBe(60);
    expect(tuned.trials.map((t) => [t.learningRate, t.accuracy])).toEqual(scored.map((s) => [s.learningRate, s.accuracy]));
    expect(tuned.learningRate).toBe(best.learningRate);
    expect(weightsOf(tuned.model)).toEqual(weightsOf(refit));
    tuned.model.dispose();
    refit.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(weightsOf(model)).toEqual(original);
  });

  it('picks small steps for an unchanged model and large ones for a harsh plan', async () => {
    // Adam at 0.3 wrecks a trained network; at 1e-6 a 90 %-sparse 2-bit one stays where the plan left it
    const mild = await tunePlan(model, every({ sparsity: 0, bits: 32 }), train, { ...settings, learningRates: [0.3, 1e-4] });
    expect(mild.learningRate).toBe(1e-4);
    expect(mild.trials[0]!.accuracy).toBeLessThan(mild.trials[1]!.accuracy);
    mild.model.dispose();
    const harsh = await tunePlan(model, every({ sparsity: 0.9, bits: 2 }), train, { ...settings, learningRates: [3e-3, 1e-6] });
    expect(harsh.learningRate).toBe(3e-3);
    harsh.model.dispose();
  });

  it('given validation data, every rate fine-tunes on all of train and is scored on that data', async () => {
    const plan = every({ sparsity: 0.7, bits: 4 });
    const rates = [1e-3, 1e-4];
    const before = tf.memory().numTensors;
    const tuned = await tunePlan(model, plan, train, { ...settings, learningRates: rates, validation: test });
    const reference = [];
    for (const learningRate of rates) {
      const m = await realizePlan(model, plan, train, { ...settings, learningRate });
      reference.push({ learningRate, accuracy: evaluate(m, test).accuracy, weights: weightsOf(m) });
      m.dispose();
    }
    expect(tuned.validationSamples).toBe(test.size);
    expect(tuned.trials.map((t) => t.accuracy)).toEqual(reference.map((r) => r.accuracy));
    expect(weightsOf(tuned.model)).toEqual(reference.find((r) => r.learningRate === tuned.learningRate)!.weights);
    tuned.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(test.x.isDisposed).toBe(false);
  });

  it('one rate fine-tunes on the whole training split, no slice held out', async () => {
    const plan = every({ sparsity: 0.5, bits: 8 });
    const tuned = await tunePlan(model, plan, train, { ...settings, learningRates: [1e-3] });
    const direct = await realizePlan(model, plan, train, { ...settings, learningRate: 1e-3 });
    expect(tuned.trials).toEqual([]);
    expect(tuned.validationSamples).toBe(0);
    expect(weightsOf(tuned.model)).toEqual(weightsOf(direct));
    tuned.model.dispose();
    direct.dispose();
  });

  it('autoCompress rejects bad learning rates and validation fractions in one line', async () => {
    const base = { train, test, budget: { ratio: 4 }, epochs: 1, workers: 0, calibrationSamples: 50, baselines: false };
    await expect(autoCompress(model, { ...base, learningRate: [] })).rejects.toThrow(
      'autoCompress: learningRate must be a number or a non-empty list of numbers, got []',
    );
    await expect(autoCompress(model, { ...base, learningRate: [1e-3, -1] })).rejects.toThrow(
      'autoCompress: learningRate must be in (0, 1], got -1',
    );
    await expect(autoCompress(model, { ...base, learningRate: [1e-3, 1e-3] })).rejects.toThrow(
      'autoCompress: learningRate lists a rate twice: 0.001, 0.001',
    );
    await expect(autoCompress(model, { ...base, validation: 'val' as never })).rejects.toThrow(
      'autoCompress: validation must be a Dataset ({ x, y, labels, size }, e.g. from mnist() or fromArrays()), got val',
    );
    await expect(autoCompress(model, { ...base, validationFraction: 0.9 })).rejects.toThrow(
      'autoCompress: validationFraction must be in (0, 0.5], got 0.9',
    );
  });
});
