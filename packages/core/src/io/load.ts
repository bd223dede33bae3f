import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { entryBytes, readModelJson, readShards, resolveModelJson, type ModelJson } from './artifacts.js';
import { decodePackedArtifacts, type PackedMetadata } from '../quantize/packed.js';
import { decodeDeepWeights, DeepFormatError, type DeepMetadata } from '../cluster/format.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function readDeep(file: string, json: ModelJson, deep: DeepMetadata) {
  const shards = json.weightsManifest
    .flatMap((g) => g.paths)
    .map((p) => {
      const path = join(dirname(file), p);
      if (!existsSync(path)) fail('loadModel', `weights shard ${path} named in ${file} is missing`);
      return { name: p, bytes: new Uint8Array(readFileSync(path)) };
    });
  try {
    return decodeDeepWeights(
      json.weightsManifest.flatMap((g) => g.weights),
      shards,
      deep,
    ) as { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer };
  } catch (err) {
    if (err instanceof DeepFormatError) fail('loadModel', `${dirname(file)}/${err.message}`);
    throw err;
  }
}

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
 * (`format: layers-model`) or a GraphModel (`format: graph-model`, tfjs-converter output). Checks the
 * files first so that a missing shard, a truncated shard or a malformed
 * model.json is a one-line error naming the file.
 */
export async function loadModel(path: string): Promise<AnyModel> {
  const file = resolveModelJson(path);
  const json = readModelJson(file);
  // Whittle's deep format (codebooks, sparse indices, Huffman): checked (CRC-32s, sizes) and decoded in full first,
  // so corruption names the file and the layer and nothing is half-loaded.
  const deep = json.userDefinedMetadata?.whittleDeep as DeepMetadata | undefined;
  let { specs, data } = deep ? readDeep(file, json, deep) : readShards(file, json);
  // Whittle's packed format (per-channel, < 8 bits): decode to float32 before tfjs sees it.
  const packed = json.userDefinedMetadata?.whittlePacked as PackedMetadata | undefined;
  try {
    if (packed) ({ specs, data } = decodePackedArtifacts(specs, data, packed, entryBytes));
  } catch (err) {
    // metadata that contradicts the manifest (a RangeError from a huge shape, …) is the file's fault
    fail('loadModel', `${file}: whittlePacked metadata does not decode: ${(err as Error).message.split('\n')[0]}`);
  }
  if (json.format === 'graph-model') return loadGraphFrom(json, specs, data, file);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data }));
  } catch (err) {
    const cause = String((err as Error)?.message ?? err).split('\n')[0]!;
    // tfjs quotes whole configs in its messages: keep the line readable
    return fail('loadModel', `${file} could not be built by tfjs: ${cause.length > 200 ? `${cause.slice(0, 197)}...` : cause}`);
  }
}
