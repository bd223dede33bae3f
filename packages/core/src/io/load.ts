import * as tf from '@tensorflow/tfjs';
import { decodeModel, WhittleLoadError, type ModelJSON } from '@whittle/loader';
import { dirname, join } from 'node:path';
import { fail } from '../errors.js';
import { readModelJson, readShards, resolveModelJson } from './artifacts.js';

/**
 * Loads a tfjs layers model from a model.json path or its folder. Checks the
 * files first so that a missing shard, a truncated shard or a malformed
 * model.json is a one-line error naming the file. Whittle's own formats
 * (packed, deep) are checked (CRC-32 per shard) and decoded to float32 by
 * @whittle/loader — the same code browsers run.
 */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  const file = resolveModelJson(path);
  const json = readModelJson(file);
  const { shards } = readShards(file, json);
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = decodeModel(json as ModelJSON, shards, file.split(/[\\/]/).pop());
  } catch (err) {
    if (err instanceof WhittleLoadError) fail('loadModel', join(dirname(file), err.message));
    throw err;
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    return fail('loadModel', `${file} could not be built by tfjs: ${(err as Error).message.split('\n')[0]}`);
  }
}
