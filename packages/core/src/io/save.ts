import * as tf from '@tensorflow/tfjs';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fail } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { weightAxes } from '../models/weights.js';
import { graphArtifactsWith, graphWeights, isGraphModel, type AnyModel } from './graph.js';
import { readModelJson, type ModelJson } from './artifacts.js';
import { effectiveSaveOptions } from './storage.js';
import { gzipSync } from 'node:zlib';
import { modelBytes, type ModelBytes } from './bytes.js';
import { encodeArtifacts, type ExportQuantization } from '../quantize/export.js';
import { encodePackedArtifacts, type PackedMetadata } from '../quantize/packed.js';
import { crc32, DEEP_FORMAT, DEEP_VERSION, PACKED_FORMAT, PACKED_VERSION, type DeepMetadata } from '@whittle/loader';
import { clusterableKernels, encodeDeepArtifacts } from '../cluster/artifacts.js';
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
   * stock tfjs decodes them on load; 'packed' and 'deep' are Whittle's formats;
   * 'sparse' stores kernels with zeros losslessly in the deep container (their
   * nonzero values as a codebook, relative indices, Huffman) where that is
   * smaller than float32. Default: the format the model carries (io/storage.ts),
   * else 'float32'.
   */
  quantization?: ExportQuantization | 'packed' | 'deep' | 'sparse' | 'float32';
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

/** What a save writes, in memory: model.json and its one shard. */
export interface EncodedModel {
  json: ModelJson;
  data: Uint8Array;
  /** uint8/uint16: kernels stored as float16 instead (see SavedModel.float16). */
  float16?: string[];
}

/**
 * Topology and weights exactly as tfjs's own `model.save` hands them to a save
 * handler (same names, order and bytes), but synchronously, so that `summary`
 * can count a model's bytes with the encoder `saveModel` uses.
 */
function layersArtifacts(model: tf.LayersModel): { topology: object; specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  // getNamedWeights is what LayersModel.save encodes; it is protected in the typings only
  const named = (model as unknown as { getNamedWeights(): { name: string; tensor: tf.Tensor }[] }).getNamedWeights();
  const specs = named.map(({ name, tensor }) => ({
    name,
    shape: tensor.shape,
    dtype: tensor.dtype as tf.io.WeightsManifestEntry['dtype'],
  }));
  const parts = named.map(({ tensor }) => {
    const v = tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  });
  const data = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  parts.reduce((o, p) => (data.set(p, o), o + p.byteLength), 0);
  return { topology: model.toJSON(null, false) as object, specs, data };
}

/** The deep container's metadata around encoded weights. */
function deepArtifacts(
  specs: tf.io.WeightsManifestEntry[],
  data: Uint8Array,
  kernels: ReturnType<typeof clusterableKernels>,
  options: SaveOptions,
) {
  const sparse = options.quantization === 'sparse';
  const out = encodeDeepArtifacts(specs, data.buffer as ArrayBuffer, kernels, sparse ? undefined : options.clusters, options.unclustered, {
    sparse,
  });
  const deep: DeepMetadata = {
    format: DEEP_FORMAT,
    version: DEEP_VERSION,
    shards: { 'weights.bin': { bytes: out.data.byteLength, crc32: crc32(out.data) } },
    weights: out.weights,
    checksums: out.checksums,
  };
  return { specs: out.specs, data: out.data, deep };
}

/**
 * Encodes a layers model as `saveModel` writes it with these (already
 * effective) options: the one encoder behind saving and counting bytes.
 */
export function encodeModel(model: tf.LayersModel, options: SaveOptions = {}, where = 'saveModel'): EncodedModel {
  checkModel(where, model);
  const lossy = options.quantization !== undefined && options.quantization !== 'float32' && options.quantization !== 'sparse';
  // A lossy encoding derives its grid from the weights' range, which NaN / Infinity
  // break silently; a lossless float32 save keeps them bit for bit.
  if (lossy) checkFiniteWeights(where, model);
  const artifacts = layersArtifacts(model);
  let specs = artifacts.specs;
  let data = artifacts.data;
  let packed: PackedMetadata | undefined;
  let deep: DeepMetadata | undefined;
  let float16: string[] | undefined;
  if (options.quantization === 'deep' || options.quantization === 'sparse')
    ({ specs, data, deep } = deepArtifacts(specs, data, clusterableKernels(model), options));
  else if (options.quantization === 'packed') ({ specs, data, packed } = packArtifacts(specs, data, options.bits, weightAxes(model)));
  else if (options.quantization && options.quantization !== 'float32')
    ({ specs, data, float16 } = encodeArtifacts(specs, data.buffer as ArrayBuffer, options.quantization, {
      vectors: options.vectors,
      maxChannelError: options.maxChannelError,
      axes: weightAxes(model),
    }));
  const json: ModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Whittle',
    modelTopology: artifacts.topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    ...(packed ? { userDefinedMetadata: { whittlePacked: packed } } : {}),
    ...(deep ? { userDefinedMetadata: { whittleDeep: deep } } : {}),
  };
  return { json, data, ...(float16?.length ? { float16 } : {}) };
}

