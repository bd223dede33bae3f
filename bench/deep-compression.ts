import {
  cluster,
  deepCompress,
  evaluate,
  fineTune,
  iterativePrune,
  lenet300100,
  lenet5,
  mnist,
  pruneSchedule,
  saveModel,
  shiftAugment,
  type ReferenceName,
} from '@whittle/core';
import type * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeAll, benchTable, mean, pct, sd, type Benchmark } from './harness.js';
import { cite, DEEP_COMPRESSION, TORCH } from './references.js';

const PAPER = 'Han et al., Deep Compression (ICLR 2016), their LeNets';

// What the issue asks of Whittle (weight bytes, fp32 ÷ compressed) and the stretch goal.
const TARGET: Record<string, number> = { 'lenet-300-100': 40, 'lenet-5': 39 };
const STRETCH = 50;

// How the LeNet-5 recipe was chosen (bench/deep-validation.ts; no test digit was used).
const VALIDATION = [
  'The LeNet-5 recipe was chosen on a validation split, not the test split: per digit the last 20 % of the train split in file order (like the test split: other writers; 1,599 digits, so 0.06 pp is one digit), with a fresh LeNet-5 trained like the pretrained one on the other 80 % (97.31 % on it).',
  'Each setting ran seeds 0–4 with `npx tsx bench/deep-validation.ts` (mean Δ and worst seed against 97.31 %; the previous recipe at 91 %, k = 16/16/8/8/8 is 41.6×):',
  'previous recipe −0.41 pp (worst −0.75);',
  'a teacher (the fp32 model, distillation T = 4, α = 0.9) in every fine-tuning −0.35 (worst −0.44), with T = 2, α = 0.5 −0.44;',
  '4 annealing epochs −0.49; centroids 2 epochs at 1e-4 then 2 at 3e-5 −0.41; 5 pruning rounds × 2 epochs −0.63; 6 epochs per round −0.46; 1 epoch per round −0.66; rounds at Adam 3e-4 −0.61;',
  'k = 32 on the convolutions and 16 on fc3 −0.30 (39.7×); convolutions left dense, fc layers at 92 % −0.33 (38.5×); sparsity 90 % −0.38;',
  'no pruning at all (sparsity 1 %, k = 8 on dense kernels, same epochs) +0.11: the loss is pruning, then overfitting the same 6,400 digits for 13 epochs, which only the shifted copies fixed:',
  '2 shifted copies −0.01 (worst −0.25, 41.1–41.4×); with k = 32 on conv2, 16 on fc3 and 3 centroid epochs +0.13 (worst −0.13, 39.7–40.0×): the recipe here.',
  'Stretch (≥ 50×), not reached: 93 %, k = 4 on fc1 and fc2 (50.5–50.7×) −0.31 / +0.31 / −0.19 on seeds 0–2, with 5 centroid epochs −0.38 / +0.13 (seed 0 fails either way); 94 %, k = 16/16/8/8/8 (54.4×) −0.57 on seed 0.',
  '(The shifted-copy rows drew the copies’ directions from one fixed seed; deepCompress and the committed script draw them from the run’s seed.)',
  'A random 20 % validation split (splitData) did not reproduce the loss (the previous recipe ended +0.16 pp above its baseline there): the loss is on unseen writers.',
].join(' ');

interface Config {
  name: ReferenceName;
  build: () => tf.LayersModel;
  layout: 'flat' | 'image';
  sparsity: number;
  /** Centroids per codebook: one k, or by layer name. */
  clusters: number | Record<string, number>;
  /** Fine-tuning epochs after each pruning round (Adam 1e-3). */
  epochs: number;
  /** Then epochs of fine-tuning at Adam 1e-4 (masks kept) before clustering. */
  annealEpochs: number;
  /** Centroid fine-tuning: epochs and Adam learning rate. */
  centroidEpochs: number;
  centroidLearningRate: number;
  /** Shifted copies of the training images that every fine-tuning also sees (deepCompress's shiftCopies; image models). */
  shiftCopies: number;
  /** More seeds (the shuffling of every fine-tuning) to run the pipeline with in full mode, for the spread. */
  seeds: number[];
}

