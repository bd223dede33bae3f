/**
 * Post-training quantization: `quantize(model, options) → { model, report }`.
 * The returned model simulates the quantized arithmetic — weights replaced by
 * their dequantized values, and (optionally) FakeQuant layers on activations
 * with ranges from calibration samples. The input model is never changed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { checkIntInRange, checkNames, fail, show } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { kernelOf } from '../models/weights.js';
import { matches } from '../prune/targets.js';
import type { QuantizationLayer, QuantizationReport } from '@whittle/report';
import { checkBits, DEFAULT_WEIGHT_QUANTIZATION, quantizeKernel, type WeightQuantization } from './kernel.js';
import { layerRow } from './metrics.js';
import { OBSERVERS, type ObserverName } from './observers.js';
import { equalizeModel, foldBatchNormFor } from './equalize.js';
import { withActivationQuant } from './activations.js';
import { CLIPS } from './affine.js';
import { quantizeGraph } from './graph.js';
import { checkOptions, optionKeys } from '../options.js';
import { setStorageFormat, type StorageFormat } from '../io/storage.js';
import { storageSize } from '../io/save.js';
import type { AnyModel } from '../io/graph.js';

export interface ActivationQuantization {
  bits?: number;
  observer?: ObserverName;
}

export interface QuantizeModelOptions {
  weights?: WeightQuantization;
  /** Fake-quantize activations too (the outputs of layers with weights, and the input), with ranges from `calibration`. */
  activations?: ActivationQuantization;
  /** Samples to calibrate activation ranges on; shuffle them (the train split is ordered by digit). */
  calibration?: Dataset;
  /** How many calibration samples to use (seeded random subset). Default 500. */
  calibrationSamples?: number;
  /** Bits per layer (name or glob → bits), overriding `weights.bits`. */
  perLayer?: Record<string, number | 'ternary' | 'float16'>;
  /** Layers to leave in float32. */
  skip?: string[];
  /** Fold BatchNorm and apply cross-layer equalization first; the report gets per-layer SQNR before/after and notes on pairs skipped. */
  equalize?: boolean;
}

export interface QuantizeResult {
  model: tf.LayersModel;
  report: QuantizationReport;
}

/** Default calibration subset for activation ranges. */
export const CALIBRATION_SAMPLES = 500;

const QUANTIZE_KEYS = optionKeys<QuantizeModelOptions>({
  weights: true,
  activations: true,
  calibration: true,
  calibrationSamples: true,
  perLayer: true,
  skip: true,
  equalize: true,
});
const WEIGHT_KEYS = optionKeys<WeightQuantization>({ bits: true, scheme: true, perChannel: true, scale: true, clip: true });
const ACTIVATION_KEYS = optionKeys<ActivationQuantization>({ bits: true, observer: true });

/**
 * How a quantized model is stored: float16 kernels as stock float16; codes of
 * ≤ 8 bits packed at their width per layer (binary and ternary in 2 bits, whose
 * symmetric grid holds ±α and 0); 9–16-bit grids as stock uint16. Packed is
 * symmetric per channel: other grids (asymmetric, per-tensor, pow2) are
 * re-gridded on save, close to but not exactly the in-memory weights.
 */
export function quantizedFormat(rows: { name: string; bits: number; scheme: string }[], kernels: string[]): StorageFormat | undefined {
  if (rows.length === 0) return undefined;
  if (rows.every((r) => r.scheme === 'float16')) return { quantization: 'float16' };
  if (rows.every((r) => r.bits > 8 && r.scheme !== 'float16')) return { quantization: 'uint16' };
  const width = (r: (typeof rows)[number]) => (r.scheme === 'float16' || r.bits > 8 ? 32 : Math.max(2, r.bits));
  const bits = Object.fromEntries(rows.map((r) => [r.name, width(r)]));
  const widths = new Set(Object.values(bits));
  const uniform = widths.size === 1 && kernels.every((k) => k in bits);
  return { quantization: 'packed', bits: uniform ? [...widths][0]! : bits };
}

/** Names of the layers that have a kernel. */
export const kernelLayers = (model: tf.LayersModel) => model.layers.filter((l) => kernelOf(l)).map((l) => l.name);

