import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { entryBytes, readModelJson, readShards, resolveModelJson } from './artifacts.js';
import { decodePackedArtifacts, type PackedMetadata } from '../quantize/packed.js';
import { decodeDeepWeights, DeepFormatError, type DeepMetadata } from '../cluster/format.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
  if (packed) ({ specs, data } = decodePackedArtifacts(specs, data, packed, entryBytes));
  // Whittle's deep format (codebooks, sparse indices, Huffman): checked (CRC-32) and decoded in full first.
  const deep = json.userDefinedMetadata?.whittleDeep as DeepMetadata | undefined;
  if (deep) {
    const shards = json.weightsManifest
      .flatMap((g) => g.paths)
      .map((p) => ({ name: p, bytes: new Uint8Array(readFileSync(join(dirname(file), p))) }));
    try {
      ({ specs, data } = decodeDeepWeights(specs, shards, deep) as { specs: typeof specs; data: ArrayBuffer });
    } catch (err) {
      if (err instanceof DeepFormatError) fail('loadModel', `${dirname(file)}/${err.message}`);
      throw err;
    }
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
  } catch (err) {
    return fail('loadModel', `${file} could not be built by tfjs: ${(err as Error).message.split('\n')[0]}`);
  }
}
