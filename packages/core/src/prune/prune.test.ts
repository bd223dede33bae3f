import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { lenet300100, lenet5, referenceModel, REFERENCE_NAMES, REFERENCE_MODELS } from '../models/reference.js';
import { validateReport } from '@whittle/report';
import { prune } from './prune.js';
import { kthSmallest } from './select.js';
import { ELEMENTWISE, PASSTHROUGH } from './graph.js';

beforeAll(() => initBackend());

const kernel = (m: tf.LayersModel, name: string) => m.getLayer(name).getWeights()[0]!.dataSync() as Float32Array;
const zeros = (v: Float32Array) => v.reduce((n, x) => n + (x === 0 ? 1 : 0), 0);
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('unstructured pruning', () => {
  it('removes exactly round(s·n) weights of each kernel (layer scope), never the input model', () => {
    const model = lenet5({ pretrained: true });
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const { model: pruned, report } = prune(model, { sparsity: { conv1: 0.3, conv2: 0.5, 'fc*': 0.9 } });
    expect(tf.memory().numTensors - tensors).toBe(pruned.weights.length); // only the new model's weights
    for (const [name, s] of [
      ['conv1', 0.3],
      ['conv2', 0.5],
      ['fc1', 0.9],
      ['fc2', 0.9],
    ] as const) {
      const v = kernel(pruned, name);
      expect(zeros(v), name).toBe(Math.round(s * v.length));
    }
    expect(zeros(kernel(pruned, 'fc3'))).toBe(Math.round(0.9 * 840)); // named by the glob, so included
    expect(snapshot(model)).toEqual(before);
    expect(validateReport(report).ok).toBe(true);
    expect(report.physicallySmaller).toBe(false);
    pruned.dispose();
  });

  it('keeps biases and the output layer dense by default', () => {
    const model = lenet300100({ pretrained: true });
    const { model: pruned, report } = prune(model, { sparsity: 0.8 });
    expect(report.layers.map((l) => l.name)).toEqual(['fc1', 'fc2']);
    expect(zeros(kernel(pruned, 'fc3'))).toBe(0);
    expect(zeros(pruned.getLayer('fc1').getWeights()[1]!.dataSync() as Float32Array)).toBe(0);
  });

  it('global scope: one threshold equal to a sort-based reference over all chosen weights', () => {
    const model = lenet300100({ pretrained: true });
    const { model: pruned, report } = prune(model, { sparsity: 0.9, scope: 'global', includeOutput: true });
    const all = ['fc1', 'fc2', 'fc3'].flatMap((n) => Array.from(kernel(model, n), Math.abs)).sort((a, b) => a - b);
    const k = Math.round(0.9 * all.length);
    expect(report.layers[0]!.threshold).toBe(all[k - 1]);
    const removed = ['fc1', 'fc2', 'fc3'].reduce((n, name) => n + zeros(kernel(pruned, name)), 0);
    expect(removed).toBe(k);
    // every surviving weight is at least as large as every removed one
    for (const name of ['fc1', 'fc2', 'fc3']) {
      const orig = kernel(model, name);
      kernel(pruned, name).forEach((v, i) =>
        v === 0 ? expect(Math.abs(orig[i]!)).toBeLessThanOrEqual(all[k - 1]!) : expect(Math.abs(v)).toBeGreaterThanOrEqual(all[k - 1]!),
      );
    }
    // larger layers with smaller weights lose more (as in the PyTorch reference: fc1 0.91, fc2 0.83, fc3 0.54)
    const s = Object.fromEntries(report.layers.map((l) => [l.name, l.sparsity]));
    expect(s.fc1!).toBeGreaterThan(s.fc3!);
    expect(report.totals.prunedSparsity).toBeCloseTo(0.9, 5);
  });

  it('kthSmallest agrees with sorting', () => {
    const v = Float32Array.from(
      { length: 1001 },
      (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453),
    );
    const sorted = Array.from(v).sort((a, b) => a - b);
    for (const k of [0, 1, 500, 999, 1000]) expect(kthSmallest(v, k)).toBe(sorted[k]);
  });

  it('N:M keeps at most n of every m consecutive weights along the input dimension', () => {
    const model = lenet5({ pretrained: true });
    const { model: pruned } = prune(model, { granularity: { n: 2, m: 4 } });
    for (const name of ['conv2', 'fc1', 'fc2']) {
      const w = pruned.getLayer(name).getWeights()[0]!;
      const [inputs, outputs] = w.shape.slice(-2) as [number, number];
      const v = w.dataSync();
      const outer = v.length / (inputs * outputs);
      for (let o = 0; o < outer; o++)
        for (let u = 0; u < outputs; u++)
          for (let g = 0; g < inputs; g += 4) {
            let nz = 0;
            for (let r = g; r < Math.min(g + 4, inputs); r++) if (v[(o * inputs + r) * outputs + u] !== 0) nz++;
            expect(nz).toBeLessThanOrEqual(2);
            if (g + 4 <= inputs) expect(nz).toBe(2); // trained weights have no exact zeros
          }
    }
  });

  it('random pruning is seeded: same seed, same mask; other seed, other mask', () => {
    const model = lenet300100({ pretrained: true });
    const a = prune(model, { sparsity: 0.5, method: 'random', seed: 1 });
    const b = prune(model, { sparsity: 0.5, method: 'random', seed: 1 });
    const c = prune(model, { sparsity: 0.5, method: 'random', seed: 2 });
    expect(Array.from(a.masks.fc1!.values)).toEqual(Array.from(b.masks.fc1!.values));
    expect(Array.from(a.masks.fc1!.values)).not.toEqual(Array.from(c.masks.fc1!.values));
    expect(zeros(kernel(a.model, 'fc1'))).toBe(Math.round(0.5 * 784 * 300));
  });

  it('pruning twice composes: what was pruned stays pruned', () => {
    const model = lenet300100({ pretrained: true });
    const first = prune(model, { sparsity: 0.5, method: 'random', seed: 3 });
    const second = prune(first.model, { sparsity: 0.8 });
    const a = first.masks.fc1!.values;
    second.masks.fc1!.values.forEach((keep, i) => (a[i] === 0 ? expect(keep).toBe(0) : undefined));
  });

  it('rejects bad options with one-line errors', () => {
    const model = lenet5();
    expect(() => prune(model, { sparsity: 1.2 })).toThrow('prune: sparsity must be in [0, 1), got 1.2');
    expect(() => prune(model, { sparsity: -0.1 })).toThrow('prune: sparsity must be in [0, 1), got -0.1');
    expect(() => prune(model, { sparsity: { dense_7: 0.5 } })).toThrow(
      "prune: no prunable layer matches 'dense_7'; prunable layers: conv1, conv2, fc1, fc2, fc3",
    );
    expect(() => prune(model, { sparsity: 0.5, method: 'l2' })).toThrow(
      "prune: method 'l2' does not fit unstructured pruning; use one of magnitude, random",
    );
    expect(() => prune(model, { granularity: { n: 4, m: 2 } })).toThrow('prune: N:M needs n < m, got 4:2');
    expect(() => prune(model, { sparsity: 0.5, granularity: 'filter', sparsityx: 1 } as never)).toThrow(
      "prune: unknown option 'sparsityx' (did you mean 'sparsity'?)",
    );
    expect(() => prune('model' as never, { sparsity: 0.5 })).toThrow('prune: model must be a tf.LayersModel');
  });
});

