/**
 * Data-free quantization helpers (Nagel et al. 2019), for Sequential and
 * functional models:
 * - foldBatchNorm: a BatchNorm right after a conv/dense layer (whose output
 *   nothing else reads) becomes part of its weights and bias
 *   (W·γ/σ, (b − μ)·γ/σ + β), so there is one tensor to quantize;
 * - equalize: for layers A → ReLU → B, scale A's output channel i down by s_i
 *   and B's input channel i up by s_i, with s_i = √(r_A,i · r_B,i) / r_B,i, so
 *   both ranges become √(r_A,i · r_B,i). ReLU(x/s) = ReLU(x)/s for s > 0, so the
 *   function is unchanged, but per-tensor ranges stop being set by one outlier
 *   channel — per-tensor quantization gets close to per-channel.
 *
 * Residual blocks couple layers: every producer feeding an Add shares one
 * scale vector (the Add sums their channels), and every layer reading the sum,
 * or a producer's output on its way to the Add, absorbs its inverse; a branch
 * likewise makes all its readers absorb it. Scales never cross a Concatenate
 * (channel offsets), a clipping activation (ReLU6), a model output or a layer
 * that does not commute with a positive per-channel scale: such groups are
 * skipped, and `equalizeModel` says which and why.
 */
import * as tf from '@tensorflow/tfjs';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { batchNormParams, kernelOf, layerWeights } from '../models/weights.js';
import { checkEditable, consumers, GraphEdit, inputsOf } from '../models/rewire.js';

