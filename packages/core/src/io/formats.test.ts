/**
 * Every Whittle format, encoded by core and decoded by @whittle/loader (the
 * code browsers run), compared weight by weight, bit for bit, with values
 * computed here from the encoder's own integers and scales; and the one-line
 * errors loadModel gives for corrupt files.
 */
import * as tf from '@tensorflow/tfjs';
import { crc32, decodeModel, whittleHandler, type ModelJSON } from '@whittle/loader';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { cluster } from '../cluster/cluster.js';
import { lenet5, mobilenetMini } from '../models/reference.js';
import { prune } from '../prune/prune.js';
import { quantizeTensor } from '../quantize/affine.js';
import { encodePackedArtifacts } from '../quantize/packed.js';
import { loadModel } from './load.js';
import { saveModel } from './save.js';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'whittle-formats-'));
  dirs.push(d);
  return d;
};
let model: tf.LayersModel;

beforeAll(async () => {
  await initBackend();
  model = lenet5({ pretrained: true });
});
afterAll(() => {
  model.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The folder's weights as @whittle/loader decodes them, by name. */
function decodeFolder(dir: string): Map<string, { shape: number[]; values: Float32Array }> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJSON;
  const a = decodeModel(json, { 'weights.bin': new Uint8Array(readFileSync(join(dir, 'weights.bin'))) });
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  let offset = 0;
  for (const s of a.weightSpecs!) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    expect(s.dtype).toBe('float32');
    out.set(s.name, { shape: s.shape, values: new Float32Array((a.weightData as ArrayBuffer).slice(offset, offset + 4 * n)) });
    offset += 4 * n;
  }
  return out;
}

/** Channel of each flat index along `axis`, from the multi-index (row-major). */
function channelOf(shape: number[], axis: number, i: number): number {
  let rest = i;
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return index[axis]!;
}

describe('core encodes, @whittle/loader decodes, bit for bit', () => {
  /** Checks a packed folder of `m` against q·scale computed here from core's quantizer; returns how many kernels were packed. */
  function checkPacked(m: tf.LayersModel, dir: string, bitsOf: number | Record<string, number>): number {
    const decoded = decodeFolder(dir);
    let packed = 0;
    for (const w of m.weights) {
      const original = w.read().dataSync() as Float32Array;
      const got = decoded.get(w.originalName)!;
      expect(got.shape, w.originalName).toEqual(w.shape);
      // a map names layers: the others, and those at 32, stay float32
      const bits = typeof bitsOf === 'number' ? bitsOf : (bitsOf[w.originalName.slice(0, w.originalName.lastIndexOf('/'))] ?? 32);
      if (w.shape.length < 2 || bits === 32) {
        expect(Array.from(got.values), w.originalName).toEqual(Array.from(original));
        continue;
      }
      packed++;
      // per output channel: the last axis; a depthwise kernel [kh, kw, in, 1] along its input channels (axis 2)
      const axis = w.originalName.endsWith('depthwise_kernel') ? 2 : w.shape.length - 1;
      const t = quantizeTensor(original, w.shape, { bits, scheme: 'symmetric', axis }, w.originalName);
      const expected = Float32Array.from(t.q, (q, i) => q * t.scale[channelOf(w.shape, axis, i)]!);
      expect(Array.from(got.values), w.originalName).toEqual(Array.from(expected));
    }
    return packed;
  }

  it.each([2, 3, 4, 5, 8])('packed %i-bit: every kernel weight is q·scale of its channel, every other weight unchanged', async (bits) => {
    const dir = join(scratch(), 'm');
    await saveModel(model, dir, { quantization: 'packed', bits });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.whittlePacked).toMatchObject({ format: 'whittle-packed', version: 2 });
    expect(checkPacked(model, dir, bits)).toBe(5); // LeNet-5: two conv kernels, three dense kernels
  });

  it('packed 4-bit, depthwise kernels (mobilenet-mini): scales along axis 2', async () => {
    const mobile = mobilenetMini({ pretrained: true });
    const dir = join(scratch(), 'm');
    await saveModel(mobile, dir, { quantization: 'packed', bits: 4 });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const depthwise = Object.entries(json.userDefinedMetadata.whittlePacked.weights).filter(([n]) => n.endsWith('depthwise_kernel'));
    expect(depthwise.length).toBeGreaterThan(0);
    for (const [, e] of depthwise) expect((e as { axis: number }).axis).toBe(2);
    expect(checkPacked(mobile, dir, 4)).toBeGreaterThan(depthwise.length);
    mobile.dispose();
  });

  it('packed per-layer bits (mobilenet-mini): each layer at its own width, its entry records it; unnamed layers stay float32', async () => {
    const mobile = mobilenetMini({ pretrained: true });
    const kernelLayers = [...new Set(mobile.weights.filter((w) => w.shape.length >= 2).map((w) => w.originalName.split('/')[0]!))];
    const widths = [2, 3, 5, 8, 32, 4];
    // the last kernel layer is left out of the map: float32
    const bits = Object.fromEntries(kernelLayers.slice(0, -1).map((l, i) => [l, widths[i % widths.length]!]));
    expect(Object.values(bits)).toEqual(expect.arrayContaining([2, 3, 5, 8, 32]));
    const dir = join(scratch(), 'm');
    await saveModel(mobile, dir, { quantization: 'packed', bits });
    const entries = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).userDefinedMetadata.whittlePacked.weights as Record<
      string,
      { bits: number; axis: number }
    >;
    for (const [name, e] of Object.entries(entries)) {
      expect(e.bits, name).toBe(bits[name.slice(0, name.lastIndexOf('/'))]);
      expect(e.axis, name).toBe(
        name.endsWith('depthwise_kernel') ? 2 : mobile.weights.find((w) => w.originalName === name)!.shape.length - 1,
      );
    }
    const packed = checkPacked(mobile, dir, bits);
    expect(packed).toBe(Object.keys(entries).length);
    expect(packed).toBeGreaterThan(0);
    mobile.dispose();
  });

  it('deep: every clustered kernel weight is its centroid (or 0 where pruned), every other weight unchanged', async () => {
    const pruned = prune(model, { sparsity: 0.8, scope: 'global', includeOutput: true });
    const shared = cluster(pruned.model, { clusters: 8 });
    const dir = join(scratch(), 'm');
    await saveModel(shared.model, dir, { quantization: 'deep', clusters: shared.assignments });
    const decoded = decodeFolder(dir);
    const clustered = Object.values(shared.assignments);
    expect(clustered).toHaveLength(5);
    for (const w of shared.model.weights) {
      const got = decoded.get(w.originalName)!;
      expect(got.shape).toEqual(w.shape);
      const c = clustered.find((x) => `${x.layer}/kernel` === w.originalName);
      if (!c) {
        expect(Array.from(got.values), w.originalName).toEqual(Array.from(w.read().dataSync()));
        continue;
      }
      const expected = Float32Array.from(c.indices, (idx, i) => (idx < 0 ? 0 : c.codebooks[(i % c.groups) * c.k + idx]!));
      expect(Array.from(got.values), w.originalName).toEqual(Array.from(expected));
      expect(got.values.filter((v) => v === 0).length).toBeGreaterThan(0);
    }
    tf.dispose([pruned.model, shared.model]);
  });

  it('fp32 and uint8 (stock formats) pass through to tfjs unchanged', async () => {
    for (const quantization of [undefined, 'uint8'] as const) {
      const dir = join(scratch(), 'm');
      await saveModel(model, dir, quantization ? { quantization } : {});
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as ModelJSON;
      const shard = new Uint8Array(readFileSync(join(dir, 'weights.bin')));
      const a = decodeModel(json, { 'weights.bin': shard });
      expect(a.weightSpecs).toEqual(json.weightsManifest[0]!.weights);
      expect(new Uint8Array(a.weightData as ArrayBuffer)).toEqual(shard);
    }
  });
});

