/**
 * Layer sensitivity: for each prunable layer alone (all others untouched), the
 * metric at each compression level. On a LayersModel one model copy serves
 * every point (a layer's kernel is replaced in place and restored), so a whole
 * LeNet-5 sweep costs only forward passes; a GraphModel is rebuilt per point
 * with one weight replaced.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDataset, gather, type Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { checkNames, checkPositiveInt, fail, show } from '../errors.js';
import { checkFiniteWeights, checkModel, checkRunnable } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import type { SensitivityReport } from '@whittle/report';
import { evaluate } from './evaluate.js';
import { kernelOf } from '../models/weights.js';
import { graphWeights, isGraphModel, modelName, withGraphWeights, type AnyModel } from '../io/graph.js';
import { matches } from '../prune/targets.js';
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
  /** Layers to sweep, names or globs (default: every layer with a kernel); on a GraphModel, kernel weight names. */
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

/** A model's kernels as a sweep sees them, and its metric with one kernel replaced. */
interface Sweep {
  kernels: { name: string; values: Float32Array; shape: number[]; channelAxis: number }[];
  /** The metric with `kernel` replaced by `values` (the unperturbed model when omitted). */
  score(replace?: { kernel: string; values: Float32Array }): Promise<number>;
  dispose(): void;
}

/** LayersModel: one copy serves every point; a layer's kernel is swapped in place and restored. */
function layersSweep(model: tf.LayersModel, metric: (m: AnyModel) => number): Sweep {
  checkModel('sensitivity', model);
  checkFiniteWeights('sensitivity', model);
  const copy = cloneModel(model);
  const kernels = copy.layers.flatMap((layer) => {
    const k = kernelOf(layer);
    return k
      ? [
          {
            name: layer.name,
            values: Float32Array.from(layer.getWeights()[k.index]!.dataSync()),
            shape: k.shape,
            channelAxis: k.channelAxis!,
          },
        ]
      : [];
  });
  return {
    kernels,
    score: async (replace) => {
      if (!replace) return metric(copy);
      const layer = copy.getLayer(replace.kernel);
      const k = kernelOf(layer)!.index;
      const original = layer.getWeights().map((w) => w.clone()); // setWeights overwrites the variables themselves
      const perturbed = tf.tensor(replace.values, original[k]!.shape);
      try {
        layer.setWeights(original.map((w, i) => (i === k ? perturbed : w)));
        return metric(copy);
      } finally {
        layer.setWeights(original);
        tf.dispose([perturbed, ...original]);
      }
    },
    dispose: () => copy.dispose(),
  };
}

/**
 * GraphModel: the kernels its ops read (named by weight), and per point a
 * GraphModel rebuilt with that one weight replaced (the caller's is untouched).
 */
function graphSweep(model: tf.GraphModel, metric: (m: AnyModel) => number): Sweep {
  const kernels = graphWeights(model)
    .filter((g) => g.role === 'kernel')
    .map((g) => ({ name: g.name, values: g.values, shape: g.shape, channelAxis: g.channelAxis! }));
  return {
    kernels,
    score: async (replace) => {
      if (!replace) return metric(model);
      const m = await withGraphWeights(model, new Map([[replace.kernel, replace.values]]));
      try {
        return metric(m);
      } finally {
        m.dispose();
      }
    },
    dispose: () => {},
  };
}

/**
 * The sweep. On a LayersModel the names are layers; on a GraphModel
 * (tfjs-converter output) they are the kernel weights its convolution and
 * MatMul ops read, per-channel along the same axes `quantize` uses.
 */
export async function sensitivity(model: AnyModel, data: Dataset, options: SensitivityOptions): Promise<SensitivityReport> {
  checkRunnable('sensitivity', model);
  checkDataset('sensitivity', 'data', data);
  if (!options || typeof options !== 'object') fail('sensitivity', `options { technique, … } are required, got ${show(options)}`);
  checkOptions('sensitivity', options, SENSITIVITY_KEYS);
  const { technique, metric = 'accuracy' } = options;
  const perturb = typeof technique === 'string' && Object.hasOwn(PERTURBATIONS, technique) ? PERTURBATIONS[technique] : undefined;
  if (!perturb) fail('sensitivity', `technique must be 'prune' or 'quantize', got '${show(technique)}'`);
  const levels = options.levels ?? DEFAULT_LEVELS[technique];
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
    fail('sensitivity', `onProgress must be a function, got ${show(options.onProgress)}`);
  if (!Array.isArray(levels) || levels.length === 0) fail('sensitivity', `levels must be a non-empty list of numbers, got ${show(levels)}`);
  for (const level of levels) perturb.check(level);
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
  const measure = (m: AnyModel) => {
    const r = evaluate(m, evalData);
    return metric === 'accuracy' ? r.accuracy : r.loss;
  };
  let sweep: Sweep | undefined;
  try {
    sweep = isGraphModel(model) ? graphSweep(model, measure) : layersSweep(model, measure);
    const candidates = sweep.kernels.map((k) => k.name);
    const patterns = checkNames('sensitivity', 'layers', options.layers ?? candidates);
    for (const p of patterns)
      if (!candidates.some((c) => matches(c, [p])))
        fail('sensitivity', `layer '${p}' has no prunable kernel; choose from ${candidates.join(', ')}`);
    const layers = candidates.filter((c) => matches(c, patterns));
    const start = performance.now();
    const baseline = await sweep.score();
    const rows: SensitivityReport['layers'] = [];
    let done = 0;
    for (const name of layers) {
      const k = sweep.kernels.find((c) => c.name === name)!;
      const row: number[] = [];
      for (const level of levels) {
        row.push(await sweep.score({ kernel: name, values: perturb.apply(k.values, k.shape, level, k.channelAxis) }));
        options.onProgress?.({ layer: name, level, done: ++done, total: layers.length * levels.length });
      }
      rows.push({ name, values: row });
    }
    return {
      kind: 'sensitivity',
      version: 1,
      title: `${technique === 'prune' ? 'Pruning' : 'Quantization'} sensitivity of ${modelName(model)}`,
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
    sweep?.dispose();
    subset?.dispose();
  }
}
