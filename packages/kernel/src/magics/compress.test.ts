/**
 * `%compress --pipeline deep`: Deep Compression from a notebook, driven as the kernel
 * drives a magic (parse from the declaration, then run). Sparsity, distinct values
 * and accuracy are counted here from the bound model's weights and predictions.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, lenet300100, loadModel, mnist, type Dataset } from '@whittle/core';
import { validateReport, type ClusteringReport } from '@whittle/report';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMagic, help, parseArgs, UsageError, type MagicContext, type MagicResult } from './index.js';

const vars = new Map<string, unknown>();
const shown: string[] = [];
/** The user interrupts when a progress line matching this shows; the magic's next check throws, as the kernel's does. */
let interruptOn: RegExp | undefined;
let interrupted = false;
const ctx: MagicContext = {
  lookup: (name) => {
    if (!vars.has(name)) throw new Error(`name '${name}' is not defined`);
    return vars.get(name);
  },
  progress: (text) => {
    shown.push(text);
    interrupted ||= interruptOn?.test(text) ?? false;
  },
  checkInterrupt: () => {
    if (interrupted) throw Object.assign(new Error('interrupted; the model is unchanged'), { name: 'KeyboardInterrupt' });
  },
  execute: async () => ({ ok: true, hasValue: false }),
  hasMagic: () => false,
  print: () => {},
};
const compress = findMagic('compress', 'line')!;
const run = (args: string): Promise<MagicResult> => {
  const { args: operands, opts } = parseArgs(compress, args);
  return compress.run(ctx, operands, opts, '');
};
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
/** Top-1 accuracy by hand: argmax of the predictions against the labels. */
function accuracy(model: tf.LayersModel, data: Dataset): number {
  const predicted = tf.tidy(() => (model.predict(data.x) as tf.Tensor).argMax(-1).dataSync());
  return predicted.reduce((n, p, i) => n + (p === data.labels[i] ? 1 : 0), 0) / data.size;
}

let lenet: tf.LayersModel;
let train: Dataset;
let test: Dataset;
const root = mkdtempSync(join(tmpdir(), 'whittle-deep-magic-'));

