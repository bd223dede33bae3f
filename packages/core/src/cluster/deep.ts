/**
 * The Deep Compression pipeline (Han et al., ICLR 2016): prune iteratively with
 * fine-tuning → share weights (k-means) → fine-tune the centroids → entropy-code
 * → reload from disk and verify every weight. Sizes are the bytes written.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../analysis/evaluate.js';
import { checkDataset, type Dataset } from '../data/dataset.js';
import { checkFraction, checkIntInRange, checkPositiveInt, fail } from '../errors.js';
import { loadLayersModel } from '../io/load.js';
import { saveModel, type SavedModel } from '../io/save.js';
import { setStorageFormat } from '../io/storage.js';
import { checkModel } from '../models/check.js';
import { kernelOf } from '../models/weights.js';
import { fineTune } from '../prune/finetune.js';
import { iterativePrune } from '../prune/schedules.js';
import type { ClusteringReport, ClusteringStage } from '@whittle/report';
import { cluster, type Clusters } from './cluster.js';
import type { ClusterInit } from './kmeans.js';
import { checkOptions, optionKeys } from '../options.js';
import { shiftAugment } from '../data/augment.js';
import { encodeWeight } from '../quantize/export.js';
import type { Masks } from '../prune/masks.js';
import type { TrainProgress } from '../train/fit.js';

/** The defaults of the options below, named once (the CLI's and %compress's help quote them). */
export const DEEP_DEFAULTS = { sparsity: 0.92, pruneSteps: 3, clusters: 32, epochs: 2 } as const;

/** Progress of one of the pipeline's fine-tunings: which stage it belongs to, and fit's step. */
export interface DeepProgress extends TrainProgress {
  /** 'pruning round 2/3', 'annealing' or 'centroids'. */
  stage: string;
}

export interface DeepCompressOptions {
  /** Final fraction of kernel weights removed (one global magnitude threshold, classifier included), in [0, 1). Default 0.92. */
  sparsity?: number;
  /** Pruning rounds, each followed by fine-tuning, rising geometrically in kept weights to `sparsity`. Default 3. */
  pruneSteps?: number;
  /** Centroids per codebook (number, or layer name / glob → k). Default 32. */
  clusters?: number | Record<string, number>;
  init?: ClusterInit;
  scope?: 'layer' | 'channel';
  /** Fine-tuning epochs after each pruning round and for the centroids. Default 2. */
  epochs?: number;
  /** Adam learning rate of the pruning rounds. Default 1e-3. */
  learningRate?: number;
  /**
   * Epochs of a last fine-tuning of the pruned model (masks kept) at `annealLearningRate`, before clustering.
   * The rounds end at a learning rate high enough to recover from each cut; a few epochs at a tenth of it
   * settle the weights (measured on LeNet-5: +0.1 pp). Default 0.
   */
  annealEpochs?: number;
  /** Adam learning rate of the annealing epochs. Default 1e-4. */
  annealLearningRate?: number;
  /** Epochs of centroid fine-tuning. Default `epochs`. */
  centroidEpochs?: number;
  /** Adam learning rate of the centroids. Default 1e-4. */
  centroidLearningRate?: number;
  /**
   * Fine-tune on `train` plus this many copies of it with every image moved one pixel in a
   * seeded random direction (see shiftAugment; image inputs [n, height, width, channels] only).
   * Pruning then fine-tuning on the same digits for many epochs overfits them: on LeNet-5 the
   * pruned model lost 0.4 pp on held-out writers, which 2 shifted copies won back (bench notes).
   * Every fine-tuning (rounds, annealing, centroids) sees them. Default 0.
   */
  shiftCopies?: number;
  /** Store biases (every tensor not clustered) as float16, rounding them before the final evaluation. Default true. */
  float16Biases?: boolean;
  /** Data to measure accuracy after each stage. */
  test?: Dataset;
  /** Folder to write the compressed model to (default: a temporary one, removed after measuring). */
  out?: string;
  /** Called as each stage finishes. */
  onStage?: (s: ClusteringStage) => void;
  /** Called during every fine-tuning (every few steps; see fit's onProgress). Throwing stops the run; the input is unchanged. */
  onProgress?: (p: DeepProgress) => void;
  seed?: number;
}

