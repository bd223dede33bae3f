/**
 * How the LeNet-5 recipe of the deep-compression benchmark was chosen, without the test split:
 * `npx tsx bench/deep-validation.ts '{"mode":"tail","aug":2}'` (JSON overrides of `cfg` below).
 *
 * mode 'tail' (the one used): a validation split made like the test split — per digit, the last
 * 20 % of the train split in file order (other writers) — and a fresh LeNet-5 trained on the
 * other 80 % like the pretrained one (10 epochs, Adam 1e-3, seed 0), then the pipeline's stages
 * by hand (prune, fineTune, cluster) so that settings deepCompress has no option for (a teacher
 * in every fine-tuning, re-clustering rounds, layers left dense) can be tried too. Prints, per
 * seed, the accuracy after each stage, the weight bytes written and the per-layer sparsity.
 * mode 'val': a random stratified 20 % (splitData), which did not reproduce the test loss.
 * mode 'test': the pretrained model and the test split (for the record, not for choosing).
 */
import * as tf from '@tensorflow/tfjs';
import {
  cluster,
  evaluate,
  fineTune,
  fit,
  shiftAugment,
  gather,
  permutation,
  initBackend,
  lenet5,
  loadModel,
  mnist,
  prune,
  pruneSchedule,
  saveModel,
  splitData,
  type Clusters,
  type Dataset,
  type Masks,
} from '@whittle/core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Cfg {
  mode: 'val' | 'test' | 'tail';
  seeds: number[];
  sparsity: number;
  steps: number;
  epochs: number;
  lr?: number;
  skip?: string[];
  aug?: number;
  anneal: number;
  annealLr: number;
  k: Record<string, number>;
  centroid: [number, number][]; // [epochs, lr] phases
  kd: { prune: boolean; anneal: boolean; centroid: boolean; T: number; alpha: number };
  reassign?: number; // rounds of (dense fine-tune 1 epoch @annealLr with masks → re-cluster) before centroid tuning
  label: string;
}
const cfg: Cfg = {
  mode: 'tail',
  seeds: [0, 1, 2],
  sparsity: 0.91,
  steps: 3,
  epochs: 3,
  anneal: 2,
  annealLr: 1e-4,
  k: { conv1: 16, conv2: 16, fc1: 8, fc2: 8, fc3: 8 },
  centroid: [[2, 1e-4]],
  kd: { prune: false, anneal: false, centroid: false, T: 4, alpha: 0.9 },
  label: 'current',
  ...JSON.parse(process.argv[2] ?? '{}'),
};

await initBackend();
const VAL_DIR = join(tmpdir(), 'whittle-deep-validation-random');

async function setup(): Promise<{ base: tf.LayersModel; train: Dataset; evalSet: Dataset }> {
  if (cfg.mode === 'tail') {
    // like the test split: per digit, the last 20 % of the train split in file order (other writers)
    const { train: all, test } = mnist({ layout: 'image', shuffle: false });
    test.dispose();
    const byClass = new Map<number, number[]>();
    all.labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
    const valRows: number[] = [];
    const trainRows: number[] = [];
    for (const rows of byClass.values()) {
      const cut = rows.length - Math.floor(0.2 * rows.length);
      trainRows.push(...rows.slice(0, cut));
      valRows.push(...rows.slice(cut));
    }
    const perm = permutation(trainRows.length, 0);
    const tr = gather(
      all,
      Array.from(perm, (i) => trainRows[i]!),
    );
    const va = gather(all, valRows);
    all.dispose();
    const dirT = join(tmpdir(), 'whittle-deep-validation-tail');
    if (!existsSync(join(dirT, 'model.json'))) {
      const m = lenet5({ seed: 0 });
      await fit(m, tr, { epochs: 10, seed: 0 });
      await saveModel(m, dirT);
      m.dispose();
    }
    return { base: (await loadModel(dirT)) as tf.LayersModel, train: tr, evalSet: va };
  }
  const { train, test } = mnist({ layout: 'image' });
  if (cfg.mode === 'test') return { base: lenet5({ pretrained: true }), train, evalSet: test };
  test.dispose();
  const parts = splitData(train, { testFraction: 0.2, seed: 0 });
  train.dispose();
  if (!existsSync(join(VAL_DIR, 'model.json'))) {
    const m = lenet5({ seed: 0 });
    await fit(m, parts.train, { epochs: 10, seed: 0 });
    await saveModel(m, VAL_DIR);
    m.dispose();
  }
  return { base: (await loadModel(VAL_DIR)) as tf.LayersModel, train: parts.train, evalSet: parts.test };
}

