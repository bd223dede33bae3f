import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { loadModel } from '../io/load.js';
import { saveModel } from '../io/save.js';
import { quantize } from '../quantize/ptq.js';
import { fakeQuantizePerChannel } from '../analysis/perturb.js';
import { mobilenetMini } from './reference.js';
import { kernelOf, layerWeights, weightAxes } from './weights.js';

beforeAll(() => initBackend());

describe('the weights of a layer', () => {
  it('names kernel, bias and channel axis for each layer type', () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 1 });
    const sep = tf.layers.separableConv2d({ name: 'sep', kernelSize: 3, filters: 5, depthMultiplier: 2 });
    const conv = tf.layers.conv2d({ name: 'conv', kernelSize: 1, filters: 3, useBias: false });
    const tr = tf.layers.conv2dTranspose({ name: 'tr', kernelSize: 2, filters: 4 });
    const bn = tf.layers.batchNormalization({ name: 'bn' });
    const prelu = tf.layers.prelu({ name: 'prelu' });
    const dense = tf.layers.dense({ name: 'dense', units: 7 });
    const x = prelu.apply(bn.apply(dw.apply(input))) as tf.SymbolicTensor;
    const y = tr.apply(conv.apply(sep.apply(x))) as tf.SymbolicTensor;
    const out = dense.apply(tf.layers.flatten().apply(y)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    const brief = (l: tf.layers.Layer) => layerWeights(l).map((w) => [w.role, w.shape.join('×'), w.channelAxis]);
    // depthwise [3, 3, C=2, 1]: the channel is axis 2, not the size-1 last axis
    expect(brief(dw)).toEqual([
      ['kernel', '3×3×2×1', 2],
      ['bias', '2', 0],
    ]);
    expect(kernelOf(dw)!.index).toBe(0);
    expect(brief(sep)).toEqual([
      ['kernel', '3×3×2×2', 2],
      ['kernel', '1×1×4×5', 3],
      ['bias', '5', 0],
    ]);
    expect(kernelOf(sep)!.index).toBe(1); // pointwise: most of the parameters
    expect(brief(conv)).toEqual([['kernel', '1×1×5×3', 3]]);
    expect(brief(tr)[0]).toEqual(['kernel', '2×2×4×3', 2]); // [kh, kw, out, in]
    expect(brief(bn).map((b) => b[0])).toEqual(['batchnorm', 'batchnorm', 'batchnorm', 'batchnorm']);
    expect(brief(prelu)).toEqual([['alpha', '4×4×2', 2]]);
    expect(brief(dense)[0]![2]).toBe(1);
    expect(kernelOf(bn)).toBeUndefined();
    expect(weightAxes(model).get(dw.weights[0]!.originalName)).toBe(2);
    model.dispose();
  });

  it("mobilenet-mini: sensitivity's quantizer equals quantize's, layer by layer (depthwise per channel)", async () => {
    const model = mobilenetMini({ pretrained: true });
    const tensors = tf.memory().numTensors;
    for (const bits of [4, 2, 1]) {
      const { model: q } = await quantize(model, { weights: { bits } });
      for (const layer of model.layers) {
        const k = kernelOf(layer);
        if (!k) continue;
        const w = layer.getWeights()[k.index]!;
        const swept = fakeQuantizePerChannel(w.dataSync() as Float32Array, w.shape, bits, k.channelAxis!);
        const applied = q.getLayer(layer.name).getWeights()[k.index]!.dataSync();
        expect(Array.from(swept), `${layer.name} at ${bits} bits`).toEqual(Array.from(applied));
      }
      q.dispose();
    }
    // Independent check of the depthwise axis: block1_dw [3, 3, 16, 1] at 4 bits has one scale per
    // channel c = max over the 9 taps of |w[.., c]| / 7, and every value sits on that channel's grid.
    const dw = model.getLayer('block1_dw').getWeights()[0]!;
    const v = dw.dataSync() as Float32Array;
    const out = fakeQuantizePerChannel(v, dw.shape, 4, 2);
    for (let c = 0; c < 16; c++) {
      let max = 0;
      for (let t = 0; t < 9; t++) max = Math.max(max, Math.abs(v[t * 16 + c]!));
      const scale = max / 7;
      for (let t = 0; t < 9; t++) {
        const q = out[t * 16 + c]! / scale;
        expect(Math.abs(q - Math.round(q))).toBeLessThan(1e-4);
        expect(Math.abs(out[t * 16 + c]! - v[t * 16 + c]!)).toBeLessThanOrEqual(scale / 2 + 1e-6);
      }
    }
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('mobilenet-mini: packed 4-bit reloads equal to in-memory 4-bit quantize', async () => {
    const model = mobilenetMini({ pretrained: true });
    const dir = mkdtempSync(join(tmpdir(), 'whittle-weights-'));
    try {
      await saveModel(model, join(dir, 'm'), { quantization: 'packed', bits: 4 });
      const loaded = await loadModel(join(dir, 'm'));
      const { model: q } = await quantize(model, { weights: { bits: 4 } });
      let depthwise = 0;
      for (const layer of model.layers) {
        const k = kernelOf(layer);
        if (!k) continue;
        if (layer.getClassName() === 'DepthwiseConv2D') depthwise++;
        const a = loaded.getLayer(layer.name).getWeights()[k.index]!.dataSync();
        const b = q.getLayer(layer.name).getWeights()[k.index]!.dataSync();
        expect(Array.from(a), layer.name).toEqual(Array.from(b));
      }
      expect(depthwise).toBe(4);
      loaded.dispose();
      q.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });
});