const KEYS = optionKeys<DeepCompressOptions>({
  sparsity: true,
  pruneSteps: true,
  clusters: true,
  init: true,
  scope: true,
  epochs: true,
  learningRate: true,
  annealEpochs: true,
  annealLearningRate: true,
  centroidLearningRate: true,
  centroidEpochs: true,
  float16Biases: true,
  shiftCopies: true,
  test: true,
  out: true,
  onStage: true,
  onProgress: true,
  seed: true,
});

/** Sparsities of the pruning rounds: the kept fraction shrinks geometrically from 1 to 1 − s. */
export function pruneSchedule(sparsity: number, steps: number): number[] {
  return Array.from({ length: steps }, (_, i) => Number((1 - (1 - sparsity) ** ((i + 1) / steps)).toFixed(4)));
}

const weightBytes = (s: SavedModel) => s.files.find((f) => f.name === 'weights.bin')!.bytes;

function nonzeros(model: tf.LayersModel): number {
  let n = 0;
  for (const w of model.getWeights()) for (const v of w.dataSync()) if (v !== 0) n++;
  return n;
}

export async function deepCompress(model: tf.LayersModel, train: Dataset, options: DeepCompressOptions = {}) {
  checkModel('deepCompress', model);
  checkOptions('deepCompress', options, KEYS);
  checkDataset('deepCompress', 'train', train);
  const sparsity = checkFraction('deepCompress', 'sparsity', options.sparsity ?? DEEP_DEFAULTS.sparsity);
  const steps = checkPositiveInt('deepCompress', 'pruneSteps', options.pruneSteps ?? DEEP_DEFAULTS.pruneSteps);
  const epochs = checkPositiveInt('deepCompress', 'epochs', options.epochs ?? DEEP_DEFAULTS.epochs);
  const centroidEpochs = checkPositiveInt('deepCompress', 'centroidEpochs', options.centroidEpochs ?? epochs);
  const annealEpochs = checkIntInRange('deepCompress', 'annealEpochs', options.annealEpochs ?? 0, 0, 1000);
  const shiftCopies = checkIntInRange('deepCompress', 'shiftCopies', options.shiftCopies ?? 0, 0, 64);
  if (shiftCopies > 0 && train.x.rank !== 4)
    fail(
      'deepCompress',
      `shiftCopies=${shiftCopies} needs image inputs [n, height, width, channels], but train.x has shape [${train.x.shape.join(', ')}]`,
    );
  const { test, seed = 0 } = options;
  const progress = (stage: () => string) => options.onProgress && ((p: TrainProgress) => options.onProgress!({ ...p, stage: stage() }));
  let round = 1;
  const params = model.countParams();
  const scratch = mkdtempSync(join(tmpdir(), 'whittle-deep-'));
  const stages: ClusteringStage[] = [];
  const owned: tf.LayersModel[] = [];
  const data = shiftCopies > 0 ? shiftAugment(train, { copies: shiftCopies, seed }) : train;
  try {
    const baseline = await saveModel(model, join(scratch, 'fp32'), { quantization: 'float32' });
    const stage = (name: string, m: tf.LayersModel, bytes: number) => {
      const row: ClusteringStage = {
        stage: name,
        accuracy: test ? evaluate(m, test).accuracy : null,
        nonzeros: nonzeros(m),
        bitsPerWeight: (bytes * 8) / params,
        bytes,
        ratio: weightBytes(baseline) / bytes,
      };
      stages.push(row);
      options.onStage?.(row);
    };
    stage('fp32 baseline', model, weightBytes(baseline));
    const schedule = pruneSchedule(sparsity, steps);
    const pruned = await iterativePrune(model, data, {
      steps: schedule,
      scope: 'global',
      includeOutput: true,
      fineTuneEpochs: epochs,
      learningRate: options.learningRate,
      seed,
      onStep: (s) => (round = s.step + 1),
      onProgress: progress(() => `pruning round ${round}/${steps}`),
    });
    owned.push(pruned.model);
    let prunedModel = pruned.model;
    if (annealEpochs > 0) {
      const annealed = await fineTune(pruned.model, data, {
        masks: pruned.masks,
        epochs: annealEpochs,
        learningRate: options.annealLearningRate ?? 1e-4,
        seed,
        onProgress: progress(() => 'annealing'),
      });
      owned.push((prunedModel = annealed.model));
    }
    stage(
      `pruned ${schedule.map((s) => `${(s * 100).toFixed(0)}%`).join(' → ')} + fine-tuned${annealEpochs ? ` + ${annealEpochs} annealing epoch${annealEpochs > 1 ? 's' : ''}` : ''} (float32 on disk)`,
      prunedModel,
      weightBytes(baseline),
    );
    const clusters = options.clusters ?? DEEP_DEFAULTS.clusters;
    const shared = cluster(prunedModel, { clusters, init: options.init, scope: options.scope, seed });
    owned.push(shared.model);
    const encodedShared = await saveModel(shared.model, join(scratch, 'shared'), { quantization: 'deep', clusters: shared.assignments });
    stage(`k-means (k = ${typeof clusters === 'number' ? clusters : 'per layer'}), encoded`, shared.model, weightBytes(encodedShared));
    const tuned = await fineTune(shared.model, data, {
      clusters: shared.assignments,
      masks: pruned.masks,
      epochs: centroidEpochs,
      learningRate: options.centroidLearningRate ?? 1e-4,
      seed,
      onProgress: progress(() => 'centroids'),
    });
    owned.push(tuned.model);
    const dir = options.out ?? join(scratch, 'deep');
    const unclustered = options.float16Biases === false ? 'float32' : 'float16';
    if (unclustered === 'float16') roundUnclustered(tuned.model, tuned.clusters!);
    const saved = await saveModel(tuned.model, dir, { quantization: 'deep', clusters: tuned.clusters, unclustered });
    const reloaded = await loadLayersModel(dir, 'deepCompress');
    try {
      verifySame(tuned.model, reloaded);
      stage(
        `centroids fine-tuned${unclustered === 'float16' ? ', float16 biases' : ''}, encoded and reloaded`,
        reloaded,
        weightBytes(saved),
      );
    } catch (err) {
      reloaded.dispose(); // not returned: a failed check or a throwing onStage leaves nothing behind
      throw err;
    }
    const report: ClusteringReport = {
      ...shared.report,
      title: `Deep Compression of ${model.name}: ${(weightBytes(baseline) / weightBytes(saved)).toFixed(1)}× smaller weights`,
      stages,
      bytes: {
        weights: weightBytes(saved),
        total: saved.bytes,
        gzipWeights: saved.files.find((f) => f.name === 'weights.bin')!.gzipBytes,
        gzipTotal: saved.gzipBytes,
        baselineWeights: weightBytes(baseline),
        baselineTotal: baseline.bytes,
      },
    };
    setStorageFormat(reloaded, { quantization: 'deep', clusters: tuned.clusters, unclustered });
    return { model: reloaded, report, assignments: tuned.clusters as Clusters, masks: pruned.masks as Masks, saved };
  } finally {
    owned.forEach((m) => m.dispose());
    if (data !== train) data.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Rounds every float32 weight that is not a clustered kernel to float16, in place (what the file will hold). */
function roundUnclustered(model: tf.LayersModel, clusters: Clusters): void {
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const kernel = clusters[layer.name] ? (kernelOf(layer)?.index ?? -1) : -1;
    const rounded = weights.map((w, i) =>
      i === kernel || w.dtype !== 'float32' ? w : tf.tensor(encodeWeight(w.dataSync() as Float32Array, 'float16').decoded, w.shape),
    );
    layer.setWeights(rounded);
    rounded.forEach((t, i) => t !== weights[i] && t.dispose());
  }
}

/** The reloaded model must hold exactly the weights that were encoded. */
function verifySame(a: tf.LayersModel, b: tf.LayersModel): void {
  const wa = a.getWeights();
  const wb = b.getWeights();
  wa.forEach((w, i) => {
    const x = w.dataSync();
    const y = wb[i]!.dataSync();
    for (let j = 0; j < x.length; j++)
      if (x[j] !== y[j])
        fail('deepCompress', `reloaded weight ${a.weights[i]!.name} differs at ${j} (${x[j]} vs ${y[j]}): the encoding is not exact`);
  });
}
