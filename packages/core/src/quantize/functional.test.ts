import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset, slice } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { mobilenetMini, resnetMini } from '../models/reference.js';
import { equalizeModel, foldBatchNorm } from './equalize.js';
import { quantize } from './ptq.js';
import { kernelOf } from '../models/weights.js';

beforeAll(() => initBackend());

/** max |a − b| / max |a|: the independent reference is always the original model. */
const relDiff = (a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor) =>
  tf.tidy(() => {
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    return ya.sub(yb).abs().max().div(ya.abs().max()).dataSync()[0]!;
  });

const agreement = (a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor) =>
  tf.tidy(
    () =>
      tf
        .equal((a.predict(x) as tf.Tensor).argMax(-1), (b.predict(x) as tf.Tensor).argMax(-1))
        .cast('float32')
        .mean()
        .dataSync()[0]!,
  );

/** The same network as a functional model with fresh layers (tf.model over tf.input). */
function asFunctional(seq: tf.LayersModel): tf.LayersModel {
  const input = tf.input({ shape: seq.inputs[0]!.shape.slice(1) as number[], name: 'image' });
  let x: tf.SymbolicTensor = input;
  for (const layer of seq.layers) {
    const config = { ...layer.getConfig() };
    delete config.batchInputShape;
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()]!;
    const fresh = fromConfig(cls, config as tf.serialization.ConfigDict) as tf.layers.Layer;
    x = fresh.apply(x) as tf.SymbolicTensor;
    fresh.setWeights(layer.getWeights());
  }
  return tf.model({ name: `${seq.name}-functional`, inputs: input, outputs: x });
}

/** A MobileNetV2-style block: ZeroPadding2D + valid convs, BatchNorm with real statistics, ReLU6, a residual Add. */
function invertedResidual(): tf.LayersModel {
  const bn = (name: string) => tf.layers.batchNormalization({ name });
  const relu6 = (name: string) => tf.layers.reLU({ name, maxValue: 6 });
  const conv = (name: string, filters: number, kernelSize: number) =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize,
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: filters + kernelSize }),
    });
  const input = tf.input({ shape: [12, 12, 3], name: 'image' });
  const apply = (layers: tf.layers.Layer[], x: tf.SymbolicTensor) => layers.reduce((t, l) => l.apply(t) as tf.SymbolicTensor, x);
  const stem = apply([tf.layers.zeroPadding2d({ name: 'pad0', padding: 1 }), conv('stem', 8, 3), bn('stem_bn'), relu6('stem_relu')], input);
  const branch = apply(
    [
      conv('expand', 16, 1),
      bn('expand_bn'),
      relu6('expand_relu'),
      tf.layers.zeroPadding2d({ name: 'pad1', padding: 1 }),
      tf.layers.depthwiseConv2d({
        name: 'dw',
        kernelSize: 3,
        useBias: false,
        depthwiseInitializer: tf.initializers.glorotUniform({ seed: 5 }),
      }),
      bn('dw_bn'),
      relu6('dw_relu'),
      conv('project', 8, 1),
      bn('project_bn'),
    ],
    stem,
  );
  const added = tf.layers.add({ name: 'add' }).apply([stem, branch]) as tf.SymbolicTensor;
  const out = apply(
    [
      conv('head', 16, 1),
      bn('head_bn'),
      tf.layers.reLU({ name: 'head_relu' }),
      tf.layers.globalAveragePooling2d({ name: 'gap' }),
      tf.layers.dense({ name: 'classifier', units: 5, kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }) }),
    ],
    added,
  );
  const model = tf.model({ name: 'inverted-residual', inputs: input, outputs: out });
  let seed = 100;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const c = layer.getWeights()[0]!.shape[0]!;
    const w = [
      tf.randomUniform([c], 0.5, 1.5, 'float32', seed++),
      tf.randomUniform([c], -0.2, 0.2, 'float32', seed++),
      tf.randomUniform([c], -0.3, 0.3, 'float32', seed++),
      tf.randomUniform([c], 0.3, 2, 'float32', seed++),
    ];
    layer.setWeights(w);
    tf.dispose(w);
  }
  return model;
}