/**
 * Saves `model` in the stock tfjs format (model.json + weights.bin) that
 * `tf.loadLayersModel` reads — or, for a GraphModel, that `tf.loadGraphModel` reads.
 * Without a `quantization` option, a compressed model is written in the
 * format its operation recorded (see io/storage.ts); `quantization: 'float32'`
 * forces plain float32.
 */
export async function saveModel(model: AnyModel, dir: string, options: SaveOptions = {}): Promise<SavedModel> {
  checkOptions('saveModel', options, SAVE_KEYS);
  const o = effectiveSaveOptions(model, options);
  const { json, data, float16 } = isGraphModel(model) ? await encodeGraph(model, o) : encodeModel(model, o);
  const target = writeModelFolder(dir, json, [{ name: 'weights.bin', data }]);
  return { dir: target, ...modelBytes(target), ...(float16?.length ? { float16 } : {}) };
}

/**
 * What `saveModel(model, dir)` would write, counted without writing it: bytes
 * and gzip bytes of model.json and weights.bin, encoded by the save's own
 * encoder in the model's carried format (or `options`, which win).
 */
export async function storageBytes(model: AnyModel, options: SaveOptions = {}): Promise<ModelBytes> {
  checkOptions('storageBytes', options, SAVE_KEYS);
  const o = effectiveSaveOptions(model, options);
  const { json, data } = isGraphModel(model) ? await encodeGraph(model, o) : encodeModel(model, o, 'storageBytes');
  return encodedBytes({ json, data });
}

/** Bytes of an encoded model's two files on disk (no gzip: cheap enough for every report). */
export function encodedSize({ json, data }: EncodedModel): number {
  return Buffer.byteLength(JSON.stringify(json), 'utf8') + data.byteLength;
}

/** What `saveModel(model, dir)` would write, in bytes (storageBytes without gzip). */
export async function storageSize(model: AnyModel): Promise<number> {
  const o = effectiveSaveOptions(model);
  return encodedSize(isGraphModel(model) ? await encodeGraph(model, o) : encodeModel(model, o, 'storageBytes'));
}

/** Bytes and gzip bytes of an encoded model's two files, as modelBytes counts them on disk. */
export function encodedBytes({ json, data }: EncodedModel): ModelBytes {
  const text = Buffer.from(JSON.stringify(json), 'utf8');
  const files = [
    { name: 'model.json', bytes: text.byteLength, gzipBytes: gzipSync(text, { level: 9 }).byteLength },
    { name: 'weights.bin', bytes: data.byteLength, gzipBytes: gzipSync(data, { level: 9 }).byteLength },
  ];
  return { bytes: files[0]!.bytes + files[1]!.bytes, gzipBytes: files[0]!.gzipBytes + files[1]!.gzipBytes, files };
}

async function encodeGraph(model: tf.GraphModel, options: SaveOptions): Promise<EncodedModel> {
  if (options.quantization === 'deep' || options.quantization === 'sparse')
    fail(
      'saveModel',
      `quantization '${options.quantization}' needs a layers model (cluster works on layers); a graph model can be saved as packed, uint8, uint16 or float16`,
    );
  const out = await graphArtifactsWith(model);
  let { specs, data } = out;
  let packed: PackedMetadata | undefined;
  let float16: string[] | undefined;
  const axes = new Map(graphWeights(model).map((w) => [w.name, w.channelAxis]));
  if (options.quantization === 'packed') ({ specs, data, packed } = packArtifacts(specs, data, options.bits, axes));
  else if (options.quantization && options.quantization !== 'float32')
    ({ specs, data, float16 } = encodeArtifacts(specs, data.buffer as ArrayBuffer, options.quantization, {
      vectors: options.vectors,
      maxChannelError: options.maxChannelError,
      axes,
    }));
  const json: ModelJson = {
    ...out.json,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    ...(packed ? { userDefinedMetadata: { ...(out.json.userDefinedMetadata ?? {}), whittlePacked: packed } } : {}),
  };
  return { json, data, ...(float16?.length ? { float16 } : {}) };
}
