/**
 * Surgery: rebuild a smaller tf.LayersModel with the chosen atoms removed —
 * new layer configs (fewer units/filters) and weights sliced to match.
 */
import * as tf from '@tensorflow/tfjs';
import { layerWeights } from '../models/weights.js';
import type { ChannelGraph } from './graph.js';

/** Keeps `keep` indices along `axis` of a row-major array. */
export function takeAlong(values: Float32Array, shape: number[], axis: number, keep: number[]): { values: Float32Array; shape: number[] } {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = shape[axis]!;
  const out = new Float32Array(outer * keep.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const k of keep) {
      const start = (a * n + k) * inner;
      out.set(values.subarray(start, start + inner), o);
      o += inner;
    }
  }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { values: out, shape: newShape };
}

const keptIndices = (atoms: number[], removed: Set<number>) => atoms.flatMap((a, i) => (removed.has(a) ? [] : [i]));

/**
 * A new model without the `removed` atoms. Producers lose output units (and the
 * matching rows of whoever reads them); followers lose the same channels.
 * `biasShift` (see compensate.ts) is added to the named layers' biases.
 */
export function rebuild(graph: ChannelGraph, removed: Set<number>, biasShift = new Map<string, Float32Array>()): tf.LayersModel {
  const model = graph.model;
  const config = JSON.parse(JSON.stringify(model.getConfig())) as { layers: { className: string; config: Record<string, unknown> }[] };
  for (const layerConfig of config.layers) {
    const name = layerConfig.config.name as string;
    const role = graph.roles.get(name);
    if (role?.kind !== 'producer') continue;
    const units = keptIndices(role.outputs, removed).length;
    if (layerConfig.className === 'Dense') layerConfig.config.units = units;
    else layerConfig.config.filters = units;
  }
  const cls = model.constructor as typeof tf.LayersModel;
  const smaller = cls.fromConfig(cls, config as unknown as tf.serialization.ConfigDict) as tf.LayersModel;
  for (const layer of model.layers) {
    const role = graph.roles.get(layer.name);
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const target = smaller.getLayer(layer.name);
    const sliced = layerWeights(layer).map((info, i) => {
      let v = { values: weights[i]!.dataSync() as Float32Array, shape: weights[i]!.shape };
      const isKernel = info.role === 'kernel';
      const shift = biasShift.get(layer.name);
      if (shift && role?.kind === 'producer' && info.role === 'bias') {
        v = { values: v.values.map((b, o) => b + shift[o]!), shape: v.shape };
      }
      if (role?.kind === 'producer') {
        if (isKernel) v = takeAlong(v.values, v.shape, v.shape.length - 2, keptIndices(role.inputs, removed));
        v = takeAlong(v.values, v.shape, info.channelAxis!, keptIndices(role.outputs, removed));
      } else if (role?.kind === 'follower') {
        // BatchNorm vectors, depthwise bias and PReLU alpha ([…, C]): last axis; depthwise kernel [kh, kw, C, 1]: axis 2
        v = takeAlong(v.values, v.shape, info.channelAxis!, keptIndices(role.outputs, removed));
      }
      return tf.tensor(v.values, v.shape);
    });
    target.setWeights(sliced);
    tf.dispose(sliced);
  }
  return smaller;
}
