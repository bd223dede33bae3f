import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { readModelJson, readShards, resolveModelJson } from './artifacts.js';

/**
 * Loads a tfjs layers model from a model.json path or its folder. Checks the
 * files first so that a missing shard, a truncated shard or a malformed
 * model.json is a one-line error naming the file.
 */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  const file = resolveModelJson(path);
  const json = readModelJson(file);
  const { specs, data } = readShards(file, json);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
  } catch (err) {
    return fail('loadModel', `${file} could not be built by tfjs: ${(err as Error).message.split('\n')[0]}`);
  }
}