beforeAll(async () => {
  await initBackend();
  ({ train, test } = mnist({ layout: 'flat', limit: 500 })); // stratified: every digit in proportion
  lenet = lenet300100({ pretrained: true });
  vars.set('lenet', lenet).set('train', train).set('test', test);
});
afterAll(() => {
  tf.dispose([lenet]);
  train.dispose();
  test.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('%compress --pipeline deep', () => {
  it('the subsets hold every digit', () => {
    expect(new Set(train.labels).size).toBe(10);
    expect(new Set(test.labels).size).toBe(10);
  });

  it('prunes to the sparsity, shares ≤ k values per kernel, shows the stages, binds and saves; the input is unchanged, nothing leaks', async () => {
    const before = snapshot(lenet);
    const tensors = tf.memory().numTensors;
    shown.length = 0;
    const dir = join(root, 'deep');
    const r = await run(
      `lenet --pipeline deep --sparsity 0.9 --clusters 16 --prune-steps 1 --epochs 1 --data train --test test --save ${dir} --as small`,
    );
    const model = r.value as tf.LayersModel;
    expect(tf.memory().numTensors - tensors).toBe(model.weights.length); // only the bound model
    expect(snapshot(lenet)).toEqual(before);

    // the displayed report: a valid clustering report with Deep Compression's four stages
    expect(r.report?.kind).toBe('clustering');
    expect(validateReport(r.report).ok).toBe(true);
    const report = r.report as ClusteringReport;
    expect(report.stages!.map((s) => s.stage)).toEqual([
      'fp32 baseline',
      'pruned 90% + fine-tuned (float32 on disk)',
      'k-means (k = 16), encoded',
      'centroids fine-tuned, float16 biases, encoded and reloaded',
    ]);
    // measured on --test (500 digits), counted here
    expect(report.stages![0]!.accuracy).toBe(accuracy(lenet, test));
    expect(report.stages!.at(-1)!.accuracy).toBe(accuracy(model, test));
    expect(report.accuracy).toEqual({ before: accuracy(lenet, test), after: accuracy(model, test) });
    expect(report.accuracy!.after).toBeGreaterThan(0.8);

    // kernels: 90 % zeros over all of them (one global threshold), ≤ 16 distinct nonzero values per layer
    let zeros = 0;
    let total = 0;
    for (const name of ['fc1', 'fc2', 'fc3']) {
      const kernel = Array.from(model.getLayer(name).getWeights()[0]!.dataSync());
      zeros += kernel.filter((v) => v === 0).length;
      total += kernel.length;
      const distinct = new Set(kernel.filter((v) => v !== 0)).size;
      expect(distinct, name).toBeGreaterThan(1);
      expect(distinct, name).toBeLessThanOrEqual(16);
    }
    expect(total).toBe(784 * 300 + 300 * 100 + 100 * 10);
    expect(Math.abs(zeros / total - 0.9)).toBeLessThan(1e-4);

    // progress: a live line per fine-tuning step and per finished stage
    expect(shown.some((l) => l.startsWith('pruning round 1/1: epoch 1/1, batch'))).toBe(true);
    expect(shown.some((l) => l.startsWith('centroids: epoch 1/1, batch'))).toBe(true);
    expect(shown.filter((l) => / B(, accuracy [\d.]+%)?$/.test(l))).toHaveLength(4);

    // --save: the deep format, read back with the same weights
    expect(r.text).toMatch(new RegExp(`^saved to ${dir} \\([\\d,]+ bytes\\)$`));
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).userDefinedMetadata.whittleDeep.format).toBe('whittle-deep');
    const loaded = await loadModel(dir);
    expect(snapshot(loaded)).toEqual(snapshot(model));
    tf.dispose([loaded, model]);
  });

  it('an interrupt stops it at the next step in any stage: the input is unchanged, nothing leaks', async () => {
    const before = snapshot(lenet);
    for (const stage of ['pruning round 1/1', 'centroids']) {
      const tensors = tf.memory().numTensors;
      shown.length = 0;
      // 2 epochs of 7 batches: a progress line ends epoch 1, the check at the end of epoch 2 stops the fine-tuning
      interruptOn = new RegExp(`^${stage}: epoch 1/2`);
      try {
        await expect(
          run('lenet --pipeline deep --sparsity 0.9 --clusters 8 --prune-steps 1 --epochs 2 --data train --test test'),
        ).rejects.toThrow('interrupted');
      } finally {
        interruptOn = undefined;
        interrupted = false;
      }
      expect(shown.at(-1), stage).toMatch(new RegExp(`^${stage}: epoch 1/2, batch`));
      expect(tf.memory().numTensors, stage).toBe(tensors);
      expect(snapshot(lenet)).toEqual(before);
    }
  });

  it('%compress? documents the deep flags, with the defaults deepCompress applies', () => {
    const text = help(compress);
    for (const flag of [
      '--pipeline <name>',
      '--sparsity <s>',
      '--clusters <k>',
      '--prune-steps <n>',
      '--anneal-epochs <n>',
      '--shift-copies <n>',
    ])
      expect(text).toContain(flag);
    expect(text).toContain('(default 0.92)');
    expect(text).toContain('(default 32)');
    expect(text).toContain('pruning rounds, each fine-tuned (default 3)');
    expect(parseArgs(compress, 'm --pipeline deep --sparsity 0.9 --clusters 16 --prune-steps 2').opts).toMatchObject({
      pipeline: 'deep',
      sparsity: 0.9,
      clusters: 16,
      pruneSteps: 2,
      epochs: 2,
    });
  });

  it('flags of the other pipeline and misspelled flags are one-line usage errors', async () => {
    await expect(run('lenet --sparsity 0.9 --ratio 8')).rejects.toThrow(UsageError);
    await expect(run('lenet --sparsity 0.9 --ratio 8')).rejects.toThrow(
      /^--sparsity needs --pipeline deep \(a budget plans each layer itself\)$/,
    );
    await expect(run('lenet --clusters 16')).rejects.toThrow(/^--clusters needs --pipeline deep/);
    await expect(run('lenet --pipeline deep --ratio 8')).rejects.toThrow(
      /^--ratio is a budget flag; --pipeline deep runs a fixed sequence \(drop one of them\)$/,
    );
    expect(() => parseArgs(compress, 'lenet --pipeline magic')).toThrow(
      "option '--pipeline <name>' argument 'magic' is invalid. must be one of deep",
    );
    expect(() => parseArgs(compress, 'lenet --pipeline deep --prune-step 2')).toThrow(
      "unknown option '--prune-step'\n(Did you mean --prune-steps?)",
    );
    expect(() => parseArgs(compress, 'lenet --pipeline deep --sparsty 0.9')).toThrow('(Did you mean --sparsity?)');
  });
});
