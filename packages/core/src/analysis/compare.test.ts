import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { buildLenet300100 } from '../models/architectures.js';
import { lenet300100 } from '../models/reference.js';
import { cloneModel } from '../models/clone.js';
import { compare } from './compare.js';
import { evaluate } from './evaluate.js';
import { kfold } from './kfold.js';
import { fit } from '../train/fit.js';
import { validateReport } from '@whittle/report';

beforeAll(() => initBackend());

describe('compare', () => {
  it('a model against its own copy: full agreement, zero KL, equal accuracy', async () => {
    const { train, test } = mnist({ limit: 300 });
    const a = lenet300100({ pretrained: true });
    const r = await compare(a, cloneModel(a), test, { latencyRuns: 2 });
    expect(validateReport(r).ok).toBe(true);
    expect(r.agreement).toBe(1);
    expect(r.meanKl).toBeLessThan(1e-6);
    expect(r.a.accuracy).toBe(evaluate(a, test).accuracy);
    expect(r.a.bytes).toBeGreaterThan(266610 * 4);
    train.dispose();
    test.dispose();
  });

  it('KL and agreement match a direct computation on the outputs', async () => {
    const { train, test } = mnist({ limit: 200 });
    const a = lenet300100({ pretrained: true });
    const b = buildLenet300100(9); // untrained: disagrees a lot
    const before = tf.memory().numTensors;
    const r = await compare(a, b, test, { latencyRuns: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const pa = (a.predict(test.x) as tf.Tensor).arraySync() as number[][];
    const pb = (b.predict(test.x) as tf.Tensor).arraySync() as number[][];
    let kl = 0;
    let agree = 0;
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    pa.forEach((p, i) => {
      const q = pb[i]!;
      p.forEach((v, c) => {
        const pv = Math.max(v, 1e-7);
        kl += pv * Math.log(pv / Math.max(q[c]!, 1e-7));
      });
      if (argmax(p) === argmax(q)) agree++;
    });
    expect(r.meanKl).toBeCloseTo(kl / pa.length, 3);
    expect(r.agreement).toBeCloseTo(agree / pa.length, 10);
    expect(r.b.latencyMs).toBeNull();
    train.dispose();
    test.dispose();
  });

  it('rejects a non-model with a one-line error', async () => {
    const { train, test } = mnist({ limit: 10 });
    await expect(compare(lenet300100(), 'nope' as unknown as tf.LayersModel, test)).rejects.toThrow('compare: b must be a tf.LayersModel');
    train.dispose();
    test.dispose();
  });
});

describe('kfold', () => {
  it('holds out every sample exactly once and returns mean ± std over folds', async () => {
    const { train, test } = mnist({ limit: 600 });
    const seenSizes: number[] = [];
    const result = await kfold(
      async (part, fold) => {
        seenSizes.push(part.size);
        const m = buildLenet300100(fold);
        await fit(m, part, { epochs: 3 });
        return m;
      },
      train,
      { k: 3 },
    );
    expect(seenSizes).toEqual([400, 400, 400]);
    expect(result.folds.map((f) => f.samples)).toEqual([200, 200, 200]);
    const mean = result.folds.reduce((s, f) => s + f.accuracy, 0) / 3;
    expect(result.mean).toBeCloseTo(mean, 12);
    const std = Math.sqrt(result.folds.reduce((s, f) => s + (f.accuracy - mean) ** 2, 0) / 2);
    expect(result.std).toBeCloseTo(std, 12);
    expect(result.mean).toBeGreaterThan(0.5);
    await expect(kfold(() => buildLenet300100(), train, { k: 1 })).rejects.toThrow('kfold: k must be an integer in [2, 600], got 1');
    train.dispose();
    test.dispose();
  });
});
