import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateReport } from '@whittle/report';
import type { Dataset } from '../data/dataset.js';
import { saveModel } from '../io/save.js';
import { autoCompress } from './auto.js';
import { applyChoice, choiceBytes } from './choices.js';
import { parseBytes } from './options.js';
import { runPlans } from './pool.js';
import type { PlanTask } from './evaluate-plans.js';
import { calibrationSet } from './search.js';
import { lenet300Fixture } from './fixture.test-util.js';

const fixture = lenet300Fixture();
let train: Dataset;
let test: Dataset;
let model: tf.LayersModel;
beforeAll(() => ({ train, test, model } = fixture));

/** Distinct values in each output channel (last axis) of a kernel. */
function levelsPerChannel(values: Float32Array, channels: number): number[] {
  const sets = Array.from({ length: channels }, () => new Set<number>());
  values.forEach((v, i) => sets[i % channels]!.add(v));
  return sets.map((s) => s.size);
}

describe('layer choices', () => {
  it('prune exactly round(s·n) weights, then put each channel on a symmetric b-bit grid', () => {
    const values = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 5)));
    const out = applyChoice(values, [10, 6], { sparsity: 0.5, bits: 3 });
    expect(out.filter((v) => v === 0).length).toBeGreaterThanOrEqual(30);
    // the 30 largest magnitudes survive (nonzero); 3-bit symmetric: at most 7 levels (−3…3) per channel
    const kept = [...values]
      .map((v, i) => [Math.abs(v), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 30);
    for (const [, i] of kept) if (Math.abs(values[i]!) > 0.3) expect(out[i]).not.toBe(0);
    for (const n of levelsPerChannel(out, 6)) expect(n).toBeLessThanOrEqual(7);
  });

  it("bytes of a choice follow the packed format's rule: 4 bytes per channel scale + ⌈n·b/8⌉", () => {
    const values = Float32Array.from({ length: 60 }, (_, i) => i - 30);
    expect(choiceBytes(values, [10, 6], { sparsity: 0, bits: 3 }, 'bytes')).toBe(6 * 4 + Math.ceil((60 * 3) / 8));
    expect(choiceBytes(values, [10, 6], { sparsity: 0.9, bits: 32 }, 'bytes')).toBe(240);
    // gzip sees the zeros: a 90 %-sparse float kernel compresses below its dense self
    expect(choiceBytes(values, [10, 6], { sparsity: 0.9, bits: 32 }, 'gzip')).toBeLessThan(
      choiceBytes(values, [10, 6], { sparsity: 0, bits: 32 }, 'gzip'),
    );
  });

  it("a clustered choice costs the deep format's bytes: 4 per centroid + Huffman table + coded indices (worked by hand)", () => {
    // 60 weights, 4 distinct values, 15 each: k-means with k = 4 keeps them; Huffman gives each 2 bits.
    const values = Float32Array.from({ length: 60 }, (_, i) => (i % 4) + 1);
    const out = applyChoice(values, [10, 6], { sparsity: 0, bits: 32, clusters: 4 });
    expect(Array.from(out)).toEqual(Array.from(values));
    // codebook 4 × 4 B, code lengths of symbols 0…3 in 4 bits each (2 B), 60 × 2 bits (15 B)
    expect(choiceBytes(values, [10, 6], { sparsity: 0, bits: 32, clusters: 4 }, 'bytes', 1, 'deep')).toBe(16 + 2 + 15);
    // k-means to 3 values: at most 3 distinct left
    expect(new Set(applyChoice(values, [10, 6], { sparsity: 0, bits: 32, clusters: 3 })).size).toBeLessThanOrEqual(3);
    expect(() => choiceBytes(values, [10, 6], { sparsity: 0, bits: 32, clusters: 4 }, 'bytes')).toThrow(/deep/);
  });

  it('parses byte budgets with units and rejects unknown units in one line', () => {
    expect(parseBytes('20kB')).toBe(20_000);
    expect(parseBytes('1.5MB')).toBe(1_500_000);
    expect(parseBytes('300B')).toBe(300);
    expect(parseBytes('300')).toBe(300);
    expect(() => parseBytes('20 parsecs')).toThrow(/^budget: size '20 parsecs' must be a number with unit B, kB or MB/);
  });
});

