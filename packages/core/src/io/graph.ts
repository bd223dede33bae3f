/**
 * GraphModels (tfjs-converter output, `format: graph-model`): a TensorFlow
 * graph of ops (`_FusedConv2D`, `FusedDepthwiseConv2dNative`, `AddV2` …) plus
 * a weight map. Whittle works on them at the weight level: a new GraphModel is
 * built from the same topology with changed weights (the caller's model is
 * never touched), and saved as a folder stock `tf.loadGraphModel` loads.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { graphWeightRoles, type GraphNode } from '../models/weights.js';
import type { ModelJson } from './artifacts.js';

export type AnyModel = tf.LayersModel | tf.GraphModel;

export const isGraphModel = (m: unknown): m is tf.GraphModel => m instanceof tf.GraphModel;

/** A readable name: the LayersModel's name, or 'graph-model' (GraphModels have none). */
export const modelName = (m: AnyModel): string => (isGraphModel(m) ? 'graph-model' : m.name);

/** The artifacts a GraphModel was loaded from (topology, signature, metadata). */
export function graphArtifacts(model: tf.GraphModel): tf.io.ModelArtifacts {
  const a = (model as unknown as { artifacts?: tf.io.ModelArtifacts }).artifacts;
  if (!a?.modelTopology) fail('graph', 'this GraphModel has no artifacts (load it with loadModel or tf.loadGraphModel)');
  return a;
}

export function graphNodes(model: tf.GraphModel): GraphNode[] {
  return ((graphArtifacts(model).modelTopology as { node?: GraphNode[] }).node ?? []) as GraphNode[];
}

/** One float32 weight of a GraphModel with what the graph says about it. */
export interface GraphWeight {
  name: string;
  shape: number[];
  values: Float32Array;
  /** Op that reads it (e.g. '_FusedConv2D'), role and output-channel axis. */
  op: string;
  role: 'kernel' | 'bias' | 'other';
  channelAxis: number | null;
}

/** The float32 weights of `model`, kernels identified from the ops that read them. */
export function graphWeights(model: tf.GraphModel): GraphWeight[] {
  const roles = graphWeightRoles(graphNodes(model));
  return Object.entries(model.weights)
    .filter(([, ts]) => ts[0]?.dtype === 'float32')
    .map(([name, ts]) => {
      const t = ts[0]!;
      const r = roles.get(name);
      return {
        name,
        shape: t.shape,
        values: t.dataSync() as Float32Array,
        op: r?.op ?? 'Const',
        role: r?.role ?? 'other',
        channelAxis: r?.channelAxis ?? (t.rank > 0 ? t.rank - 1 : null),
      };
    });
}

/** Model JSON + one shard of `model` with `replace` applied to its weights (name → new values). */
export async function graphArtifactsWith(
  model: tf.GraphModel,
  replace: Map<string, Float32Array> = new Map(),
): Promise<{ json: ModelJson; data: Uint8Array; specs: tf.io.WeightsManifestEntry[] }> {
  const a = graphArtifacts(model);
  const named: tf.NamedTensorMap = {};
  const created: tf.Tensor[] = [];
  for (const [name, ts] of Object.entries(model.weights)) {
    const v = replace.get(name);
    if (v) {
      const t = tf.tensor(v, ts[0]!.shape);
      created.push(t);
      named[name] = t;
    } else named[name] = ts[0]!;
  }
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    const json: ModelJson = {
      format: 'graph-model',
      generatedBy: a.generatedBy,
      convertedBy: a.convertedBy ?? 'Whittle',
      modelTopology: a.modelTopology as object,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      ...(a.signature ? { signature: a.signature } : {}),
      ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
    } as ModelJson;
    return { json, data: new Uint8Array(data as ArrayBuffer), specs };
  } finally {
    tf.dispose(created);
  }
}

/** Builds a GraphModel from model.json fields + decoded weight specs and data. */
export async function loadGraphFrom(
  json: ModelJson,
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
  file: string,
): Promise<tf.GraphModel> {
  const j = json as ModelJson & { signature?: object };
  try {
    return await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: j.modelTopology,
        weightSpecs: specs,
        weightData: data,
        format: j.format,
        generatedBy: j.generatedBy,
        convertedBy: j.convertedBy ?? undefined,
        ...(j.signature ? { signature: j.signature } : {}),
        ...(j.userDefinedMetadata ? { userDefinedMetadata: j.userDefinedMetadata } : {}),
      } as tf.io.ModelArtifacts),
    );
  } catch (err) {
    return fail('loadModel', `${file} could not be built by tfjs as a graph model: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** A new GraphModel: `model` with some weights replaced (name → values). The input model is unchanged. */
export async function withGraphWeights(model: tf.GraphModel, replace: Map<string, Float32Array>): Promise<tf.GraphModel> {
  const { json, data, specs } = await graphArtifactsWith(model, replace);
  return loadGraphFrom(json, specs, data.buffer as ArrayBuffer, 'graph-model');
}

/** For structural operations: a one-line error saying they need a LayersModel. */
export function needLayers(where: string, model: unknown, what: string): asserts model is tf.LayersModel {
  if (isGraphModel(model))
    fail(
      where,
      `${what} needs a LayersModel; this is a GraphModel (tfjs-converter output), which supports weight-level operations only (unstructured/N:M pruning, weight quantization, export)`,
    );
}
