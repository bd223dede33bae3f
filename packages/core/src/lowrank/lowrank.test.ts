import * as tf from '@tensorflow/tfjs';
import { readFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from '../data/dataset.js';
import { lenet300100, mobilenetMini } from '../models/reference.js';
import { saveModel } from '../io/save.js';
import { validateReport } from '@whittle/report';
import { factorize } from './factorize.js';
import { svdFactors, svdOf } from './factors.js';

beforeAll(() => initBackend());

/** The hand-worked example: W (3 inputs × 2 units) = [[3, 2], [2, 3], [2, -2]]. */
const W = [3, 2, 2, 3, 2, -2];
const B = [0.5, -1];
/*
 * By hand: WᵀW = [[17, 8], [8, 17]], eigenvalues 25 and 9, so σ = (5, 3) with
 * right singular vectors v1 = (1, 1)/√2, v2 = (1, −1)/√2, and u1 = W·v1/5 =
 * (1, 1, 0)/√2. The rank-1 approximation 5·u1·v1ᵀ = [[2.5, 2.5], [2.5, 2.5],
 * [0, 0]] keeps 25/34 of the energy Σσ² = 34 (= ‖W‖²_F = 9+4+4+9+4+4).
 */
const RANK1 = [2.5, 2.5, 2.5, 2.5, 0, 0];

function handModel(): tf.LayersModel {
  const x = tf.input({ shape: [3], name: 'x' });
  const d = tf.layers.dense({ name: 'd', units: 2 });
  const model = tf.model({ inputs: x, outputs: d.apply(x) as tf.SymbolicTensor, name: 'hand' });
  d.setWeights([tf.tensor2d(W, [3, 2]), tf.tensor1d(B)]);
  return model;
}

const predict = (m: tf.LayersModel, x: number[][]) => tf.tidy(() => (m.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
const product = (m: tf.LayersModel, name: string) =>
  tf.tidy(() => {
    const a = m.getLayer(`${name}_lowrank`).getWeights()[0]!;
    const b = m.getLayer(name).getWeights()[0]!;
    return Array.from(tf.matMul(a.reshape([-1, a.shape.at(-1)!]), b.reshape([b.shape.at(-2)!, b.shape.at(-1)!])).dataSync());
  });
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('factorize, svd: the hand-worked 3×2 example', () => {
  it('rank 1 gives the hand-computed factors, spectrum, energy and outputs', () => {
    const model = handModel();
    const { model: out, report } = factorize(model, { rank: 1, layers: ['d'] });
    product(out, 'd').forEach((v, i) => expect(v).toBeCloseTo(RANK1[i]!, 5));
    const [layer] = report.layers;
    expect(layer!.spectrum[0]).toBeCloseTo(5, 5);
    expect(layer!.spectrum[1]).toBeCloseTo(3, 5);
    expect(layer!.cumulativeEnergy[0]).toBeCloseTo(25 / 34, 6);
    expect(layer!.factorized).toBe(true);
    expect(layer!.paramsBefore).toBe(8);
    expect(layer!.paramsAfter).toBe(3 + 2 + 2); // 3×1, 1×2 and the bias
    // x = (1, 2, 3): x·W_1 = (7.5, 7.5), plus the bias (0.5, −1)
    const [y] = predict(out, [[1, 2, 3]]);
    expect(y![0]).toBeCloseTo(8, 5);
    expect(y![1]).toBeCloseTo(6.5, 5);
    expect(out.getLayer('d_lowrank').getConfig().useBias).toBe(false);
    out.dispose();
  });

  it('energy picks the smallest rank reaching it: 0.7 → 1; 0.8 → 2, which is full rank and left whole with a reason', () => {
    const model = handModel();
    const low = factorize(model, { energy: 0.7, layers: ['d'] });
    expect(low.report.layers[0]!.rank).toBe(1);
    const full = factorize(model, { energy: 0.8, layers: ['d'] });
    expect(full.report.layers[0]!.rank).toBe(2);
    expect(full.report.layers[0]!.factorized).toBe(false);
    expect(full.report.layers[0]!.reason).toMatch(/rank 2 is not below min\(in, out\) = 2/);
    expect(full.model.layers.map((l) => l.name)).toEqual(['x', 'd']);
    low.model.dispose();
    full.model.dispose();
  });

  it('leaves a layer whole when its factors would not hold fewer parameters, and says so', () => {
    // 4×3 kernel at rank 2: 2·(4+3) + 3 = 17 params against 4·3 + 3 = 15
    const m = tf.sequential({
      layers: [tf.layers.dense({ name: 'd', inputShape: [4], units: 3 }), tf.layers.dense({ name: 'o', units: 2 })],
    });
    const { model: out, report } = factorize(m, { rank: 2, layers: ['d'] });
    expect(report.layers[0]!.factorized).toBe(false);
    expect(report.layers[0]!.reason).toBe("factors would hold 17 params, not fewer than the layer's 15");
    expect(out.countParams()).toBe(m.countParams());
    out.dispose();
  });
});

describe('factorize, pca', () => {
  it('is exact on outputs that lie on a line, where rank-1 svd is not', () => {
    const model = handModel();
    // x = (t, 1, 0): y = Wᵀx + b = (3t + 2.5, 2t + 2), a line in output space
    const ts = [-2, -1, -0.5, 0, 0.5, 1, 2, 3];
    const xs = ts.map((t) => [t, 1, 0]);
    const calibration = makeDataset(tf.tensor2d(xs), tf.tensor2d(xs.map(() => [1, 0])));
    const pca = factorize(model, { rank: 1, layers: ['d'], method: 'pca', calibration });
    const svd = factorize(model, { rank: 1, layers: ['d'] });
    const got = predict(pca.model, xs);
    ts.forEach((t, i) => {
      expect(got[i]![0]).toBeCloseTo(3 * t + 2.5, 5);
      expect(got[i]![1]).toBeCloseTo(2 * t + 2, 5);
    });
    // svd rank 1 at t = 2: (2.5·2 + 2.5 + 0.5, 2.5·2 + 2.5 − 1) = (8, 6.5) instead of (8.5, 6)
    const [s] = predict(svd.model, [[2, 1, 0]]);
    expect(s![0]).toBeCloseTo(8, 5);
    expect(s![1]).toBeCloseTo(6.5, 5);
    // the output variance is all along one direction
    expect(pca.report.layers[0]!.cumulativeEnergy[0]).toBeCloseTo(1, 6);
    tf.dispose([calibration.x, calibration.y]);
    pca.model.dispose();
    svd.model.dispose();
  });
});

/** A model whose Dense and Conv2D kernels have low exact rank (8 and 3), plus a residual Add. */
function lowRankModel(): tf.LayersModel {
  const x = tf.input({ shape: [6, 6, 4], name: 'img' });
  const conv = tf.layers.conv2d({ name: 'conv', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' });
  const flat = tf.layers.flatten({ name: 'flat' });
  const d1 = tf.layers.dense({ name: 'd1', units: 48, activation: 'relu' });
  const d2 = tf.layers.dense({ name: 'd2', units: 48 });
  const head = tf.layers.dense({ name: 'head', units: 5, activation: 'softmax' });
  const h = d1.apply(flat.apply(conv.apply(x))) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'res' }).apply([h, d2.apply(h) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: head.apply(sum) as tf.SymbolicTensor, name: 'lowrank' });
  const lowRank = (rows: number, cols: number, r: number, seed: number) =>
    tf.tidy(() => tf.matMul(tf.randomNormal([rows, r], 0, 0.3, 'float32', seed), tf.randomNormal([r, cols], 0, 0.3, 'float32', seed + 1)));
  tf.tidy(() => {
    conv.setWeights([lowRank(36, 16, 3, 1).reshape([3, 3, 4, 16]), tf.randomNormal([16], 0, 0.1, 'float32', 3)]);
    d1.setWeights([lowRank(576, 48, 8, 4), tf.randomNormal([48], 0, 0.1, 'float32', 6)]);
    d2.setWeights([lowRank(48, 48, 8, 7), tf.randomNormal([48], 0, 0.1, 'float32', 9)]);
  });
  return model;
}

describe('factorize: reconstruction', () => {
  it('singular values match numpy for a 6×4 matrix', () => {
    // /usr/bin/python3: M[i][j] = sin(1.3i + 0.7j) + 0.1(i − j); np.linalg.svd(M, compute_uv=False)
    const numpy = [2.9326172412, 2.1037386612, 0.2640410483, 0.0231379879];
    const m = Array.from({ length: 24 }, (_, k) => Math.sin(1.3 * Math.floor(k / 4) + 0.7 * (k % 4)) + 0.1 * (Math.floor(k / 4) - (k % 4)));
    svdOf(m, 6, 4).s.forEach((v, i) => expect(v).toBeCloseTo(numpy[i]!, 8));
  });

  it('svdFactors at full rank reproduces the matrix', () => {
    const w = Float32Array.from({ length: 35 }, (_, i) => Math.sin(i * 1.7) + (i % 4));
    const f = svdFactors(w, 5, 7, 5, null);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 7; j++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += f.a[i * 5 + k]! * f.b[k * 7 + j]!;
        expect(s).toBeCloseTo(w[i * 7 + j]!, 5);
      }
  });

  it('energy 1 finds each kernel’s true rank and leaves the outputs unchanged (Dense, Conv2D, functional Add)', () => {
    const model = lowRankModel();
    const x = tf.randomUniform([4, 6, 6, 4], 0, 1, 'float32', 11);
    const { model: out, report } = factorize(model, { energy: 1 });
    expect(report.layers.map((l) => [l.name, l.rank, l.factorized])).toEqual([
      ['conv', 3, true],
      ['d1', 8, true],
      ['d2', 8, true],
    ]);
    expect(out.getLayer('conv_lowrank').getWeights()[0]!.shape).toEqual([3, 3, 4, 3]);
    expect(out.getLayer('conv').getWeights()[0]!.shape).toEqual([1, 1, 3, 16]);
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (out.predict(x) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-5));
    expect(report.totals.paramsAfter).toBe(out.countParams());
    expect(report.totals.paramsAfter).toBeLessThan(report.totals.paramsBefore);
    expect(report.totals.macsAfter).toBeLessThan(report.totals.macsBefore);
    const mapped = factorize(model, { rank: { d1: 8, conv: 2 } });
    expect(mapped.report.layers.map((l) => [l.name, l.rank])).toEqual([
      ['conv', 2],
      ['d1', 8],
    ]);
    expect(mapped.report.budget).toBe('rank d1=8, conv=2');
    mapped.model.dispose();
    out.dispose();
  });

  it('pca at the rank of the outputs leaves them unchanged too', () => {
    const model = lowRankModel();
    const x = tf.randomUniform([64, 6, 6, 4], 0, 1, 'float32', 12);
    const calibration = makeDataset(x, tf.oneHot(tf.zeros([64], 'int32'), 5).toFloat() as tf.Tensor2D);
    const { model: out, report } = factorize(model, { energy: 1, method: 'pca', calibration, layers: ['d1', 'd2'] });
    expect(report.layers.map((l) => l.rank)).toEqual([8, 8]); // outputs of a rank-8 kernel span ≤ 8 directions (+ a fixed bias)
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (out.predict(x) as tf.Tensor).dataSync();
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-5));
    out.dispose();
  });
});