describe('worker pool', () => {
  const tasks: PlanTask[] = [
    { choices: {}, data: 'calibration' },
    { choices: { fc1: { sparsity: 0.9, bits: 32 } }, data: 'calibration' },
    { choices: { fc1: { sparsity: 0, bits: 2 } }, data: 'calibration' },
    { choices: { fc2: { sparsity: 0.95, bits: 3 } }, data: 'test' },
    { choices: { fc1: { sparsity: 0.8, bits: 2 }, fc2: { sparsity: 0.8, bits: 2 } }, data: 'test' },
  ];

  it('workers return exactly the serial results, in task order; a crashed worker is reported and its task re-run', async () => {
    const named = tasks;
    const calibration = calibrationSet(train, 200, 0);
    const datasets = { calibration, test };
    try {
      const before = tf.memory().numTensors;
      const serial = await runPlans(model, datasets, named, { workers: 0 });
      expect(tf.memory().numTensors).toBe(before);
      // this thread and a worker share the tasks; then two workers take them all (this thread only waits)
      const parallel = await runPlans(model, datasets, named, { workers: 2 });
      expect(parallel.results).toEqual(serial.results);
      expect(parallel.crashes).toEqual([]);
      const workersOnly = await runPlans(model, datasets, named, { workers: 2, workersOnly: true });
      expect(workersOnly.results).toEqual(serial.results);
      expect(tf.memory().numTensors).toBe(before);
      const crashed = await runPlans(model, datasets, named, { workers: 1, workersOnly: true, crashFirstWorker: true });
      expect(crashed.results).toEqual(serial.results);
      expect(crashed.crashes).toHaveLength(1);
      expect(crashed.crashes[0]!.error).toMatch(/injected worker crash/);
      // the crashed worker held one task (its first), re-run in this thread
      expect(crashed.crashes[0]!.tasks).toBe(1);
      // workers that cannot start (here: an unknown backend) fail the run after three tries instead of respawning forever
      await expect(runPlans(model, datasets, named, { workers: 1, workersOnly: true, backend: 'no-such-backend' })).rejects.toThrow(
        /^autoCompress: 3 worker threads failed to start \(last: WHITTLE_BACKEND: must be one of/,
      );
      // the no-op task scores what the model scores on its own (an independent evaluation)
      const { evaluate } = await import('../analysis/evaluate.js');
      expect(serial.results[0]).toBe(evaluate(model, calibration).accuracy);
    } finally {
      calibration.dispose();
    }
  });
});

describe('plan evaluator', () => {
  it('a task that changes a late layer (prefix activations reused) scores what the whole changed model scores; a bytes task counts choiceBytes', async () => {
    const { evaluate } = await import('../analysis/evaluate.js');
    const { buildPlanModel } = await import('./apply.js');
    const calibration = calibrationSet(train, 200, 0);
    const datasets = { calibration, test };
    const plans = [
      { fc2: { sparsity: 0.9, bits: 2 } },
      { fc3: { sparsity: 0.8, bits: 2 } },
      { fc2: { sparsity: 0.95, bits: 2 }, fc3: { sparsity: 0, bits: 2 } },
    ];
    const tasks: PlanTask[] = [
      ...plans.map((choices) => ({ choices, data: 'calibration' as const })),
      ...plans.map((choices) => ({ choices, data: 'test' as const })),
      { choices: { fc2: { sparsity: 0.5, bits: 4 } }, data: 'calibration', bytes: 'gzip' },
    ];
    try {
      const before = tf.memory().numTensors;
      const { results } = await runPlans(model, datasets, tasks, { workers: 0 });
      expect(tf.memory().numTensors).toBe(before);
      // independent reference: a copy with the plan applied, evaluated whole by evaluate()
      const expected = [calibration, test].flatMap((data) =>
        plans.map((plan) => {
          const applied = buildPlanModel(model, plan).model;
          const accuracy = evaluate(applied, data).accuracy;
          applied.dispose();
          return accuracy;
        }),
      );
      expect(results.slice(0, 6)).toEqual(expected);
      const fc2 = model.getLayer('fc2').getWeights()[0]!;
      expect(results[6]).toBe(choiceBytes(fc2.dataSync() as Float32Array, fc2.shape, { sparsity: 0.5, bits: 4 }, 'gzip'));
      // the changed models really score differently from the original (the tasks are not no-ops)
      expect(expected.slice(0, 3).some((a) => a !== evaluate(model, calibration).accuracy)).toBe(true);
    } finally {
      calibration.dispose();
    }
  });
});

describe('autoCompress', () => {
  it('meets a byte budget with a per-layer plan; the saved model holds the planned sparsity and bit grids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-auto-test-'));
    try {
      const fp32 = (await saveModel(model, join(dir, 'fp32'))).gzipBytes;
      const budget = Math.round(fp32 / 16);
      const before = tf.memory().numTensors;
      const stages = new Set<string>();
      const result = await autoCompress(model, {
        train,
        test,
        budget: { bytes: budget },
        epochs: 1,
        workers: 2,
        calibrationSamples: 200,
        sparsities: [0, 0.5, 0.8, 0.9],
        bits: [32, 8, 4, 2],
        onProgress: (p) => stages.add(p.stage),
      });
      expect(validateReport(result.report)).toEqual({ ok: true, report: result.report });
      const chosen = result.report.rounds.find((r) => r.round === result.report.chosenRound)!;
      expect(chosen.met).toBe(true);
      expect(chosen.bytes).toBeLessThanOrEqual(budget);
      // the default candidate rates were each tried on a 10 % validation slice (30 of 300), the most accurate kept
      const v = chosen.validation!;
      expect(v.samples).toBe(30);
      expect(v.rates.map((t) => t.learningRate)).toEqual([1e-3, 3e-4, 1e-4]);
      expect(v.rates.find((t) => t.learningRate === chosen.learningRate)!.accuracy).toBe(Math.max(...v.rates.map((t) => t.accuracy)));
      // the bytes the report claims are the bytes saving the returned model writes (gzip of the files)
      const { gzipBytes } = await saveModel(result.model, join(dir, 'out'), {
        quantization: 'packed',
        bits: Object.fromEntries(Object.entries(result.plan).map(([k, c]) => [k, c.bits])),
      });
      expect(gzipBytes).toBeLessThanOrEqual(budget);
      // every kernel: at least the planned zeros, and at most 2^b − 1 levels per output channel
      for (const [name, c] of Object.entries(result.plan)) {
        const kernel = result.model.getLayer(name).getWeights()[0]!;
        const values = kernel.dataSync() as Float32Array;
        expect(values.filter((v) => v === 0).length).toBeGreaterThanOrEqual(Math.round(c.sparsity * values.length));
        if (c.bits < 32) for (const n of levelsPerChannel(values, kernel.shape.at(-1)!)) expect(n).toBeLessThanOrEqual(2 ** c.bits - 1);
      }
      expect(result.report.layers.map((l) => l.name)).toEqual(Object.keys(result.plan));
      expect(result.report.baselines).toHaveLength(16);
      expect([...stages]).toEqual(['measure', 'search', 'fine-tune', 'verify']);
      result.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      // the caller's model is unchanged
      const again = await saveModel(model, join(dir, 'fp32-again'));
      expect(again.gzipBytes).toBe(fp32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("with 'cluster' among the techniques: a deep-format plan that meets the budget, clustered layers hold at most k values and reload exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-auto-cluster-'));
    try {
      const fp32 = (await saveModel(model, join(dir, 'fp32'))).gzipBytes;
      const budget = Math.round(fp32 / 12);
      const before = tf.memory().numTensors;
      const result = await autoCompress(model, {
        train,
        test,
        budget: { bytes: budget },
        techniques: ['prune', 'cluster'],
        epochs: 1,
        workers: 2,
        calibrationSamples: 200,
        sparsities: [0, 0.8],
        clusters: [16, 4],
        baselines: false,
      });
      expect(validateReport(result.report)).toEqual({ ok: true, report: result.report });
      const chosen = result.report.rounds.find((r) => r.round === result.report.chosenRound)!;
      expect(chosen.met).toBe(true);
      expect(result.save.quantization).toBe('deep');
      // the real file, written again from the returned model, is within the budget and reloads to the same weights
      const saved = await saveModel(result.model, join(dir, 'out'), result.save);
      expect(saved.gzipBytes).toBeLessThanOrEqual(budget);
      const { loadLayersModel } = await import('../io/load.js');
      const back = await loadLayersModel(saved.dir, 'test');
      expect(Object.values(result.plan).some((c) => c.clusters)).toBe(true);
      for (const [name, c] of Object.entries(result.plan)) {
        const values = result.model.getLayer(name).getWeights()[0]!.dataSync() as Float32Array;
        expect(Array.from(back.getLayer(name).getWeights()[0]!.dataSync())).toEqual(Array.from(values));
        expect(values.filter((v) => v === 0).length).toBeGreaterThanOrEqual(Math.round(c.sparsity * values.length));
        if (c.clusters) expect(new Set(values.filter((v) => v !== 0)).size).toBeLessThanOrEqual(c.clusters);
      }
      back.dispose();
      result.model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an impossible budget with the smallest reachable size, and unknown techniques and options in one line', async () => {
    const base = { train, test, epochs: 0, workers: 0, calibrationSamples: 50, sparsities: [0, 0.9], bits: [32, 2], baselines: false };
    await expect(autoCompress(model, { ...base, budget: { bytes: 100 } })).rejects.toThrow(
      /^autoCompress: budget of 100 B is below the smallest reachable size, \d+ B \(every layer at 90% sparse, 2-bit; gzip bytes\)$/,
    );
    await expect(autoCompress(model, { ...base, budget: { bytes: 1e5 }, techniques: ['prun' as 'prune'] })).rejects.toThrow(
      "autoCompress: unknown technique 'prun' (known: prune, quantize, cluster, factorize; did you mean 'prune'?)",
    );
    await expect(autoCompress(model, { ...base, budget: { byts: 5 } as never })).rejects.toThrow(
      "autoCompress: unknown budget key 'byts' (did you mean 'bytes'?)",
    );
    await expect(autoCompress(model, { ...base, budget: { bytes: 1e5 }, epoch: 3 } as never)).rejects.toThrow(
      "autoCompress: unknown option 'epoch' (did you mean 'epochs'?)",
    );
  });

  it('an interrupt (onProgress throws) during the worker search or fine-tuning rejects, stops the workers and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    const base = { train, test, budget: { ratio: 4 }, epochs: 1, workers: 2, calibrationSamples: 50, sparsities: [0, 0.9], bits: [32, 4] };
    for (const stage of ['search', 'fine-tune']) {
      await expect(
        autoCompress(model, {
          ...base,
          onProgress: (p) => {
            if (p.stage === stage) throw new Error(`interrupted at ${stage}`);
          },
        }),
      ).rejects.toThrow(`interrupted at ${stage}`);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weights);
  });
});
