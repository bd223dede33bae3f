/**
 * Pruning while training: schedules that raise sparsity step by step (TF-MOT
 * semantics), dynamic threshold pruning, and the iterative
 * prune → retrain → evaluate loop.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { checkFraction, checkPositiveInt, fail } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { evaluate } from '../analysis/evaluate.js';
import { fit, TRAIN_OPTIONS, type FitOptions } from '../train/fit.js';
import { checkOptions, omitKeys, optionKeys, pickKeys } from '../options.js';
import type { SparsityReport } from '@whittle/report';
import { maskBinding, fineTune } from './finetune.js';
import type { Masks } from './masks.js';
import { normalize, PRUNE_KEYS, PRUNE_OPTIONS, type PruneOptions } from './options.js';
import { computeMasks, prune } from './prune.js';
import { selectTargets } from './targets.js';

export interface PruningSchedule {
  /** Target sparsity at an optimizer step. */
  sparsity(step: number): number;
  /** Whether masks are recomputed at this step. */
  shouldPrune(step: number): boolean;
}

function turn(step: number, beginStep: number, endStep: number, frequency: number): boolean {
  return step >= beginStep && (endStep < 0 || step <= endStep) && (step - beginStep) % frequency === 0;
}

export interface ConstantSparsityOptions {
  targetSparsity: number;
  beginStep?: number;
  endStep?: number;
  frequency?: number;
}
const CONSTANT_KEYS = optionKeys<ConstantSparsityOptions>({ targetSparsity: true, beginStep: true, endStep: true, frequency: true });

/** The same sparsity from `beginStep` on, re-applied every `frequency` steps. */
export function constantSparsity(o: ConstantSparsityOptions): PruningSchedule {
  checkOptions('constantSparsity', o, CONSTANT_KEYS);
  checkFraction('constantSparsity', 'targetSparsity', o.targetSparsity);
  const { beginStep = 0, endStep = -1, frequency = 100 } = o;
  checkPositiveInt('constantSparsity', 'frequency', frequency);
  return { sparsity: () => o.targetSparsity, shouldPrune: (s) => turn(s, beginStep, endStep, frequency) };
}

export interface PolynomialDecayOptions {
  initialSparsity: number;
  finalSparsity: number;
  beginStep: number;
  endStep: number;
  power?: number;
  frequency?: number;
}
const DECAY_KEYS = optionKeys<PolynomialDecayOptions>({
  initialSparsity: true,
  finalSparsity: true,
  beginStep: true,
  endStep: true,
  power: true,
  frequency: true,
});

/**
 * Sparsity rising from `initialSparsity` to `finalSparsity` between `beginStep`
 * and `endStep`: s(t) = s_f + (s_i − s_f)·(1 − (t − t_0)/(t_1 − t_0))^power
 * (Zhu & Gupta 2017; TF-MOT's PolynomialDecay). Fast at first, gentle at the end.
 */
export function polynomialDecay(o: PolynomialDecayOptions): PruningSchedule {
  checkOptions('polynomialDecay', o, DECAY_KEYS);
  checkFraction('polynomialDecay', 'initialSparsity', o.initialSparsity);
  checkFraction('polynomialDecay', 'finalSparsity', o.finalSparsity);
  if (!(o.endStep > o.beginStep)) fail('polynomialDecay', `endStep (${o.endStep}) must be greater than beginStep (${o.beginStep})`);
  const { power = 3, frequency = 100 } = o;
  checkPositiveInt('polynomialDecay', 'frequency', frequency);
  return {
    sparsity: (step) => {
      const p = Math.min(1, Math.max(0, (step - o.beginStep) / (o.endStep - o.beginStep)));
      return o.finalSparsity + (o.initialSparsity - o.finalSparsity) * (1 - p) ** power;
    },
    shouldPrune: (s) => turn(s, o.beginStep, o.endStep, frequency),
  };
}

export interface GradualOptions extends Omit<FitOptions, 'afterStep' | 'variables'>, Omit<PruneOptions, 'sparsity'> {}
const PRUNE_BUT_SPARSITY = omitKeys(PRUNE_OPTIONS, 'sparsity');
const TRAIN_KEYS = Object.keys(TRAIN_OPTIONS);
const GRADUAL_KEYS = optionKeys<GradualOptions>({ ...TRAIN_OPTIONS, ...PRUNE_BUT_SPARSITY });

/**
 * Trains a copy of `model` while pruning it on `schedule`: at each pruning step
 * the masks are recomputed at the scheduled sparsity from the current weights;
 * between them the masks are re-applied after every step.
 */
export async function gradualPrune(model: tf.LayersModel, data: Dataset, schedule: PruningSchedule, options: GradualOptions = {}) {
  checkModel('gradualPrune', model);
  checkOptions('gradualPrune', options, GRADUAL_KEYS);
  checkFiniteWeights('gradualPrune', model);
  const trained = cloneModel(model);
  let binding: ReturnType<typeof maskBinding> | undefined;
  let masks: Masks = {};
  const history: { step: number; sparsity: number }[] = [];
  const repruned = (step: number) => {
    const sparsity = schedule.sparsity(step);
    const o = normalize({ ...pickKeys(options, PRUNE_KEYS), sparsity });
    masks = computeMasks(trained, o).asData;
    binding?.dispose();
    binding = maskBinding(trained, masks);
    history.push({ step, sparsity });
  };
  try {
    if (schedule.shouldPrune(0)) repruned(0);
    binding?.apply();
    await fit(trained, data, {
      ...pickKeys(options, TRAIN_KEYS),
      afterStep: (step) => {
        if (schedule.shouldPrune(step)) repruned(step);
        binding?.apply();
      },
    });
  } catch (err) {
    trained.dispose();
    throw err;
  } finally {
    binding?.dispose();
  }
  return { model: trained, masks, history };
}