describe('loadModel on corrupt Whittle files: one line naming the file', () => {
  it('a flipped bit, a truncated shard and an unknown version', async () => {
    const dir = join(scratch(), 'm');
    await saveModel(model, dir, { quantization: 'packed', bits: 4 });
    const bin = join(dir, 'weights.bin');
    const good = readFileSync(bin);
    const bad = Buffer.from(good);
    bad[100]! ^= 1;
    writeFileSync(bin, bad);
    // byte 100: past conv1's packed kernel (6 scales + 150 × 4 bits = 99 bytes), in its bias
    await expect(loadModel(dir)).rejects.toThrow(`loadModel: ${bin}: layer 'conv1' is corrupt (CRC-32 mismatch in conv1/bias)`);
    writeFileSync(bin, good.subarray(0, good.length - 10));
    await expect(loadModel(dir)).rejects.toThrow(
      /^loadModel: .*weights.bin: truncated, \d+ of \d+ bytes; layer '\w+' and those after it are cut$/,
    );
    writeFileSync(bin, good);
    const jsonFile = join(dir, 'model.json');
    const json = JSON.parse(readFileSync(jsonFile, 'utf8'));
    json.userDefinedMetadata.whittlePacked.version = 3;
    writeFileSync(jsonFile, JSON.stringify(json));
    const err = await loadModel(dir).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      `loadModel: ${jsonFile}: whittle-packed version 3 is not supported (this loader reads whittle-packed version 1, 2)`,
    );
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('graph models', () => {
  it('tf.loadGraphModel(whittleHandler(files)) runs a graph whose weight core packed', async () => {
    // y = x · W, W a 2×3 Const packed at 8 bits by core's encoder (per output channel)
    const w = new Float32Array([1, -2, 0.5, 0.25, 4, -1]);
    const { specs, data, weights, checksums } = encodePackedArtifacts(
      [{ name: 'W', shape: [2, 3], dtype: 'float32' }],
      w.buffer as ArrayBuffer,
      8,
    );
    const node = (name: string, op: string, input: string[] = [], attr: object = {}) => ({ name, op, input, attr });
    const json = {
      format: 'graph-model',
      modelTopology: {
        node: [
          node('x', 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '2' }] } } }),
          node('W', 'Const', [], { dtype: { type: 'DT_FLOAT' } }),
          node('y', 'MatMul', ['x', 'W'], { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } }),
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [{ paths: ['w.bin'], weights: specs }],
      userDefinedMetadata: {
        whittlePacked: {
          format: 'whittle-packed',
          version: 2,
          shards: { 'w.bin': { bytes: data.length, crc32: crc32(data) } },
          weights,
          checksums,
        },
      },
    };
    const files = [new File([JSON.stringify(json)], 'model.json'), new File([data as BlobPart], 'w.bin')];
    const graph = await tf.loadGraphModel(whittleHandler(files));
    const x = tf.tensor2d([[1, 1]]);
    const y = graph.execute(x) as tf.Tensor;
    // reference: each column's 8-bit grid, q·scale with scale = max|w| / 127 of the column
    const t = quantizeTensor(w, [2, 3], { bits: 8, scheme: 'symmetric', axis: 1 });
    const deq = Float32Array.from(t.q, (q, i) => q * t.scale[i % 3]!);
    const expected = [0, 1, 2].map((c) => Math.fround(deq[c]! + deq[3 + c]!));
    expect(Array.from(y.dataSync())).toEqual(expected);
    tf.dispose([x, y]);
    graph.dispose();
  });
});
