/**
 * Turning a plan into a model and measuring it the way it ships: apply every
 * layer's choice, fine-tune (masks and per-layer QAT grids kept), save in the
 * format the plan needs (packed per-layer bits when any layer is below 32),
 * reload, and measure bytes, accuracy and latency of what was reloaded.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { evaluate } from '../analysis/evaluate.js';
import { kernelOf } from '../models/weights.js';
import { latency } from '../analysis/latency.js';
import { cloneModel } from '../models/clone.js';
import { loadLayersModel } from '../io/load.js';
import { saveModel, type SaveOptions } from '../io/save.js';
import type { Clusters } from '../cluster/cluster.js';
import { fineTune } from '../prune/finetune.js';
import type { Masks } from '../prune/masks.js';
import { quantizeAwareTrain } from '../quantize/qat.js';
import type { TrainProgress } from '../train/fit.js';
import type { Factors } from '../lowrank/factors.js';
import { splitLayers } from '../lowrank/split.js';
import { factorKernels, factorNames, rankOf } from './factor.js';
import { applyChoice, deepClusters, isFloat, keepMask, type Choice, type PlanFormat, type SizeMeasure } from './choices.js';

/** Layer name → choice. */
export type PlanChoices = Record<string, Choice>;

/**
 * The plan per layer of the built model: a factorized layer NAME becomes NAME_lowrank and NAME, each at the choice's
 * bits (what QAT, centroid fine-tuning and saving see).
 */
export function layerPlan(plan: PlanChoices): PlanChoices {
  return Object.fromEntries(
    Object.entries(plan).flatMap(([name, c]) => {
      if (!c.rankFraction) return [[name, c]];
      const grid: Choice = { sparsity: 0, bits: c.bits };
      return factorNames(name).map((n) => [n, grid]);
    }),
  );
}

/** The model with every layer whose choice has a rank split into its two factors (on the choice's grid). */
function splitPlan(model: tf.LayersModel, plan: PlanChoices): tf.LayersModel {
  const factors = new Map<string, Factors>();
  for (const [name, choice] of Object.entries(plan)) {
    if (!choice.rankFraction) continue;
    const layer = model.getLayer(name);
    const { index: k } = kernelOf(layer)!;
    const weights = layer.getWeights();
    const kernel = weights[k]!;
    const rank = rankOf(choice.rankFraction, kernel.shape);
    const [a, b] = factorKernels(kernel.dataSync() as Float32Array, kernel.shape, rank, choice.bits);
    const bias = weights.find((w, i) => i !== k);
    factors.set(name, { a, b, rank, bias: bias ? (bias.dataSync() as Float32Array) : null });
  }
  return splitLayers(model, factors);
}

/** The plan's weights without training, and the masks fine-tuning must keep (factorized layers split in two). */
export function buildPlanModel(model: tf.LayersModel, plan: PlanChoices): { model: tf.LayersModel; masks: Masks } {
  const out = Object.values(plan).some((c) => c.rankFraction) ? splitPlan(model, plan) : cloneModel(model);
  const masks: Masks = {};
  for (const [name, choice] of Object.entries(plan)) {
    if (choice.rankFraction) continue; // factors are already on their grid
    const layer = out.getLayer(name);
    const { index: k, channelAxis } = kernelOf(layer)!;
    const weights = layer.getWeights();
    const kernel = weights[k]!;
    const values = kernel.dataSync() as Float32Array;
    if (choice.sparsity > 0) masks[name] = { layer: name, shape: kernel.shape, values: keepMask(values, choice.sparsity) };
    const replaced = tf.tensor(applyChoice(values, kernel.shape, choice, channelAxis ?? undefined), kernel.shape);
    layer.setWeights(weights.map((w, i) => (i === k ? replaced : w)));
    replaced.dispose();
  }
  return { model: out, masks };
}

/** The plan's file format: 'deep' when a layer is clustered (or when asked), else 'packed'. */
export const formatOf = (plan: PlanChoices, format?: PlanFormat): PlanFormat =>
  format ?? (Object.values(plan).some((c) => c.clusters) ? 'deep' : 'packed');

/** Layer name → bits of the built model's layers (factor layers included). */
const bitsOf = (plan: PlanChoices) => Object.fromEntries(Object.entries(layerPlan(plan)).map(([name, c]) => [name, c.bits]));

