/**
 * The stock tfjs "layers-model" format on disk: model.json (topology + weights
 * manifest) beside binary weight shards. Plain @tensorflow/tfjs has no file://
 * handlers in Node, so Whittle reads and writes the files itself and hands tfjs
 * the artifacts in memory.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fail, show } from '../errors.js';

export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  trainingConfig?: object;
  /** Whittle's own metadata (e.g. how weights were packed). Ignored by stock tfjs. */
  userDefinedMetadata?: Record<string, unknown>;
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one manifest entry occupies in its shard. */
export function entryBytes(entry: tf.io.WeightsManifestEntry): number {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const per = BYTES_PER[dtype];
  if (per === undefined) return NaN;
  return entry.shape.reduce((a, b) => a * b, 1) * per;
}

/** Accepts a model.json path or the folder holding it. */
export function resolveModelJson(path: string): string {
  if (typeof path !== 'string' || path === '') fail('loadModel', `path must be a model.json or the folder holding it, got ${show(path)}`);
  const p = resolve(path);
  if (!existsSync(p)) fail('loadModel', `${path} does not exist (give a model.json or the folder holding it)`);
  if (statSync(p).isDirectory()) {
    const inner = join(p, 'model.json');
    if (!existsSync(inner)) fail('loadModel', `${path} is a folder without a model.json`);
    return inner;
  }
  return p;
}

