/**
 * The measurements a plan is chosen from, per layer and choice: the bytes the
 * layer's kernel costs (encoded, see choices.ts) and the calibration-accuracy
 * drop when only that layer takes the choice (all independent points, run in
 * the worker pool). Uniform settings (every layer the same choice) are scored
 * on the test split in the same pool run, for the report's baselines.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { gather } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { stratifiedRows } from '../data/subset.js';
import { kernelOf } from '../models/weights.js';
import { isFloat, type Choice, type PlanFormat, type SizeMeasure } from './choices.js';
import type { PlanTask } from './evaluate-plans.js';
import { factorizable, matrixShape, rankOf } from './factor.js';
import { runPlans, type Crash } from './pool.js';

export interface LayerMeasure {
  name: string;
  shape: number[];
  params: number;
  /** Per choice (same order as the choices list); Infinity where the choice is not offered (a rank that saves nothing). */
  bytes: number[];
  drop: number[];
}

export interface Search {
  choices: Choice[];
  layers: LayerMeasure[];
  calibrationAccuracy: number;
  calibrationSamples: number;
  /** Test accuracy of each uniform choice (every layer at it), or [] when not measured. */
  uniformAccuracy: number[];
  points: number;
  seconds: number;
  /** Threads that scored the points, this one included. */
  workers: number;
  crashes: Crash[];
}

export interface SearchOptions {
  choices: Choice[];
  size: SizeMeasure;
  /** File format the bytes are counted in. Default 'packed'. */
  format?: PlanFormat;
  workers: number;
  calibrationSamples: number;
  seed: number;
  baselines: boolean;
  onDone?: (done: number, total: number) => void;
  crashFirstWorker?: boolean;
}

/** A stratified, seeded subset of the training split: every class, in proportion. */
export function calibrationSet(train: Dataset, samples: number, seed: number): Dataset {
  return gather(train, stratifiedRows(train.labels, Math.min(samples, train.size), permutation(train.size, seed)));
}

export async function measureSearch(model: tf.LayersModel, train: Dataset, test: Dataset, o: SearchOptions): Promise<Search> {
  const start = performance.now();
  const layers = model.layers
    .filter((l) => kernelOf(l))
    .map((l) => {
      const shape = l.weights[kernelOf(l)!.index]!.shape as number[];
      return { name: l.name, shape, params: shape.reduce((a, d) => a * d, 1), factorizable: factorizable(l) };
    });
  const isNoop = (c: Choice) => c.sparsity === 0 && isFloat(c);
  // A rank is offered to a layer lowrank can split and only if its factors hold fewer weights (bytes are checked below).
  const offered = (l: (typeof layers)[number], c: Choice) => {
    if (!c.rankFraction) return true;
    if (!l.factorizable) return false;
    const { rows, cols } = matrixShape(l.shape);
    return rankOf(c.rankFraction, l.shape) * (rows + cols) < rows * cols;
  };
  // Most expensive first (whole-model passes on the test split, then early layers, whose changes run most of the
  // model), the cheap byte counts last: the pool's shrinking batches then end with short tasks on every worker.
  // Uniform baselines: not for ranks (not every layer can take one); ranks come last in the choices, so uniform
  // results still line up with choice indices.
  const uniform = o.baselines ? o.choices.filter((c) => !c.rankFraction) : [];
  const tasks: PlanTask[] = uniform.map((c) => ({ choices: Object.fromEntries(layers.map((l) => [l.name, c])), data: 'test' }));
  tasks.push({ choices: {}, data: 'calibration' });
  for (const l of layers)
    for (const c of o.choices) if (!isNoop(c) && offered(l, c)) tasks.push({ choices: { [l.name]: c }, data: 'calibration' });
  const accuracyTasks = tasks.length;
  for (const l of layers)
    for (const c of o.choices)
      if (offered(l, c)) tasks.push({ choices: { [l.name]: c }, data: 'calibration', bytes: o.size, format: o.format });
  const calibration = calibrationSet(train, o.calibrationSamples, o.seed);
  try {
    const { results, crashes } = await runPlans(model, { calibration, test }, tasks, {
      workers: o.workers,
      onDone: o.onDone,
      crashFirstWorker: o.crashFirstWorker,
    });
    const base = results[uniform.length]!;
    let k = uniform.length + 1;
    let b = accuracyTasks;
    const measured: LayerMeasure[] = layers.map((l) => {
      const bytes = o.choices.map((c) => (offered(l, c) ? results[b++]! : Infinity));
      const drop = o.choices.map((c) => (isNoop(c) ? 0 : offered(l, c) ? base - results[k++]! : Infinity));
      // A rank that saves no bytes against the same bits unfactorized is not offered (Infinity: the planner skips it).
      o.choices.forEach((c, i) => {
        const plain = o.choices.findIndex((p) => !p.rankFraction && !p.clusters && p.sparsity === 0 && p.bits === c.bits);
        if (c.rankFraction && plain >= 0 && bytes[i]! >= bytes[plain]!) bytes[i] = drop[i] = Infinity;
      });
      return { name: l.name, shape: l.shape, params: l.params, bytes, drop };
    });
    return {
      choices: o.choices,
      layers: measured,
      calibrationAccuracy: base,
      calibrationSamples: calibration.size,
      uniformAccuracy: results.slice(0, uniform.length),
      points: accuracyTasks,
      seconds: (performance.now() - start) / 1000,
      workers: Math.max(1, o.workers), // threads that scored tasks: 0 and 1 both mean this one alone
      crashes,
    };
  } finally {
    calibration.dispose();
  }
}
