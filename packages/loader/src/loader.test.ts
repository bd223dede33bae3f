import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { decodeModel, type ModelJSON } from './decode.js';
import { WhittleLoadError } from './errors.js';
import { unpackBits } from './formats/packed.js';
import { whittleHandler } from './handler.js';

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
};

/**
 * A hand-worked packed model: dense kernel [[1, −0.5], [0.25, 2]] per column,
 * 4 bits. Column 0: scale 1/7, q = [7, 2]; column 1: scale 2/7, q = [−2, 7].
 * Stored q + 7 = [14, 5, 9, 14] → bytes 0x5E, 0xE9 (LSB first). Bias float32.
 */
function packedModel(version: 1 | 2 = 2) {
  const shard = cat(f32([1 / 7, 2 / 7]), new Uint8Array([0x5e, 0xe9]), f32([0.1, -0.2]));
  const entries = { 'd/kernel': { shape: [2, 2], bits: 4, channels: 2 } };
  const json: ModelJSON = {
    modelTopology: { class_name: 'Sequential' },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'd/kernel', shape: [10], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } },
          { name: 'd/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
    userDefinedMetadata: {
      whittlePacked:
        version === 1
          ? entries
          : {
              format: 'whittle-packed',
              version: 2,
              shards: { 'weights.bin': { bytes: shard.length, crc32: crc32(shard) } },
              weights: entries,
              checksums: { 'd/kernel': crc32(shard.subarray(0, 10)), 'd/bias': crc32(shard.subarray(10)) },
            },
    },
  };
  return { json, shard };
}

