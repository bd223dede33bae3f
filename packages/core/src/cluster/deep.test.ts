import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { loadModel } from '../io/load.js';
import { lenet300100, lenet5 } from '../models/reference.js';
import { shiftAugment } from '../data/augment.js';
import { validateReport } from '../report/schema.js';
import { fromFloat16Bits, toFloat16Bits } from '../quantize/special.js';
import { deepCompress, pruneSchedule } from './deep.js';

beforeAll(() => initBackend());

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('deepCompress', () => {
  it('pruning rounds keep a geometric share of weights: 1 − (1 − s)^(i/n)', () => {
    // s = 0.96, 2 rounds: kept 0.2 then 0.04
    expect(pruneSchedule(0.96, 2)).toEqual([0.8, 0.96]);
  });

  it('runs prune → cluster → centroid fine-tune → encode → reload; sizes are the files; the input is untouched', async () => {
    const { train, test } = mnist({ layout: 'flat', limit: 500 });
    expect(new Set(train.labels).size).toBe(10);
    const base = lenet300100({ pretrained: true });
    const before = snapshot(base);
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-deep-')), 'out');
    const tensors = tf.memory().numTensors;
    try {
      const { model, report, assignments, masks } = await deepCompress(base, train, {
        sparsity: 0.9,
        pruneSteps: 1,
        clusters: 8,
        epochs: 1,
        annealEpochs: 1,
        test,
        out: dir,
      });
      expect(tf.memory().numTensors - tensors).toBe(model.weights.length); // only the returned model
      expect(snapshot(base)).toEqual(before);
      expect(validateReport(report).ok).toBe(true);
      expect(report.stages!.map((s) => s.stage)).toHaveLength(4);
      expect(report.stages![1]!.stage).toBe('pruned 90% + fine-tuned + 1 annealing epoch (float32 on disk)');
      const weights = statSync(join(dir, 'weights.bin')).size;
      expect(report.bytes!.weights).toBe(weights);
      expect(report.bytes!.total).toBe(weights + statSync(join(dir, 'model.json')).size);
      expect(report.bytes!.baselineWeights).toBe(266610 * 4);
      expect(report.stages!.at(-1)!.bytes).toBe(weights);
      // every kernel holds ≤ 8 values + zero, pruned weights are zero, biases are float16-exact
      for (const name of ['fc1', 'fc2', 'fc3']) {
        const [k, b] = model.getLayer(name).getWeights();
        const v = k!.dataSync();
        expect(new Set(Array.from(v).filter((x) => x !== 0)).size).toBeLessThanOrEqual(8);
        masks[name]!.values.forEach((keep, i) => keep || expect(v[i]).toBe(0));
        expect(assignments[name]!.k).toBe(8);
        for (const x of b!.dataSync()) expect(fromFloat16Bits(toFloat16Bits(x))).toBe(x);
      }
      const loaded = await loadModel(dir);
      const want = model.getWeights();
      loaded.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from(want[i]!.dataSync())));
      expect(
        JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights.find(
          (e: { name: string }) => e.name === 'fc1/bias',
        ).quantization.dtype,
      ).toBe('float16');
      tf.dispose([loaded, model]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tf.dispose([base]);
      train.dispose();
      test.dispose();
    }
  });

  it('shiftCopies fine-tunes on shifted copies: the same as running on shiftAugment(train) yourself', async () => {
    const { train, test } = mnist({ layout: 'image', limit: 200 });
    const base = lenet5({ pretrained: true });
    const before = snapshot(base);
    const options = { sparsity: 0.8, pruneSteps: 1, clusters: 4, epochs: 1, seed: 3, test };
    const tensors = tf.memory().numTensors;
    const shifted = await deepCompress(base, train, { ...options, shiftCopies: 1 });
    expect(tf.memory().numTensors - tensors).toBe(shifted.model.weights.length);
    expect(snapshot(base)).toEqual(before);
    // the reference: the data augmented by hand (shiftAugment is checked against loops in data/augment.test.ts)
    const augmented = shiftAugment(train, { copies: 1, seed: 3 });
    const byHand = await deepCompress(base, augmented, options);
    const plain = await deepCompress(base, train, options);
    expect(snapshot(shifted.model)).toEqual(snapshot(byHand.model));
    expect(snapshot(shifted.model)).not.toEqual(snapshot(plain.model));
    tf.dispose([shifted.model, byHand.model, plain.model, base]);
    [augmented, train, test].forEach((d) => d.dispose());
  });

  it('onProgress names the stage of each fine-tuning step; a throwing onProgress stops the run, the input unchanged, nothing leaked', async () => {
    const { train } = mnist({ layout: 'flat', limit: 200 });
    const base = lenet300100({ pretrained: true });
    const before = snapshot(base);
    const options = { sparsity: 0.8, pruneSteps: 2, clusters: 4, epochs: 1, annealEpochs: 1 };
    const seen: string[] = [];
    const tensors = tf.memory().numTensors;
    const { model } = await deepCompress(base, train, { ...options, onProgress: (p) => seen.push(`${p.stage} ${p.epoch}/${p.epochs}`) });
    // 200 digits, batches of 64: fit reports at batch 4 of 4 (every 10 steps, and at each epoch's end)
    expect(seen).toEqual(['pruning round 1/2 1/1', 'pruning round 2/2 1/1', 'annealing 1/1', 'centroids 1/1']);
    model.dispose();
    for (const stop of seen) {
      const stopped = deepCompress(base, train, {
        ...options,
        onProgress: (p) => {
          if (`${p.stage} ${p.epoch}/${p.epochs}` === stop) throw new Error(`stopped in ${stop}`);
        },
      });
      await expect(stopped).rejects.toThrow(`stopped in ${stop}`);
      expect(tf.memory().numTensors, stop).toBe(tensors);
    }
    // a throwing onStage at the last stage: the reloaded model is not returned either
    const last = deepCompress(base, train, {
      ...options,
      onStage: (s) => {
        if (s.stage.startsWith('centroids')) throw new Error('stopped at the end');
      },
    });
    await expect(last).rejects.toThrow('stopped at the end');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(snapshot(base)).toEqual(before);
    base.dispose();
    train.dispose();
  });

  it('rejects unknown options with the closest name, and bad values naming the rule', async () => {
    const base = lenet300100({ pretrained: true });
    const { train } = mnist({ layout: 'flat', limit: 50 });
    await expect(deepCompress(base, train, { sparsty: 0.9 } as never)).rejects.toThrow(
      "deepCompress: unknown option 'sparsty' (did you mean 'sparsity'?)",
    );
    await expect(deepCompress(base, train, { sparsity: 1.5 })).rejects.toThrow('deepCompress: sparsity must be in [0, 1), got 1.5');
    await expect(deepCompress(base, train, { epochs: 0 })).rejects.toThrow('deepCompress: epochs must be a positive integer, got 0');
    await expect(deepCompress(base, train, { annealEpochs: -1 })).rejects.toThrow(
      'deepCompress: annealEpochs must be an integer in [0, 1000], got -1',
    );
    await expect(deepCompress(base, train, { shiftCopies: 2 })).rejects.toThrow(
      'deepCompress: shiftCopies=2 needs image inputs [n, height, width, channels], but train.x has shape [50, 784]',
    );
    await expect(deepCompress(base, train, { shiftCopies: 1.5 })).rejects.toThrow(
      'deepCompress: shiftCopies must be an integer in [0, 64], got 1.5',
    );
    base.dispose();
    train.dispose();
  });
});
