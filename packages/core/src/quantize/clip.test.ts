import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { rng } from '../data/random.js';
import { dequantizeTensor, quantizeTensor, type QuantizeOptions } from './affine.js';
import { quantize } from './ptq.js';

const f = (...v: number[]) => Float32Array.from(v);
const sqErr = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
const roundTripErr = (w: Float32Array, shape: number[], o: QuantizeOptions) => sqErr(w, dequantizeTensor(quantizeTensor(w, shape, o)));

/** Symmetric b-bit round trip at scale s, written out independently of affine.ts. */
function errAtScale(w: ArrayLike<number>, s: number, bits: number): number {
  const qmax = 2 ** (bits - 1) - 1;
  let e = 0;
  for (let i = 0; i < w.length; i++) e += (w[i]! - s * Math.max(-qmax, Math.min(qmax, Math.round(w[i]! / s)))) ** 2;
  return e;
}

/**
 * The exact optimum of 2-bit symmetric (levels −s, 0, s) by brute force: for a fixed
 * choice of which weights go to ±s the best s is their mean |w|, and the best choice
 * keeps the k largest |w| for some k; so the optimum is min over k of the error at
 * s_k = mean of the top-k |w|.
 */
function exact2bit(w: ArrayLike<number>): number {
  const mags = Array.from(w, Math.abs).sort((a, b) => b - a);
  let best = Infinity;
  let sum = 0;
  mags.forEach((m, k) => {
    sum += m;
    best = Math.min(best, errAtScale(w, sum / (k + 1), 2));
  });
  return best;
}

/** Heavy-tailed weights: mostly small, a few outliers (what a trained kernel looks like). */
const heavyTailed = (n: number, seed: number) => {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => (next() - 0.5) * (next() < 0.1 ? 4 : 0.6));
};

describe("quantizeTensor clip: 'mse'", () => {
  it('worked example: one outlier no longer rounds every other weight to 0 (2 bits)', () => {
    // levels {−s, 0, s}. Min-max: s = 1, and 0.4 < s/2 → five weights become 0: error 5·0.4² = 0.8.
    // Clipped: with s ∈ [0.4, 0.8] the error is 5(0.4 − s)² + (1 − s)², least at s = (5·0.4 + 1)/6 = 0.5: 5·0.01 + 0.25 = 0.3.
    const w = f(0.4, -0.4, 0.4, -0.4, 0.4, 1);
    const minmax = quantizeTensor(w, [6], { bits: 2 });
    expect(Array.from(minmax.q)).toEqual([0, 0, 0, 0, 0, 1]);
    const mse = quantizeTensor(w, [6], { bits: 2, clip: 'mse' });
    expect(mse.scale[0]).toBe(0.5);
    expect(Array.from(mse.q)).toEqual([1, -1, 1, -1, 1, 1]);
    expect(sqErr(w, dequantizeTensor(minmax))).toBeCloseTo(0.8, 6);
    expect(sqErr(w, dequantizeTensor(mse))).toBeCloseTo(0.3, 6);
  });

  it('2-bit: within 1 % of the exact optimum found by brute force, per tensor and per channel', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const w = heavyTailed(12, seed);
      const got = roundTripErr(w, [12], { bits: 2, clip: 'mse' });
      const best = exact2bit(w);
      expect(got).toBeGreaterThanOrEqual(best * (1 - 1e-6)); // nothing beats the exact optimum
      expect(got).toBeLessThanOrEqual(best * 1.01 + 1e-12);
      // two channels (last axis) are clipped independently: the error is the sum of both optima
      const two = heavyTailed(16, seed + 100);
      const cols = [0, 1].map((c) => two.filter((_, i) => i % 2 === c));
      const perChannel = roundTripErr(two, [8, 2], { bits: 2, axis: -1, clip: 'mse' });
      expect(perChannel).toBeLessThanOrEqual((exact2bit(cols[0]!) + exact2bit(cols[1]!)) * 1.01 + 1e-12);
    }
  });

  it('3 and 4 bits: within 2 % of a dense scan over 20,000 scales', () => {
    for (const bits of [3, 4]) {
      const qmax = 2 ** (bits - 1) - 1;
      for (let seed = 1; seed <= 5; seed++) {
        const w = heavyTailed(40, seed);
        const maxAbs = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        let dense = Infinity;
        for (let i = 1; i <= 20_000; i++) dense = Math.min(dense, errAtScale(w, (maxAbs / qmax) * (i / 20_000), bits));
        const got = roundTripErr(w, [40], { bits, clip: 'mse' });
        expect(got).toBeGreaterThanOrEqual(dense * 0.999);
        expect(got).toBeLessThanOrEqual(dense * 1.02 + 1e-12);
      }
    }
  });

  it('is never worse than min-max (the full range is a candidate), for both schemes and pow2 scales', () => {
    const w = heavyTailed(300, 7);
    for (const bits of [2, 3, 4, 8])
      for (const scheme of ['symmetric', 'asymmetric'] as const)
        for (const scale of ['float', 'pow2'] as const) {
          const o = { bits, scheme, scale, axis: 1 };
          expect(roundTripErr(w, [30, 10], { ...o, clip: 'mse' })).toBeLessThanOrEqual(roundTripErr(w, [30, 10], o));
        }
  });

  it('rejects an unknown clip mode, naming the rule and the value', () => {
    expect(() => quantizeTensor(f(1), [1], { bits: 4, clip: 'max' as never })).toThrow(
      "quantizeTensor: clip must be one of minmax, mse, got 'max'",
    );
  });
});

describe("quantize({ weights: { clip: 'mse' } })", () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('lowers every layer’s error at 2 bits, leaves the input model alone and leaks nothing', async () => {
    const model = tf.sequential({
      name: 'mlp',
      layers: [tf.layers.dense({ inputShape: [20], units: 16, activation: 'relu' }), tf.layers.dense({ units: 4 })],
    });
    const before = model.getWeights().map((t) => Array.from(t.dataSync()));
    const tensors = tf.memory().numTensors;
    const minmax = await quantize(model, { weights: { bits: 2 } });
    const mse = await quantize(model, { weights: { bits: 2, clip: 'mse' } });
    mse.report.layers.forEach((l, i) => expect(l.sqnrDb!).toBeGreaterThan(minmax.report.layers[i]!.sqnrDb!));
    expect(mse.report.layers[0]!.scheme).toBe('symmetric, MSE clip');
    expect(mse.report.title).toContain('MSE clipping');
    minmax.model.dispose();
    mse.model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.getWeights().map((t) => Array.from(t.dataSync()))).toEqual(before);
    await expect(quantize(model, { weights: { bits: 2, clip: 'percentile' as never } })).rejects.toThrow(
      "quantize: weights.clip must be one of minmax, mse, got 'percentile'",
    );
    model.dispose();
  });
});
