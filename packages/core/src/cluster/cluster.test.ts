import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { loadModel } from '../io/load.js';
import { saveModel } from '../io/save.js';
import { lenet300100, lenet5 } from '../models/reference.js';
import { fineTune } from '../prune/finetune.js';
import { prune } from '../prune/prune.js';
import { validateReport } from '../report/schema.js';
import { cluster } from './cluster.js';
import { initialCentroids, kmeans1d, lloyd1d } from './kmeans.js';

beforeAll(() => initBackend());

const kernel = (m: tf.LayersModel, name: string) => m.getLayer(name).getWeights()[0]!.dataSync() as Float32Array;
const distinct = (v: ArrayLike<number>, dropZero = false) => new Set(Array.from(v).filter((x) => !(dropZero && x === 0))).size;
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

/** Optimal 1-D k-means by brute force over contiguous splits of the sorted values (independent reference). */
function bruteForce(values: number[], k: number): { cost: number; centroids: number[] } {
  const s = [...values].sort((a, b) => a - b);
  let best = { cost: Infinity, centroids: [] as number[] };
  const rec = (start: number, left: number, acc: number[], cost: number) => {
    if (left === 1) {
      const seg = s.slice(start);
      const m = seg.reduce((a, b) => a + b, 0) / seg.length;
      const c = cost + seg.reduce((a, b) => a + (b - m) ** 2, 0);
      if (c < best.cost) best = { cost: c, centroids: [...acc, m] };
      return;
    }
    for (let end = start + 1; end <= s.length - left + 1; end++) {
      const seg = s.slice(start, end);
      const m = seg.reduce((a, b) => a + b, 0) / seg.length;
      rec(end, left - 1, [...acc, m], cost + seg.reduce((a, b) => a + (b - m) ** 2, 0));
    }
  };
  rec(0, k, [], 0);
  return best;
}

describe('1-D k-means', () => {
  it('linear init is TF-MOT linspace(min, max, k); Lloyd reaches the hand-worked optimum', () => {
    const v = Float64Array.from([0, 1, 2, 10, 11, 12, 30]);
    const sorted = Float64Array.from(v).sort();
    expect(initialCentroids(v, sorted, 4, 'linear', 0)).toEqual([0, 10, 20, 30]);
    // clusters {0,1,2} {10,11,12} {30}: centroids 1, 11, 30 (the 20 centroid loses its members and moves to none)
    expect(Array.from(lloyd1d(sorted, [0, 15, 30]))).toEqual([1, 11, 30]);
  });

  it('matches brute-force optimal k-means on small separated data, for every init', () => {
    const v = [-0.9, -0.85, -0.8, -0.1, 0.0, 0.05, 0.1, 0.6, 0.62, 0.7, 0.71];
    const ref = bruteForce(v, 3);
    for (const init of ['linear', 'kmeans++', 'density', 'random'] as const) {
      const { centroids, indices } = kmeans1d(Float64Array.from(v), 3, init, 1);
      const cost = v.reduce((s, x, i) => s + (x - centroids[indices[i]!]!) ** 2, 0);
      expect(cost, init).toBeCloseTo(ref.cost, 6);
      expect(Array.from(centroids), init).toEqual(ref.centroids.map((c) => Math.fround(c)));
    }
  });

  it('density init puts centroids at CDF quantiles; kmeans++ picks data points; random is seeded within [min, max]', () => {
    const v = Float64Array.from({ length: 1001 }, (_, i) => i / 1000); // uniform on [0, 1]
    const d = initialCentroids(v, v, 5, 'density', 0);
    // CDF of uniform [0,1] on the padded grid: centroid for probability p is ≈ p; p = linspace(0.01, 1, 5)
    [0.01, 0.2575, 0.505, 0.7525, 1].forEach((p, i) => expect(d[i]!).toBeCloseTo(p, 1));
    const pp = initialCentroids(v, v, 6, 'kmeans++', 3);
    for (const c of pp) expect(v.includes(c)).toBe(true);
    const r1 = initialCentroids(v, v, 6, 'random', 7);
    expect(initialCentroids(v, v, 6, 'random', 7)).toEqual(r1);
    for (const c of r1) expect(c >= 0 && c <= 1).toBe(true);
  });
});

