/**
 * Layer sensitivity: for each prunable layer alone (all others untouched), the
 * metric at each compression level. One model copy serves every point: a
 * layer's kernel is replaced in place and restored after its sweep, so a whole
 * LeNet-5 sweep costs only forward passes.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDataset, gather, type Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { checkNames, checkPositiveInt, fail, show } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import type { SensitivityReport } from '@whittle/report';
import { evaluate } from './evaluate.js';
import { kernelOf } from '../models/weights.js';
import { PERTURBATIONS, type Technique } from './perturb.js';
import { checkOptions, optionKeys } from '../options.js';

export interface SensitivityProgress {
  layer: string;
  level: number;
  done: number;
  total: number;
}

export interface SensitivityOptions {
  /** 'prune': magnitude pruning of the layer's kernel; 'quantize': per-channel symmetric fake-quantization. */
  technique: Technique;
  /** Sparsities in [0, 1) for prune (default 0, 0.1 … 0.9), bit widths for quantize (default 8 … 1). */
  levels?: number[];
  /** Layers to sweep (default: every layer with a kernel). */
  layers?: string[];
  metric?: 'accuracy' | 'loss';
  /** Evaluate on a fixed, seeded random subset of this many samples. */
  samples?: number;
  seed?: number;
  /** Called after every point; throwing stops the sweep (the model is left unchanged). */
  onProgress?: (p: SensitivityProgress) => void;
  /** Drop that would be acceptable, drawn by the renderer as a threshold line. */
  maxDrop?: number;
}
const SENSITIVITY_KEYS = optionKeys<SensitivityOptions>({
  technique: true,
  levels: true,
  layers: true,
  metric: true,
  samples: true,
  seed: true,
  onProgress: true,
  maxDrop: true,
});

const DEFAULT_LEVELS: Record<Technique, number[]> = {
  prune: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
  quantize: [8, 7, 6, 5, 4, 3, 2, 1],
};

export async function sensitivity(model: tf.LayersModel, data: Dataset, options: SensitivityOptions): Promise<SensitivityReport> {
  checkModel('sensitivity', model);
  checkDataset('sensitivity', 'data', data);
  if (!options || typeof options !== 'object') fail('sensitivity', `options { technique, … } are required, got ${show(options)}`);
  checkOptions('sensitivity', options, SENSITIVITY_KEYS);
  checkFiniteWeights('sensitivity', model);
  const { technique, metric = 'accuracy' } = options;
  const perturb = typeof technique === 'string' && Object.hasOwn(PERTURBATIONS, technique) ? PERTURBATIONS[technique] : undefined;
  if (!perturb) fail('sensitivity', `technique must be 'prune' or 'quantize', got '${show(technique)}'`);
  const levels = options.levels ?? DEFAULT_LEVELS[technique];
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    fail('sensitivity', `onProgress must be a function, got ${show(options.onProgress)}`);
  if (!Array.isArray(levels) || levels.length === 0) fail('sensitivity', `levels must be a non-empty list of numbers, got ${show(levels)}`);
  for (const level of levels) perturb.check(level);
  const candidates = model.layers.filter((l) => kernelOf(l)).map((l) => l.name);
  const layers = checkNames('sensitivity', 'layers', options.layers ?? candidates);
  for (const name of layers) {
    if (!candidates.includes(name)) fail('sensitivity', `layer '${name}' has no prunable kernel; choose from ${candidates.join(', ')}`);
  }
  const subset =
    options.samples !== undefined
      ? gather(
          data,
          permutation(data.size, options.seed ?? 0).subarray(
            0,
            Math.min(checkPositiveInt('sensitivity', 'samples', options.samples), data.size),
          ),
        )
      : undefined;
  const evalData = subset ?? data;
  const copy = cloneModel(model);
  const score = () => {
    const r = evaluate(copy, evalData);
    return metric === 'accuracy' ? r.accuracy : r.loss;
  };
  const start = performance.now();
  try {
    const baseline = score();
    const rows: SensitivityReport['layers'] = [];
    let done = 0;
    for (const name of layers) {
      const layer = copy.getLayer(name);
      const kernel = kernelOf(layer)!;
      const k = kernel.index;
      const original = layer.getWeights().map((w) => tf.clone(w));
      const values = original[k]!.dataSync() as Float32Array;
      const row: number[] = [];
      try {
        for (const level of levels) {
          const perturbed = tf.tensor(perturb.apply(values, original[k]!.shape, level, kernel.channelAxis!), original[k]!.shape);
          layer.setWeights(original.map((w, i) => (i === k ? perturbed : w)));
          perturbed.dispose();
          row.push(score());
          options.onProgress?.({ layer: name, level, done: ++done, total: layers.length * levels.length });
        }
      } finally {
        layer.setWeights(original);
        tf.dispose(original);
      }
      rows.push({ name, values: row });
    }
    return {
      kind: 'sensitivity',
      version: 1,
      title: `${technique === 'prune' ? 'Pruning' : 'Quantization'} sensitivity of ${model.name}`,
      technique,
      metric,
      baseline,
      levels,
      layers: rows,
      ...(options.maxDrop !== undefined ? { maxDrop: options.maxDrop } : {}),
      samples: evalData.size,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    copy.dispose();
    subset?.dispose();
  }
}