/** k for each clustered kernel (one k, or by layer name), but never more than its distinct nonzero weights (LeNet-5's conv1 has 150). */
function clustersFor(model: tf.LayersModel, k: number | Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const layer of model.layers) {
    const w = layer.weights.find((v) => /kernel$/.test(v.originalName));
    if (!w) continue;
    const want = typeof k === 'number' ? k : k[layer.name];
    if (want === undefined) continue;
    const distinct = new Set(Array.from(w.read().dataSync()).filter((v) => v !== 0)).size;
    out[layer.name] = Math.min(want, distinct);
  }
  return out;
}
const describeK = (k: number | Record<string, number>) =>
  typeof k === 'number'
    ? `k = ${k}`
    : `k = ${Object.entries(k)
        .map(([name, n]) => `${n} (${name})`)
        .join(', ')}`;

export const deepCompressionBench: Benchmark = {
  name: 'deep-compression',
  title: 'Deep Compression: prune → fine-tune → k-means → fine-tune centroids → Huffman, bytes as written',
  description:
    'From Whittle’s own pretrained fp32 models: `deepCompress` prunes iteratively (one global magnitude threshold over every kernel, classifier included; 3 rounds, each followed by fine-tuning with masks, Adam 1e-3; for LeNet-5 then 2 epochs at 1e-4, and every LeNet-5 fine-tuning also sees 2 copies of the training digits moved one pixel in a seeded random direction, `shiftCopies: 2`), clusters each kernel with k-means (linear init, zeros kept out), fine-tunes the centroids (each centroid moves by the sum of its members’ gradients; Adam), rounds biases to float16, saves in Whittle’s deep format (codebooks, relative-index sparse coding, canonical Huffman of indices and gaps), reloads it and checks every weight bit for bit. Ratios are fp32 weight bytes ÷ the bytes of the files written. Then a table of k against accuracy, from one pruned model, with and without centroid fine-tuning.',
  run: async ({ quick, log }) => {
    const { figures, rows, result } = benchTable([
      'model',
      'sparsity, clusters',
      'accuracy fp32 → compressed',
      'weight bytes',
      'ratio (weights)',
      'ratio (whole folder)',
      TORCH,
      PAPER,
      'issue bound',
    ]);
    const table: (string | number)[][] = [];
    const configs: Config[] = [
      {
        name: 'lenet-300-100',
        build: () => lenet300100({ pretrained: true }),
        layout: 'flat',
        sparsity: 0.94,
        clusters: 32,
        epochs: 2,
        annealEpochs: 0,
        centroidEpochs: 2,
        centroidLearningRate: 1e-4,
        shiftCopies: 0,
        seeds: [],
      },
      {
        name: 'lenet-5',
        build: () => lenet5({ pretrained: true }),
        layout: 'image',
        sparsity: 0.91,
        clusters: { conv1: 16, conv2: 32, fc1: 8, fc2: 8, fc3: 16 },
        epochs: 3,
        annealEpochs: 2,
        centroidEpochs: 3,
        centroidLearningRate: 1e-4,
        shiftCopies: 2,
        seeds: [1, 2],
      },
    ];
    const spread: string[] = [];
    const steps = quick ? 1 : 3;
    const ks = quick ? [4, 32] : [4, 16, 32, 256];
    for (const c of quick ? configs.slice(0, 1) : configs) {
      const epochs = quick ? 1 : c.epochs;
      const { train, test } = mnist({ layout: c.layout, limit: quick ? 1000 : undefined });
      const base = c.build();
      const before = evaluate(base, test).accuracy;
      const run = (seed: number) =>
        deepCompress(base, train, {
          sparsity: c.sparsity,
          pruneSteps: steps,
          clusters: c.clusters,
          epochs,
          annealEpochs: quick ? 0 : c.annealEpochs,
          centroidEpochs: quick ? 1 : c.centroidEpochs,
          centroidLearningRate: c.centroidLearningRate,
          shiftCopies: quick ? 0 : c.shiftCopies,
          test,
          seed,
          onStage: (s) => log(`${c.name} (seed ${seed}): ${s.stage}: ${pct(s.accuracy ?? NaN)}, ${s.bytes} B, ${s.ratio.toFixed(1)}×`),
        });
      const { model, report } = await run(0);
      const b = report.bytes!;
      const final = report.stages!.at(-1)!;
      const ratio = b.baselineWeights / b.weights;
      const torch = {
        torch: c.name === 'lenet-300-100' ? DEEP_COMPRESSION.values.torch['lenet-300-100'] : undefined,
        paper: DEEP_COMPRESSION.values.paper[c.name as 'lenet-300-100' | 'lenet-5'],
      };
      figures.push(
        { name: `${c.name} weight-bytes ratio`, value: ratio, unit: '×', reference: torch.torch?.ratioHuffman, referenceSource: TORCH },
        { name: `${c.name} whole-folder ratio (model.json included)`, value: b.baselineTotal / b.total, unit: '×' },
        { name: `${c.name} gzip whole-folder ratio`, value: b.baselineTotal / b.gzipTotal, unit: '×' },
        {
          name: `${c.name} accuracy after`,
          value: final.accuracy!,
          unit: 'fraction',
          reference: torch.torch?.accuracy,
          referenceSource: TORCH,
        },
        { name: `${c.name} accuracy fp32 baseline`, value: before, unit: 'fraction' },
      );
      const drop = (before - final.accuracy!) * 100;
      rows.push([
        c.name,
        `${(c.sparsity * 100).toFixed(0)} % in 3 rounds × ${c.epochs} epochs${c.annealEpochs ? ` + ${c.annealEpochs} at 1e-4` : ''}, ${describeK(c.clusters)}, centroids ${c.centroidEpochs} epochs at ${c.centroidLearningRate}${c.shiftCopies ? `; every fine-tuning also on ${c.shiftCopies} copies of the digits moved one pixel` : ''}`,
        `${pct(before)} → ${pct(final.accuracy!)} (${drop <= 0 ? '+' : '−'}${Math.abs(drop).toFixed(2)} pp)`,
        `${b.baselineWeights.toLocaleString('en-US')} → ${b.weights.toLocaleString('en-US')} B`,
        `**${ratio.toFixed(1)}×**`,
        `${(b.baselineTotal / b.total).toFixed(1)}× (${b.total.toLocaleString('en-US')} B; gzip ${(b.baselineTotal / b.gzipTotal).toFixed(1)}×)`,
        torch.torch ? `${torch.torch.ratioHuffman}× (${torch.torch.ratioPlain}× without Huffman) at ${pct(torch.torch.accuracy)}` : '–',
        `${torch.paper}×`,
        `≥ ${TARGET[c.name]}× and ≥ −0.2 pp: ${ratio >= TARGET[c.name]! && drop <= 0.2 ? '✓' : '✗'}; stretch ≥ ${STRETCH}×: ${ratio >= STRETCH ? '✓' : '✗'}`,
      ]);
      model.dispose();
      const accuracies = [final.accuracy!];
      for (const seed of quick ? [] : c.seeds) {
        const again = await run(seed);
        const a = again.report.stages!.at(-1)!.accuracy!;
        const r = again.report.bytes!.baselineWeights / again.report.bytes!.weights;
        accuracies.push(a);
        figures.push({ name: `${c.name} accuracy after, seed ${seed}`, value: a, unit: 'fraction' });
        const d = (before - a) * 100;
        rows.push([
          `${c.name}, seed ${seed}`,
          'same',
          `${pct(before)} → ${pct(a)} (${d <= 0 ? '+' : '−'}${Math.abs(d).toFixed(2)} pp)`,
          `${again.report.bytes!.weights.toLocaleString('en-US')} B`,
          `${r.toFixed(1)}×`,
          `${(again.report.bytes!.baselineTotal / again.report.bytes!.total).toFixed(1)}×`,
          '–',
          '',
          `${r >= TARGET[c.name]! && d <= 0.2 ? '✓' : '✗'}`,
        ]);
        again.model.dispose();
      }
      if (accuracies.length > 1) {
        const [m, s] = [mean(accuracies), sd(accuracies)];
        const met = accuracies.filter((a) => (before - a) * 100 <= 0.2).length;
        spread.push(
          `${c.name} over seeds 0, ${c.seeds.join(', ')} (the shuffling of every fine-tuning; the test split holds 2,004 digits, so 0.05 pp is one digit): ${pct(m)} ± ${(s * 100).toFixed(2)} pp (mean ± sd), ${Math.abs((before - m) * 100).toFixed(2)} pp ${m <= before ? 'below' : 'above'} fp32 on average; the −0.2 pp bound holds for ${met} of ${accuracies.length}.`,
        );
      }

      if (c.shiftCopies && !quick) {
        // The shifted copies also help an unpruned model: train the fp32 model with the same data and epochs, no
        // compression, so the compressed accuracy can be read against what that training alone gives.
        const aug = shiftAugment(train, { copies: c.shiftCopies, seed: 0 });
        const rounds = await fineTune(base, aug, { epochs: steps * c.epochs, seed: 0 });
        const lowRate = await fineTune(rounds.model, aug, { epochs: c.annealEpochs + c.centroidEpochs, learningRate: 1e-4, seed: 0 });
        const same = evaluate(lowRate.model, test).accuracy;
        disposeAll(rounds.model, lowRate.model, aug);
        const gap = (same - final.accuracy!) * 100;
        figures.push({ name: `${c.name} fp32 with the same shifted-copy fine-tuning, no compression`, value: same, unit: 'fraction' });
        spread.push(
          `${c.name} without compression, same fine-tuning (fp32, ${steps * c.epochs} epochs at 1e-3 then ${c.annealEpochs + c.centroidEpochs} at 1e-4, on the same ${c.shiftCopies} shifted copies, seed 0): ${pct(same)}. So most of the gain over the pretrained ${pct(before)} is the training data, not the compression: the compressed seed-0 model is ${Math.abs(gap).toFixed(2)} pp ${gap >= 0 ? 'below' : 'above'} this equally trained fp32 model. The issue's bound is against Whittle's pretrained fp32 model, which is the model a user starts from.`,
        );
      }

      // k against accuracy, from one pruned model (same schedule and data), with and without centroid fine-tuning
      const data = c.shiftCopies && !quick ? shiftAugment(train, { copies: c.shiftCopies, seed: 0 }) : train;
      const pruned = await iterativePrune(base, data, {
        steps: pruneSchedule(c.sparsity, steps),
        scope: 'global',
        includeOutput: true,
        fineTuneEpochs: epochs,
        test,
      });
      const annealed =
        c.annealEpochs && !quick
          ? (await fineTune(pruned.model, data, { masks: pruned.masks, epochs: c.annealEpochs, learningRate: 1e-4 })).model
          : pruned.model;
      const prunedAccuracy = evaluate(annealed, test).accuracy;
      const dir = mkdtempSync(join(tmpdir(), 'whittle-bench-deep-'));
      try {
        for (const k of ks) {
          const shared = cluster(annealed, { clusters: clustersFor(annealed, k) });
          const oneShot = evaluate(shared.model, test).accuracy;
          const tuned = await fineTune(shared.model, data, {
            clusters: shared.assignments,
            masks: pruned.masks,
            epochs: quick ? 1 : c.centroidEpochs,
            learningRate: c.centroidLearningRate,
          });
          const after = evaluate(tuned.model, test).accuracy;
          const saved = await saveModel(tuned.model, join(dir, `k${k}`), { quantization: 'deep', clusters: tuned.clusters });
          const bytes = saved.files.find((f) => f.name === 'weights.bin')!.bytes;
          log(`${c.name} k=${k}: ${pct(oneShot)} → ${pct(after)}, ${bytes} B`);
          figures.push({
            name: `${c.name} k=${k} accuracy without / with centroid fine-tuning`,
            value: after,
            unit: 'fraction',
            reference: oneShot,
          });
          table.push([
            c.name,
            k,
            pct(prunedAccuracy),
            pct(oneShot),
            pct(after),
            bytes.toLocaleString('en-US'),
            `${(b.baselineWeights / bytes).toFixed(1)}×`,
          ]);
          shared.model.dispose();
          tuned.model.dispose();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
        if (data !== train) data.dispose();
        if (annealed !== pruned.model) annealed.dispose();
        pruned.model.dispose();
      }
      disposeAll(base, train, test);
    }
    rows.push(['**clusters per layer**', 'k', 'pruned', 'k-means', '+ centroid fine-tune', 'weight bytes', 'ratio'], ...table);
    return result(
      'Whittle starts from its own pretrained weights (LeNet-300-100 94.31 %, LeNet-5 97.41 %); the PyTorch harness (shared/reference/mnist-references.md §6) from its own 94.61 % model: prune to 92 % → k = 32 per layer → 2 epochs of centroid fine-tuning, sizes from a formula with 5-bit weights and 4-bit gaps. It has no LeNet-5 run. The paper’s LeNet-5 is Caffe’s (431 K params); Whittle’s is the classic 61,706-param one, with less to squeeze.',
      `PyTorch column: ${cite(DEEP_COMPRESSION)}.`,
      'Weight bytes = the weights.bin written, biases included (float16 in the pipeline rows, float32 in the k table); whole folder adds model.json (topology + the deep format’s per-tensor specs). Every weight of the reloaded model is compared bit for bit with the compressed model before these are reported.',
      'The k table clusters one pruned model (same schedule and annealing) at each k, the same k in every layer (capped at a layer’s distinct nonzero weights: LeNet-5’s conv1 has ≤ 150), then fine-tunes the centroids as in the pipeline (masks kept); its ratios are weight bytes with float32 biases.',
      ...spread,
      VALIDATION,
      'The machine was shared with other sessions during the run; only sizes and accuracies are reported, no timings.',
    );
  },
};
