import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from '../data/dataset.js';
import { evaluate } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';

// The built `whittle` bin on a model that is not MNIST-shaped: a functional BatchNorm CNN on 8×8 RGB images.
const bin = fileURLToPath(new URL('../../bin/whittle.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const root = mkdtempSync(join(tmpdir(), 'whittle-cli-data-'));
const modelDir = join(root, 'model');
const images = join(root, 'images');
const pixels: number[] = [];
const labels: number[] = [];

function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  let x = tf.layers
    .conv2d({ name: 'conv', filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ name: 'classifier', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(x) as tf.SymbolicTensor;
  const model = tf.model({ name: 'tiny-rgb', inputs: input, outputs: out });
  const w = [
    tf.randomUniform([6], 0.5, 1.5, 'float32', 3),
    tf.randomUniform([6], -0.2, 0.2, 'float32', 4),
    tf.randomUniform([6], -0.1, 0.1, 'float32', 5),
    tf.randomUniform([6], 0.5, 2, 'float32', 6),
  ];
  model.getLayer('bn').setWeights(w);
  tf.dispose(w);
  return model;
}

beforeAll(async () => {
  await initBackend();
  const model = buildModel();
  await saveModel(model, modelDir);
  model.dispose();
  // 3 classes × 4 images; image k of class c is a colour ramp, so the model's answers differ between images
  for (let c = 0; c < 3; c++) {
    mkdirSync(join(images, String(c)), { recursive: true });
    for (let k = 0; k < 4; k++) {
      const png = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) {
        const rgb = [(p * (c + 1) * 3 + k * 40) % 256, (p * 4 + c * 80) % 256, (k * 60 + p) % 256];
        png.data.set([...rgb, 255], 4 * p);
        pixels.push(...rgb.map((v) => v / 255));
      }
      writeFileSync(join(images, String(c), `${k}.png`), PNG.sync.write(png));
      labels.push(c);
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('whittle CLI with --data on a functional BatchNorm model', () => {
  it('evaluate --data: the accuracy of the images, computed here from the pixel values written', async () => {
    const out = run('evaluate', modelDir, '--data', images, '--json');
    expect(out.stderr).toBe('');
    const report = JSON.parse(out.stdout);
    const { loadModel } = await import('../io/load.js');
    const model = await loadModel(modelDir);
    const data = makeDataset(tf.tensor(pixels, [12, 8, 8, 3]), tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D);
    const expected = evaluate(model, data);
    expect(report.samples).toBe(12);
    expect(report.accuracy).toBeCloseTo(expected.accuracy, 6);
    expect(report.loss).toBeCloseTo(expected.loss, 4);
    data.dispose();
    model.dispose();
  });

  it('prune, quantize (equalized, uint8 export) and sensitivity run with --data; without data, data-free ones say what was not measured', () => {
    const pruned = JSON.parse(run('prune', modelDir, '--sparsity', '0.5', '--data', images, '--json').stdout);
    expect(pruned.accuracy.before).toBeGreaterThanOrEqual(0);
    const q = run(
      'quantize',
      modelDir,
      '--bits',
      '8',
      '--equalize',
      '--format',
      'uint8',
      '--data',
      images,
      '--out',
      join(root, 'q'),
      '--json',
    );
    expect(q.stderr).toBe('');
    const report = JSON.parse(q.stdout);
    expect(report.exported).toMatchObject({ format: 'uint8', samples: 12 });
    expect(report.exported.top1).toBeGreaterThanOrEqual(0.9);
    expect(readdirSync(join(root, 'q')).sort()).toEqual(['model.json', 'weights.bin']);
    const s = JSON.parse(run('sensitivity', modelDir, '--technique', 'quantize', '--levels', '8,2', '--data', images, '--json').stdout);
    expect(s.layers.map((l: { name: string }) => l.name)).toEqual(['conv', 'classifier']);
    expect(s.samples).toBe(12);

    const free = run('quantize', modelDir, '--bits', '4', '--per-channel', '--json');
    expect(free.status).toBe(0);
    const notes = JSON.parse(free.stdout).notes as string[];
    expect(notes).toContain('accuracy not measured: no data for input [8×8×3] (--data PATH)');
    const prunedFree = JSON.parse(run('prune', modelDir, '--sparsity', '0.5', '--json').stdout);
    expect(prunedFree.notes).toContain('accuracy not measured: no data for input [8×8×3] (--data PATH)');
  });

  it('compare --data, and a seeded split of --data where a command both fits (calibration, fine-tuning) and measures', () => {
    const q = join(root, 'q4');
    expect(run('quantize', modelDir, '--bits', '4', '--out', q, '--json').status).toBe(0);
    const c = run('compare', modelDir, q, '--data', images, '--latency-runs', '0', '--json');
    expect(c.stderr).toBe('');
    const report = JSON.parse(c.stdout);
    expect(report.samples).toBe(12);
    expect(report.a.params).toBe(6 * 27 + 6 + 4 * 6 + 6 * 3 + 3); // conv, bn, classifier: counted by hand
    expect(report.agreement).toBeGreaterThanOrEqual(0);
    // 12 images of 3 classes: 2 held out (round(0.2·12)), 10 to calibrate on
    const split = '--data split (seeded, stratified): 10 samples to fit on, 2 held out to measure on';
    const a = JSON.parse(run('quantize', modelDir, '--activations', '8', '--data', images, '--json').stdout);
    expect(a.notes).toContain(split);
    expect([0, 0.5, 1]).toContain(a.accuracy.after); // measured on the 2 held-out images
    const p = JSON.parse(run('prune', modelDir, '--sparsity', '0.5', '--epochs', '1', '--data', images, '--json').stdout);
    expect(p.notes).toContain(split);
    expect([0, 0.5, 1]).toContain(p.accuracy.before);
  });

  it('compress (a budget, and --pipeline deep) fits on a seeded split of --data and measures on the rest', async () => {
    const split = '--data split (seeded, stratified): 10 samples to fit on, 2 held out to measure on';
    const { loadModel } = await import('../io/load.js');
    const { splitData } = await import('../data/split.js');
    const model = await loadModel(modelDir);
    const all = makeDataset(tf.tensor(pixels, [12, 8, 8, 3]), tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D);
    const heldOut = splitData(all).test;
    const expected = evaluate(model, heldOut).accuracy; // the 2 held-out images, measured here
    tf.dispose([all.x, all.y, heldOut.x, heldOut.y]);
    model.dispose();

    const out = join(root, 'deep');
    const deep = ['--pipeline', 'deep', '--sparsity', '0.5', '--clusters', '3', '--prune-steps', '1', '--epochs', '1', '--out', out];
    const r = run('compress', modelDir, ...deep, '--data', images, '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.data).toEqual({ source: images, note: split });
    expect(report.report.stages[0].accuracy).toBe(expected);
    expect([0, 0.5, 1]).toContain(report.accuracy);
    const noData = run('compress', modelDir, ...deep);
    expect(noData.status).toBe(1);
    expect(noData.stderr.trim()).toContain(
      "whittle: compress --pipeline deep needs data: model 'tiny-rgb' takes [8×8×3], which is not MNIST; give --data PATH",
    );

    const budget = run('compress', modelDir, '--max-drop', '99', '--techniques', 'quantize', '--epochs', '0', '--data', images);
    expect(budget.status, budget.stderr).toBe(0);
    expect(budget.stderr.trim().split('\n')[0]).toBe(split);
    const plan = JSON.parse(
      run('compress', modelDir, '--max-drop', '99', '--techniques', 'quantize', '--epochs', '0', '--data', images, '--json').stdout,
    );
    expect(plan.original.accuracy).toBe(expected);
  });

  it('one-line errors: data needed, data of the wrong shape, --data mnist on a non-MNIST model', () => {
    const e = run('evaluate', modelDir);
    expect(e.status).toBe(1);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    expect(e.stderr).toContain("whittle: evaluate needs data: model 'tiny-rgb' takes [8×8×3], which is not MNIST; give --data PATH");
    const m = run('quantize', modelDir, '--data', 'mnist');
    expect(m.stderr.trim()).toBe("whittle: --data mnist: model 'tiny-rgb' takes [8×8×3], not MNIST's 784 or 28×28×1; give --data PATH");
    writeFileSync(join(root, 'wrong.json'), JSON.stringify({ x: [[1, 2, 3]], labels: [0] }));
    const w = run('evaluate', modelDir, '--data', join(root, 'wrong.json'));
    expect(w.stderr.trim()).toBe(`whittle: data: ${join(root, 'wrong.json')} has samples of shape [3] but model 'tiny-rgb' takes [8×8×3]`);
    const a = run('quantize', modelDir, '--activations', '8');
    expect(a.stderr.trim()).toContain('whittle: quantize --activations needs data');
  });
});