describe('data-free quantization on functional models', () => {
  it('fold and equalize keep the function of resnet-mini, functional mobilenet-mini and an inverted-residual block (≤ 1e-4 relative)', () => {
    const { train, test } = mnist({ layout: 'image', limit: 64 }); // the train split is shuffled: every class
    const x = train.x;
    const small = tf.randomUniform([16, 12, 12, 3], -1, 1, 'float32', 3);
    const models: [tf.LayersModel, tf.Tensor][] = [
      [resnetMini({ pretrained: true }), x],
      [asFunctional(mobilenetMini({ pretrained: true })), x],
      [invertedResidual(), small],
    ];
    const tensors = tf.memory().numTensors;
    const results = models.map(([model, input]) => {
      const folded = foldBatchNorm(model);
      const eq = equalizeModel(model);
      expect(
        folded.layers.some((l) => l.getClassName() === 'BatchNormalization'),
        model.name,
      ).toBe(false);
      expect(relDiff(model, folded, input), model.name).toBeLessThanOrEqual(1e-4);
      expect(relDiff(model, eq.model, input), model.name).toBeLessThanOrEqual(1e-4);
      folded.dispose();
      eq.model.dispose();
      return eq;
    });
    expect(tf.memory().numTensors).toBe(tensors);
    const [resnet, mobilenet, block] = results;
    // the residual block is one group: stem (through pool0) and res_conv2 feed res_add and share one scale;
    // res_conv1 reads pool0, branch1 and branch3 read the sum (after a plain ReLU): they absorb its inverse
    expect(resnet!.pairs).toEqual([
      'stem, res_conv2 → res_conv1, branch1, branch3 (across res_add)',
      'res_conv1 → res_conv2',
      'head → classifier',
    ]);
    expect(resnet!.skipped.join('\n')).toContain("branch1 → …: 'concat' (Concatenate) joins branches at channel offsets");
    expect(mobilenet!.pairs).toHaveLength(9); // stem → block1_dw → block1_pw → … → block4_pw → classifier
    expect(block!.pairs).toEqual(['head → classifier']);
    expect(block!.skipped.join('\n')).toContain("stem → …: 'stem_relu' clips (ReLU6)");
    expect(block!.skipped.join('\n')).toContain("project → …: 'stem_relu' clips (ReLU6)"); // project's Add partner is clipped
    for (const [m, input] of models) {
      m.dispose();
      if (input !== x) input.dispose();
    }
    train.dispose();
    test.dispose();
  });

  it('equalization narrows the per-channel range spread of the layers it scales, across the residual Add too', () => {
    // spread = max over output channels of max|w| / its mean: per-tensor quantization's step is set by the max
    const spread = (m: tf.LayersModel, name: string) => {
      const layer = m.getLayer(name);
      const k = kernelOf(layer)!;
      const w = layer.getWeights()[k.index]!;
      const r = tf.tidy(() =>
        Array.from(
          tf
            .abs(w)
            .max(w.shape.map((_, i) => i).filter((i) => i !== k.channelAxis))
            .dataSync(),
        ),
      );
      return Math.max(...r) / (r.reduce((a, b) => a + b, 0) / r.length);
    };
    const cases: [tf.LayersModel, string[]][] = [
      [resnetMini({ pretrained: true }), ['stem', 'res_conv2', 'res_conv1', 'head']],
      [
        mobilenetMini({ pretrained: true }),
        ['stem', 'block1_dw', 'block1_pw', 'block2_dw', 'block2_pw', 'block3_dw', 'block3_pw', 'block4_dw', 'block4_pw'],
      ],
    ];
    for (const [model, producers] of cases) {
      const folded = foldBatchNorm(model);
      const { model: eq } = equalizeModel(model);
      for (const name of producers) expect(spread(eq, name), `${model.name} ${name}`).toBeLessThan(spread(folded, name));
      for (const m of [model, folded, eq]) m.dispose();
    }
  });

  it('activation fake-quant on functional models, ReLU6 and ZeroPadding2D included: argmax of the float model kept', async () => {
    const { train: all, test: unused } = mnist({ layout: 'image', limit: 600 }); // shuffled train split: every class
    unused.dispose();
    const train = slice(all, 0, 300); // calibration
    const test = slice(all, 300, 300); // compared on samples not calibrated on
    all.dispose();
    const resnet = resnetMini({ pretrained: true });
    const tensors = tf.memory().numTensors;
    const { model: q8, report } = await quantize(resnet, { activations: { bits: 8 }, calibration: train, equalize: true });
    // a FakeQuant after the input and after each of the 6 convs (BatchNorm folded), none after the classifier
    expect(q8.layers.filter((l) => l.getClassName() === 'WhittleFakeQuant').map((l) => l.name)).toHaveLength(7);
    expect(report.notes!.some((n) => n.includes("'concat' (Concatenate)"))).toBe(true); // res_add is equalized across now
    expect(agreement(resnet, q8, test.x)).toBeGreaterThanOrEqual(0.97);
    q8.dispose();
    const { model: q16 } = await quantize(resnet, { weights: { bits: 16 }, activations: { bits: 16 }, calibration: train });
    expect(relDiff(resnet, q16, test.x)).toBeLessThanOrEqual(2e-3);
    q16.dispose();
    expect(tf.memory().numTensors).toBe(tensors);

    const block = invertedResidual();
    const x = tf.randomUniform([200, 12, 12, 3], -1, 1, 'float32', 4);
    const calibration = makeDataset(x, tf.oneHot(tf.zeros([200], 'int32') as tf.Tensor1D, 5).toFloat() as tf.Tensor2D);
    const { model: qb } = await quantize(block, { activations: { bits: 16 }, calibration, weights: { bits: 16 } });
    expect(qb.layers.filter((l) => l.getClassName() === 'WhittleFakeQuant')).toHaveLength(1 + 10); // input + 5 convs/dw + 5 BatchNorm (not folded here)
    expect(relDiff(block, qb, x)).toBeLessThanOrEqual(2e-3);
    qb.dispose();
    block.dispose();
    calibration.dispose();
    resnet.dispose();
    train.dispose();
    test.dispose();
  });
});