export interface DynamicPruneOptions extends Omit<FitOptions, 'afterStep' | 'variables'> {
  /** Weights with |w| below it are zeroed after every step. */
  threshold: number;
  skip?: string[];
  includeOutput?: boolean;
}
const DYNAMIC_KEYS = optionKeys<DynamicPruneOptions>({ ...TRAIN_OPTIONS, threshold: true, skip: true, includeOutput: true });

/**
 * Dynamic (threshold) pruning: after every optimizer step, every chosen weight
 * with |w| < threshold is set to zero. Weights can grow back across the
 * threshold, so the sparsity finds its own level.
 */
export async function dynamicPrune(model: tf.LayersModel, data: Dataset, options: DynamicPruneOptions) {
  checkModel('dynamicPrune', model);
  checkOptions('dynamicPrune', options, DYNAMIC_KEYS);
  checkFiniteWeights('dynamicPrune', model);
  if (!(options.threshold >= 0)) fail('dynamicPrune', `threshold must be ≥ 0, got ${String(options.threshold)}`);
  const trained = cloneModel(model);
  const targets = selectTargets(trained, { skip: options.skip, includeOutput: options.includeOutput, where: 'dynamicPrune' });
  const variables = targets.map((t) => t.layer.weights[t.index]!.read() as tf.Variable);
  const zeroSmall = () =>
    tf.tidy(() => {
      for (const v of variables) v.assign(tf.where(v.abs().less(options.threshold), tf.zerosLike(v), v));
    });
  zeroSmall();
  await fit(trained, data, { ...pickKeys(options, TRAIN_KEYS), afterStep: zeroSmall });
  let zeros = 0;
  let total = 0;
  for (const v of variables) {
    const d = v.dataSync();
    total += d.length;
    for (let i = 0; i < d.length; i++) if (d[i] === 0) zeros++;
  }
  return { model: trained, sparsity: zeros / total };
}

export interface IterativeOptions extends Omit<PruneOptions, 'sparsity'>, Omit<FitOptions, 'afterStep' | 'variables' | 'epochs'> {
  /** Sparsity after each round, rising, e.g. [0.5, 0.8, 0.9]. */
  steps: number[];
  /** Fine-tuning epochs after each pruning step. Default 2. */
  fineTuneEpochs?: number;
  /** Data to evaluate on after each step (one-shot and fine-tuned). */
  test?: Dataset;
  onStep?: (s: { step: number; sparsity: number; accuracyOneShot: number | null; accuracy: number | null }) => void;
}
const ITERATIVE_KEYS = optionKeys<IterativeOptions>({
  ...omitKeys(TRAIN_OPTIONS, 'epochs'),
  ...PRUNE_BUT_SPARSITY,
  steps: true,
  fineTuneEpochs: true,
  test: true,
  onStep: true,
});

/**
 * The prune → retrain → evaluate loop: each round prunes the fine-tuned model
 * of the previous round to the next sparsity (its zeros stay zero), fine-tunes
 * with masks, and records accuracy before and after fine-tuning.
 */
export async function iterativePrune(model: tf.LayersModel, data: Dataset, options: IterativeOptions) {
  checkModel('iterativePrune', model);
  checkOptions('iterativePrune', options, ITERATIVE_KEYS);
  checkFiniteWeights('iterativePrune', model);
  if (!Array.isArray(options.steps) || options.steps.length === 0)
    fail('iterativePrune', 'steps must be a non-empty list of sparsities, e.g. [0.5, 0.8, 0.9]');
  options.steps.forEach((s) => checkFraction('iterativePrune', 'each step', s));
  let current = model;
  let masks: Masks = {};
  const steps: NonNullable<SparsityReport['steps']> = [];
  let last: SparsityReport | undefined;
  try {
    for (const [i, sparsity] of options.steps.entries()) {
      const pruned = prune(current, { ...pickKeys(options, PRUNE_KEYS), sparsity });
      const accuracyOneShot = options.test ? evaluate(pruned.model, options.test).accuracy : null;
      const tuned = await fineTune(pruned.model, data, {
        ...pickKeys(options, TRAIN_KEYS),
        epochs: options.fineTuneEpochs ?? 2,
        masks: pruned.masks,
      }).finally(() => pruned.model.dispose());
      if (current !== model) current.dispose();
      current = tuned.model;
      masks = pruned.masks;
      const accuracy = options.test ? evaluate(current, options.test).accuracy : null;
      steps.push({ step: i + 1, sparsity, accuracyOneShot, accuracy });
      options.onStep?.({ step: i + 1, sparsity, accuracyOneShot, accuracy });
      last = pruned.report;
    }
  } catch (err) {
    // interrupted (or a callback threw) mid-way: the rounds' models are not returned, so they go
    if (current !== model) current.dispose();
    throw err;
  }
  const report: SparsityReport = {
    ...last!,
    title: `iterative pruning of ${model.name}: ${options.steps.map((s) => `${Math.round(s * 100)}%`).join(' → ')}`,
    steps,
    accuracy: { before: options.test ? evaluate(model, options.test).accuracy : null, after: steps.at(-1)!.accuracy },
  };
  return { model: current, masks, report };
}
