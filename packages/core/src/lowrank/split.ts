/**
 * Surgery for low-rank factors: rebuild a model from its config with each
 * factorized layer replaced by two layers, `NAME_lowrank` (the first factor,
 * linear, no bias) then `NAME` (the second factor, the original activation and
 * bias). The second keeps the name so that whatever read the layer still does.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import type { Factors } from './factors.js';

interface LayerEntry {
  className: string;
  name?: string;
  config: Record<string, unknown>;
  inboundNodes?: unknown[][];
}

export const firstFactorName = (name: string) => `${name}_lowrank`;

/** Configs of the two layers replacing `entry`; the kernel shape decides Dense vs Conv2D. */
function splitConfig(entry: LayerEntry, f: Factors): [Record<string, unknown>, Record<string, unknown>] {
  const name = entry.config.name as string;
  const { batchInputShape, inputShape, ...rest } = entry.config;
  const first: Record<string, unknown> = { ...rest, name: firstFactorName(name), activation: 'linear', useBias: false };
  if (batchInputShape) first.batchInputShape = batchInputShape;
  if (inputShape) first.inputShape = inputShape;
  const second: Record<string, unknown> = { ...rest, useBias: f.bias !== null };
  if (entry.className === 'Dense') {
    first.units = f.rank;
  } else {
    first.filters = f.rank;
    Object.assign(second, { kernelSize: [1, 1], strides: [1, 1], padding: 'valid', dilationRate: [1, 1] });
  }
  return [first, second];
}

/** A new model with each layer named in `factors` split in two; other weights copied from `model`. */
export function splitLayers(model: tf.LayersModel, factors: Map<string, Factors>): tf.LayersModel {
  const config = JSON.parse(JSON.stringify(model.getConfig())) as { layers: LayerEntry[] };
  const existing = new Set(model.layers.map((l) => l.name));
  const layers: LayerEntry[] = [];
  for (const entry of config.layers) {
    const name = entry.config.name as string;
    const f = factors.get(name);
    if (!f) {
      layers.push(entry);
      continue;
    }
    if (existing.has(firstFactorName(name))) fail('factorize', `cannot split '${name}': a layer named '${firstFactorName(name)}' exists`);
    const [first, second] = splitConfig(entry, f);
    if (entry.inboundNodes === undefined) {
      layers.push({ className: entry.className, config: first }, { className: entry.className, config: second });
    } else {
      const a = firstFactorName(name);
      layers.push(
        { className: entry.className, name: a, config: first, inboundNodes: entry.inboundNodes },
        { className: entry.className, name, config: second, inboundNodes: entry.inboundNodes.map((_, i) => [[a, i, 0, {}]]) },
      );
    }
  }
  config.layers = layers;
  const cls = model.constructor as typeof tf.LayersModel;
  const split = cls.fromConfig(cls, config as unknown as tf.serialization.ConfigDict) as tf.LayersModel;
  try {
    setWeights(model, split, factors);
  } catch (err) {
    split.dispose();
    throw err;
  }
  return split;
}

function setWeights(model: tf.LayersModel, split: tf.LayersModel, factors: Map<string, Factors>): void {
  for (const layer of model.layers) {
    const f = factors.get(layer.name);
    if (!f) {
      if (layer.weights.length) split.getLayer(layer.name).setWeights(layer.getWeights());
      continue;
    }
    const kernel = layer.weights.find((w) => /(^|\/)kernel$/.test(w.originalName))!.shape as number[];
    const cols = kernel.at(-1)!;
    const aShape = [...kernel.slice(0, -1), f.rank];
    const bShape = kernel.length === 2 ? [f.rank, cols] : [1, 1, f.rank, cols];
    const tensors = [tf.tensor(f.a, aShape), tf.tensor(f.b, bShape), ...(f.bias ? [tf.tensor1d(f.bias)] : [])];
    split.getLayer(firstFactorName(layer.name)).setWeights([tensors[0]!]);
    split.getLayer(layer.name).setWeights(tensors.slice(1));
    tf.dispose(tensors);
  }
}
