/**
 * Data-free quantization helpers (Nagel et al. 2019):
 * - foldBatchNorm: a BatchNorm after a conv/dense layer becomes part of its
 *   weights and bias (W·γ/σ, (b − μ)·γ/σ + β), so there is one tensor to quantize;
 * - equalize: for layers A → ReLU → B, scale A's output channel i down by s_i
 *   and B's input channel i up by s_i, with s_i = √(r_A,i · r_B,i) / r_B,i, so
 *   both ranges become √(r_A,i · r_B,i). ReLU(x/s) = ReLU(x)/s for s > 0, so the
 *   function is unchanged, but per-tensor ranges stop being set by one outlier
 *   channel — per-tensor quantization gets close to per-channel.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';

type LayerConfig = { className: string; config: Record<string, unknown> };

const WEIGHTED = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);
/** Layers between A and B that commute with a positive per-channel scale. */
const HOMOGENEOUS = new Set(['ReLU', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'Dropout', 'Flatten']);

function sequentialConfig(model: tf.LayersModel, where: string): { name: string; layers: LayerConfig[] } {
  if (!(model instanceof tf.Sequential)) fail(where, `supports Sequential models; '${model.name}' is functional`);
  return JSON.parse(JSON.stringify(model.getConfig()));
}

/** A copy of `model` with every BatchNorm that follows a conv/dense layer folded into it. */
export function foldBatchNorm(model: tf.LayersModel): tf.LayersModel {
  checkModel('foldBatchNorm', model);
  checkFiniteWeights('foldBatchNorm', model);
  const config = sequentialConfig(model, 'foldBatchNorm');
  const folded: { into: string; bn: tf.layers.Layer }[] = [];
  const layers: LayerConfig[] = [];
  for (const [i, l] of config.layers.entries()) {
    // layer configs and model.layers line up one to one in a Sequential model
    const prev = layers.at(-1);
    if (l.className === 'BatchNormalization' && prev && WEIGHTED.has(prev.className) && (prev.config.activation ?? 'linear') === 'linear') {
      prev.config.useBias = true;
      folded.push({ into: prev.config.name as string, bn: model.layers[i]! });
      continue;
    }
    layers.push(l);
  }
  if (layers[0] && config.layers[0]!.config.batchInputShape) layers[0].config.batchInputShape = config.layers[0]!.config.batchInputShape;
  const out = tf.Sequential.fromConfig(tf.Sequential, { ...config, layers } as unknown as tf.serialization.ConfigDict) as tf.Sequential;
  for (const layer of out.layers) {
    const source = model.getLayer(layer.name);
    const f = folded.find((x) => x.into === layer.name);
    if (!f) {
      if (layer.countParams() > 0) layer.setWeights(source.getWeights());
      continue;
    }
    const [gamma, beta, mean, variance] = f.bn.getWeights().map((w) => w.dataSync() as Float32Array);
    const eps = (f.bn.getConfig().epsilon as number) ?? 1e-3;
    const [kernel, bias] = source.getWeights();
    const k = Float32Array.from(kernel!.dataSync());
    const channels = gamma!.length;
    const factor = Float32Array.from(gamma!, (g, c) => g / Math.sqrt(variance![c]! + eps));
    // output channel is the last axis (conv, dense) or axis 2 of a depthwise kernel [kh, kw, C, 1]: flat index mod C either way
    for (let i = 0; i < k.length; i++) k[i] *= factor[i % channels]!;
    const b = bias ? Float32Array.from(bias.dataSync()) : new Float32Array(channels);
    const newBias = Float32Array.from(b, (v, c) => (v - mean![c]!) * factor[c]! + beta![c]!);
    const t = [tf.tensor(k, kernel!.shape), tf.tensor(newBias, [channels])];
    layer.setWeights(t);
    tf.dispose(t);
  }
  return out;
}

function kernelOf(layer: tf.layers.Layer): { values: Float32Array; shape: number[] } {
  const k = layer.getWeights()[0]!;
  return { values: Float32Array.from(k.dataSync()), shape: k.shape };
}

