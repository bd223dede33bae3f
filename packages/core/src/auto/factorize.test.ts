import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Matrix, SVD } from 'ml-matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateReport } from '@whittle/report';
import { evaluate } from '../analysis/evaluate.js';
import type { Dataset } from '../data/dataset.js';
import { loadLayersModel } from '../io/load.js';
import { saveModel } from '../io/save.js';
import { encodePackedWeight } from '../quantize/packed.js';
import { buildPlanModel } from './apply.js';
import { autoCompress } from './auto.js';
import { choiceBytes } from './choices.js';
import type { PlanTask } from './evaluate-plans.js';
import { normalizeAuto } from './options.js';
import { runPlans } from './pool.js';
import { calibrationSet } from './search.js';
import { lenet300Fixture } from './fixture.test-util.js';

const fixture = lenet300Fixture();
let train: Dataset;
let test: Dataset;
let model: tf.LayersModel;
beforeAll(() => ({ train, test, model } = fixture));

const kernelOf = (name: string) => {
  const k = model.getLayer(name).getWeights()[0]!;
  return { values: k.dataSync() as Float32Array, shape: k.shape };
};

/** Truncated SVD written out here with ml-matrix: A = U_r·√S_r (rows × r), B = √S_r·V_rᵀ (r × cols). */
function factorsByHand(values: Float32Array, rows: number, cols: number, r: number): [Float32Array, Float32Array] {
  const w = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w.set(i, j, values[i * cols + j]!);
  const svd = new SVD(w, { autoTranspose: true });
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  const s = svd.diagonal;
  const a = new Float32Array(rows * r);
  const b = new Float32Array(r * cols);
  for (let k = 0; k < r; k++) {
    for (let i = 0; i < rows; i++) a[i * r + k] = u.get(i, k) * Math.sqrt(s[k]!);
    for (let j = 0; j < cols; j++) b[k * cols + j] = v.get(j, k) * Math.sqrt(s[k]!);
  }
  return [a, b];
}