const setupOut = await setup();
const { base, evalSet } = setupOut;
const plain = setupOut.train;
const acc = (m: tf.LayersModel) => evaluate(m, evalSet).accuracy;
const before = acc(base);
const kdOpts = (on: boolean) => (on ? { teacher: base, temperature: cfg.kd.T, alpha: cfg.kd.alpha } : {});
const results: number[] = [];
const out: string[] = [];
for (const seed of cfg.seeds) {
  const t0 = Date.now();
  const train = cfg.aug ? shiftAugment(plain, { copies: cfg.aug, seed }) : plain;
  let current = base;
  let masks: Masks = {};
  for (const s of pruneSchedule(cfg.sparsity, cfg.steps)) {
    const p = prune(current, { sparsity: s, scope: 'global', includeOutput: true, skip: cfg.skip });
    const t = await fineTune(p.model, train, { masks: p.masks, epochs: cfg.epochs, learningRate: cfg.lr, seed, ...kdOpts(cfg.kd.prune) });
    p.model.dispose();
    if (current !== base) current.dispose();
    current = t.model;
    masks = p.masks;
  }
  const aPruned = acc(current);
  if (cfg.anneal) {
    const t = await fineTune(current, train, { masks, epochs: cfg.anneal, learningRate: cfg.annealLr, seed, ...kdOpts(cfg.kd.anneal) });
    current.dispose();
    current = t.model;
  }
  const aAnneal = acc(current);
  const layerSparsity = Object.values(masks)
    .map((m) => `${m.layer}:${(100 * (1 - m.values.reduce((a: number, b: number) => a + b, 0) / m.values.length)).toFixed(1)}`)
    .join(' ');
  const shared = cluster(current, { clusters: cfg.k });
  const aKmeans = acc(shared.model);
  let assignments: Clusters = shared.assignments;
  let model = shared.model;
  for (let r = 0; r < (cfg.reassign ?? 0); r++) {
    // dense fine-tune from the clustered values, then re-cluster
    const t = await fineTune(model, train, {
      masks,
      epochs: 1,
      learningRate: cfg.annealLr,
      seed: seed + 100 * r,
      ...kdOpts(cfg.kd.centroid),
    });
    model.dispose();
    const again = cluster(t.model, { clusters: cfg.k });
    t.model.dispose();
    model = again.model;
    assignments = again.assignments;
  }
  const aRe = acc(model);
  const phases: number[] = [];
  for (const [e, lr] of cfg.centroid) {
    const t = await fineTune(model, train, { clusters: assignments, masks, epochs: e, learningRate: lr, seed, ...kdOpts(cfg.kd.centroid) });
    model.dispose();
    model = t.model;
    assignments = t.clusters!;
    phases.push(acc(model));
  }
  const dir = mkdtempSync(join(tmpdir(), 'whittle-deep-validation-'));
  const saved = await saveModel(model, join(dir, 'm'), { quantization: 'deep', clusters: assignments, unclustered: 'float16' });
  const bytes = saved.files.find((f) => f.name === 'weights.bin')!.bytes;
  rmSync(dir, { recursive: true, force: true });
  const final = phases.at(-1)!;
  results.push(final);
  const line = `seed ${seed}: pruned ${(aPruned * 100).toFixed(2)} anneal ${(aAnneal * 100).toFixed(2)} kmeans ${(aKmeans * 100).toFixed(2)} re ${(aRe * 100).toFixed(2)} centroid ${phases.map((p) => (p * 100).toFixed(2)).join('/')} | ${bytes} B ${(246824 / bytes).toFixed(1)}x | ${layerSparsity} | ${((Date.now() - t0) / 1000).toFixed(0)} s`;
  console.log(line);
  out.push(line);
  model.dispose();
  if (current !== base) current.dispose();
  if (train !== plain) train.dispose();
}
const mean = results.reduce((a, b) => a + b, 0) / results.length;
console.log(
  `RESULT ${cfg.label} [${cfg.mode}] base ${(before * 100).toFixed(2)} mean ${(mean * 100).toFixed(2)} (Δ ${((mean - before) * 100).toFixed(2)} pp) min Δ ${((Math.min(...results) - before) * 100).toFixed(2)} | ${JSON.stringify(cfg)}`,
);
