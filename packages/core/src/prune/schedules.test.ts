import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { lenet300100 } from '../models/reference.js';
import { prune } from './prune.js';
import { fineTune, strip } from './finetune.js';
import { constantSparsity, dynamicPrune, gradualPrune, iterativePrune, polynomialDecay } from './schedules.js';

beforeAll(() => initBackend());

const kernel = (m: tf.LayersModel, name: string) => m.getLayer(name).getWeights()[0]!.dataSync() as Float32Array;

describe('fine-tuning with masks', () => {
  it('keeps pruned weights exactly zero while the others train; the input model is unchanged', async () => {
    const { train, test } = mnist({ limit: 640 });
    const base = lenet300100({ pretrained: true });
    const { model: pruned, masks } = prune(base, { sparsity: 0.9, scope: 'global' });
    const before = Array.from(kernel(pruned, 'fc1'));
    const tensors = tf.memory().numTensors;
    const { model: tuned } = await fineTune(pruned, train, { epochs: 1, masks });
    expect(tf.memory().numTensors - tensors).toBe(tuned.weights.length);
    const after = kernel(tuned, 'fc1');
    let changed = 0;
    let nonzeroPruned = 0;
    masks.fc1!.values.forEach((keep, i) => {
      if (!keep)
        nonzeroPruned += after[i] === 0 ? 0 : 1; // +0 or -0 both count as zero
      else if (after[i] !== before[i]) changed++;
    });
    expect(nonzeroPruned).toBe(0);
    expect(changed).toBeGreaterThan(1000);
    expect(Array.from(kernel(pruned, 'fc1'))).toEqual(before);
    // without masks the zeros would grow back — the control
    const { model: free } = await fineTune(pruned, train, { epochs: 1 });
    expect(kernel(free, 'fc1').filter((v, i) => !masks.fc1!.values[i] && v !== 0).length).toBeGreaterThan(0);
    // strip re-applies masks onto a copy
    const stripped = strip(free, masks);
    // read the kernel once: reading it per element copies 235 k floats 211 k times
    const strippedKernel = kernel(stripped, 'fc1');
    expect(masks.fc1!.values.filter((keep, i) => !keep && strippedKernel[i] !== 0).length).toBe(0);
    expect(Array.from(kernel(free, 'fc1'))).not.toEqual(Array.from(strippedKernel));
    train.dispose();
    test.dispose();
  });

  it('rejects masks that do not fit the model', async () => {
    const { train, test } = mnist({ limit: 64 });
    const masks = { nope: { layer: 'nope', shape: [2, 2], values: new Uint8Array(4) } };
    await expect(fineTune(lenet300100(), train, { masks })).rejects.toThrow(
      "fineTune: mask for layer 'nope' does not match any layer of model 'lenet-300-100'",
    );
    train.dispose();
    test.dispose();
  });
});

describe('schedules', () => {
  it('polynomialDecay follows s_f + (s_i − s_f)(1 − p)^3 (worked values)', () => {
    const s = polynomialDecay({ initialSparsity: 0.5, finalSparsity: 0.9, beginStep: 100, endStep: 300, frequency: 50 });
    expect(s.sparsity(0)).toBeCloseTo(0.5, 12);
    expect(s.sparsity(200)).toBeCloseTo(0.9 - 0.4 * 0.125, 12); // p = 0.5 → (0.5)^3
    expect(s.sparsity(300)).toBeCloseTo(0.9, 12);
    expect(s.sparsity(1000)).toBeCloseTo(0.9, 12);
    expect([99, 100, 125, 150, 300, 350].map((t) => s.shouldPrune(t))).toEqual([false, true, false, true, true, false]);
    expect(constantSparsity({ targetSparsity: 0.7, frequency: 10 }).shouldPrune(20)).toBe(true);
    expect(() => polynomialDecay({ initialSparsity: 0, finalSparsity: 0.9, beginStep: 5, endStep: 5 })).toThrow(
      'polynomialDecay: endStep (5) must be greater than beginStep (5)',
    );
  });

  it('gradualPrune ends at the final sparsity with masks applied', async () => {
    const { train, test } = mnist({ limit: 1280 });
    const schedule = polynomialDecay({ initialSparsity: 0.2, finalSparsity: 0.8, beginStep: 0, endStep: 30, frequency: 5 });
    const seen: number[] = [];
    const r = await gradualPrune(lenet300100({ pretrained: true }), train, schedule, { epochs: 2, onProgress: (p) => seen.push(p.epoch) });
    const w = kernel(r.model, 'fc1');
    expect(w.filter((v) => v === 0).length).toBe(Math.round(0.8 * w.length));
    expect(r.history[0]!.sparsity).toBeCloseTo(0.2, 6);
    expect(r.history.at(-1)!.sparsity).toBeCloseTo(0.8, 6);
    expect(seen).toContain(2);
    train.dispose();
    test.dispose();
  });

  it('dynamicPrune leaves no weight with 0 < |w| < threshold, and reports the sparsity that results', async () => {
    const { train, test } = mnist({ limit: 640 });
    const r = await dynamicPrune(lenet300100({ pretrained: true }), train, { epochs: 1, threshold: 0.02 });
    const w = kernel(r.model, 'fc1');
    expect(w.every((v) => v === 0 || Math.abs(v) >= 0.02)).toBe(true);
    // the reported sparsity is the zero fraction of the pruned kernels (fc1, fc2; the output layer stays dense)
    const pruned = [w, kernel(r.model, 'fc2')];
    const zerosCount = pruned.reduce((n, k) => n + k.filter((v) => v === 0).length, 0);
    expect(r.sparsity).toBeCloseTo(zerosCount / pruned.reduce((n, k) => n + k.length, 0), 12);
    expect(r.sparsity).toBeGreaterThan(0.2);
    train.dispose();
    test.dispose();
  });

  it('iterativePrune records one-shot and fine-tuned accuracy per step; fine-tuning recovers', async () => {
    const { train, test } = mnist({ limit: 1000 });
    const r = await iterativePrune(lenet300100({ pretrained: true }), train, {
      steps: [0.5, 0.95],
      fineTuneEpochs: 1,
      test,
      scope: 'global',
    });
    expect(r.report.steps!.map((s) => s.sparsity)).toEqual([0.5, 0.95]);
    const last = r.report.steps!.at(-1)!;
    expect(last.accuracy!).toBeGreaterThan(last.accuracyOneShot!);
    const w = kernel(r.model, 'fc1');
    expect(w.filter((v) => v === 0).length / w.length).toBeGreaterThan(0.9);
    train.dispose();
    test.dispose();
  });
});