describe('factorize choices', () => {
  it('a rank-r choice costs its two factor kernels as the packed encoder writes them: by hand, and encoded independently', () => {
    const { values, shape } = kernelOf('fc2'); // 300 × 100
    const r = 25; // rank 0.25 of min(300, 100)
    for (const bits of [4, 8]) {
      // packed rule, per factor: 4 B per output-channel scale + ⌈n·b/8⌉
      const byHand = 4 * r + Math.ceil((300 * r * bits) / 8) + 4 * 100 + Math.ceil((r * 100 * bits) / 8);
      expect(choiceBytes(values, shape, { sparsity: 0, bits, rankFraction: 0.25 }, 'bytes')).toBe(byHand);
      const [a, b] = factorsByHand(values, 300, 100, r);
      const encoded = [encodePackedWeight(a, [300, r], bits, 'a').bytes, encodePackedWeight(b, [r, 100], bits, 'b').bytes];
      const joined = Buffer.concat(encoded);
      expect(choiceBytes(values, shape, { sparsity: 0, bits, rankFraction: 0.25 }, 'gzip')).toBe(gzipSync(joined, { level: 9 }).byteLength);
    }
    // float factors: 4 B per weight of A and B
    expect(choiceBytes(values, shape, { sparsity: 0, bits: 32, rankFraction: 0.25 }, 'bytes')).toBe(4 * r * (300 + 100));
  });

  it('the scored accuracy of the reconstructed kernel (original topology) equals evaluate() of the factorized model', async () => {
    const calibration = calibrationSet(train, 200, 0);
    const plans = [{ fc1: { sparsity: 0, bits: 32, rankFraction: 0.0625 } }, { fc2: { sparsity: 0, bits: 4, rankFraction: 0.125 } }];
    const tasks: PlanTask[] = plans.flatMap((choices) => [
      { choices, data: 'calibration' as const },
      { choices, data: 'test' as const },
    ]);
    try {
      const before = tf.memory().numTensors;
      const { results } = await runPlans(model, { calibration, test }, tasks, { workers: 0 });
      expect(tf.memory().numTensors).toBe(before);
      const expected: number[] = [];
      for (const plan of plans) {
        const split = buildPlanModel(model, plan).model;
        const name = Object.keys(plan)[0]!;
        // really factorized: two layers, A of rank r and B, in place of the kernel
        expect(split.getLayer(`${name}_lowrank`).getWeights()[0]!.shape.at(-1)).toBeLessThan(
          model.getLayer(name).getWeights()[0]!.shape[0]!,
        );
        expect(split.layers).toHaveLength(model.layers.length + 1);
        for (const data of [calibration, test]) expected.push(evaluate(split, data).accuracy);
        split.dispose();
      }
      expect(results).toEqual(expected);
      // the choices really change the model (not no-ops)
      expect(results[0]).not.toBe(evaluate(model, calibration).accuracy);
    } finally {
      calibration.dispose();
    }
  });

  it("rank r's factors are lowrank's svdFactors at r (the cached full-rank SVD, truncated)", async () => {
    const { svdFactors } = await import('../lowrank/factors.js');
    const { kernelFactors } = await import('./factor.js');
    const { values, shape } = kernelOf('fc3'); // 100 × 10
    for (const r of [7, 2, 9]) {
      const want = svdFactors(values, 100, 10, r, null);
      const got = kernelFactors(values, shape, r);
      expect([Array.from(got.a), Array.from(got.b)]).toEqual([Array.from(want.a), Array.from(want.b)]);
    }
  });

  it('a rank whose factors hold no fewer weights is not offered to that layer (Infinity bytes and drop: the planner skips it)', async () => {
    const { measureSearch } = await import('./search.js');
    const { planForBytes } = await import('./planner.js');
    const choices = [
      { sparsity: 0, bits: 32 },
      { sparsity: 0, bits: 32, rankFraction: 0.5 },
      { sparsity: 0, bits: 32, rankFraction: 0.9 },
    ];
    const s = await measureSearch(model, train, test, {
      choices,
      size: 'bytes',
      workers: 0,
      calibrationSamples: 50,
      seed: 0,
      baselines: false,
    });
    const byName = Object.fromEntries(s.layers.map((l) => [l.name, l]));
    // fc1 784×300: rank 150 holds 150·1084 = 162,600 < 235,200 weights (4 B each); rank 270 holds 292,680 — not offered
    expect(byName.fc1!.bytes).toEqual([235_200 * 4, 162_600 * 4, Infinity]);
    // fc2 300×100: rank 50 holds 50·400 = 20,000 < 30,000; rank 90 holds 36,000 — not offered
    expect(byName.fc2!.bytes).toEqual([30_000 * 4, 20_000 * 4, Infinity]);
    expect([byName.fc1!.drop[2], byName.fc2!.drop[2]]).toEqual([Infinity, Infinity]);
    // fc3 100×10: rank 9 holds 990 < 1,000 weights, so it is offered
    expect(byName.fc3!.bytes).toEqual([4000, 550 * 4, 990 * 4]);
    // room for fc1 and fc2 only at rank 1/2: the planner takes that, never the Infinity entries
    const plan = planForBytes(s, 4 * (162_600 + 20_000 + 1000) + 2000, 0)!;
    expect(plan.layers.slice(0, 2).map((l) => l.choice)).toEqual([1, 1]);
  });

  it('ranks are validated in one line; a rank that saves nothing is not offered', () => {
    const base = { train, test, budget: { ratio: 4 }, techniques: ['factorize' as const] };
    expect(() => normalizeAuto({ ...base, ranks: [0.5, 1] })).toThrow(
      'autoCompress: rank level must be a fraction of full rank in (0, 1), got 1',
    );
    expect(() => normalizeAuto({ ...base, ranks: [] })).toThrow(
      'autoCompress: ranks must be a non-empty list of fractions in (0, 1), got []',
    );
    expect(() => normalizeAuto({ ...base, rank: [0.5] } as never)).toThrow("autoCompress: unknown option 'rank' (did you mean 'ranks'?)");
    const o = normalizeAuto({ ...base, ranks: [0.5, 0.25] });
    expect(o.choices).toEqual([
      { sparsity: 0, bits: 32 },
      { sparsity: 0, bits: 32, rankFraction: 0.5 },
      { sparsity: 0, bits: 32, rankFraction: 0.25 },
    ]);
  });
});