/** The masked equivalent of a structured result: every removed unit's weights zeroed in a copy of the original. */
function maskedEquivalent(model: tf.LayersModel, removed: Record<string, number[]>): tf.LayersModel {
  const copy = referenceModelLike(model);
  for (const [name, units] of Object.entries(removed)) {
    const layer = copy.getLayer(name);
    const isDepthwise = layer.getClassName() === 'DepthwiseConv2D';
    layer.setWeights(
      layer.getWeights().map((w, i) => {
        const v = Float32Array.from(w.dataSync());
        // BatchNorm keeps moving mean/variance (indices 2, 3); zeroing γ and β already makes the channel 0
        if (layer.getClassName() === 'BatchNormalization' && i >= 2) return tf.tensor(v, w.shape);
        const axis = isDepthwise && w.shape.length === 4 ? 2 : w.shape.length - 1;
        const n = w.shape[axis]!;
        const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
        v.forEach((_, j) => (units.includes(Math.floor(j / inner) % n) ? (v[j] = 0) : undefined));
        return tf.tensor(v, w.shape);
      }),
    );
  }
  return copy;
}

function referenceModelLike(model: tf.LayersModel): tf.LayersModel {
  const cls = model.constructor as typeof tf.LayersModel;
  const copy = cls.fromConfig(cls, model.getConfig() as never) as tf.LayersModel;
  copy.setWeights(model.getWeights());
  return copy;
}