const s0 = Math.fround(1 / 7);
const s1 = Math.fround(2 / 7);
const expectedKernel = Array.from(new Float32Array([7 * s0, -2 * s1, 2 * s0, 7 * s1]));

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WhittleLoadError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('@whittle/loader', () => {
  it('CRC-32 matches the standard check value and zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // zlib.crc32('The quick brown fox jumps over the lazy dog') = 0x414fa339
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('unpacks b-bit values LSB first (hand-worked)', () => {
    expect(Array.from(unpackBits(new Uint8Array([0x8f, 0x00]), 3, 3))).toEqual([7, 1, 2]);
    expect(Array.from(unpackBits(new Uint8Array([0x5e, 0xe9]), 4, 4))).toEqual([14, 5, 9, 14]);
  });

  it.each([1, 2] as const)('decodes the hand-worked packed model (metadata version %i) to float32 artifacts', (version) => {
    const { json, shard } = packedModel(version);
    const a = decodeModel(json, { 'weights.bin': shard });
    expect(a.weightSpecs).toEqual([
      { name: 'd/kernel', shape: [2, 2], dtype: 'float32' },
      { name: 'd/bias', shape: [2], dtype: 'float32' },
    ]);
    const w = new Float32Array(a.weightData as ArrayBuffer);
    expect(Array.from(w.subarray(0, 4))).toEqual(expectedKernel);
    expect(Array.from(w.subarray(4))).toEqual(Array.from(new Float32Array([0.1, -0.2])));
  });

  it('scales run along the recorded axis (depthwise: axis 2)', () => {
    // shape [1, 1, 2, 2] along axis 2: flat i → channel floor(i / 2) % 2; 8 bits, scales 1 and 10
    const q = [127 + 1, 127 + 2, 127 - 1, 127 + 3];
    const shard = cat(f32([1, 10]), new Uint8Array(q));
    const json: ModelJSON = {
      modelTopology: {},
      weightsManifest: [
        {
          paths: ['w.bin'],
          weights: [{ name: 'dw/depthwise_kernel', shape: [12], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } }],
        },
      ],
      userDefinedMetadata: { whittlePacked: { 'dw/depthwise_kernel': { shape: [1, 1, 2, 2], bits: 8, channels: 2, axis: 2 } } },
    };
    expect(Array.from(new Float32Array(decodeModel(json, { 'w.bin': shard }).weightData as ArrayBuffer))).toEqual([1, 2, -10, 30]);
  });

  it('a stock model passes through unchanged', () => {
    const shard = cat(f32([1, 2, 3]), new Uint8Array([0, 255]));
    const weights = [
      { name: 'a', shape: [3], dtype: 'float32' as const },
      { name: 'b', shape: [2], dtype: 'float32' as const, quantization: { dtype: 'uint8' as const, min: -1, scale: 0.5 } },
    ];
    const a = decodeModel(
      { modelTopology: {}, format: 'layers-model', weightsManifest: [{ paths: ['x.bin'], weights }] },
      { 'x.bin': shard },
    );
    expect(a.weightSpecs).toEqual(weights);
    expect(a.format).toBe('layers-model');
    expect(Array.from(new Uint8Array(a.weightData as ArrayBuffer))).toEqual(Array.from(shard));
  });

  it('a corrupt, truncated or missing shard, a bad checksum or an unknown version fails with one line naming the file', () => {
    const { json, shard } = packedModel();
    const flipped = shard.slice();
    flipped[9]! ^= 0x10;
    expect(errorOf(() => decodeModel(json, { 'weights.bin': flipped }))).toBe(
      "weights.bin: layer 'd' is corrupt (CRC-32 mismatch in d/kernel)",
    );
    const biasFlipped = shard.slice();
    biasFlipped[17]! ^= 0x01;
    expect(errorOf(() => decodeModel(json, { 'weights.bin': biasFlipped }))).toBe(
      "weights.bin: layer 'd' is corrupt (CRC-32 mismatch in d/bias)",
    );
    // the whole-shard checksum catches what per-tensor sums cannot (here: a wrong sum in model.json)
    const wrongSum = structuredClone(json);
    (wrongSum.userDefinedMetadata!.whittlePacked as { shards: Record<string, { crc32: number }> }).shards['weights.bin']!.crc32 ^= 1;
    expect(errorOf(() => decodeModel(wrongSum, { 'weights.bin': shard }))).toBe('weights.bin: CRC-32 mismatch: the file is corrupt');
    expect(errorOf(() => decodeModel(json, { 'weights.bin': shard.subarray(0, 15) }))).toBe(
      "weights.bin: truncated, 15 of 18 bytes; layer 'd' and those after it are cut",
    );
    expect(errorOf(() => decodeModel(json, {}))).toBe('weights.bin: is missing');
    const v9 = structuredClone(json);
    (v9.userDefinedMetadata!.whittlePacked as { version: number }).version = 9;
    expect(errorOf(() => decodeModel(v9, { 'weights.bin': shard }))).toBe(
      'model.json: whittle-packed version 9 is not supported (this loader reads whittle-packed version 1, 2)',
    );
    // stock and legacy files have no checksum: sizes are still checked against the manifest
    const legacy = packedModel(1);
    expect(errorOf(() => decodeModel(legacy.json, { 'weights.bin': shard.subarray(0, 17) }))).toBe(
      "weights.bin: truncated, 17 of 18 bytes; layer 'd' and those after it are cut",
    );
    // a packed entry whose metadata disagrees with its bytes
    const wrong = structuredClone(legacy.json);
    (wrong.userDefinedMetadata!.whittlePacked as Record<string, { bits: number }>)['d/kernel']!.bits = 5;
    expect(errorOf(() => decodeModel(wrong, { 'weights.bin': shard }))).toBe(
      "weights.bin: layer 'd' is corrupt or truncated (10 bytes, expected 11)",
    );
    for (const msg of [errorOf(() => decodeModel(json, { 'weights.bin': flipped }))]) expect(msg).not.toContain('\n');
  });

  it('whittleHandler fetches model.json and shards relative to its URL, reports progress in bytes, and names a failed file', async () => {
    const { json, shard } = packedModel();
    const files: Record<string, Uint8Array> = {
      'http://h/m/model.json': new TextEncoder().encode(JSON.stringify(json)),
      'http://h/m/weights.bin': shard,
    };
    const asked: string[] = [];
    const fetchFunc = (async (url: string) => {
      asked.push(url);
      const body = files[url];
      return body ? new Response(body) : new Response('no', { status: 404 });
    }) as typeof fetch;
    const progress: [number, number][] = [];
    const a = await whittleHandler('http://h/m/model.json', { fetchFunc, onProgress: (f, b) => progress.push([f, b]) }).load!();
    expect(asked).toEqual(['http://h/m/model.json', 'http://h/m/weights.bin']);
    expect(Array.from(new Float32Array(a.weightData as ArrayBuffer).subarray(0, 4))).toEqual(expectedKernel);
    expect(progress.at(-1)).toEqual([1, 18]);
    delete files['http://h/m/weights.bin'];
    await expect(whittleHandler('http://h/m/model.json', { fetchFunc }).load!()).rejects.toThrow(
      'weights.bin: HTTP 404 from http://h/m/weights.bin',
    );
  });

  it('whittleHandler rejects an unknown option key with the closest name, and a source of the wrong type', () => {
    expect(() => whittleHandler('m/model.json', { onProgres: () => {} } as never)).toThrow(
      "whittleHandler: unknown option 'onProgres' (did you mean 'onProgress'?)",
    );
    expect(() => whittleHandler(42 as never)).toThrow('whittleHandler: source must be a model.json URL or an array of files, got number');
  });

  it('whittleHandler reads File objects (browser file input, or Node 20 File)', async () => {
    const { json, shard } = packedModel();
    const files = [new File([JSON.stringify(json)], 'model.json'), new File([shard as BlobPart], 'weights.bin')];
    const a = await whittleHandler(files).load!();
    expect(Array.from(new Float32Array(a.weightData as ArrayBuffer).subarray(0, 4))).toEqual(expectedKernel);
    await expect(whittleHandler(files.slice(0, 1)).load!()).rejects.toThrow('weights.bin: is not among the files given');
  });
});
