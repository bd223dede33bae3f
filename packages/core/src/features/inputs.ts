/**
 * What an input feature is, and the surgery that removes some. A feature is
 * one position of the input's last axis: a column of a flat input read by a
 * Dense layer, or an input channel of an image read by a Conv2D layer. Removing
 * features shrinks the input and deletes the matching rows of that first
 * layer's kernel; every other layer is unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { makeDataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { takeAlong } from '../prune/surgery.js';

export interface InputReader {
  layer: tf.layers.Layer;
  /** Number of input features (the input's last dimension). */
  features: number;
  /** Axis of the kernel that indexes input features: 0 for Dense, 2 for Conv2D. */
  axis: number;
}

/** The one Dense or Conv2D layer that reads the model's input. */
export function inputReader(model: tf.LayersModel, where = 'pruneInputs'): InputReader {
  if (model.inputs.length !== 1) fail(where, `model '${model.name}' has ${model.inputs.length} inputs; input pruning needs exactly one`);
  const input = model.inputs[0]!;
  const readers = model.layers.filter(
    (l) => l.getClassName() !== 'InputLayer' && l.inboundNodes.some((n) => n.inputTensors.includes(input)),
  );
  if (readers.length !== 1)
    fail(where, `the input of '${model.name}' is read by ${readers.length} layers; input pruning needs exactly one`);
  const layer = readers[0]!;
  const type = layer.getClassName();
  const rank = input.shape.length;
  if (!(type === 'Dense' && rank === 2) && !(type === 'Conv2D' && rank === 4))
    fail(
      where,
      `first layer '${layer.name}' is a ${type} on a rank-${rank} input; input pruning needs a Dense on flat inputs or a Conv2D on images`,
    );
  if ((layer.getConfig() as { dataFormat?: string }).dataFormat === 'channelsFirst')
    fail(where, `first layer '${layer.name}' is channelsFirst; input pruning needs channelsLast`);
  return { layer, features: input.shape.at(-1)!, axis: type === 'Dense' ? 0 : 2 };
}

/** A new model taking only the `kept` features (indices in ascending order). */
export function dropInputs(model: tf.LayersModel, kept: number[]): tf.LayersModel {
  const reader = inputReader(model);
  const config = JSON.parse(JSON.stringify(model.getConfig())) as { layers: { className: string; config: Record<string, unknown> }[] };
  // the InputLayer (functional) or the first layer, which carries the input shape (Sequential)
  const first = (config.layers.find((l) => l.className === 'InputLayer') ?? config.layers[0]!).config;
  const shape = first.batchInputShape as (number | null)[];
  first.batchInputShape = [...shape.slice(0, -1), kept.length];
  const cls = model.constructor as typeof tf.LayersModel;
  const smaller = cls.fromConfig(cls, config as unknown as tf.serialization.ConfigDict) as tf.LayersModel;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const weights = layer.getWeights();
    if (layer !== reader.layer) {
      smaller.getLayer(layer.name).setWeights(weights);
      continue;
    }
    const kernel = weights[0]!;
    const sliced = takeAlong(kernel.dataSync() as Float32Array, kernel.shape, reader.axis, kept);
    const replacement = tf.tensor(sliced.values, sliced.shape);
    smaller.getLayer(layer.name).setWeights([replacement, ...weights.slice(1)]);
    replacement.dispose();
  }
  return smaller;
}

/** A dataset with only the `kept` features of each sample (new tensors; dispose them). Feature names follow. */
export function selectFeatures(data: Dataset, kept: readonly number[]): Dataset {
  const features = data.x.shape.at(-1)!;
  for (const k of kept)
    if (!Number.isInteger(k) || k < 0 || k >= features) fail('selectFeatures', `feature index ${k} is not in [0, ${features - 1}]`);
  const x = tf.tidy(() => tf.gather(data.x, tf.tensor1d(kept as number[], 'int32'), data.x.rank - 1));
  // names describe the last axis only when there is one per position on it (words, flat pixels; not image channels)
  const names = data.featureNames?.length === features ? kept.map((k) => data.featureNames![k]!) : undefined;
  return makeDataset(x, data.y.clone(), data.labels.slice(), { featureNames: names, classNames: data.classNames });
}
