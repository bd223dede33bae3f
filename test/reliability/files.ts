/**
 * File-fault fuzz (category 'files'): a generated model saved in every format,
 * then truncated, byte-flipped, JSON-edited (wrong dtype, shape, missing or
 * extra keys, huge numbers) or with files removed / added. `loadModel` loads
 * (with the saved shapes) or fails with one line naming a file of the folder;
 * it never hangs and never crashes the process.
 */
import fc from 'fast-check';
import type { LayersModel } from '@tensorflow/tfjs';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, rng, saveModel } from '@whittle/core';
import { buildModel, modelSpec } from './generate.js';
import { must, checkWhittleError } from './check.js';
import type { Property } from './operations.js';

type Format = 'float32' | 'uint8' | 'uint16' | 'float16' | 'packed' | 'deep';
type Fault =
  | 'truncate'
  | 'flip'
  | 'json-dtype'
  | 'json-shape'
  | 'json-delete'
  | 'json-extra'
  | 'json-number'
  | 'json-text'
  | 'remove'
  | 'extra-file'
  | 'packed-meta'
  | 'deep-meta';

const FAULTS: Fault[] = [
  'truncate',
  'flip',
  'json-dtype',
  'json-shape',
  'json-delete',
  'json-extra',
  'json-number',
  'json-text',
  'remove',
  'extra-file',
  'packed-meta',
  'deep-meta',
];

/**
 * Numbers that are wrong on sight, and mid-size ones (3,000,000 units would make tfjs allocate
 * gigabytes before reading a shard: loadModel bounds layer sizes by the weights shipped).
 */
const HUGE = [1e308, -1e308, 1e20, -1, 0, 0.5, 2 ** 53, -(2 ** 31), null, 'x', 3_000_000, 65_536];
const DTYPES = ['float64', 'int64', 'string', 'complex64', 'uint8', 'int32', 'bool', 7, null];

type Json = Record<string, unknown>;

/** Every [parent, key] in a JSON tree, for picking a random place to edit. */
function places(node: unknown, out: [Json, string][] = []): [Json, string][] {
  if (node && typeof node === 'object')
    for (const key of Object.keys(node)) {
      out.push([node as Json, key]);
      places((node as Json)[key], out);
    }
  return out;
}

function applyFault(dir: string, fault: Fault, seed: number): string {
  const next = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const files = readdirSync(dir).sort();
  const file = join(dir, pick(files));
  const jsonPath = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as Json;
  const manifest = (json.weightsManifest as { paths: string[]; weights: Json[] }[])[0]!;
  const spec = manifest.weights.length ? pick(manifest.weights) : undefined;
  const write = () => writeFileSync(jsonPath, JSON.stringify(json));
  switch (fault) {
    case 'truncate': {
      const size = readFileSync(file).byteLength;
      truncateSync(file, Math.floor(next() * size));
      return `truncate ${file}`;
    }
    case 'flip': {
      const bytes = readFileSync(file);
      if (bytes.byteLength === 0) return 'flip (empty)';
      const flips = 1 + Math.floor(next() * 4);
      const original = bytes.toString();
      for (let i = 0; i < flips; i++) bytes[Math.floor(next() * bytes.byteLength)]! ^= 1 << Math.floor(next() * 8);
      writeFileSync(file, bytes);
      if (process.env.WHITTLE_FUZZ_TRACE && file.endsWith('.json')) {
        const now = bytes.toString();
        for (let i = 0; i < now.length; i++)
          if (now[i] !== original[i])
            console.error(JSON.stringify(original.slice(i - 30, i + 10)), '→', JSON.stringify(now.slice(i - 30, i + 10)));
      }
      return `flip ${flips} in ${file}`;
    }
    case 'json-dtype':
      if (spec) spec.dtype = pick(DTYPES);
      write();
      return 'dtype';
    case 'json-shape':
      if (spec)
        spec.shape = pick([
          [],
          [1e20],
          [-1, 2],
          [0.5],
          'x',
          [...(spec.shape as number[])].reverse(),
          [...(spec.shape as number[]), 1],
          null,
        ]);
      write();
      return 'shape';
    case 'json-delete': {
      const [parent, key] = pick(places(json));
      delete parent[key];
      write();
      return `delete ${key}`;
    }
    case 'json-extra': {
      const [parent] = pick(places(json));
      parent[pick(['extra', 'units', 'dtype', 'quantization', '__proto__x'])] = pick(HUGE);
      write();
      return 'extra key';
    }
    case 'json-number': {
      const numeric = places(json).filter(([p, k]) => typeof p[k] === 'number');
      if (numeric.length) {
        const [parent, key] = pick(numeric);
        parent[key] = pick(HUGE);
      }
      write();
      return 'number';
    }
    case 'json-text': {
      const text = readFileSync(jsonPath, 'utf8');
      writeFileSync(jsonPath, text.slice(0, Math.floor(next() * text.length)) + pick(['', '}', '{"a":', '\u0000', 'null']));
      return 'text';
    }
    case 'remove':
      unlinkSync(file);
      return `remove ${file}`;
    case 'extra-file':
      appendFileSync(join(dir, pick(['weights.bin.bak', 'group1-shard2of2.bin', 'README'])), 'extra');
      if (next() < 0.5) manifest.paths.push('group1-shard2of2.bin');
      write();
      return 'extra file';
    case 'packed-meta': {
      // format 2: { format, version, shards, weights: { name: { shape, bits, channels, axis? } }, checksums }
      const meta = (json.userDefinedMetadata as { whittlePacked?: Json } | undefined)?.whittlePacked;
      const weights = meta?.weights as Record<string, Json> | undefined;
      const entry = weights ? weights[pick(Object.keys(weights))] : undefined;
      if (entry && next() < 0.75) entry[pick(['bits', 'channels', 'shape', 'axis'])] = pick([...HUGE, [1e9, 1e9], [2, 2], 99]);
      else if (meta) meta[pick(['version', 'format', 'shards', 'checksums'])] = pick([...HUGE, 99, 'x', {}]);
      write();
      return 'packed metadata';
    }
    case 'deep-meta': {
      // { format, version, shards, weights: { name: { shape, codebook, … } }, checksums }
      const meta = (json.userDefinedMetadata as { whittleDeep?: Json } | undefined)?.whittleDeep;
      const weights = meta?.weights as Record<string, Json> | undefined;
      const names = weights ? Object.keys(weights) : [];
      const entry = names.length ? weights![pick(names)] : undefined;
      if (entry && next() < 0.75) {
        const key = pick(Object.keys(entry));
        entry[key] = pick([...HUGE, [1e9, 1e9], [2, 2], 99, {}]);
      } else if (meta) meta[pick(['version', 'format', 'shards', 'checksums', 'weights'])] = pick([...HUGE, 99, 'x', {}]);
      write();
      return 'deep metadata';
    }
  }
}