/** A GraphModel's weights only (see quantizeGraph); a LayersModel's weights and, optionally, activations. */
export async function quantize(
  model: tf.GraphModel,
  options?: QuantizeModelOptions,
): Promise<{ model: tf.GraphModel; report: QuantizationReport }>;
export async function quantize(model: tf.LayersModel, options?: QuantizeModelOptions): Promise<QuantizeResult>;
export async function quantize(
  model: tf.LayersModel | tf.GraphModel,
  options: QuantizeModelOptions = {},
): Promise<QuantizeResult | { model: tf.GraphModel; report: QuantizationReport }> {
  checkOptions('quantize', options, QUANTIZE_KEYS);
  checkOptions('quantize', options.weights, WEIGHT_KEYS, 'weights option');
  checkOptions('quantize', options.activations, ACTIVATION_KEYS, 'activations option');
  if (model instanceof tf.GraphModel) return quantizeGraph(model, options);
  checkModel('quantize', model);
  checkFiniteWeights('quantize', model);
  if (options.equalize) {
    const folded = foldBatchNormFor('quantize', model);
    const { model: equalized, skipped } = equalizeModel(model, { where: 'quantize' });
    let plain: QuantizeResult | undefined;
    let result: QuantizeResult;
    try {
      plain = await quantize(folded, { ...options, equalize: false, activations: undefined });
      result = await quantize(equalized, { ...options, equalize: false });
    } finally {
      // the intermediate models are ours; free them on errors too
      for (const m of [folded, equalized, plain?.model]) m?.dispose();
    }
    if (skipped.length) result.report.notes = skipped.map((s) => `not equalized: ${s}`);
    const before = new Map(plain.report.layers.map((l) => [l.name, l.sqnrDb]));
    result.report.equalization = result.report.layers.map((l) => ({
      name: l.name,
      sqnrDbBefore: before.get(l.name) ?? null,
      sqnrDbAfter: l.sqnrDb,
    }));
    result.report.title += ' (BatchNorm folded, cross-layer equalized)';
    result.report.bytes = await bytesBeforeAfter(model, result.model);
    return result;
  }
  checkNames('quantize', 'skip', options.skip ?? []);
  const w: Required<WeightQuantization> = { ...DEFAULT_WEIGHT_QUANTIZATION, ...options.weights };
  checkBits(w.bits);
  if (w.scheme !== 'symmetric' && w.scheme !== 'asymmetric')
    fail('quantize', `weights.scheme must be 'symmetric' or 'asymmetric', got ${show(w.scheme)}`);
  if (typeof w.perChannel !== 'boolean') fail('quantize', `weights.perChannel must be true or false, got ${show(w.perChannel)}`);
  if (w.scale !== 'float' && w.scale !== 'pow2') fail('quantize', `weights.scale must be 'float' or 'pow2', got ${show(w.scale)}`);
  if (!CLIPS.includes(w.clip)) fail('quantize', `weights.clip must be one of ${CLIPS.join(', ')}, got '${show(w.clip)}'`);
  for (const [layer, bits] of Object.entries(options.perLayer ?? {})) {
    if (!model.layers.some((l) => matches(l.name, [layer])))
      fail('quantize', `perLayer names '${layer}', which matches no layer of '${model.name}'`);
    checkBits(bits);
  }
  const out = cloneModel(model);
  const rows: QuantizationLayer[] = [];
  for (const layer of out.layers) {
    const kernel = kernelOf(layer);
    if (!kernel || matches(layer.name, options.skip ?? [])) continue;
    const k = kernel.index;
    const bits = Object.entries(options.perLayer ?? {}).find(([p]) => matches(layer.name, [p]))?.[1] ?? w.bits;
    const weights = layer.getWeights();
    const original = weights[k]!.dataSync() as Float32Array;
    const shape = weights[k]!.shape;
    const q = quantizeKernel(original, shape, kernel.channelAxis!, bits, w, kernel.name);
    const replacement = tf.tensor(q.values, shape);
    layer.setWeights(weights.map((t, i) => (i === k ? replacement : t)));
    replacement.dispose();
    rows.push(
      layerRow({
        name: layer.name,
        bits: typeof bits === 'number' ? bits : bits === 'float16' ? 16 : 2,
        scheme: q.scheme,
        perChannel: w.perChannel,
        scales: q.scales,
        original,
        quantized: q.values,
      }),
    );
  }
  let result = out;
  let activations: QuantizationReport['activations'] = null;
  if (options.activations) {
    const bits = checkIntInRange('quantize', 'activation bits', options.activations.bits ?? 8, 2, 16);
    const observer = options.activations.observer ?? 'minmax';
    if (!OBSERVERS.includes(observer)) fail('quantize', `observer must be one of ${OBSERVERS.join(', ')}, got '${show(observer)}'`);
    if (!options.calibration) fail('quantize', 'activation quantization needs calibration data (options.calibration)');
    result = await withActivationQuant(out, options.calibration, bits, observer, options.calibrationSamples ?? CALIBRATION_SAMPLES);
    out.dispose();
    activations = { bits, observer };
  }
  const describeBits = typeof w.bits === 'number' ? w.bits : w.bits === 'float16' ? 16 : 2;
  setStorageFormat(result, quantizedFormat(rows, kernelLayers(result)));
  return {
    model: result,
    report: {
      kind: 'quantization',
      version: 1,
      title: `${typeof w.bits === 'number' ? `${w.bits}-bit` : w.bits} quantization of ${model.name}${w.clip === 'mse' ? ' (MSE clipping)' : ''}`,
      weights: { bits: describeBits, scheme: w.scheme, perChannel: w.perChannel, scale: w.scale },
      activations,
      layers: rows,
      bytes: await bytesBeforeAfter(model, result),
    },
  };
}

/** What the input and the quantized model will be on disk, each in its storage format (io/storage.ts). */
export async function bytesBeforeAfter(before: AnyModel, after: AnyModel): Promise<NonNullable<QuantizationReport['bytes']>> {
  return { before: await storageSize(before), after: await storageSize(after) };
}