describe('least-squares compensation of masks', () => {
  it('refits the kept weights and bias of a masked Dense layer; pruned weights stay zero (worked example)', () => {
    // h is linear: h0 = 3·x0, h1 = 3·x1, h2 = x0 + x1 + 1 = (h0 + h1) / 3 + 1; out = 2·h0 − 2·h1 + 0.3·h2 + 0.5.
    const model = tf.sequential({
      name: 'tiny',
      layers: [tf.layers.dense({ name: 'h', inputShape: [2], units: 3 }), tf.layers.dense({ name: 'out', units: 1 })],
    });
    model.getLayer('h').setWeights([
      tf.tensor2d([
        [3, 0, 1],
        [0, 3, 1],
      ]),
      tf.tensor1d([0, 0, 1]),
    ]);
    model.getLayer('out').setWeights([tf.tensor2d([[2], [-2], [0.3]]), tf.tensor1d([0.5])]);
    // Pruning out's smallest weight (0.3, on h2) and refitting: 0.3·h2 = 0.1·h0 + 0.1·h1 + 0.3, so
    // kernel [2.1, −1.9, 0] and bias 0.8 reproduce the original exactly.
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
      [0, 0],
      [-2, 1],
      [0.5, 4],
    ]);
    const calibration = makeDataset(x, tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0], 'int32'), 2) as tf.Tensor2D);
    const { model: refit, masks } = prune(model, { sparsity: { out: 1 / 3 }, calibration });
    expect(Array.from(masks.out!.values)).toEqual([1, 1, 0]);
    const [kernel, bias] = refit.getLayer('out').getWeights();
    Array.from(kernel!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([2.1, -1.9, 0][i]!, 2));
    expect(kernel!.dataSync()[2]).toBe(0);
    expect(bias!.dataSync()[0]).toBeCloseTo(0.8, 2);
    const plain = prune(model, { sparsity: { out: 1 / 3 } }).model;
    expect(Array.from(plain.getLayer('out').getWeights()[0]!.dataSync())).toEqual([2, -2, 0]);
    tf.dispose([refit, plain, model]);
    calibration.dispose();
  });
});

