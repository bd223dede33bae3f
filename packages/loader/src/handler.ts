/**
 * `whittleHandler(url | files)`: a tf.io.IOHandler that fetches (or reads)
 * model.json and its shards, checks and decodes Whittle's formats, and hands
 * tfjs the standard artifacts: `tf.loadLayersModel(whittleHandler(url))`.
 */
import type { io } from '@tensorflow/tfjs-core';
import { checkModelJSON, decodeModel, entryBytes, shardPaths, type ModelJSON } from './decode.js';
import { WhittleLoadError } from './errors.js';

/** A browser File, or anything with a name and its bytes (Node: `new File([buffer], name)`). */
export interface FileLike {
  name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface WhittleHandlerOptions {
  /** Called as bytes arrive: fraction of all shards' bytes (0…1) and bytes fetched so far (model.json included). */
  onProgress?: (fraction: number, bytes: number) => void;
  /** fetch to use (default: the global one). */
  fetchFunc?: typeof fetch;
  /** Passed to every fetch (headers, credentials…). */
  requestInit?: RequestInit;
}

/** Total shard bytes, from Whittle's checksums if any, else from the manifest (NaN if unknown). */
function expectedBytes(json: ModelJSON): number {
  const meta = Object.values(json.userDefinedMetadata ?? {}) as { shards?: Record<string, { bytes: number }> }[];
  const sums = meta.find((m) => m && typeof m === 'object' && m.shards)?.shards;
  if (sums) return Object.values(sums).reduce((s, x) => s + x.bytes, 0);
  return json.weightsManifest.reduce((s, g) => s + g.weights.reduce((t, e) => t + entryBytes(e), 0), 0);
}

const OPTION_KEYS = ['onProgress', 'fetchFunc', 'requestInit'];

/** Edit distance, for the did-you-mean hint. Hand-written (8 lines): the loader carries no dependencies. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

export function whittleHandler(source: string | FileLike[], options: WhittleHandlerOptions = {}): io.IOHandler {
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key)) {
      const near = OPTION_KEYS.reduce((a, b) => (distance(key, a) <= distance(key, b) ? a : b));
      throw new TypeError(`whittleHandler: unknown option '${key}' (did you mean '${near}'?)`);
    }
  if (typeof source !== 'string' && !Array.isArray(source))
    throw new TypeError(`whittleHandler: source must be a model.json URL or an array of files, got ${typeof source}`);
  return { load: () => (typeof source === 'string' ? fromUrl(source, options) : fromFiles(source, options)) };
}

async function fromUrl(url: string, options: WhittleHandlerOptions): Promise<io.ModelArtifacts> {
  const fetchFunc = options.fetchFunc ?? fetch;
  const name = url.split('?')[0]!.split('/').pop() || url;
  let fetched = 0;
  let total = NaN;
  const progress = (n: number) => {
    fetched += n;
    options.onProgress?.(Number.isFinite(total) && total > 0 ? Math.min(1, fetched / total) : 0, fetched);
  };
  const get = async (target: string, file: string): Promise<Uint8Array> => {
    let res: Response;
    try {
      res = await fetchFunc(target, options.requestInit);
    } catch (err) {
      throw new WhittleLoadError(file, `could not be fetched (${(err as Error).message})`);
    }
    if (!res.ok) throw new WhittleLoadError(file, `HTTP ${res.status} from ${target}`);
    if (!res.body) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      progress(bytes.length);
      return bytes;
    }
    // stream, so onProgress sees bytes as they arrive
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      progress(r.value.length);
    }
    if (chunks.length === 1) return chunks[0]!;
    const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    chunks.reduce((o, c) => (out.set(c, o), o + c.length), 0);
    return out;
  };
  let json: ModelJSON;
  try {
    json = checkModelJSON(JSON.parse(new TextDecoder().decode(await get(url, name))), name);
  } catch (err) {
    throw err instanceof WhittleLoadError ? err : new WhittleLoadError(name, `is not valid JSON (${(err as Error).message})`);
  }
  fetched = 0; // progress counts shard bytes
  total = expectedBytes(json);
  const prefix = url.slice(0, url.split('?')[0]!.lastIndexOf('/') + 1);
  const paths = shardPaths(json);
  const bytes = await Promise.all(paths.map((p) => get(prefix + p, p)));
  return decodeModel(json, Object.fromEntries(paths.map((p, i) => [p, bytes[i]!])), name);
}

async function fromFiles(files: FileLike[], options: WhittleHandlerOptions): Promise<io.ModelArtifacts> {
  const jsonFile = files.find((f) => f.name.endsWith('.json'));
  if (!jsonFile) throw new WhittleLoadError('model.json', 'is not among the files given');
  let json: ModelJSON;
  try {
    json = checkModelJSON(JSON.parse(new TextDecoder().decode(await jsonFile.arrayBuffer())), jsonFile.name);
  } catch (err) {
    throw err instanceof WhittleLoadError ? err : new WhittleLoadError(jsonFile.name, `is not valid JSON (${(err as Error).message})`);
  }
  const total = expectedBytes(json);
  const shards: Record<string, Uint8Array> = {};
  let read = 0;
  for (const path of shardPaths(json)) {
    const base = path.split('/').pop();
    const file = files.find((f) => f.name === path || f.name === base);
    if (!file) throw new WhittleLoadError(path, 'is not among the files given');
    shards[path] = new Uint8Array(await file.arrayBuffer());
    read += shards[path].length;
    options.onProgress?.(total > 0 ? Math.min(1, read / total) : 0, read);
  }
  return decodeModel(json, shards, jsonFile.name);
}
