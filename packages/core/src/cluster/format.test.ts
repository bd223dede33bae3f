import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { loadModel } from '../io/load.js';
import { saveModel } from '../io/save.js';
import { lenet300100, lenet5 } from '../models/reference.js';
import { prune } from '../prune/prune.js';
import { cluster, type LayerClusters } from './cluster.js';
import { codeLengths, encodeClustered, huffmanEncode } from './encode.js';
import { crc32, decodeDeepTensor } from './format.js';

beforeAll(() => initBackend());

const bits = (v: Float32Array) => Array.from(new Uint32Array(v.buffer, v.byteOffset, v.length));

describe('deep format building blocks', () => {
  it('CRC-32 of "123456789" is the standard check value 0xCBF43926', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('Huffman: hand-worked canonical code', () => {
    // frequencies a:5 b:2 c:1 d:1 → lengths 1, 2, 3, 3 → canonical codes 0, 10, 110, 111
    expect(Array.from(codeLengths([5, 2, 1, 1]))).toEqual([1, 2, 3, 3]);
    const { bytes, table } = huffmanEncode([0, 0, 0, 0, 0, 1, 1, 2, 3], 4);
    expect(table).toBe(4);
    // table nibbles (1,2)(3,3) → 0x21 0x33; bits 00000 10 10 110 111 → 0000_0101 0110_111(0) → 0x05 0x6E
    expect(Array.from(bytes)).toEqual([0x21, 0x33, 0x05, 0x6e]);
  });

  it('Huffman code lengths stay ≤ 15 bits on Fibonacci frequencies (which would need 30)', () => {
    const fib = [1, 1];
    while (fib.length < 31) fib.push(fib.at(-1)! + fib.at(-2)!);
    const lengths = codeLengths(fib);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(15);
    expect(lengths.reduce((s, l) => s + 2 ** -l, 0)).toBeLessThanOrEqual(1); // Kraft: a valid prefix code
  });

  it('sparse mode: long gaps are bridged by filler zeros (paper §3, hand-worked) and decode exactly', () => {
    // 20 weights, nonzeros at 1 and 19 with gapBits = 2 (max gap 3): entries at 1 (gap 1),
    // fillers at 5, 9, 13, 17 (gap 3 each), then 19 (gap 1) → 6 entries
    const indices = new Int32Array(20).fill(-1);
    indices[1] = 0;
    indices[19] = 1;
    const c: LayerClusters = { layer: 'x', shape: [4, 5], k: 2, groups: 1, codebooks: Float32Array.from([-0.5, 0.25]), indices };
    const { bytes, spec } = encodeClustered(c, { mode: 'sparse', gapBits: 2 });
    expect(spec.count).toBe(6);
    const out = decodeDeepTensor(bytes, spec, 'w.bin');
    const expected = new Float32Array(20);
    expected[1] = -0.5;
    expected[19] = 0.25;
    expect(bits(out)).toEqual(bits(expected));
  });

  it('every mode and gap width round-trips random sparse channel-scope data bit-exactly', () => {
    let seed = 1;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const n = 3000;
    const groups = 6;
    const k = 5;
    const codebooks = Float32Array.from({ length: groups * k }, () => rand() - 0.5);
    const indices = Int32Array.from({ length: n }, () => (rand() < 0.85 ? -1 : Math.floor(rand() * k)));
    const c: LayerClusters = { layer: 'y', shape: [500, 6], k, groups, codebooks, indices };
    const expected = Float32Array.from(indices, (j, i) => (j < 0 ? 0 : codebooks[(i % groups) * k + j]!));
    for (const force of [{ mode: 'dense' as const }, ...[1, 2, 3, 5, 8].map((g) => ({ mode: 'sparse' as const, gapBits: g }))]) {
      const { bytes, spec } = encodeClustered(c, force);
      expect(bits(decodeDeepTensor(bytes, spec, 'w.bin')), JSON.stringify(force)).toEqual(bits(expected));
    }
  });
  it('codebooks along a leading axis (depthwise / transposed kernels: axis 2) decode by channel; an axis that does not fit is an error', () => {
    // shape [2, 3, 2] with codebooks along axis 1: weight [a][c][b] uses codebook c
    const k = 2;
    const codebooks = Float32Array.from([1, 2, 10, 20, 100, 200]);
    const indices = Int32Array.from([0, 1, 0, 1, 0, -1, 1, 1, 1, 0, -1, 0]);
    const c: LayerClusters = { layer: 'dw', shape: [2, 3, 2], k, groups: 3, axis: 1, codebooks, indices };
    const expected: number[] = [];
    for (let a = 0; a < 2; a++)
      for (let ch = 0; ch < 3; ch++)
        for (let b = 0; b < 2; b++) {
          const j = indices[a * 6 + ch * 2 + b]!;
          expected.push(j < 0 ? 0 : codebooks[ch * k + j]!);
        }
    expect(expected).toEqual([1, 2, 10, 20, 100, 0, 2, 2, 20, 10, 0, 100]);
    for (const mode of ['dense', 'sparse'] as const) {
      const { bytes, spec } = encodeClustered(c, { mode });
      expect(spec.axis).toBe(1);
      expect(Array.from(decodeDeepTensor(bytes, spec, 'w.bin'))).toEqual(expected);
      expect(() => decodeDeepTensor(bytes, { ...spec, axis: 2 }, 'w.bin')).toThrow(
        "w.bin: layer 'dw' is corrupt or truncated (3 codebooks do not fit axis 2 of its shape)",
      );
    }
  });
});

describe('saving and loading the deep format', () => {
  it('LeNet-300-100 pruned + clustered: loadModel decodes every weight bit-exactly; sizes are the bytes written', async () => {
    const base = lenet300100({ pretrained: true });
    const { model: pruned } = prune(base, { sparsity: 0.9, includeOutput: true });
    const { model, assignments } = cluster(pruned, { clusters: 16 });
    const dir = mkdtempSync(join(tmpdir(), 'whittle-deep-'));
    try {
      const fp32 = await saveModel(base, join(dir, 'fp32'));
      const saved = await saveModel(model, join(dir, 'deep'), { quantization: 'deep', clusters: assignments });
      const bin = readFileSync(join(dir, 'deep', 'weights.bin'));
      const json = readFileSync(join(dir, 'deep', 'model.json'));
      expect(saved.files.find((f) => f.name === 'weights.bin')!.bytes).toBe(bin.byteLength);
      expect(saved.bytes).toBe(bin.byteLength + json.byteLength);
      expect(saved.gzipBytes).toBe(gzipSync(bin, { level: 9 }).byteLength + gzipSync(json, { level: 9 }).byteLength);
      // 26,661 nonzeros at ≤ 4-bit indices + gaps, float32 biases: far below 1/20 of fp32
      expect(bin.byteLength * 20).toBeLessThan(fp32.files.find((f) => f.name === 'weights.bin')!.bytes);
      const tensors = tf.memory().numTensors;
      const loaded = await loadModel(join(dir, 'deep'));
      expect(tf.memory().numTensors - tensors).toBe(loaded.weights.length);
      const want = model.getWeights();
      loaded
        .getWeights()
        .forEach((w, i) =>
          expect(bits(w.dataSync() as Float32Array), loaded.weights[i]!.name).toEqual(bits(want[i]!.dataSync() as Float32Array)),
        );
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tf.dispose([base, pruned, model]);
    }
  });

  it('LeNet-5 channel scope without assignments (auto-detected kernels) round-trips bit-exactly', async () => {
    const base = lenet5({ pretrained: true });
    const { model } = cluster(base, { clusters: 8, scope: 'channel', preserveSparsity: false });
    const dir = mkdtempSync(join(tmpdir(), 'whittle-deep-'));
    try {
      await saveModel(model, join(dir, 'm'), { quantization: 'deep' });
      const meta = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8')).userDefinedMetadata.whittleDeep;
      expect(Object.keys(meta.weights).sort()).toEqual(['conv1/kernel', 'conv2/kernel', 'fc1/kernel', 'fc2/kernel', 'fc3/kernel']);
      const loaded = await loadModel(join(dir, 'm'));
      const want = model.getWeights();
      loaded.getWeights().forEach((w, i) => expect(bits(w.dataSync() as Float32Array)).toEqual(bits(want[i]!.dataSync() as Float32Array)));
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tf.dispose([base, model]);
    }
  });

  it('a corrupt or truncated file is a one-line error naming the file (and the layer), and nothing is loaded', async () => {
    const base = lenet300100({ pretrained: true });
    const { model, assignments } = cluster(base, { clusters: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'whittle-deep-'));
    try {
      await saveModel(model, join(dir, 'm'), { quantization: 'deep', clusters: assignments });
      const file = join(dir, 'm', 'weights.bin');
      const good = readFileSync(file);
      const tensors = tf.memory().numTensors;
      const flipped = Buffer.from(good);
      flipped[100]! ^= 0x10; // inside fc1's index stream
      writeFileSync(file, flipped);
      await expect(loadModel(join(dir, 'm'))).rejects.toThrow(
        /^loadModel: .*weights\.bin: layer 'fc1' is corrupt or truncated \(CRC-32 mismatch\)$/,
      );
      // a float tensor (fc2's bias) has its own checksum too
      const meta = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8'));
      const specs: { name: string; shape: number[] }[] = meta.weightsManifest[0].weights;
      const biasAt = specs
        .slice(
          0,
          specs.findIndex((e) => e.name === 'fc2/bias'),
        )
        .reduce((o, e) => o + e.shape.reduce((a, b) => a * b, 1) * (e.name.endsWith('kernel') ? 1 : 4), 0);
      const badBias = Buffer.from(good);
      badBias[biasAt + 5]! ^= 0x01;
      writeFileSync(file, badBias);
      await expect(loadModel(join(dir, 'm'))).rejects.toThrow(
        /^loadModel: .*weights\.bin: layer 'fc2' is corrupt \(CRC-32 mismatch in fc2\/bias\)$/,
      );
      writeFileSync(file, good.subarray(0, good.byteLength - 7));
      await expect(loadModel(join(dir, 'm'))).rejects.toThrow(
        /^loadModel: .*weights\.bin: truncated, \d+ of \d+ bytes; layer 'fc3' and those after it are cut$/,
      );
      expect(tf.memory().numTensors).toBe(tensors);
      // the decoder alone names the layer for a corrupt or short tensor
      const spec = meta.userDefinedMetadata.whittleDeep.weights['fc2/kernel'];
      expect(() => decodeDeepTensor(new Uint8Array(spec.sections.reduce((a: number, b: number) => a + b, 0)), spec, 'weights.bin')).toThrow(
        "weights.bin: layer 'fc2' is corrupt or truncated (CRC-32 mismatch)",
      );
      expect(() => decodeDeepTensor(new Uint8Array(10), spec, 'weights.bin')).toThrow(
        /layer 'fc2' is corrupt or truncated \(10 bytes, expected \d+\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tf.dispose([base, model]);
    }
  });
});
