import * as tf from '@tensorflow/tfjs';
import { decodeModel, WhittleLoadError, type ModelJSON } from '@whittle/loader';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail } from '../errors.js';
import { checkTopologySizes, readModelJson, resolveModelJson } from './artifacts.js';
import { loadGraphFrom, type AnyModel } from './graph.js';

/** A layers-model folder as a LayersModel: a one-line error for a graph model. */
export async function loadLayersModel(path: string, where = 'loadModel'): Promise<tf.LayersModel> {
  const model = await loadModel(path);
  if (model instanceof tf.GraphModel) {
    model.dispose();
    return fail(where, `${path} is a graph model (tfjs-converter output); this needs a layers model`);
  }
  return model;
}

/**
 * Loads a tfjs model from a model.json path or its folder: a LayersModel
 * (`format: layers-model`) or a GraphModel (`format: graph-model`,
 * tfjs-converter output). A missing, truncated or corrupt shard (Whittle's
 * formats carry a CRC-32 per shard and per tensor), an unknown format version
 * or a malformed model.json is a one-line error naming the file. The checks
 * and Whittle's decoders (packed, deep) are @whittle/loader's — the same code
 * browsers run.
 */
export async function loadModel(path: string): Promise<AnyModel> {
  const file = resolveModelJson(path);
  const json = readModelJson(file);
  const shards: Record<string, Uint8Array> = {};
  for (const p of json.weightsManifest.flatMap((g) => g.paths)) {
    const shard = join(dirname(file), p);
    if (!existsSync(shard)) fail('loadModel', `weights shard ${shard} named in ${file} is missing`);
    shards[p] = new Uint8Array(readFileSync(shard));
  }
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = decodeModel(json as ModelJSON, shards, basename(file));
  } catch (err) {
    if (err instanceof WhittleLoadError) fail('loadModel', join(dirname(file), err.message));
    throw err;
  }
  if (json.format !== 'graph-model') checkTopologySizes(file, json.modelTopology, artifacts.weightSpecs ?? []);
  if (json.format === 'graph-model') return loadGraphFrom(json, artifacts.weightSpecs!, artifacts.weightData as ArrayBuffer, file);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    const cause = String((err as Error)?.message ?? err).split('\n')[0]!;
    // tfjs quotes whole configs in its messages: keep the line readable
    return fail('loadModel', `${file} could not be built by tfjs: ${cause.length > 200 ? `${cause.slice(0, 197)}...` : cause}`);
  }
}