describe('autoCompress with factorize', () => {
  it('meets a byte budget with factorized layers, reports their rank, reloads; caller unchanged, no leaks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-auto-factor-'));
    try {
      const fp32 = (await saveModel(model, join(dir, 'fp32'))).bytes;
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      const budget = Math.round(fp32 / 20);
      const before = tf.memory().numTensors;
      const result = await autoCompress(model, {
        train,
        test,
        budget: { bytes: budget },
        techniques: ['quantize', 'factorize'],
        bits: [32, 8, 4, 2],
        ranks: [0.5, 0.125, 0.03125],
        epochs: 1,
        workers: 2,
        calibrationSamples: 200,
        size: 'bytes',
      });
      expect(validateReport(result.report)).toEqual({ ok: true, report: result.report });
      const chosen = result.report.rounds.find((r) => r.round === result.report.chosenRound)!;
      expect(chosen.met).toBe(true);
      expect(chosen.bytes).toBeLessThanOrEqual(budget);
      // 1/20 of the float file is ≈ 53 kB: fc1 (784 × 300) alone is 60 kB at 2 bits, so it must be factorized
      const factored = Object.entries(result.plan).filter(([, c]) => c.rankFraction);
      expect(factored.map(([n]) => n)).toContain('fc1');
      for (const [name, c] of factored) {
        const row = result.report.layers.find((l) => l.name === name)!;
        const a = result.model.getLayer(`${name}_lowrank`).getWeights()[0]!;
        expect(row.rank).toBe(a.shape.at(-1));
        expect(row.rank).toBe(Math.max(1, Math.round(c.rankFraction! * Math.min(...model.getLayer(name).getWeights()[0]!.shape))));
      }
      const table = (await import('@whittle/report')).reportTable(result.report);
      const fc1 = result.report.layers.find((l) => l.name === 'fc1')!;
      expect(JSON.stringify(table)).toContain(`rank ${fc1.rank}${fc1.bits < 32 ? `, ${fc1.bits}-bit` : ', fp32'}`);
      // the file, written again, is within the budget and reloads (Whittle's loader: packed) to the same weights
      const saved = await saveModel(result.model, join(dir, 'out'), result.save);
      expect(saved.bytes).toBeLessThanOrEqual(budget);
      const back = await loadLayersModel(saved.dir, 'test');
      expect(back.layers.map((l) => l.name)).toEqual(result.model.layers.map((l) => l.name));
      expect(evaluate(back, test).accuracy).toBe(chosen.accuracy);
      back.dispose();
      // the factorized topology is stock tfjs: a float32 save loads with tf.loadLayersModel and predicts the same
      const plain = await saveModel(result.model, join(dir, 'plain'), { quantization: 'float32' });
      const server = createServer((req, res) => res.end(readFileSync(join(plain.dir, req.url!.slice(1)))));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const stock = await tf.loadLayersModel(`http://127.0.0.1:${(server.address() as { port: number }).port}/model.json`);
        const x = tf.slice(test.x, 0, 8);
        const want = tf.tidy(() => (result.model.predict(x) as tf.Tensor).dataSync());
        tf.tidy(() => (stock.predict(x) as tf.Tensor).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
        tf.dispose(x);
        stock.dispose();
      } finally {
        server.close();
      }
      result.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weights);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