describe('factorize: a real model', () => {
  it('LeNet-300-100 at energy 0.9: fewer params, spectrum energy = ‖W‖²_F, caller unchanged, no leaks, loads with stock tfjs', async () => {
    const model = lenet300100({ pretrained: true });
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const seen: string[] = [];
    const { model: out, report } = factorize(model, { energy: 0.9, onProgress: (p) => seen.push(`${p.index + 1}/${p.layers} ${p.layer}`) });
    expect(tf.memory().numTensors - tensors).toBe(out.weights.length);
    expect(seen).toEqual(['1/2 fc1', '2/2 fc2']);
    expect(snapshot(model)).toEqual(before);
    expect(report.layers.map((l) => l.name)).toEqual(['fc1', 'fc2']); // the output layer stays whole by default
    for (const l of report.layers) {
      const w = model.getLayer(l.name).getWeights()[0]!.dataSync();
      const frob = w.reduce((s, v) => s + v * v, 0);
      const energy = l.spectrum.reduce((s, v) => s + v * v, 0);
      expect(energy / frob).toBeCloseTo(1, 4);
      expect(l.cumulativeEnergy[l.rank - 1]).toBeGreaterThanOrEqual(0.9 - 1e-5);
      expect(l.cumulativeEnergy[l.rank - 2]).toBeLessThan(0.9);
    }
    expect(out.countParams()).toBe(report.totals.paramsAfter);
    expect(out.countParams()).toBeLessThan(model.countParams());
    expect(validateReport(report)).toEqual({ ok: true, report });

    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-lowrank-')), 'm');
    await saveModel(out, dir);
    const server = createServer((req, res) => res.end(readFileSync(join(dir, req.url!.slice(1)))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/model.json`);
      const x = tf.randomUniform([3, 784], 0, 1, 'float32', 2);
      const p = (out.predict(x) as tf.Tensor).dataSync();
      (loaded.predict(x) as tf.Tensor).dataSync().forEach((v, i) => expect(v).toBeCloseTo(p[i]!, 6));
      loaded.dispose();
    } finally {
      server.close();
    }
    out.dispose();
  });
});

describe('factorize: bad input', () => {
  const model = handModel();
  it.each([
    [{ rank: 0 }, 'factorize: rank must be a positive integer, got 0'],
    [{ rank: 1.5 }, 'factorize: rank must be a positive integer, got 1.5'],
    [{ energy: 0 }, 'factorize: energy=0 must be in (0, 1]'],
    [{ energy: 1.2 }, 'factorize: energy=1.2 must be in (0, 1]'],
    [{ ratio: 1 }, 'factorize: ratio=1 must be in (0, 1)'],
    [{}, 'factorize: give exactly one of rank, energy or ratio, got none'],
    [{ rank: 1, energy: 0.5 }, 'factorize: give exactly one of rank, energy or ratio, got rank and energy'],
    [{ energie: 0.9 }, "factorize: unknown option 'energie' (did you mean 'energy'?)"],
    [{ rank: 2, layers: ['d'] }, "factorize: rank=2 must be < min(in, out)=2 for layer 'd' (kernel [3×2])"],
    [{ rank: 1, layers: ['e'] }, "factorize: no Dense or Conv2D layer matches 'e'; candidates: d"],
    [{ rank: { d: 0 } }, "factorize: rank of 'd' must be a positive integer, got 0"],
    [{ rank: { d: 2 } }, "factorize: rank=2 must be < min(in, out)=2 for layer 'd' (kernel [3×2])"],
    [{ rank: { d: 1 }, layers: ['d'] }, 'factorize: a rank map names its layers; give it without layers'],
    [{ rank: 1, method: 'pca' }, "factorize: method 'pca' needs calibration samples (options.calibration)"],
    [{ rank: 1, method: 'qr' }, "factorize: method must be 'svd' or 'pca', got 'qr'"],
  ])('%j → one-line error', (options, message) => {
    expect(() => factorize(model, options as never)).toThrow(message);
  });

  it('names a layer that cannot be factorized', () => {
    const m = mobilenetMini();
    expect(() => factorize(m, { rank: 2, layers: ['block1_dw'] })).toThrow(
      "factorize: layer 'block1_dw' is a DepthwiseConv2D; only Dense and Conv2D (channelsLast) can be factorized",
    );
    expect(() => factorize({} as never, { rank: 1 })).toThrow(/factorize: model must be a tf.LayersModel/);
  });
});