describe('cluster', () => {
  it('leaves at most k values per layer (plus kept zeros), never touches the input model, leaks nothing', () => {
    const base = lenet300100({ pretrained: true });
    const { model: pruned, masks } = prune(base, { sparsity: 0.8 });
    const before = snapshot(pruned);
    const tensors = tf.memory().numTensors;
    const { model, report, assignments } = cluster(pruned, { clusters: { fc1: 16, 'fc[23]': 8 } });
    expect(tf.memory().numTensors - tensors).toBe(model.weights.length);
    expect(snapshot(pruned)).toEqual(before);
    for (const [name, k] of [
      ['fc1', 16],
      ['fc2', 8],
      ['fc3', 8],
    ] as const) {
      const v = kernel(model, name);
      expect(distinct(v, true), name).toBe(k);
      // preserveSparsity (default): the pruned zeros are still zero and nothing else became zero
      kernel(pruned, name).forEach((w, i) => expect(w === 0, `${name}[${i}]`).toBe(v[i] === 0));
      expect(assignments[name]!.k).toBe(k);
    }
    expect(masks.fc1).toBeDefined();
    expect(validateReport(report).ok).toBe(true);
    expect(report.layers.map((l) => l.clusters)).toEqual([16, 8, 8]);
    // the entropy-coded bits are below the fixed-width ⌈log2 k⌉ + codebook bits on a sparse layer
    expect(report.layers[0]!.bitsEntropy).toBeLessThan(report.layers[0]!.bitsFixed);
    tf.dispose([base, pruned, model]);
  });

  it("scope 'channel': one codebook per output channel of a convolution", () => {
    const base = lenet5({ pretrained: true });
    const { model, assignments } = cluster(base, { clusters: 4, scope: 'channel', init: 'kmeans++' });
    const v = kernel(model, 'conv2'); // [5, 5, 6, 16]
    for (let c = 0; c < 16; c++) expect(distinct(v.filter((_, i) => i % 16 === c))).toBeLessThanOrEqual(4);
    expect(distinct(v)).toBeGreaterThan(4);
    expect(assignments.conv2).toMatchObject({ groups: 16, axis: 3 });
    tf.dispose([base, model]);
  });

  it("scope 'channel' follows models/weights.ts: depthwise and transposed kernels on axis 2, separable's pointwise kernel; kept through fine-tuning and the deep format", async () => {
    const m = tf.sequential({
      layers: [
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, inputShape: [6, 6, 3], name: 'dw' }), // [3, 3, 3, 2]
        tf.layers.separableConv2d({ kernelSize: 2, filters: 4, name: 'sep' }), // pointwise [1, 1, 6, 4]
        tf.layers.conv2dTranspose({ kernelSize: 2, filters: 5, name: 'up' }), // [2, 2, 5, 4]
      ],
    });
    const k = 3;
    /** Distinct values per index along `axis`, counted by walking the nested array (not the flat-index formula). */
    const perChannel = (model: tf.LayersModel, layer: string, weight: string, axis: number) => {
      const l = model.getLayer(layer);
      const w = l.getWeights()[l.weights.findIndex((x) => x.originalName.endsWith(weight))]!.arraySync() as number[][][][];
      const sets: Set<number>[] = [];
      w.forEach((a) => a.forEach((b) => b.forEach((c, i2) => c.forEach((x, i3) => (sets[axis === 2 ? i2 : i3] ??= new Set()).add(x)))));
      return sets.map((s) => s.size);
    };
    const { model, assignments } = cluster(m, { clusters: k, scope: 'channel' });
    expect(assignments.dw).toMatchObject({ groups: 3, axis: 2 });
    expect(assignments.sep).toMatchObject({ groups: 4, axis: 3, shape: [1, 1, 6, 4] });
    expect(assignments.up).toMatchObject({ groups: 5, axis: 2 });
    const check = (mm: tf.LayersModel) => {
      expect(perChannel(mm, 'dw', 'depthwise_kernel', 2)).toEqual([k, k, k]);
      expect(perChannel(mm, 'sep', 'pointwise_kernel', 3)).toEqual([k, k, k, k]);
      expect(perChannel(mm, 'up', 'kernel', 2)).toEqual([k, k, k, k, k]);
    };
    check(model);
    // channel c of a depthwise kernel feeds outputs c·M … c·M+M−1: its codebook spans both multipliers
    expect(distinct(kernel(model, 'dw'))).toBe(3 * k);

    const x = tf.randomNormal([8, 6, 6, 3], 0, 1, 'float32', 1);
    const y = tf.randomNormal([8, 4, 4, 5], 0, 1, 'float32', 2);
    const data = { x, y, labels: new Int32Array(8), size: 8, dispose: () => tf.dispose([x, y]) };
    const tuned = await fineTune(model, data, {
      clusters: assignments,
      epochs: 2,
      batchSize: 4,
      learningRate: 0.05,
      loss: (t, p) => tf.losses.meanSquaredError(t, p) as tf.Scalar,
      recalibrateBatchNorm: 0,
    });
    check(tuned.model);
    expect(Array.from(tuned.clusters!.dw!.codebooks)).not.toEqual(Array.from(assignments.dw!.codebooks));

    const dir = mkdtempSync(join(tmpdir(), 'whittle-dw-'));
    try {
      await saveModel(tuned.model, dir, { quantization: 'deep', clusters: tuned.clusters });
      const spec = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).userDefinedMetadata.whittleDeep.weights;
      expect(spec['dw/depthwise_kernel']).toMatchObject({ groups: 3, axis: 2 });
      const loaded = (await loadModel(dir)) as tf.LayersModel;
      const want = tuned.model.getWeights();
      loaded
        .getWeights()
        .forEach((w, i) => expect(Array.from(w.dataSync()), loaded.weights[i]!.name).toEqual(Array.from(want[i]!.dataSync())));
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    tf.dispose([m, model, tuned.model, x, y]);
  });

  it('per channel, a channel holding fewer values than k keeps them, and one pruned away stays zero', async () => {
    const wide = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'w' })] });
    wide.setWeights([tf.tensor2d([0.5, 0, 1, 0.4, 0, 2, 0.3, 0, 3, 0.2, 0, 4], [4, 3]), tf.zeros([3])]);
    const perChannel = cluster(wide, { clusters: 2, scope: 'channel', preserveSparsity: true, init: 'linear' });
    const got = perChannel.model.getLayer('w').getWeights()[0]!.arraySync() as number[][];
    const column = (c: number) => got.map((row) => row[c]!);
    expect(column(1)).toEqual([0, 0, 0, 0]); // pruned away: no centroid, still zero
    expect(distinct(column(0))).toBe(2); // four values, two centroids
    expect(distinct(column(2))).toBe(2);
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cluster-')), 'm');
    await saveModel(perChannel.model, dir, { quantization: 'deep', clusters: perChannel.assignments });
    const reloaded = (await loadModel(dir)) as tf.LayersModel;
    expect(reloaded.getLayer('w').getWeights()[0]!.arraySync()).toEqual(got); // bit-exact through the deep format
    tf.dispose([wide, perChannel.model, reloaded]);
  });

  it('rejects bad input with one-line errors naming the layer and the values', () => {
    const m = lenet300100({ pretrained: true });
    expect(() => cluster(m, { clusters: 1 })).toThrow(/^cluster: clusters=1 must be an integer in \[2, 65536\]$/);
    expect(() => cluster(m, { clusters: 65537 })).toThrow(/clusters=65537 .* \[2, 65536\]/);
    expect(() => cluster(m, { clusters: 4, inti: 'linear' } as never)).toThrow("cluster: unknown option 'inti' (did you mean 'init'?)");
    expect(() => cluster(m, { clusters: 4, init: 'kmeans' as never })).toThrow(/init must be one of linear, kmeans\+\+, density, random/);
    const tiny = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], name: 'd' })] });
    tiny.setWeights([tf.tensor2d([1, 1, 2, 2], [2, 2]), tf.zeros([2])]);
    expect(() => cluster(tiny, { clusters: 3 })).toThrow(
      "cluster: clusters=3 for layer 'd' exceeds its 2 distinct nonzero weights; use at most 2",
    );
    tiny.setWeights([tf.tensor2d([1, NaN, 2, 3], [2, 2]), tf.zeros([2])]);
    expect(() => cluster(tiny, { clusters: 2 })).toThrow("cluster: layer 'd' holds NaN at index 1; clustering needs finite weights");
    tiny.setWeights([tf.tensor2d([1, Infinity, 2, 3], [2, 2]), tf.zeros([2])]);
    expect(() => cluster(tiny, { clusters: 2 })).toThrow(/layer 'd' holds Infinity/);
    const tensors = tf.memory().numTensors;
    expect(() => cluster(m, { clusters: { fc1: 4, fc3: 1 } })).toThrow(/'fc3'/);
    expect(tf.memory().numTensors).toBe(tensors); // the half-built copy is disposed
    tf.dispose([m, tiny]);
  });
});

