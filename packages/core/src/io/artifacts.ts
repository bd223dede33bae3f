/**
 * The stock tfjs "layers-model" format on disk: model.json (topology + weights
 * manifest) beside binary weight shards. Plain @tensorflow/tfjs has no file://
 * handlers in Node, so Whittle reads and writes the files itself and hands tfjs
 * the artifacts in memory.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fail } from '../errors.js';

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
  for (const group of m.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      fail('loadModel', `${file}: every weightsManifest entry needs 'paths' and 'weights' arrays`);
    }
  }
  return m as ModelJson;
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
