/**
 * Small edits of a model's layer graph — drop a layer, insert one after
 * another — for Sequential and functional models alike, done on the model's
 * config (the graph as data) and rebuilt with the same class. BatchNorm
 * folding and activation fake-quant use it, so both work on any LayersModel.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';

type Ref = [string, number, number, Record<string, unknown>?];
interface LayerEntry {
  name?: string;
  className: string;
  config: Record<string, unknown>;
  inboundNodes?: Ref[][];
}
interface ModelConfig {
  name: string;
  layers: LayerEntry[];
  inputLayers?: Ref[];
  outputLayers?: Ref[];
}

/** Layer name → names of the layers that read its output ('' marks a model output). */
export function consumers(model: tf.LayersModel): Map<string, string[]> {
  const out = new Map<string, string[]>(model.layers.map((l) => [l.name, []]));
  for (const layer of model.layers)
    for (const node of layer.inboundNodes) for (const src of node.inboundLayers) if (out.has(src.name)) out.get(src.name)!.push(layer.name);
  for (const l of model.outputLayers) out.get(l.name)?.push('');
  return out;
}

/** The layers feeding `layer` (its first call). */
export const inputsOf = (layer: tf.layers.Layer): tf.layers.Layer[] => layer.inboundNodes[0]?.inboundLayers ?? [];

/**
 * Fails, naming the operation the user called, for graphs these edits cannot
 * express: layers applied more than once, and models nested as layers.
 */
export function checkEditable(where: string, model: tf.LayersModel): void {
  for (const layer of model.layers) {
    if (layer instanceof tf.LayersModel)
      fail(where, `layer '${layer.name}' of '${model.name}' is itself a model; rebuild '${model.name}' with its layers inlined`);
    if (layer.inboundNodes.length > 1)
      fail(
        where,
        `layer '${layer.name}' of '${model.name}' is applied ${layer.inboundNodes.length} times (shared weights); give each call its own layer`,
      );
  }
}

export class GraphEdit {
  private readonly config: ModelConfig;
  private readonly sequential: boolean;

  constructor(private readonly model: tf.LayersModel) {
    this.config = JSON.parse(JSON.stringify(model.getConfig()));
    this.sequential = model instanceof tf.Sequential;
  }

  private index(name: string): number {
    const i = this.config.layers.findIndex((l) => (l.name ?? l.config.name) === name);
    if (i < 0) fail('rewire', `no layer '${name}' in the config of '${this.model.name}'`);
    return i;
  }

  /** The editable config of layer `name`. */
  layerConfig(name: string): Record<string, unknown> {
    return this.config.layers[this.index(name)]!.config;
  }

  private redirect(from: string, to: string, except?: string): void {
    const fix = (r: Ref) => (r[0] === from ? ([to, 0, 0, ...r.slice(3)] as Ref) : r);
    for (const l of this.config.layers) if ((l.name ?? l.config.name) !== except) l.inboundNodes = l.inboundNodes?.map((n) => n.map(fix));
    this.config.outputLayers = this.config.outputLayers?.map(fix);
  }

  /** Removes single-input layer `name`; its readers read its input instead. */
  remove(name: string): void {
    const i = this.index(name);
    const [entry] = this.config.layers.splice(i, 1);
    if (this.sequential) {
      const shape = entry!.config.batchInputShape;
      if (shape && this.config.layers[i]) this.config.layers[i]!.config.batchInputShape = shape;
      return;
    }
    const src = entry!.inboundNodes![0]![0]!;
    this.redirect(name, src[0]);
  }

  /**
   * Inserts a single-input layer after `name` (a layer, or for Sequential
   * models `null` = before the first layer): everything that read `name` reads it.
   */
  insertAfter(name: string | null, layer: { className: string; config: Record<string, unknown> }): void {
    const newName = layer.config.name as string;
    if (this.sequential) {
      const hasInput = this.config.layers[0]?.className === 'InputLayer'; // Keras-saved Sequential configs list it
      const i = name === null ? (hasInput ? 1 : 0) : this.index(name) + 1;
      if (i === 0) {
        layer.config.batchInputShape = this.config.layers[0]!.config.batchInputShape;
        delete this.config.layers[0]!.config.batchInputShape;
      }
      this.config.layers.splice(i, 0, layer);
      return;
    }
    const i = this.index(name!);
    this.redirect(name!, newName);
    this.config.layers.splice(i + 1, 0, { name: newName, ...layer, inboundNodes: [[[name!, 0, 0, {}]]] });
  }

  /** The edited model; layers with the same name get the source's weights unless `skipWeights` names them. */
  build(skipWeights: Set<string> = new Set()): tf.LayersModel {
    const cls = this.model.constructor as typeof tf.LayersModel;
    const out = cls.fromConfig(cls, this.config as unknown as tf.serialization.ConfigDict) as tf.LayersModel;
    const source = new Map(this.model.layers.map((l) => [l.name, l]));
    for (const layer of out.layers) {
      const from = source.get(layer.name);
      if (from && !skipWeights.has(layer.name) && layer.countParams() > 0) layer.setWeights(from.getWeights());
    }
    return out;
  }
}
