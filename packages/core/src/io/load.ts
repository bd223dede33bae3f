import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { entryBytes, readModelJson, readShards, resolveModelJson } from './artifacts.js';
import { decodePackedArtifacts, type PackedMetadata } from '../quantize/packed.js';

/**
 * Loads a tfjs layers model from a model.json path or its folder. Checks the
 * files first so that a missing shard, a truncated shard or a malformed
 * model.json is a one-line error naming the file.
 */
export async function loadModel(path: string): Promise<tf.LayersModel> {
  const file = resolveModelJson(path);
  const json = readModelJson(file);
  let { specs, data } = readShards(file, json);
  // Whittle's packed format (per-channel, < 8 bits): decode to float32 before tfjs sees it.
  const packed = json.userDefinedMetadata?.whittlePacked as PackedMetadata | undefined;
  try {
    if (packed) ({ specs, data } = decodePackedArtifacts(specs, data, packed, entryBytes));
  } catch (err) {
    // metadata that contradicts the manifest (a RangeError from a huge shape, …) is the file's fault
    fail('loadModel', `${file}: whittlePacked metadata does not decode: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
  } catch (err) {
    const cause = String((err as Error)?.message ?? err).split('\n')[0]!;
    // tfjs quotes whole configs in its messages: keep the line readable
    return fail('loadModel', `${file} could not be built by tfjs: ${cause.length > 200 ? `${cause.slice(0, 197)}...` : cause}`);
  }
}