/** max |w| per output channel of A (flat index mod C) and per input channel of B. */
function outputRanges(k: Float32Array, channels: number): Float32Array {
  const r = new Float32Array(channels);
  for (let i = 0; i < k.length; i++) r[i % channels] = Math.max(r[i % channels]!, Math.abs(k[i]!));
  return r;
}

function inputRanges(layer: tf.layers.Layer, k: Float32Array, shape: number[], channels: number): Float32Array {
  const r = new Float32Array(channels);
  if (layer.getClassName() === 'DepthwiseConv2D') return outputRanges(k, channels);
  // Dense [in, out] / Conv [kh, kw, in, out]: input channel = (flat / out) mod in; after a Flatten, rows map to channel row mod C
  const out = shape.at(-1)!;
  for (let i = 0; i < k.length; i++) {
    const c = Math.floor(i / out) % shape.at(-2)!;
    r[c % channels] = Math.max(r[c % channels]!, Math.abs(k[i]!));
  }
  return r;
}

/** Pairs A → (ReLU, pooling …) → B of a folded Sequential model, A's activation ReLU or linear-then-ReLU. */
function pairs(model: tf.LayersModel): [tf.layers.Layer, tf.layers.Layer][] {
  const out: [tf.layers.Layer, tf.layers.Layer][] = [];
  const layers = model.layers;
  for (let i = 0; i < layers.length; i++) {
    const a = layers[i]!;
    if (!WEIGHTED.has(a.getClassName())) continue;
    const act = (a.getConfig().activation as string | undefined) ?? 'linear';
    let relu = act === 'relu';
    if (act !== 'relu' && act !== 'linear') continue;
    let j = i + 1;
    while (j < layers.length && HOMOGENEOUS.has(layers[j]!.getClassName())) {
      if (layers[j]!.getClassName() === 'ReLU') relu = true;
      j++;
    }
    if (relu && j < layers.length && WEIGHTED.has(layers[j]!.getClassName()) && a.getWeights().length === 2) out.push([a, layers[j]!]);
  }
  return out;
}

/**
 * Cross-layer equalization of a BatchNorm-folded Sequential model (iterated,
 * since each layer sits in two pairs). Returns a new model computing the same
 * function.
 */
export function equalize(model: tf.LayersModel, iterations = 5): tf.LayersModel {
  checkModel('equalize', model);
  checkFiniteWeights('equalize', model);
  const folded = foldBatchNorm(model);
  for (let it = 0; it < iterations; it++) {
    for (const [a, b] of pairs(folded)) {
      const ka = kernelOf(a);
      const kb = kernelOf(b);
      const [, biasA] = a.getWeights();
      const channels = ka.shape.at(a.getClassName() === 'DepthwiseConv2D' ? -2 : -1)!;
      const ra = outputRanges(ka.values, channels);
      const rb = inputRanges(b, kb.values, kb.shape, channels);
      const s = Float32Array.from(ra, (r, c) => (r > 0 && rb[c]! > 0 ? Math.sqrt(r * rb[c]!) / rb[c]! : 1));
      for (let i = 0; i < ka.values.length; i++) ka.values[i] /= s[i % channels]!;
      const bias = Float32Array.from(biasA!.dataSync(), (v, c) => v / s[c]!);
      if (b.getClassName() === 'DepthwiseConv2D') for (let i = 0; i < kb.values.length; i++) kb.values[i] *= s[i % channels]!;
      else {
        const out = kb.shape.at(-1)!;
        const rows = kb.shape.at(-2)!;
        for (let i = 0; i < kb.values.length; i++) kb.values[i] *= s[(Math.floor(i / out) % rows) % channels]!;
      }
      const ta = [tf.tensor(ka.values, ka.shape), tf.tensor(bias, [channels])];
      a.setWeights(ta);
      const rest = b.getWeights().slice(1);
      const tb = tf.tensor(kb.values, kb.shape);
      b.setWeights([tb, ...rest]);
      tf.dispose([...ta, tb]);
    }
  }
  return folded;
}
