import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { weightAxes } from '../models/weights.js';
import { graphArtifactsWith, graphWeights, isGraphModel, type AnyModel } from './graph.js';
import { captureArtifacts, joinWeightData, readModelJson, type ModelJson } from './artifacts.js';
import { modelBytes, type ModelBytes } from './bytes.js';
import { encodeArtifacts, type ExportQuantization } from '../quantize/export.js';
import { encodePackedArtifacts, type PackedMetadata } from '../quantize/packed.js';
import { crc32, DEEP_FORMAT, DEEP_VERSION, PACKED_FORMAT, PACKED_VERSION, type DeepMetadata } from '@whittle/loader';
import { encodeDeepArtifacts } from '../cluster/artifacts.js';
import type { Clusters } from '../cluster/cluster.js';
import { checkOptions, optionKeys } from '../options.js';

export interface SavedModel extends ModelBytes {
  dir: string;
  /** uint8/uint16 exports: kernels stored as float16 because one affine grid would wipe out a channel (see encodeArtifacts). */
  float16?: string[];
}

/** A folder may be replaced only if it holds nothing but a previous model's files. */
function checkReplaceable(dir: string): void {
  if (!statSync(dir).isDirectory()) fail('saveModel', `${dir} exists and is a file; choose a folder path`);
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  if (!entries.includes('model.json')) fail('saveModel', `refusing to replace ${dir}: it is not empty and holds no model.json`);
  const json = readModelJson(join(dir, 'model.json'));
  const own = new Set(['model.json', ...json.weightsManifest.flatMap((g) => g.paths)]);
  const foreign = entries.filter((e) => !own.has(e));
  if (foreign.length > 0)
    fail('saveModel', `refusing to replace ${dir}: it holds files that are not part of its model (${foreign.slice(0, 3).join(', ')})`);
}

/**
 * Writes a model folder atomically: everything goes to a temporary sibling
 * folder, which is then renamed into place. An interrupted save leaves either
 * the old folder or the new one, never a mix. An existing folder is replaced
 * only when it holds nothing but an earlier model.
 */
export function writeModelFolder(dir: string, json: ModelJson, shards: { name: string; data: Uint8Array }[]): string {
  const target = resolve(dir);
  if (existsSync(target)) checkReplaceable(target);
  const parent = dirname(target);
  const blocker = fileOnPath(parent);
  if (blocker) fail('saveModel', `cannot save to ${dir}: ${blocker} is a file, not a folder`);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(parent, `.${basename(target)}.whittle-tmp-${tag}`);
  try {
    mkdirSync(parent, { recursive: true });
    mkdirSync(tmp);
  } catch (err) {
    return fail('saveModel', `cannot save to ${dir}: ${oneLine(err)}`);
  }
  try {
    for (const s of shards) writeFileSync(join(tmp, s.name), s.data);
    writeFileSync(join(tmp, 'model.json'), JSON.stringify(json));
    if (existsSync(target)) {
      const old = join(dirname(target), `.${basename(target)}.whittle-old-${tag}`);
      renameSync(target, old);
      try {
        renameSync(tmp, target);
      } catch (err) {
        renameSync(old, target); // put the previous model back
        throw err;
      }
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    return fail('saveModel', `cannot save to ${dir}: ${oneLine(err)}`);
  }
  return target;
}

/** The first existing non-folder on the way from the root to `dir`, if any (mkdir would say EEXIST / ENOTDIR). */
function fileOnPath(dir: string): string | null {
  for (let p = dir; ; p = dirname(p)) {
    if (existsSync(p)) return statSync(p).isDirectory() ? null : p;
    if (dirname(p) === p) return null;
  }
}

/** The first line of a Node fs error (it names the syscall and the path). */
const oneLine = (err: unknown) => String((err as Error).message ?? err).split('\n')[0];

export interface SaveOptions {
  /**
   * Store float32 weights as 'uint8' or 'uint16' (per-tensor affine, q·scale + min)
   * or 'float16', in the weights manifest's standard `quantization` field, so
   * stock tfjs decodes them on load. Default: float32.
   */
  quantization?: ExportQuantization | 'packed' | 'deep';
  /**
   * Bits per weight for the 'packed' Whittle format (2…8, per-channel; only Whittle's loadModel reads it). Default 4.
   * A map from layer name to bits packs only those layers' kernels, each at its own width (32 = float32).
   */
  bits?: number | Record<string, number>;
  /** uint8/uint16/float16: also encode 1-D weights (biases, BatchNorm vectors). Default false: they stay float32. */
  vectors?: boolean;
  /** uint8/uint16: a kernel losing more than this fraction of a channel's range is stored as float16 (default 0.1; Infinity: never). */
  maxChannelError?: number;
  /**
   * For 'deep' (Whittle's Deep Compression format: codebooks, sparse relative
   * indices, Huffman; only Whittle's loadModel reads it): the assignments from
   * `cluster` / `fineTune`, saying which kernels are clustered and how.
   * Without them every kernel holding ≤ 256 distinct values is encoded.
   */
  clusters?: Clusters;
  /** For 'deep': how tensors that are not clustered (biases, BatchNorm) are stored. Default 'float32'. */
  unclustered?: 'float32' | 'float16';
}

/** The packed format's weights and its model.json metadata (format, version, CRC-32 per shard and per tensor). */
function packArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
  bits: number | Record<string, number> = 4,
  axes: Map<string, number | null>,
) {
  const out = encodePackedArtifacts(specs, data.buffer as ArrayBuffer, bits, axes);
  const packed: PackedMetadata = {
    format: PACKED_FORMAT,
    version: PACKED_VERSION,
    shards: { 'weights.bin': { bytes: out.data.byteLength, crc32: crc32(out.data) } },
    weights: out.weights,
    checksums: out.checksums,
  };
  return { specs: out.specs, data: out.data, packed };
}
const SAVE_KEYS = optionKeys<SaveOptions>({
  quantization: true,
  bits: true,
  vectors: true,
  maxChannelError: true,
  clusters: true,
  unclustered: true,
});

