import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { lenet300100 } from '../models/reference.js';
import { loadModel } from '../io/load.js';
import { saveModel } from '../io/save.js';
import { packBits, unpackBits } from './packed.js';

beforeAll(() => initBackend());

describe('packed Whittle format (per-channel, < 8 bits)', () => {
  it('packs b-bit values LSB first (hand-worked)', () => {
    // 4-bit [14, 5, 9, 14] → 0x5E, 0xE9; 3-bit [7, 1, 2] → 0b010_001_111 = 0x8F, 0x00
    expect(Array.from(packBits([14, 5, 9, 14], 4))).toEqual([0x5e, 0xe9]);
    expect(Array.from(packBits([7, 1, 2], 3))).toEqual([0x8f, 0x00]);
    expect(Array.from(unpackBits(new Uint8Array([0x8f, 0x00]), 3, 3))).toEqual([7, 1, 2]);
  });

  it('4-bit: the bytes written are scales + packed integers, and loadModel decodes the hand-worked grid', async () => {
    // Kernel [[1, −0.5], [0.25, 2]], channels = columns. Channel 0: scale 1/7, q = [7, 2];
    // channel 1: scale 2/7, q = [−2, 7] (−1.75 rounds to −2). Stored q + 7 = [14, 5, 9, 14].
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2], name: 'd' })] });
    model.setWeights([
      tf.tensor2d([
        [1, -0.5],
        [0.25, 2],
      ]),
      tf.tensor1d([0.1, -0.2]),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'whittle-packed-'));
    try {
      const saved = await saveModel(model, join(dir, 'm'), { quantization: 'packed', bits: 4 });
      const bin = new Uint8Array(readFileSync(join(dir, 'm', 'weights.bin')));
      expect(bin.byteLength).toBe(8 + 2 + 8); // 2 float32 scales + 4×4 bits + float32 bias
      expect(Array.from(new Float32Array(bin.buffer.slice(0, 8)))).toEqual([Math.fround(1 / 7), Math.fround(2 / 7)]);
      expect(Array.from(bin.subarray(8, 10))).toEqual([0x5e, 0xe9]);
      expect(saved.files.find((f) => f.name === 'weights.bin')!.bytes).toBe(18);
      const tensors = tf.memory().numTensors;
      const loaded = await loadModel(join(dir, 'm'));
      const [k, b] = loaded.getWeights();
      const s0 = Math.fround(1 / 7);
      const s1 = Math.fround(2 / 7);
      expect(Array.from(k!.dataSync())).toEqual(Array.from(new Float32Array([7 * s0, -2 * s1, 2 * s0, 7 * s1])));
      expect(Array.from(b!.dataSync())).toEqual(Array.from(new Float32Array([0.1, -0.2])));
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('LeNet-300-100 at 4 bits is ~7.5× smaller on disk and predicts like the 4-bit grid', async () => {
    const model = lenet300100({ pretrained: true });
    const dir = mkdtempSync(join(tmpdir(), 'whittle-packed-'));
    try {
      const fp32 = await saveModel(model, join(dir, 'a'));
      const packed = await saveModel(model, join(dir, 'b'), { quantization: 'packed', bits: 4 });
      expect(fp32.bytes / packed.bytes).toBeGreaterThan(6.5);
      const loaded = await loadModel(join(dir, 'b'));
      const x = tf.randomUniform([8, 784], 0, 1, 'float32', 1);
      const diff = tf.tidy(
        () =>
          tf
            .sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor)
            .abs()
            .max()
            .dataSync()[0]!,
      );
      expect(diff).toBeLessThan(0.2);
      x.dispose();
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bits outside 2…8 for the packed format', async () => {
    const model = lenet300100();
    await expect(saveModel(model, join(tmpdir(), 'never'), { quantization: 'packed', bits: 9 })).rejects.toThrow(
      'saveModel: bits (packed format) must be an integer in [2, 8], got 9',
    );
  });
});

describe('packed format with bits per layer', () => {
  it('packs only the named layers, each at its width (bytes by the format rule), and loadModel decodes them', async () => {
    const model = lenet300100();
    const dir = mkdtempSync(join(tmpdir(), 'whittle-packed-layers-'));
    try {
      const saved = await saveModel(model, join(dir, 'm'), { quantization: 'packed', bits: { fc1: 3, fc2: 32, fc3: 8 } });
      // fc1: 300 scales + ⌈784·300·3/8⌉; fc2 float32; fc3: 10 scales + 100·10 bytes; biases float32
      const expected = 300 * 4 + Math.ceil((784 * 300 * 3) / 8) + 300 * 100 * 4 + 10 * 4 + 1000 + (300 + 100 + 10) * 4;
      expect(saved.files.find((f) => f.name === 'weights.bin')!.bytes).toBe(expected);
      const loaded = await loadModel(saved.dir);
      const fc2 = loaded.getLayer('fc2').getWeights()[0]!.dataSync();
      expect(Array.from(fc2)).toEqual(Array.from(model.getLayer('fc2').getWeights()[0]!.dataSync()));
      const fc1 = loaded.getLayer('fc1').getWeights()[0]!.dataSync();
      expect(new Set(Array.from(fc1).filter((_, i) => i % 300 === 0)).size).toBeLessThanOrEqual(7);
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('rejects a layer width outside 2…8 (and not 32) naming the layer', async () => {
    const model = lenet300100();
    await expect(saveModel(model, join(tmpdir(), 'never'), { quantization: 'packed', bits: { fc1: 12 } })).rejects.toThrow(
      "saveModel: bits of 'fc1' (packed format; 32 = float32) must be an integer in [2, 8], got 12",
    );
    model.dispose();
  });
});
