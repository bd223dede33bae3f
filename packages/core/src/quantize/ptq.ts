/**
 * Post-training quantization: `quantize(model, options) → { model, report }`.
 * The returned model simulates the quantized arithmetic — weights replaced by
 * their dequantized values, and (optionally) FakeQuant layers on activations
 * with ranges from calibration samples. The input model is never changed.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { checkIntInRange, checkPositiveInt, fail } from '../errors.js';
import { checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { kernelIndex } from '../analysis/perturb.js';
import { matches } from '../prune/targets.js';
import type { QuantizationLayer, QuantizationReport } from '@whittle/report';
import { checkFinite, quantizeTensor, dequantizeTensor, type Scheme } from './affine.js';
import { binarize, ternarize, toFloat16 } from './special.js';
import { FakeQuant } from './fake-quant-layer.js';
import { layerRow } from './metrics.js';
import { makeObserver, OBSERVERS, type ObserverName } from './observers.js';
import { equalize, foldBatchNorm } from './equalize.js';
import { checkOptions, optionKeys } from '../options.js';

export interface WeightQuantization {
  /** 2…16 for the affine grid; 1 = binary; 'ternary'; 'float16'. Default 8. */
  bits?: number | 'ternary' | 'float16';
  scheme?: Scheme;
  /** One scale per output channel (default true). */
  perChannel?: boolean;
  scale?: 'float' | 'pow2';
}

export interface ActivationQuantization {
  bits?: number;
  observer?: ObserverName;
}

