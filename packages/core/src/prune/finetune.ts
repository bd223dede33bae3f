/**
 * Fine-tuning with masks: train, and after every optimizer step multiply each
 * masked kernel by its mask, so pruned weights stay exactly zero. With weight
 * sharing, the centroids are trained instead of the shared weights.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDataset, type Dataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { fit, TRAIN_OPTIONS, type FitOptions, type FitResult } from '../train/fit.js';
import { checkOptions, optionKeys } from '../options.js';
import { kernelOf } from '../models/weights.js';
import type { Masks } from './masks.js';
import { teacherTerm } from '../distill/teacher.js';
import { clusterBinding } from '../cluster/finetune.js';
import type { Clusters } from '../cluster/cluster.js';

export interface FineTuneOptions extends Omit<FitOptions, 'afterStep' | 'variables'> {
  /** Keep-masks from `prune` (or any step that produced them); omitted for structured results. */
  masks?: Masks;
  /**
   * Weight-sharing assignments from `cluster`: the centroids are trained instead
   * of the weights (each moves by the sum of its members' gradients), so every
   * clustered kernel keeps at most k values per codebook after every step.
   */
  clusters?: Clusters;
  /**
   * Learn from this model too (usually the uncompressed original): adds the
   * distillation term α·T²·KL(teacher ‖ student) to the label loss (see distill).
   */
  teacher?: tf.LayersModel;
  /** Temperature of the teacher term. Default 4. */
  temperature?: number;
  /** Weight of the teacher term in [0, 1]. Default 0.9. */
  alpha?: number;
}

const FINE_TUNE_KEYS = optionKeys<FineTuneOptions>({
  ...TRAIN_OPTIONS,
  masks: true,
  clusters: true,
  teacher: true,
  temperature: true,
  alpha: true,
});

/** Binds masks to a model's kernel variables; `apply()` re-zeroes the pruned weights. */
export function maskBinding(model: tf.LayersModel, masks: Masks): { apply: () => void; dispose: () => void } {
  const bound = Object.values(masks).map((m) => {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(m.layer);
    } catch {
      return fail('fineTune', `mask for layer '${m.layer}' does not match any layer of model '${model.name}'`);
    }
    const kernel = kernelOf(layer);
    const variable = kernel ? layer.weights[kernel.index] : undefined;
    if (!variable || variable.shape.join('×') !== m.shape.join('×')) {
      fail(
        'fineTune',
        `mask for '${m.layer}' has shape [${m.shape.join('×')}] but the layer's kernel is [${variable?.shape.join('×') ?? 'missing'}]`,
      );
    }
    return { variable: variable.read() as tf.Variable, mask: tf.tensor(Float32Array.from(m.values), m.shape) };
  });
  return {
    apply: () => tf.tidy(() => bound.forEach(({ variable, mask }) => variable.assign(variable.mul(mask)))),
    dispose: () => tf.dispose(bound.map((b) => b.mask)),
  };
}

/** Trains a copy of `model`; the input model is unchanged. */
export async function fineTune(
  model: tf.LayersModel,
  data: Dataset,
  options: FineTuneOptions = {},
): Promise<{ model: tf.LayersModel; history: FitResult; clusters?: Clusters }> {
  checkModel('fineTune', model);
  checkOptions('fineTune', options, FINE_TUNE_KEYS);
  checkDataset('fineTune', 'data', data);
  checkFiniteWeights('fineTune', model);
  const tuned = cloneModel(model);
  const { masks, clusters, teacher, temperature, alpha, ...fitOptions } = options;
  let binding: ReturnType<typeof maskBinding> | undefined;
  let shared: ReturnType<typeof clusterBinding> | undefined;
  let kd: ReturnType<typeof teacherTerm> | undefined;
  const inner = clusters ? (options.optimizer ?? tf.train.adam(options.learningRate ?? 1e-3)) : undefined;
  try {
    binding = masks ? maskBinding(tuned, masks) : undefined;
    shared = clusters ? clusterBinding(tuned, clusters) : undefined;
    shared?.apply();
    binding?.apply();
    // with a teacher, train the logits view (same weights) on labels + teacher logits
    kd = teacher ? teacherTerm('fineTune', tuned, data, { teacher, temperature, alpha }) : undefined;
    const history = await fit(kd?.view ?? tuned, kd?.data ?? data, {
      ...fitOptions,
      ...(kd && { loss: kd.loss, variables: kd.variables }),
      optimizer: shared ? shared.optimizer(inner!) : options.optimizer,
      afterStep: binding ? () => binding!.apply() : undefined,
    });
    return { model: tuned, history, ...(shared ? { clusters: shared.current() } : {}) };
  } catch (err) {
    tuned.dispose();
    throw err;
  } finally {
    binding?.dispose();
    shared?.dispose();
    kd?.dispose();
    if (inner && !options.optimizer) inner.dispose();
  }
}

/**
 * A plain tfjs model with the pruning made permanent. Whittle keeps masks
 * beside the model, never inside it, so this is a copy with pruned weights
 * exactly zero (re-applying `masks` when given, e.g. after outside training).
 */
export function strip(model: tf.LayersModel, masks?: Masks): tf.LayersModel {
  checkModel('strip', model);
  const copy = cloneModel(model);
  if (masks) {
    const binding = maskBinding(copy, masks);
    binding.apply();
    binding.dispose();
  }
  return copy;
}