describe('structured pruning', () => {
  for (const name of REFERENCE_NAMES) {
    it(`${name}: the rebuilt model is smaller and computes what the masked model computes (≤ 1e-5)`, () => {
      const model = referenceModel(name, { pretrained: true });
      const before = snapshot(model);
      const tensors = tf.memory().numTensors;
      const result = prune(model, { sparsity: 0.5, granularity: 'channel' }) as ReturnType<typeof prune> & {
        removedUnits: Record<string, number[]>;
      };
      expect(tf.memory().numTensors - tensors).toBe(result.model.weights.length); // surgery leaks nothing
      expect(result.model.countParams()).toBeLessThan(model.countParams());
      expect(result.report.physicallySmaller).toBe(true);
      expect(validateReport(result.report).ok).toBe(true);
      const masked = maskedEquivalent(model, result.removedUnits);
      const { train, test } = mnist({ layout: REFERENCE_MODELS[name].layout, limit: 64 });
      const diff = tf.tidy(
        () =>
          tf
            .abs((result.model.predict(test.x) as tf.Tensor).sub(masked.predict(test.x) as tf.Tensor))
            .max()
            .dataSync()[0]!,
      );
      expect(diff).toBeLessThanOrEqual(1e-5);
      expect(snapshot(model)).toEqual(before);
      train.dispose();
      test.dispose();
    });
  }

  it("compensate 'mean-activation' folds a removed unit's mean output into the next bias (worked example)", () => {
    // 2 inputs → h: 3 ReLU units → out: 2 linear units.
    const model = tf.sequential({
      name: 'tiny',
      layers: [tf.layers.dense({ name: 'h', inputShape: [2], units: 3, activation: 'relu' }), tf.layers.dense({ name: 'out', units: 2 })],
    });
    model.getLayer('h').setWeights([
      tf.tensor2d([
        [1, -1, 0.1],
        [2, 1, 0.1],
      ]),
      tf.tensor1d([0, 0.5, 0.2]),
    ]);
    model.getLayer('out').setWeights([
      tf.tensor2d([
        [1, 0],
        [0, 1],
        [2, -4],
      ]),
      tf.tensor1d([0.1, 0.2]),
    ]);
    // L2 norms of (kernel column, bias): h0 √5, h1 √2.25, h2 √0.06 → 1 of 3 units removed: h2.
    // h2 on the samples: relu(0.1·1 + 0.1·2 + 0.2) = 0.5 and relu(0.1·3 − 0.1·1 + 0.2) = 0.4, mean 0.45;
    // out's bias becomes [0.1 + 0.45·2, 0.2 + 0.45·(−4)] = [1.0, −1.6].
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
    ]);
    const calibration = makeDataset(
      x,
      tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
    );
    const plain = prune(model, { sparsity: 1 / 3, granularity: 'neuron' });
    const compensated = prune(model, { sparsity: 1 / 3, granularity: 'neuron', calibration, compensate: 'mean-activation' });
    expect(
      prune(model, { sparsity: 1 / 3, granularity: 'neuron', calibration, compensate: 'none' })
        .model.getWeights()[3]!
        .dataSync(),
    ).toEqual(Float32Array.from([0.1, 0.2]));
    expect(plain.model.getLayer('out').getWeights()[0]!.shape).toEqual([2, 2]);
    expect(Array.from(plain.model.getLayer('out').getWeights()[1]!.dataSync())).toEqual([0.1, 0.2].map(Math.fround));
    const bias = Array.from(compensated.model.getLayer('out').getWeights()[1]!.dataSync());
    expect(bias[0]).toBeCloseTo(1.0, 6);
    expect(bias[1]).toBeCloseTo(-1.6, 6);
    // the kept weights are untouched, and out's mean over the calibration samples is the original's
    expect(Array.from(compensated.model.getLayer('out').getWeights()[0]!.dataSync())).toEqual([1, 0, 0, 1]);
    const mean = (m: tf.LayersModel) => Array.from(tf.tidy(() => (m.predict(x) as tf.Tensor).mean(0)).dataSync());
    mean(compensated.model).forEach((v, i) => expect(v).toBeCloseTo(mean(model)[i]!, 5));
    expect(() => prune(model, { sparsity: 1 / 3, granularity: 'neuron', compensate: 'mean-activation' })).toThrow(
      "prune: compensate 'mean-activation' needs calibration samples (options.calibration)",
    );
    expect(() => prune(model, { sparsity: 0.5, calibration, compensate: 'mean-activation' })).toThrow(
      "prune: compensate 'mean-activation' applies to structured pruning, not unstructured",
    );
    tf.dispose([plain.model, compensated.model, model]);
    calibration.dispose();
  });

  it("compensate 'least-squares' refits the next Dense layer (worked example: a removed unit the kept ones explain)", () => {
    // h is linear: h0 = 3·x0, h1 = 3·x1, h2 = x0 + x1 + 1 = (h0 + h1) / 3 + 1, the lowest-norm unit (√3 vs 3).
    const model = tf.sequential({
      name: 'tiny',
      layers: [tf.layers.dense({ name: 'h', inputShape: [2], units: 3 }), tf.layers.dense({ name: 'out', units: 2 })],
    });
    model.getLayer('h').setWeights([
      tf.tensor2d([
        [3, 0, 1],
        [0, 3, 1],
      ]),
      tf.tensor1d([0, 0, 1]),
    ]);
    model.getLayer('out').setWeights([
      tf.tensor2d([
        [1, 0],
        [0, 1],
        [3, -6],
      ]),
      tf.tensor1d([0.5, 0]),
    ]);
    // out = W₀ + W₂/3 per kept row, b + W₂: kernel [[2, −2], [1, −1]], bias [3.5, −6]
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
      [0, 0],
      [-2, 1],
      [0.5, 4],
    ]);
    const calibration = makeDataset(x, tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0], 'int32'), 2) as tf.Tensor2D);
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const { model: refit } = prune(model, { sparsity: 1 / 3, granularity: 'neuron', calibration });
    // the caller's model is untouched, and the refit leaves no tensors behind but the new model's
    expect(snapshot(model)).toEqual(before);
    expect(tf.memory().numTensors - tensors).toBe(refit.weights.length);
    // the masked refit (unstructured, mask fixed) leaves the input model untouched too
    const masked = prune(model, { sparsity: 0.5, calibration, compensate: 'least-squares' });
    expect(snapshot(model)).toEqual(before);
    masked.model.dispose();
    const [kernel, bias] = refit.getLayer('out').getWeights();
    expect(kernel!.shape).toEqual([2, 2]);
    Array.from(kernel!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([2, -2, 1, -1][i]!, 2));
    Array.from(bias!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([3.5, -6][i]!, 2));
    tf.dispose([refit, model]);
    calibration.dispose();
  });

  it('LeNet-5 at 50 % of every hidden layer keeps 15,738 parameters (the PyTorch harness figure)', () => {
    const { model, report } = prune(lenet5({ pretrained: true }), { sparsity: 0.5, granularity: 'channel' });
    expect(model.countParams()).toBe(15738);
    expect(report.layers.find((l) => l.name === 'conv2')!.shapeAfter).toEqual([5, 5, 3, 8]);
  });

  it('filter granularity touches only convolutions; neuron only Dense layers', () => {
    const f = prune(lenet5({ pretrained: true }), { sparsity: 0.5, granularity: 'filter' }).model;
    expect(f.getLayer('conv1').getWeights()[0]!.shape).toEqual([5, 5, 1, 3]);
    expect(f.getLayer('fc1').getWeights()[0]!.shape).toEqual([200, 120]); // rows follow conv2's removed filters
    const n = prune(lenet5({ pretrained: true }), { sparsity: 0.5, granularity: 'neuron' }).model;
    expect(n.getLayer('conv2').getWeights()[0]!.shape).toEqual([5, 5, 6, 16]);
    expect(n.getLayer('fc1').getWeights()[0]!.shape).toEqual([400, 60]);
  });

  it('couples the channels an Add joins, and bn-scale ranks by |γ|', () => {
    const model = referenceModel('resnet-mini', { pretrained: true });
    const result = prune(model, {
      sparsity: 0.25,
      granularity: 'filter',
      method: 'bn-scale',
    }) as ReturnType<typeof prune> & {
      removedUnits: Record<string, number[]>;
    };
    // reference: |γ| of the BatchNorm after each filter, summed over filters an Add couples; the lowest quarter goes
    const absGamma = (bn: string) => Array.from(model.getLayer(bn).getWeights()[0]!.dataSync(), Math.abs);
    const lowest = (scores: number[], count: number) =>
      scores
        .map((s, i) => [s, i] as const)
        .sort((a, b) => a[0] - b[0])
        .slice(0, count)
        .map(([, i]) => i)
        .sort((a, b) => a - b);
    const stemGamma = absGamma('stem_bn');
    const resGamma = absGamma('res_bn2');
    const coupled = lowest(
      stemGamma.map((g, i) => g + resGamma[i]!),
      4,
    );
    expect(result.removedUnits.stem).toEqual(coupled);
    expect(result.removedUnits.res_conv2).toEqual(coupled);
    expect(result.removedUnits.res_conv1).toEqual(lowest(absGamma('res_bn1'), 4));
    expect(result.removedUnits.branch1).toEqual(lowest(absGamma('branch1_bn'), 4));
    expect(result.removedUnits.branch3).toEqual(lowest(absGamma('branch3_bn'), 4));
    expect(result.removedUnits.head).toEqual(lowest(absGamma('head_bn'), 12));
  });

  it('Dense → PReLU → Dense: the slopes of removed neurons go with them; outputs equal the masked model (≤ 1e-5)', () => {
    const model = tf.sequential({
      name: 'prelu',
      layers: [
        tf.layers.dense({ name: 'fc1', inputShape: [784], units: 32 }),
        tf.layers.prelu({ name: 'act', alphaInitializer: tf.initializers.randomUniform({ minval: 0.05, maxval: 0.5, seed: 3 }) }),
        tf.layers.dense({ name: 'fc2', units: 16 }),
        tf.layers.prelu({ name: 'act2', sharedAxes: [1] }), // one slope for every unit: nothing to slice
        tf.layers.dense({ name: 'out', units: 10, activation: 'softmax' }),
      ],
    });
    const result = prune(model, { sparsity: 0.5, granularity: 'neuron' }) as ReturnType<typeof prune> & {
      removedUnits: Record<string, number[]>;
    };
    expect(result.model.getLayer('act').getWeights()[0]!.shape).toEqual([16]);
    expect(result.model.getLayer('act2').getWeights()[0]!.shape).toEqual([1]);
    expect(result.removedUnits.act).toEqual(result.removedUnits.fc1);
    const masked = maskedEquivalent(model, result.removedUnits);
    const x = tf.randomUniform([32, 784], 0, 1, 'float32', 5);
    const diff = tf.tidy(
      () =>
        tf
          .abs((result.model.predict(x) as tf.Tensor).sub(masked.predict(x) as tf.Tensor))
          .max()
          .dataSync()[0]!,
    );
    expect(diff).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, result.model, masked, model]);
  });

  it('the graph names only real tfjs layer classes', () => {
    const known = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const cls of [...PASSTHROUGH, ...ELEMENTWISE]) expect(known, cls).toHaveProperty(cls);
  });

  it('errors: a layer the graph cannot follow, and pruning a layer to zero units', () => {
    const odd = tf.sequential({
      name: 'odd',
      layers: [
        tf.layers.conv2d({ name: 'c', inputShape: [8, 8, 1], filters: 4, kernelSize: 3 }),
        tf.layers.reshape({ name: 'r', targetShape: [144] }),
        tf.layers.dense({ name: 'd', units: 3 }),
      ],
    });
    expect(() => prune(odd, { sparsity: 0.5, granularity: 'filter' })).toThrow(
      "prune: structured pruning cannot follow channels through layer 'r' (Reshape); skip it or use unstructured pruning",
    );
    expect(() => prune(lenet5(), { sparsity: 0.95, granularity: 'filter' })).toThrow(
      'prune: sparsity 0.95 would remove all 6 units of conv1; keep at least one',
    );
  });
});