export interface QuantizeModelOptions {
  weights?: WeightQuantization;
  /** Fake-quantize activations too (Sequential models), with ranges from `calibration`. */
  activations?: ActivationQuantization;
  /** Samples to calibrate activation ranges on; shuffle them (the train split is ordered by digit). */
  calibration?: Dataset;
  /** How many calibration samples to use (seeded random subset). Default 500. */
  calibrationSamples?: number;
  /** Bits per layer (name or glob → bits), overriding `weights.bits`. */
  perLayer?: Record<string, number | 'ternary' | 'float16'>;
  /** Layers to leave in float32. */
  skip?: string[];
  /** Fold BatchNorm and apply cross-layer equalization first (Sequential models); the report gets per-layer SQNR before/after. */
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
const WEIGHT_KEYS = optionKeys<WeightQuantization>({ bits: true, scheme: true, perChannel: true, scale: true });
const ACTIVATION_KEYS = optionKeys<ActivationQuantization>({ bits: true, observer: true });

type Bits = number | 'ternary' | 'float16';

function checkBits(bits: Bits): Bits {
  if (bits === 'ternary' || bits === 'float16') return bits;
  return checkIntInRange('quantize', 'bits', bits, 1, 16);
}

/** Quantizes one kernel; returns the values the model will compute with and the scales used. */
export function quantizeKernel(
  values: Float32Array,
  shape: number[],
  channelAxis: number,
  bits: Bits,
  w: Required<WeightQuantization>,
  name: string,
) {
  checkFinite('quantize', name, values);
  const axis = w.perChannel ? channelAxis : undefined;
  if (bits === 'float16') return { values: toFloat16(values), scales: [], scheme: 'float16' };
  if (bits === 'ternary') return { values: ternarize(values, shape, axis), scales: [], scheme: 'ternary' };
  if (bits === 1) return { values: binarize(values, shape, axis), scales: [], scheme: 'binary' };
  const t = quantizeTensor(values, shape, { bits, scheme: w.scheme, axis, scale: w.scale }, name);
  return { values: dequantizeTensor(t), scales: Array.from(t.scale), scheme: w.scale === 'pow2' ? `${w.scheme}, pow2` : w.scheme };
}

export async function quantize(model: tf.LayersModel, options: QuantizeModelOptions = {}): Promise<QuantizeResult> {
  checkModel('quantize', model);
  checkOptions('quantize', options, QUANTIZE_KEYS);
  checkOptions('quantize', options.weights, WEIGHT_KEYS, 'weights option');
  checkOptions('quantize', options.activations, ACTIVATION_KEYS, 'activations option');
  if (options.equalize) {
    const folded = foldBatchNorm(model);
    const equalized = equalize(model);
    const plain = await quantize(folded, { ...options, equalize: false, activations: undefined });
    const result = await quantize(equalized, { ...options, equalize: false });
    const before = new Map(plain.report.layers.map((l) => [l.name, l.sqnrDb]));
    result.report.equalization = result.report.layers.map((l) => ({
      name: l.name,
      sqnrDbBefore: before.get(l.name) ?? null,
      sqnrDbAfter: l.sqnrDb,
    }));
    result.report.title += ' (BatchNorm folded, cross-layer equalized)';
    for (const m of [folded, equalized, plain.model]) m.dispose();
    return result;
  }
  const w: Required<WeightQuantization> = { bits: 8, scheme: 'symmetric', perChannel: true, scale: 'float', ...options.weights };
  checkBits(w.bits);
  for (const [layer, bits] of Object.entries(options.perLayer ?? {})) {
    if (!model.layers.some((l) => matches(l.name, [layer])))
      fail('quantize', `perLayer names '${layer}', which matches no layer of '${model.name}'`);
    checkBits(bits);
  }
  const out = cloneModel(model);
  const rows: QuantizationLayer[] = [];
  for (const layer of out.layers) {
    const k = kernelIndex(layer);
    if (k < 0 || matches(layer.name, options.skip ?? [])) continue;
    const bits = Object.entries(options.perLayer ?? {}).find(([p]) => matches(layer.name, [p]))?.[1] ?? w.bits;
    const weights = layer.getWeights();
    const original = weights[k]!.dataSync() as Float32Array;
    const shape = weights[k]!.shape;
    const channelAxis = layer.getClassName() === 'DepthwiseConv2D' ? shape.length - 2 : shape.length - 1;
    const q = quantizeKernel(original, shape, channelAxis, bits, w, `${layer.name}/kernel`);
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
    if (!OBSERVERS.includes(observer)) fail('quantize', `observer must be one of ${OBSERVERS.join(', ')}, got '${String(observer)}'`);
    if (!options.calibration) fail('quantize', 'activation quantization needs calibration data (options.calibration)');
    result = await withActivationQuant(out, options.calibration, bits, observer, options.calibrationSamples ?? CALIBRATION_SAMPLES);
    out.dispose();
    activations = { bits, observer };
  }
  const describeBits = typeof w.bits === 'number' ? w.bits : w.bits === 'float16' ? 16 : 2;
  return {
    model: result,
    report: {
      kind: 'quantization',
      version: 1,
      title: `${typeof w.bits === 'number' ? `${w.bits}-bit` : w.bits} quantization of ${model.name}`,
      weights: { bits: describeBits, scheme: w.scheme, perChannel: w.perChannel, scale: w.scale },
      activations,
      layers: rows,
    },
  };
}

/** Layers whose outputs get a FakeQuant: everything with weights except the model's output. */
function quantizedOutputs(model: tf.LayersModel): string[] {
  const last = model.layers.at(-1)!.name;
  return model.layers.filter((l) => l.countParams() > 0 && l.name !== last).map((l) => l.name);
}

async function withActivationQuant(
  model: tf.LayersModel,
  calibration: Dataset,
  bits: number,
  observerName: ObserverName,
  samples: number,
): Promise<tf.LayersModel> {
  if (!(model instanceof tf.Sequential))
    fail('quantize', `activation quantization supports Sequential models; '${model.name}' is functional`);
  checkPositiveInt('quantize', 'calibrationSamples', samples);
  const expected = model.inputs[0]!.shape.slice(1).join('×');
  const got = calibration.x.shape.slice(1).join('×');
  if (expected !== got) fail('quantize', `calibration data has samples of shape [${got}] but '${model.name}' takes [${expected}]`);
  const names = quantizedOutputs(model);
  const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
  const rows = permutation(calibration.size, 17).subarray(0, Math.min(samples, calibration.size));
  const observers = new Map<string, ReturnType<typeof makeObserver>>([
    ['input', makeObserver(observerName)],
    ...names.map((n) => [n, makeObserver(observerName)] as const),
  ]);
  for (let start = 0; start < rows.length; start += 100) {
    const idx = tf.tensor1d(rows.subarray(start, start + 100), 'int32');
    const x = tf.gather(calibration.x, idx);
    const outs = probe.predict(x) as tf.Tensor | tf.Tensor[];
    observers.get('input')!.observe(x.dataSync() as Float32Array);
    (Array.isArray(outs) ? outs : [outs]).forEach((t, i) => observers.get(names[i]!)!.observe(t.dataSync() as Float32Array));
    tf.dispose([idx, x, outs]);
  }
  const range = (n: string) => {
    const [lo, hi] = observers.get(n)!.range(bits);
    return { lo, hi };
  };
  const config = model.getConfig() as unknown as { name: string; layers: { className: string; config: Record<string, unknown> }[] };
  const first = config.layers[0]!.config;
  const layers: typeof config.layers = [
    { className: FakeQuant.className, config: { name: 'input_fq', bits, ...range('input'), batchInputShape: first.batchInputShape } },
  ];
  delete first.batchInputShape;
  for (const l of config.layers) {
    layers.push(l);
    const name = l.config.name as string;
    if (names.includes(name)) layers.push({ className: FakeQuant.className, config: { name: `${name}_fq`, bits, ...range(name) } });
  }
  const quantized = tf.Sequential.fromConfig(tf.Sequential, {
    ...config,
    layers,
  } as unknown as tf.serialization.ConfigDict) as tf.Sequential;
  for (const layer of model.layers) if (layer.countParams() > 0) quantized.getLayer(layer.name).setWeights(layer.getWeights());
  return quantized;
}