describe('centroid fine-tuning', () => {
  it('each centroid moves by −lr · the sum of its members’ gradients (SGD), checked against tf.grad', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'd', activation: 'softmax' })] });
    model.setWeights([
      tf.tensor2d([0.5, -0.5, 0.1, 0.2, 0.6, -0.4, 0.0, 0.3, -0.2, 0.4, 0.55, -0.45], [4, 3]),
      tf.tensor1d([0, 0.1, -0.1]),
    ]);
    const { model: clustered, assignments } = cluster(model, { clusters: 3, preserveSparsity: false });
    const c = assignments.d!;
    const x = tf.tensor2d([1, 2, 0, -1, 0.5, 0, 1, 1], [2, 4]);
    const y = tf.tensor2d([1, 0, 0, 0, 0, 1], [2, 3]);
    const data = { x, y, labels: Int32Array.from([0, 2]), size: 2, dispose: () => tf.dispose([x, y]) };
    // reference: gradient of the mean cross-entropy w.r.t. the kernel, summed per centroid by hand
    const [w0, b0] = clustered.getWeights();
    const g = tf
      .grad((w: tf.Tensor) => tf.metrics.categoricalCrossentropy(y, tf.softmax(tf.matMul(x, w).add(b0!))).mean())(w0!)
      .dataSync();
    const lr = 0.1;
    const expected = Array.from(c.codebooks, (v, j) =>
      Math.fround(v - lr * Array.from(g).reduce((s, gi, i) => s + (c.indices[i] === j ? gi : 0), 0)),
    );
    const tensors = tf.memory().numTensors;
    const optimizer = tf.train.sgd(lr);
    const { model: tuned, clusters } = await fineTune(clustered, data, {
      clusters: assignments,
      optimizer,
      batchSize: 2,
      recalibrateBatchNorm: 0,
    });
    Array.from(clusters!.d!.codebooks).forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 6));
    const w = kernel(tuned, 'd');
    w.forEach((v, i) => expect(v).toBe(clusters!.d!.codebooks[c.indices[i]!]));
    optimizer.dispose();
    tuned.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([model, clustered, x, y]);
  });

  it('LeNet-300-100: after an epoch the distinct values per layer never exceed k and the masks stay', async () => {
    const { train } = mnist({ layout: 'flat', limit: 600 });
    expect(new Set(train.labels).size).toBe(10);
    const base = lenet300100({ pretrained: true });
    const { model: pruned, masks } = prune(base, { sparsity: 0.9, includeOutput: true });
    const { model: clustered, assignments } = cluster(pruned, { clusters: 8 });
    const before = snapshot(clustered);
    const { model: tuned, clusters } = await fineTune(clustered, train, { clusters: assignments, masks, epochs: 1 });
    for (const n of ['fc1', 'fc2', 'fc3']) {
      const v = kernel(tuned, n);
      expect(distinct(v, true), n).toBeLessThanOrEqual(8);
      masks[n]!.values.forEach((keep, i) => keep || expect(v[i]).toBe(0));
    }
    expect(Array.from(clusters!.fc1!.codebooks)).not.toEqual(Array.from(assignments.fc1!.codebooks)); // the centroids did move
    expect(snapshot(clustered)).toEqual(before);
    tf.dispose([base, pruned, clustered, tuned]);
    train.dispose();
  });
});