const FOLDABLE = new Set(['Conv2D', 'Conv1D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);
const EQUALIZABLE = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);
/** Layers between A and B that commute with a positive per-channel scale. */
const HOMOGENEOUS = new Set([
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Dropout',
  'Flatten',
  'ZeroPadding2D',
  'LeakyReLU',
]);
const JOINS = new Set(['Add', 'Concatenate', 'Multiply', 'Subtract', 'Average', 'Maximum', 'Minimum']);

const activationOf = (layer: tf.layers.Layer) => (layer.getConfig().activation as string | undefined) ?? 'linear';

/** A plain ReLU (no clip, no threshold) commutes with positive scales; ReLU6 does not. */
function isPlainRelu(layer: tf.layers.Layer): boolean | 'clips' {
  const cls = layer.getClassName();
  const c = layer.getConfig();
  if (cls === 'ReLU') return c.maxValue === null || c.maxValue === undefined ? true : 'clips';
  if (cls === 'Activation') return c.activation === 'relu' ? true : c.activation === 'relu6' ? 'clips' : false;
  return false;
}

/** A copy of `model` with every BatchNorm that directly follows a conv/dense layer folded into it. */
export function foldBatchNorm(model: tf.LayersModel): tf.LayersModel {
  return foldBatchNormFor('foldBatchNorm', model);
}

/** foldBatchNorm with errors in the name of the operation the user called. */
export function foldBatchNormFor(where: string, model: tf.LayersModel): tf.LayersModel {
  checkModel(where, model);
  checkFiniteWeights(where, model);
  checkEditable(where, model);
  const readers = consumers(model);
  const edit = new GraphEdit(model);
  const folded = new Map<string, tf.layers.Layer>(); // conv/dense name → its BatchNorm
  for (const bn of model.layers) {
    if (bn.getClassName() !== 'BatchNormalization') continue;
    const [a, ...more] = inputsOf(bn);
    if (!a || more.length || !FOLDABLE.has(a.getClassName()) || activationOf(a) !== 'linear') continue;
    if (readers.get(a.name)!.length !== 1) continue; // another layer reads the un-normalized output
    const axis = bn.getConfig().axis as number;
    const rank = (bn.outputShape as number[]).length;
    if (axis !== -1 && axis !== rank - 1) continue;
    edit.remove(bn.name);
    edit.layerConfig(a.name).useBias = true;
    folded.set(a.name, bn);
  }
  const out = edit.build(new Set(folded.keys()));
  for (const [name, bn] of folded) foldInto(model.getLayer(name), out.getLayer(name), bn);
  return out;
}

function foldInto(source: tf.layers.Layer, target: tf.layers.Layer, bn: tf.layers.Layer): void {
  const { gamma, beta, mean, variance, epsilon } = batchNormParams(bn);
  const channels = mean.length;
  const factor = Float32Array.from(gamma, (x, c) => x / Math.sqrt(variance[c]! + epsilon));
  const weights = source.getWeights();
  const kernel = kernelOf(source)!;
  const oldBias = layerWeights(source).find((w) => w.role === 'bias');
  const values = layerWeights(target).map((info, i) => {
    if (info.role === 'bias') {
      const b = oldBias ? (weights[oldBias.index]!.dataSync() as Float32Array) : new Float32Array(channels);
      return tf.tensor(
        Float32Array.from(b, (x, c) => (x - mean[c]!) * factor[c]! + beta[c]!),
        [channels],
      );
    }
    if (i !== kernel.index) return weights[i]!.clone();
    // the output channel is the fastest-varying index of the flattened kernel's last axes, so flat index mod C finds it
    const k = Float32Array.from(weights[i]!.dataSync(), (x, j) => x * factor[j % channels]!);
    return tf.tensor(k, weights[i]!.shape);
  });
  target.setWeights(values);
  tf.dispose(values);
}

export interface EqualizeResult {
  model: tf.LayersModel;
  /** Groups equalized, 'a → b' (a pair) or 'a, b → c, d (across add)' (producers joined by Add → consumers). */
  pairs: string[];
  /** Pairs skipped, with the reason. */
  skipped: string[];
}

/**
 * Layers sharing one per-channel scale: the producers' output channel c is
 * divided by s_c and every consumer's input channel c multiplied by it. A pair
 * A → B is the smallest group; producers joined by an Add (a residual block)
 * must share the scale, since the Add sums their channels, and every layer
 * reading the sum — or a producer's output before the Add — absorbs it.
 */
interface Group {
  producers: string[];
  consumers: string[];
  joins: string[];
}

const equalizable = (layer: tf.layers.Layer) =>
  EQUALIZABLE.has(layer.getClassName()) && !(layer.getClassName() === 'DepthwiseConv2D' && layer.getConfig().depthMultiplier !== 1);

/**
 * The group that A's output channels belong to, found by following the
 * channels forward (through layers that commute with a positive scale, into
 * every reader) and backward from each Add into its other inputs. A reason
 * instead when the scale would reach something that cannot take it.
 */
function groupOf(model: tf.LayersModel, a: tf.layers.Layer, readers: Map<string, string[]>): Group | string {
  const producers = new Set<string>();
  const consumers = new Set<string>();
  const joins = new Set<string>();
  const seen = new Set<string>();
  const forward = (name: string): string | null => {
    for (const next of readers.get(name)!) {
      if (next === '') return `'${name}' is a model output: its scale is not ours to change`;
      const layer = model.getLayer(next);
      const cls = layer.getClassName();
      if (equalizable(layer)) {
        consumers.add(next);
        continue;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      const relu = isPlainRelu(layer);
      if (relu === 'clips') return `'${next}' clips (ReLU6), so a scale would move the clip`;
      if (cls === 'Add') {
        joins.add(next);
        for (const other of inputsOf(layer)) {
          const why = backward(other);
          if (why) return why;
        }
      } else if (JOINS.has(cls))
        return `'${next}' (${cls}) joins branches${cls === 'Concatenate' ? ' at channel offsets' : ''}, which a shared scale does not pass`;
      else if (!relu && !HOMOGENEOUS.has(cls)) return `'${next}' (${cls}) does not commute with a per-channel scale`;
      const why = forward(next);
      if (why) return why;
    }
    return null;
  };
  const backward = (layer: tf.layers.Layer): string | null => {
    if (producers.has(layer.name) || seen.has(layer.name)) return null;
    if (equalizable(layer)) {
      if (!['relu', 'linear'].includes(activationOf(layer)))
        return `'${layer.name}' feeds an Add through its ${activationOf(layer)} activation`;
      producers.add(layer.name);
      return forward(layer.name);
    }
    seen.add(layer.name);
    const cls = layer.getClassName();
    if (isPlainRelu(layer) === 'clips') return `'${layer.name}' clips (ReLU6), so a scale would move the clip`;
    if (isPlainRelu(layer) !== true && !HOMOGENEOUS.has(cls) && cls !== 'Add')
      return `'${layer.name}' (${cls}) feeds an Add, and no layer before it can take the scale`;
    for (const input of inputsOf(layer)) {
      const why = backward(input);
      if (why) return why;
    }
    return forward(layer.name);
  };
  producers.add(a.name);
  const why = forward(a.name);
  if (why) return why;
  if (consumers.size === 0) return 'no layer reads its output that could take the inverse scale';
  return { producers: [...producers], consumers: [...consumers], joins: [...joins] };
}

/** Groups of a folded model, each once; notes for the layers whose group cannot be equalized. */
function findGroups(model: tf.LayersModel): { groups: Group[]; skipped: string[] } {
  const readers = consumers(model);
  const groups: Group[] = [];
  const skipped: string[] = [];
  const done = new Set<string>();
  for (const a of model.layers) {
    if (!equalizable(a) || done.has(a.name)) continue;
    const act = activationOf(a);
    if (act === 'relu6') skipped.push(`${a.name}: its activation relu6 clips, so a scale would move the clip`);
    if (!['relu', 'linear'].includes(act) || readers.get(a.name)!.includes('')) continue; // an output layer's scale is the model's
    const g = groupOf(model, a, readers);
    if (typeof g === 'string') {
      skipped.push(`${a.name} → …: ${g}`);
      continue;
    }
    for (const p of g.producers) done.add(p);
    groups.push(g);
  }
  return { groups, skipped };
}

/**
 * Per-channel max |w| of a kernel along its output axis, or along its input
 * axis for a consumer (depthwise [kh, kw, C, 1]: flat mod C either way; Dense/Conv
 * input row = (flat / out) mod rows, after a Flatten row mod C).
 */
function channelOf(shape: number[], channels: number, input: boolean, depthwise: boolean): (i: number) => number {
  const out = shape.at(-1)!;
  const rows = shape.at(-2)!;
  return depthwise || !input ? (i) => i % channels : (i) => (Math.floor(i / out) % rows) % channels;
}

function equalizeGroup(model: tf.LayersModel, g: Group): void {
  const kernel = (name: string) => {
    const layer = model.getLayer(name);
    const k = kernelOf(layer)!;
    return { layer, k, weights: layer.getWeights(), values: Float32Array.from(layer.getWeights()[k.index]!.dataSync()) };
  };
  const producers = g.producers.map(kernel);
  const readers = g.consumers.map(kernel);
  const channels = producers[0]!.k.shape[producers[0]!.k.channelAxis!]!;
  const dw = (l: tf.layers.Layer) => l.getClassName() === 'DepthwiseConv2D';
  const ra = new Float32Array(channels);
  const rb = new Float32Array(channels);
  for (const p of producers) {
    const c = channelOf(p.k.shape, channels, false, dw(p.layer));
    p.values.forEach((v, i) => (ra[c(i)] = Math.max(ra[c(i)]!, Math.abs(v))));
  }
  for (const r of readers) {
    const c = channelOf(r.k.shape, channels, true, dw(r.layer));
    r.values.forEach((v, i) => (rb[c(i)] = Math.max(rb[c(i)]!, Math.abs(v))));
  }
  // both ranges become √(r_A · r_B); r_A is the largest producer's, r_B the largest consumer's
  const s = Float32Array.from(ra, (r, c) => (r > 0 && rb[c]! > 0 ? Math.sqrt(r * rb[c]!) / rb[c]! : 1));
  const write = (x: ReturnType<typeof kernel>, factor: (i: number) => number, biasToo: boolean) => {
    const bias = layerWeights(x.layer).find((w) => w.role === 'bias');
    const values = x.weights.map((w, i) =>
      i === x.k.index
        ? tf.tensor(
            Float32Array.from(x.values, (v, j) => v * factor(j)),
            w.shape,
          )
        : biasToo && i === bias?.index
          ? tf.tensor(
              Float32Array.from(w.dataSync(), (v, c) => v / s[c]!),
              w.shape,
            )
          : w.clone(),
    );
    x.layer.setWeights(values);
    tf.dispose(values);
  };
  for (const p of producers) {
    const c = channelOf(p.k.shape, channels, false, dw(p.layer));
    write(p, (i) => 1 / s[c(i)]!, true);
  }
  // a layer that is both (a depthwise inside a residual) reads the scaled channels it writes: its kernel is re-read
  for (const name of g.consumers) {
    const r = kernel(name);
    const c = channelOf(r.k.shape, channels, true, dw(r.layer));
    write(r, (i) => s[c(i)]!, false);
  }
}

const describeGroup = (g: Group) =>
  `${g.producers.join(', ')} → ${g.consumers.join(', ')}${g.joins.length ? ` (across ${g.joins.join(', ')})` : ''}`;

/**
 * Cross-layer equalization (BatchNorm folded first), iterated since each layer
 * sits in two groups (its input's and its output's). Returns a new model computing the same function, the
 * pairs equalized and the pairs skipped with the reason.
 */
export function equalizeModel(model: tf.LayersModel, options: { iterations?: number; where?: string } = {}): EqualizeResult {
  const where = options.where ?? 'equalize';
  const folded = foldBatchNormFor(where, model);
  const { groups, skipped } = findGroups(folded);
  for (let it = 0; it < (options.iterations ?? 5); it++) for (const g of groups) equalizeGroup(folded, g);
  return { model: folded, pairs: groups.map(describeGroup), skipped };
}

/** Cross-layer equalization; see `equalizeModel` for the pairs it equalized and skipped. */
export function equalize(model: tf.LayersModel, iterations = 5): tf.LayersModel {
  return equalizeModel(model, { iterations }).model;
}