/** Rejects after `ms`: a load that hangs fails the property instead of the suite. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`hung for ${ms} ms`)), ms)))]).finally(
    () => clearTimeout(timer),
  );
}

const fileFaults = fc.asyncProperty(
  modelSpec(fc.constantFrom('normal', 'zeros', 'ties')),
  fc.constantFrom<Format>('float32', 'uint8', 'uint16', 'float16', 'packed', 'deep'),
  fc.constantFrom(...FAULTS),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  async (spec, format, fault, seed) => {
    const model = buildModel(spec);
    const root = mkdtempSync(join(tmpdir(), 'whittle-files-'));
    const dir = join(root, 'm');
    try {
      await saveModel(model, dir, saveOptions(format));
      const what = applyFault(dir, fault, seed);
      if (process.env.WHITTLE_FUZZ_TRACE) console.error(JSON.stringify(spec), format, what, seed);
      let loaded;
      try {
        loaded = (await within(loadModel(dir), 20_000)) as LayersModel; // a saved layers model loads as one
      } catch (err) {
        checkWhittleError(err, 'loadModel');
        must((err as Error).message.includes(dir), `${what}: the error names no file of the folder: ${(err as Error).message}`);
        return;
      }
      try {
        const want = model.weights.map((w) => w.shape.join('×'));
        const got = loaded.weights.map((w) => w.shape.join('×'));
        must(got.join() === want.join(), `${what}: loaded shapes [${got}] differ from the saved [${want}]`);
        const shapes = (m: typeof model) => JSON.stringify([m.inputs.map((t) => t.shape), m.outputs.map((t) => t.shape)]);
        must(
          shapes(loaded) === shapes(model),
          `${what}: loaded input/output shapes ${shapes(loaded)} differ from the saved ${shapes(model)}`,
        );
      } finally {
        loaded.dispose();
      }
    } finally {
      model.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  },
);

const saveOptions = (format: Format) =>
  format === 'float32' ? {} : format === 'packed' ? ({ quantization: 'packed', bits: 4 } as const) : { quantization: format };

/**
 * Whittle's own formats carry a CRC-32 per shard and per tensor: flipped bits in
 * a weights shard never load silently (stock tfjs formats have no checksum, so a
 * flip there can only be caught when it breaks the structure).
 */
const checksummed = fc.asyncProperty(
  modelSpec(fc.constantFrom('normal', 'zeros', 'ties')),
  fc.constantFrom<Format>('packed', 'deep'),
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  async (spec, format, seed) => {
    const model = buildModel(spec);
    const root = mkdtempSync(join(tmpdir(), 'whittle-crc-'));
    const dir = join(root, 'm');
    try {
      await saveModel(model, dir, saveOptions(format));
      const shard = join(dir, 'weights.bin');
      const bytes = readFileSync(shard);
      if (bytes.byteLength === 0) return;
      const next = rng(seed);
      const at = Math.floor(next() * bytes.byteLength);
      bytes[at]! ^= 1 << Math.floor(next() * 8);
      writeFileSync(shard, bytes);
      let loaded: LayersModel | undefined;
      try {
        loaded = (await within(loadModel(dir), 20_000)) as LayersModel;
      } catch (err) {
        checkWhittleError(err, 'loadModel');
        must(
          /CRC|checksum/i.test((err as Error).message),
          `a flip at byte ${at} failed without naming the checksum: ${(err as Error).message}`,
        );
        return;
      }
      loaded.dispose();
      must(false, `${format}: a flipped bit at byte ${at} of weights.bin loaded silently`);
    } finally {
      model.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  },
);

export const FILES: Property[] = [
  { category: 'files', name: 'loadModel on faulted folders of every format', runs: 150, property: fileFaults as never },
  { category: 'files', name: 'a flipped bit in a checksummed shard never loads', runs: 40, property: checksummed as never },
];