/**
 * How the plan's model must be saved: packed with per-layer bits when any layer is below 32 bits; in the deep
 * format, every kernel that holds shared values (a grid or clusters) is stored as codebooks + indices.
 */
export function saveOptionsFor(plan: PlanChoices, format?: PlanFormat): SaveOptions {
  if (formatOf(plan, format) === 'deep') return Object.values(layerPlan(plan)).some((c) => !isFloat(c)) ? { quantization: 'deep' } : {};
  const bits = bitsOf(plan);
  return Object.values(bits).some((b) => b < 32) ? { quantization: 'packed', bits } : { quantization: 'float32' };
}

/** The codebooks of every layer whose choice shares values (what centroid fine-tuning trains and the deep format stores). */
function planClusters(model: tf.LayersModel, plan: PlanChoices): Clusters {
  const out: Clusters = {};
  for (const [name, choice] of Object.entries(layerPlan(plan))) {
    if (isFloat(choice)) continue;
    const layer = model.getLayer(name);
    const { index, channelAxis } = kernelOf(layer)!;
    const kernel = layer.getWeights()[index]!;
    const c = deepClusters(kernel.dataSync() as Float32Array, kernel.shape, name, channelAxis);
    if (c) out[name] = c;
  }
  return out;
}

export interface FineTuneSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  onProgress?: (p: TrainProgress) => void;
  /** 'deep': centroid fine-tuning (codebooks trained, assignments and zeros kept) instead of QAT. Default: formatOf(plan). */
  format?: PlanFormat;
}

/** Applies the plan and fine-tunes it (QAT at each layer's bits, masks kept). Epochs 0: the applied weights as they are. */
export async function realizePlan(model: tf.LayersModel, plan: PlanChoices, train: Dataset, ft: FineTuneSettings): Promise<tf.LayersModel> {
  const built = buildPlanModel(model, plan);
  if (ft.epochs === 0) return built.model;
  const training = {
    epochs: ft.epochs,
    batchSize: ft.batchSize,
    learningRate: ft.learningRate,
    seed: ft.seed,
    onProgress: ft.onProgress,
  };
  try {
    if (formatOf(plan, ft.format) === 'deep') {
      // Every shared-value layer trains its codebook (a grid's levels may move: the deep format stores any codebook);
      // float layers keep their pruning masks.
      const clusters = planClusters(built.model, plan);
      const masks = Object.fromEntries(Object.entries(built.masks).filter(([name]) => !clusters[name]));
      const { model: tuned } = await fineTune(built.model, train, {
        clusters,
        masks,
        ...training,
      });
      return tuned;
    }
    const { model: tuned } = await quantizeAwareTrain(built.model, train, {
      bits: 8,
      perLayer: bitsOf(plan),
      masks: built.masks,
      ...training,
    });
    return tuned;
  } finally {
    built.model.dispose();
  }
}

export interface Measured {
  bytes: number;
  accuracy: number;
  latencyMs: number;
  /** The model as reloaded from the saved files (the caller disposes it). */
  model: tf.LayersModel;
}

/** Saves (to `dir`, or a scratch folder), reloads, and measures the reloaded model. */
export async function measureSaved(
  model: tf.LayersModel,
  plan: PlanChoices,
  test: Dataset,
  size: SizeMeasure,
  dir?: string,
  format?: PlanFormat,
): Promise<Measured> {
  const scratch = dir ? undefined : mkdtempSync(join(tmpdir(), 'whittle-auto-'));
  try {
    const saved = await saveModel(model, dir ?? join(scratch!, 'm'), saveOptionsFor(plan, format));
    const reloaded = await loadLayersModel(saved.dir, 'autoCompress');
    const input = tf.slice(test.x, 0, 1);
    try {
      const ms = latency(reloaded, input, { runs: 20, warmup: 3 }).medianMs;
      return {
        bytes: size === 'gzip' ? saved.gzipBytes : saved.bytes,
        accuracy: evaluate(reloaded, test).accuracy,
        latencyMs: ms,
        model: reloaded,
      };
    } catch (err) {
      reloaded.dispose();
      throw err;
    } finally {
      input.dispose();
    }
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
