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
 * A pair is equalized only when A's output reaches B alone through layers that
 * commute with a positive scale. Pairs joined by Add/Concatenate (the other
 * branch would need the same scales), split by a branch, or separated by a
 * clipping activation (ReLU6) are skipped, and `equalizeModel` says which and why.
 */
import * as tf from '@tensorflow/tfjs';
import { checkModel } from '../models/check.js';
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
  /** Pairs equalized, 'a → b'. */
  pairs: string[];
  /** Pairs skipped, with the reason. */
  skipped: string[];
}

interface Pair {
  a: string;
  b: string;
}

/** Pairs A → (homogeneous layers) → B of a folded model; notes for the chains that stop short. */
function findPairs(model: tf.LayersModel): { pairs: Pair[]; skipped: string[] } {
  const readers = consumers(model);
  const pairs: Pair[] = [];
  const skipped: string[] = [];
  for (const a of model.layers) {
    if (!EQUALIZABLE.has(a.getClassName())) continue;
    if (activationOf(a) === 'relu6') skipped.push(`${a.name}: its activation relu6 clips, so a scale would move the clip`);
    if (!['relu', 'linear'].includes(activationOf(a))) continue;
    if (a.getClassName() === 'DepthwiseConv2D' && a.getConfig().depthMultiplier !== 1) continue;
    let at = a.name;
    for (;;) {
      const next = readers.get(at)!;
      if (next.includes('')) break; // a model output: its scale is not ours to change
      if (next.length !== 1) {
        skipped.push(`${a.name}: its output feeds ${next.length} layers (${next.join(', ')})`);
        break;
      }
      const layer = model.getLayer(next[0]!);
      const cls = layer.getClassName();
      if (EQUALIZABLE.has(cls) && !(cls === 'DepthwiseConv2D' && layer.getConfig().depthMultiplier !== 1)) {
        pairs.push({ a: a.name, b: layer.name });
        break;
      }
      const relu = isPlainRelu(layer);
      if (relu === 'clips') skipped.push(`${a.name} → …: '${layer.name}' clips (ReLU6), so a scale would move the clip`);
      else if (JOINS.has(cls)) skipped.push(`${a.name} → …: '${layer.name}' (${cls}) joins branches that would need the same scales`);
      else if (relu || HOMOGENEOUS.has(cls)) {
        at = layer.name;
        continue;
      }
      break;
    }
  }
  return { pairs, skipped };
}

/** Per-channel max |w| of a kernel along its output axis (a) or input axis (b). */
function ranges(values: Float32Array, shape: number[], channels: number, input: boolean, depthwise: boolean): Float32Array {
  const r = new Float32Array(channels);
  const out = shape.at(-1)!;
  const rows = shape.at(-2)!;
  for (let i = 0; i < values.length; i++) {
    // depthwise [kh, kw, C, 1]: flat mod C either side; Dense/Conv input row = (flat / out) mod rows, after a Flatten row mod C
    const c = depthwise || !input ? i % channels : (Math.floor(i / out) % rows) % channels;
    r[c] = Math.max(r[c]!, Math.abs(values[i]!));
  }
  return r;
}

function equalizePair(a: tf.layers.Layer, b: tf.layers.Layer): void {
  const wa = a.getWeights();
  const wb = b.getWeights();
  const ka = kernelOf(a)!;
  const kb = kernelOf(b)!;
  const channels = ka.shape[ka.channelAxis!]!;
  const va = Float32Array.from(wa[ka.index]!.dataSync());
  const vb = Float32Array.from(wb[kb.index]!.dataSync());
  const dwB = b.getClassName() === 'DepthwiseConv2D';
  const ra = ranges(va, ka.shape, channels, false, false);
  const rb = ranges(vb, kb.shape, channels, true, dwB);
  const s = Float32Array.from(ra, (r, c) => (r > 0 && rb[c]! > 0 ? Math.sqrt(r * rb[c]!) / rb[c]! : 1));
  for (let i = 0; i < va.length; i++) va[i] /= s[i % channels]!;
  const out = kb.shape.at(-1)!;
  const rows = kb.shape.at(-2)!;
  for (let i = 0; i < vb.length; i++) vb[i] *= s[dwB ? i % channels : (Math.floor(i / out) % rows) % channels]!;
  const bias = layerWeights(a).find((w) => w.role === 'bias');
  const newA = wa.map((w, i) =>
    i === ka.index
      ? tf.tensor(va, w.shape)
      : i === bias?.index
        ? tf.tensor(
            Float32Array.from(w.dataSync(), (x, c) => x / s[c]!),
            w.shape,
          )
        : w.clone(),
  );
  const newB = wb.map((w, i) => (i === kb.index ? tf.tensor(vb, w.shape) : w.clone()));
  a.setWeights(newA);
  b.setWeights(newB);
  tf.dispose([...newA, ...newB]);
}

/**
 * Cross-layer equalization (BatchNorm folded first), iterated since each layer
 * sits in two pairs. Returns a new model computing the same function, the
 * pairs equalized and the pairs skipped with the reason.
 */
export function equalizeModel(model: tf.LayersModel, options: { iterations?: number; where?: string } = {}): EqualizeResult {
  const where = options.where ?? 'equalize';
  const folded = foldBatchNormFor(where, model);
  const { pairs, skipped } = findPairs(folded);
  for (let it = 0; it < (options.iterations ?? 5); it++) for (const { a, b } of pairs) equalizePair(folded.getLayer(a), folded.getLayer(b));
  return { model: folded, pairs: pairs.map((p) => `${p.a} → ${p.b}`), skipped };
}

/** Cross-layer equalization; see `equalizeModel` for the pairs it equalized and skipped. */
export function equalize(model: tf.LayersModel, iterations = 5): tf.LayersModel {
  return equalizeModel(model, { iterations }).model;
}