/**
 * Saves `model` in the stock tfjs format (model.json + weights.bin) that
 * `tf.loadLayersModel` reads — or, for a GraphModel, that `tf.loadGraphModel` reads.
 */
export async function saveModel(model: AnyModel, dir: string, options: SaveOptions = {}): Promise<SavedModel> {
  checkOptions('saveModel', options, SAVE_KEYS);
  if (isGraphModel(model)) return saveGraph(model, dir, options);
  checkModel('saveModel', model);
  // A lossy encoding derives its grid from the weights' range, which NaN / Infinity
  // break silently; a lossless float32 save keeps them bit for bit.
  if (options.quantization) checkFiniteWeights('saveModel', model);
  const artifacts = await captureArtifacts(model);
  let specs = artifacts.weightSpecs ?? [];
  let data: Uint8Array = new Uint8Array(joinWeightData(artifacts.weightData));
  let packed: PackedMetadata | undefined;
  let deep: DeepMetadata | undefined;
  let float16: string[] | undefined;
  if (options.quantization === 'deep') {
    let weights: DeepMetadata['weights'];
    let checksums: DeepMetadata['checksums'];
    ({ specs, data, weights, checksums } = encodeDeepArtifacts(specs, data.buffer as ArrayBuffer, options.clusters, options.unclustered));
    deep = {
      format: DEEP_FORMAT,
      version: DEEP_VERSION,
      shards: { 'weights.bin': { bytes: data.byteLength, crc32: crc32(data) } },
      weights,
      checksums,
    };
  } else if (options.quantization === 'packed') ({ specs, data, packed } = packArtifacts(specs, data, options.bits, weightAxes(model)));
  else if (options.quantization)
    ({ specs, data, float16 } = encodeArtifacts(specs, data.buffer as ArrayBuffer, options.quantization, {
      vectors: options.vectors,
      maxChannelError: options.maxChannelError,
      axes: weightAxes(model),
    }));
  const json: ModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Whittle',
    modelTopology: artifacts.modelTopology as object,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    ...(packed ? { userDefinedMetadata: { whittlePacked: packed } } : {}),
    ...(deep ? { userDefinedMetadata: { whittleDeep: deep } } : {}),
  };
  const target = writeModelFolder(dir, json, [{ name: 'weights.bin', data }]);
  return { dir: target, ...modelBytes(target), ...(float16?.length ? { float16 } : {}) };
}

async function saveGraph(model: tf.GraphModel, dir: string, options: SaveOptions): Promise<SavedModel> {
  if (options.quantization === 'deep')
    fail(
      'saveModel',
      "quantization 'deep' needs a layers model (cluster works on layers); a graph model can be saved as packed, uint8, uint16 or float16",
    );
  const out = await graphArtifactsWith(model);
  let { specs, data } = out;
  let packed: PackedMetadata | undefined;
  let float16: string[] | undefined;
  const axes = new Map(graphWeights(model).map((w) => [w.name, w.channelAxis]));
  if (options.quantization === 'packed') ({ specs, data, packed } = packArtifacts(specs, data, options.bits, axes));
  else if (options.quantization)
    ({ specs, data, float16 } = encodeArtifacts(specs, data.buffer as ArrayBuffer, options.quantization, {
      vectors: options.vectors,
      axes,
    }));
  const json: ModelJson = {
    ...out.json,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    ...(packed ? { userDefinedMetadata: { ...(out.json.userDefinedMetadata ?? {}), whittlePacked: packed } } : {}),
  };
  const target = writeModelFolder(dir, json, [{ name: 'weights.bin', data }]);
  return { dir: target, ...modelBytes(target), ...(float16?.length ? { float16 } : {}) };
}