/** Reads and checks model.json: parseable, with a topology and a weights manifest. */
export function readModelJson(file: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail('loadModel', `${file} is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const m = json as Partial<ModelJson> | null;
  if (!m || typeof m !== 'object') fail('loadModel', `${file} must hold a JSON object`);
  if (!m.modelTopology || typeof m.modelTopology !== 'object')
    fail('loadModel', `${file} has no modelTopology: it is not a tfjs layers model`);
  if (!Array.isArray(m.weightsManifest)) fail('loadModel', `${file} has no weightsManifest array`);
  checkGraph(file, m.modelTopology);
  for (const group of m.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail('loadModel', `${file}: every weightsManifest entry needs 'paths' and 'weights' arrays`);
    }
    if (!group.paths.every((p) => typeof p === 'string' && p !== ''))
      fail('loadModel', `${file}: weightsManifest paths must be file names, got ${show(group.paths)}`);
    for (const w of group.weights) checkManifestEntry(file, w);
  }
  return m as ModelJson;
}

/**
 * A functional model's layers may only connect to layers it defines: tfjs's
 * deserializer waits forever for a node whose inbound layer does not exist (a
 * renamed layer hung loadModel; found by fuzzing).
 */
function checkGraph(file: string, topology: object): void {
  const t = topology as { model_config?: unknown };
  const config = ((t.model_config ?? t) as { config?: Record<string, unknown> }).config;
  if (!config || typeof config !== 'object' || !Array.isArray(config.layers)) return;
  type Layer = { name?: unknown; config?: { name?: unknown }; inbound_nodes?: unknown; inboundNodes?: unknown };
  const layers = config.layers as Layer[];
  if (config.input_layers !== undefined || config.inputLayers !== undefined) {
    // a functional model: every layer needs its own name for the others to refer to
    const names = layers.map((l) => l?.name);
    const bad = names.findIndex((n, i) => typeof n !== 'string' || names.indexOf(n) !== i);
    if (bad >= 0) fail('loadModel', `${file}: layer ${bad} of the topology has a missing or repeated name (${show(names[bad])})`);
  }
  const nodesOf = (l: Layer) => l?.inbound_nodes ?? l?.inboundNodes;
  // a layer has one node per call; an input layer has its own node 0
  const nodeCount = new Map(
    layers.map((l) => [l?.name ?? l?.config?.name, Math.max(1, Array.isArray(nodesOf(l)) ? (nodesOf(l) as unknown[]).length : 0)]),
  );
  const refs: unknown[][] = [];
  for (const l of layers) {
    const nodes = nodesOf(l);
    // [[[name, nodeIndex, tensorIndex, kwargs], …] per node, …]
    if (Array.isArray(nodes)) for (const n of nodes) if (Array.isArray(n)) refs.push(...n.map((e) => (Array.isArray(e) ? e : n)));
  }
  for (const key of ['input_layers', 'inputLayers', 'output_layers', 'outputLayers'])
    if (Array.isArray(config[key])) refs.push(...(config[key] as unknown[]).map((e) => (Array.isArray(e) ? e : [e, 0, 0])));
  for (const [name, node, tensor] of refs) {
    const count = nodeCount.get(name as string);
    if (count === undefined) fail('loadModel', `${file}: the topology connects to layer ${show(name)}, which it does not define`);
    if (!Number.isInteger(node) || (node as number) < 0 || (node as number) >= count || !Number.isInteger(tensor) || (tensor as number) < 0)
      fail(
        'loadModel',
        `${file}: the topology connects to node ${show(node)}, tensor ${show(tensor)} of layer ${show(name)}, which does not exist`,
      );
  }
}

/** A weight entry must say its name, a shape of non-negative integers and a dtype, or sizes cannot be checked. */
function checkManifestEntry(file: string, w: unknown): void {
  const e = w as Partial<tf.io.WeightsManifestEntry> | null;
  if (!e || typeof e !== 'object' || typeof e.name !== 'string') fail('loadModel', `${file}: a weights entry has no name: ${show(w)}`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    fail('loadModel', `${file}: weight '${e.name}' has shape ${show(e.shape)}; a shape is a list of non-negative integers`);
  if (typeof e.dtype !== 'string' || !(e.dtype in BYTES_PER))
    fail('loadModel', `${file}: weight '${e.name}' has dtype ${show(e.dtype)}; expected one of ${Object.keys(BYTES_PER).join(', ')}`);
  const q = e.quantization;
  if (q !== undefined && (!q || typeof q !== 'object' || typeof q.dtype !== 'string' || !(q.dtype in BYTES_PER)))
    fail('loadModel', `${file}: weight '${e.name}' has quantization ${show(q)}; expected { dtype: 'uint8' | 'uint16' | 'float16', … }`);
}

/**
 * Reads every shard named by the manifest and checks its size against the
 * manifest. Returns the specs and joined data, and each shard's bytes by the
 * path the manifest gives (what @whittle/loader's decodeModel takes).
 */
export function readShards(
  file: string,
  json: ModelJson,
): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer; shards: Record<string, Uint8Array> } {
  const dir = dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  const shards: Record<string, Uint8Array> = {};
  for (const group of json.weightsManifest) {
    const expected = group.weights.reduce((s, e) => s + entryBytes(e), 0);
    let actual = 0;
    for (const p of group.paths) {
      const shard = join(dir, p);
      if (!existsSync(shard)) fail('loadModel', `weights shard ${shard} named in ${file} is missing`);
      const bytes = readFileSync(shard);
      actual += bytes.byteLength;
      buffers.push(bytes);
      shards[p] = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    if (!Number.isNaN(expected) && actual !== expected) {
      fail(
        'loadModel',
        `weights shard ${group.paths.map((p) => join(dir, p)).join(', ')} has ${actual} bytes but ${file} describes ${expected}: the shard is truncated or belongs to another model`,
      );
    }
    specs.push(...group.weights);
  }
  const total = buffers.reduce((s, b) => s + b.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    data.set(b, offset);
    offset += b.byteLength;
  }
  return { specs, data: data.buffer, shards };
}

/** The artifacts tfjs produces for a model (topology, weight specs, one weight buffer). */
export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return captured!;
}

/** All weight bytes as one ArrayBuffer (tfjs may hand them over in pieces). */
export function joinWeightData(data: tf.io.ModelArtifacts['weightData']): ArrayBuffer {
  if (!data) return new ArrayBuffer(0);
  return tf.io.CompositeArrayBuffer.join(data);
}

/** Layer-config sizes that are a dimension of that layer's weights, in every layer that has them. */
const WEIGHT_DIMS = ['units', 'filters', 'kernel_size', 'input_dim', 'output_dim', 'depth_multiplier'] as const;

/**
 * tfjs builds (allocates and randomly initialises) every layer's weights before
 * it reads the shards, so a model.json claiming `units: 3000000` takes
 * gigabytes and minutes before the mismatch shows. Every weight dimension a
 * layer config names must therefore be no larger than the largest dimension
 * of the weights the folder actually holds (their real shapes, after decoding).
 */
export function checkTopologySizes(file: string, topology: unknown, specs: tf.io.WeightsManifestEntry[]): void {
  const largest = specs.reduce((m, s) => Math.max(m, ...s.shape), 0);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const layer = node as { class_name?: unknown; config?: Record<string, unknown> };
    if (typeof layer.class_name === 'string' && layer.config && typeof layer.config === 'object') {
      for (const key of WEIGHT_DIMS) {
        const sizes = [layer.config[key]].flat();
        const big = sizes.find((v) => typeof v === 'number' && v > largest);
        if (big !== undefined)
          fail(
            'loadModel',
            `${file}: layer ${show(layer.config.name ?? layer.class_name)} has ${key}=${show(big)}, larger than any dimension of the weights it ships (${largest}); the topology does not match its weights`,
          );
      }
    }
    Object.values(node).forEach(visit);
  };
  visit(topology);
}
