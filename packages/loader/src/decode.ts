/**
 * model.json + shard bytes → the standard artifacts stock tfjs loads: every
 * weight in a Whittle format decoded to float32, every other weight passed
 * through as stored (tfjs decodes the manifest's own uint8/float16 fields).
 * Pure: no fetch, no files, so browsers, Node and @whittle/core share it.
 */
import type { io } from '@tensorflow/tfjs-core';
import { crc32 } from './crc32.js';
import { WhittleLoadError } from './errors.js';
import { formatsOf } from './formats/index.js';

export interface ModelJSON {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
  [key: string]: unknown;
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one manifest entry occupies in its shard (NaN for strings). */
export const entryBytes = (e: io.WeightsManifestEntry): number =>
  e.shape.reduce((a, b) => a * b, 1) * (BYTES_PER[e.quantization?.dtype ?? e.dtype] ?? NaN);

/** Checks model.json's shape enough that later errors make sense; `name` is its file name. */
export function checkModelJSON(json: unknown, name = 'model.json'): ModelJSON {
  const m = json as Partial<ModelJSON> | null;
  if (!m || typeof m !== 'object') throw new WhittleLoadError(name, 'must hold a JSON object');
  if (!m.modelTopology || typeof m.modelTopology !== 'object') throw new WhittleLoadError(name, 'has no modelTopology');
  if (!Array.isArray(m.weightsManifest) || m.weightsManifest.some((g) => !Array.isArray(g?.paths) || !Array.isArray(g?.weights)))
    throw new WhittleLoadError(name, 'needs a weightsManifest of { paths, weights } groups');
  return m as ModelJSON;
}

/** Shard file names in manifest order. */
export const shardPaths = (json: ModelJSON): string[] => json.weightsManifest.flatMap((g) => g.paths);

/**
 * Decodes a model given its model.json and every shard's bytes (keyed by the
 * path the manifest gives). Throws WhittleLoadError naming the file for a
 * missing, truncated or corrupt shard, an unknown format or version, or a
 * checksum mismatch — before tfjs builds anything.
 */
export function decodeModel(json: ModelJSON, shards: Record<string, Uint8Array>, name = 'model.json'): io.ModelArtifacts {
  checkModelJSON(json, name);
  const formats = formatsOf(json.userDefinedMetadata, (what) => {
    throw new WhittleLoadError(name, what);
  });
  for (const path of shardPaths(json)) if (!shards[path]) throw new WhittleLoadError(path, 'is missing');
  const layerOf = (weight: string) =>
    formats.find((f) => f.weights[weight])?.weights[weight]!.layer ?? weight.split('/').slice(0, -1).join('/');
  const specs: io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    const bytes = group.paths.map((p) => shards[p]!);
    const data = bytes.length === 1 ? bytes[0]! : concat(bytes);
    const sizes = group.weights.map(entryBytes);
    const expected = sizes.reduce((s, n) => s + n, 0);
    if (data.length < expected) {
      let end = 0;
      const cut = group.weights.find((_, i) => (end += sizes[i]!) > data.length)!;
      const what = `truncated, ${data.length} of ${expected} bytes; layer '${layerOf(cut.name)}' and those after it are cut`;
      throw new WhittleLoadError(group.paths.at(-1)!, what);
    }
    if (data.length > expected)
      throw new WhittleLoadError(group.paths.join(', '), `has ${data.length} bytes, the manifest describes ${expected}`);
    if (!formats.length) {
      specs.push(...group.weights);
      parts.push(data);
      continue;
    }
    // a weight may straddle shards, so it is named by the shard its first byte is in
    const fileAt = (offset: number) => {
      let end = 0;
      for (let i = 0; i < bytes.length; i++) if (offset < (end += bytes[i]!.length)) return group.paths[i]!;
      return group.paths.at(-1)!;
    };
    let offset = 0;
    group.weights.forEach((spec, i) => {
      const chunk = data.subarray(offset, offset + sizes[i]!);
      const where = fileAt(offset);
      offset += sizes[i]!;
      for (const f of formats) {
        const sum = f.checksums?.[spec.name];
        if (sum !== undefined && crc32(chunk) !== sum)
          throw new WhittleLoadError(where, `layer '${layerOf(spec.name)}' is corrupt (CRC-32 mismatch in ${spec.name})`);
      }
      const format = formats.find((f) => Object.hasOwn(f.weights, spec.name));
      if (!format) {
        if (Number.isNaN(sizes[i]))
          throw new WhittleLoadError(name, `weight '${spec.name}' of dtype ${spec.dtype} cannot sit beside ${formats[0]!.format} weights`);
        parts.push(chunk);
        specs.push(spec);
        return;
      }
      const values = format.decode(chunk, format.weights[spec.name], (what) => {
        throw new WhittleLoadError(where, `layer '${layerOf(spec.name)}' is corrupt or truncated (${what})`);
      });
      parts.push(new Uint8Array(values.buffer));
      specs.push({ name: spec.name, shape: format.weights[spec.name]!.shape, dtype: 'float32' });
    });
  }
  // whole-shard checksums last: a damaged tensor is named by its layer above; this catches the rest
  for (const f of formats)
    for (const [path, sum] of Object.entries(f.shards ?? {})) {
      const bytes = shards[path];
      if (!bytes) throw new WhittleLoadError(path, `is named in the ${f.format} checksums but not in the manifest`);
      if (bytes.length !== sum.bytes) throw new WhittleLoadError(path, `has ${bytes.length} bytes, expected ${sum.bytes}`);
      if (crc32(bytes) !== sum.crc32) throw new WhittleLoadError(path, 'CRC-32 mismatch: the file is corrupt');
    }
  return {
    modelTopology: json.modelTopology as object,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    trainingConfig: json.trainingConfig as io.ModelArtifacts['trainingConfig'],
    userDefinedMetadata: json.userDefinedMetadata as io.ModelArtifacts['userDefinedMetadata'],
    // graph models (tfjs-converter)
    ...(json.signature ? { signature: json.signature as object } : {}),
    ...(json.modelInitializer ? { modelInitializer: json.modelInitializer as object } : {}),
    ...(json.initializerSignature ? { initializerSignature: json.initializerSignature as object } : {}),
    weightSpecs: specs,
    weightData: concat(parts).buffer as ArrayBuffer,
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}
