/**
 * Reference architectures: the two MNIST models of the Deep Compression paper
 * (LeNet-300-100, LeNet-5) and two small modern ones that exercise structured
 * pruning's dependency graph (depthwise-separable + BatchNorm; residual Add and
 * Concatenate in the functional API).
 */
import * as tf from '@tensorflow/tfjs';
import { TorchInit } from './init.js';

const relu = 'relu' as const;

/** 784-300-100-10 fully connected, ReLU. 266,610 parameters. */
export function buildLenet300100(seed = 0): tf.Sequential {
  const init = new TorchInit(seed);
  const model = tf.sequential({ name: 'lenet-300-100' });
  model.add(tf.layers.dense({ name: 'fc1', inputShape: [784], units: 300, activation: relu, ...init.layer(784) }));
  model.add(tf.layers.dense({ name: 'fc2', units: 100, activation: relu, ...init.layer(300) }));
  model.add(tf.layers.dense({ name: 'fc3', units: 10, activation: 'softmax', ...init.layer(100) }));
  return model;
}

/**
 * conv 6@5×5 same + ReLU + maxpool 2 → conv 16@5×5 valid + ReLU + maxpool 2 →
 * dense 400-120-84-10. 61,706 parameters.
 */
export function buildLenet5(seed = 0): tf.Sequential {
  const init = new TorchInit(seed);
  const model = tf.sequential({ name: 'lenet-5' });
  model.add(
    tf.layers.conv2d({
      name: 'conv1',
      inputShape: [28, 28, 1],
      filters: 6,
      kernelSize: 5,
      padding: 'same',
      activation: relu,
      ...init.layer(25),
    }),
  );
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', activation: relu, ...init.layer(150) }));
  model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'fc1', units: 120, activation: relu, ...init.layer(400) }));
  model.add(tf.layers.dense({ name: 'fc2', units: 84, activation: relu, ...init.layer(120) }));
  model.add(tf.layers.dense({ name: 'fc3', units: 10, activation: 'softmax', ...init.layer(84) }));
  return model;
}

/**
 * A MobileNet-style CNN: a 3×3 stem, then depthwise-separable blocks
 * (depthwise 3×3 + BN + ReLU, pointwise 1×1 + BN + ReLU), global average pooling.
 */
export function buildMobilenetMini(seed = 0): tf.Sequential {
  const init = new TorchInit(seed);
  const model = tf.sequential({ name: 'mobilenet-mini' });
  const bnRelu = (name: string) => {
    model.add(tf.layers.batchNormalization({ name: `${name}_bn` }));
    model.add(tf.layers.reLU({ name: `${name}_relu` }));
  };
  model.add(
    tf.layers.conv2d({
      name: 'stem',
      inputShape: [28, 28, 1],
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      useBias: false,
      kernelInitializer: init.kernel(9),
    }),
  );
  bnRelu('stem');
  let channels = 16;
  const blocks: [number, number][] = [
    [32, 2],
    [64, 1],
    [128, 2],
    [128, 1],
  ];
  blocks.forEach(([filters, stride], i) => {
    const name = `block${i + 1}`;
    model.add(
      tf.layers.depthwiseConv2d({
        name: `${name}_dw`,
        kernelSize: 3,
        strides: stride,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: init.kernel(9),
      }),
    );
    bnRelu(`${name}_dw`);
    model.add(tf.layers.conv2d({ name: `${name}_pw`, filters, kernelSize: 1, useBias: false, kernelInitializer: init.kernel(channels) }));
    bnRelu(`${name}_pw`);
    channels = filters;
  });
  model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(tf.layers.dense({ name: 'classifier', units: 10, activation: 'softmax', ...init.layer(channels) }));
  return model;
}

/**
 * A small functional-API ResNet: stem, one residual block (Add), a two-branch
 * block joined by Concatenate, global average pooling.
 */
export function buildResnetMini(seed = 0): tf.LayersModel {
  const init = new TorchInit(seed);
  const conv = (name: string, filters: number, kernelSize: number, inChannels: number) =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize,
      padding: 'same',
      useBias: false,
      kernelInitializer: init.kernel(kernelSize * kernelSize * inChannels),
    });
  const bn = (name: string) => tf.layers.batchNormalization({ name });
  const act = (name: string) => tf.layers.reLU({ name });

  const input = tf.input({ shape: [28, 28, 1], name: 'image' });
  const stem = act('stem_relu').apply(bn('stem_bn').apply(conv('stem', 16, 3, 1).apply(input))) as tf.SymbolicTensor;
  const pooled0 = tf.layers.maxPooling2d({ name: 'pool0', poolSize: 2 }).apply(stem) as tf.SymbolicTensor;
  const r1 = act('res_relu1').apply(bn('res_bn1').apply(conv('res_conv1', 16, 3, 16).apply(pooled0))) as tf.SymbolicTensor;
  const r2 = bn('res_bn2').apply(conv('res_conv2', 16, 3, 16).apply(r1)) as tf.SymbolicTensor;
  const added = act('res_out').apply(tf.layers.add({ name: 'res_add' }).apply([pooled0, r2])) as tf.SymbolicTensor;
  const b1 = act('branch1_relu').apply(bn('branch1_bn').apply(conv('branch1', 16, 1, 16).apply(added))) as tf.SymbolicTensor;
  const b3 = act('branch3_relu').apply(bn('branch3_bn').apply(conv('branch3', 16, 3, 16).apply(added))) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'concat' }).apply([b1, b3]) as tf.SymbolicTensor;
  const pooled1 = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }).apply(joined) as tf.SymbolicTensor;
  const head = act('head_relu').apply(bn('head_bn').apply(conv('head', 48, 3, 32).apply(pooled1))) as tf.SymbolicTensor;
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(head) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'classifier', units: 10, activation: 'softmax', ...init.layer(48) }).apply(gap) as tf.SymbolicTensor;
  return tf.model({ name: 'resnet-mini', inputs: input, outputs: out });
}
