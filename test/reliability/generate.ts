/**
 * fast-check arbitraries for Whittle's inputs: small random Sequential and
 * functional models over the supported layer set, with weights that include
 * exact zeros, ties, huge and tiny magnitudes. A model is generated as a plain
 * spec (so fast-check can shrink and print it) and built by `buildModel`.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { rng } from '@whittle/core'; // weights follow the spec's seed, not Math.random

export type LayerSpec =
  | { t: 'dense'; units: number; relu: boolean }
  | { t: 'conv'; filters: number; kernel: number; same: boolean; stride: 1 | 2 }
  | { t: 'dw'; kernel: number; same: boolean }
  | { t: 'bn' }
  | { t: 'relu' }
  | { t: 'relu6' }
  | { t: 'prelu' }
  | { t: 'maxpool' }
  | { t: 'avgpool' }
  | { t: 'zeropad' }
  /** Two parallel branches of the same kind (conv or dense) joined by Add or Concatenate; functional models only. */
  | { t: 'branch'; join: 'add' | 'concat'; width: number };

export type WeightMode = 'normal' | 'zeros' | 'ties' | 'huge' | 'tiny' | 'mixed';

export interface ModelSpec {
  conv: boolean;
  functional: boolean;
  /** [features] or [h, w, c]. */
  input: number[];
  body: LayerSpec[];
  classes: number;
  weights: { seed: number; mode: WeightMode };
}

const size = fc.integer({ min: 1, max: 5 });
const layerSpec: fc.Arbitrary<LayerSpec> = fc.oneof(
  fc.record({ t: fc.constant('dense' as const), units: size, relu: fc.boolean() }),
  fc.record({
    t: fc.constant('conv' as const),
    filters: fc.integer({ min: 1, max: 4 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    same: fc.boolean(),
    stride: fc.constantFrom(1 as const, 2 as const),
  }),
  fc.record({ t: fc.constant('dw' as const), kernel: fc.integer({ min: 1, max: 3 }), same: fc.boolean() }),
  fc.constantFrom<LayerSpec>(
    { t: 'bn' },
    { t: 'relu' },
    { t: 'relu6' },
    { t: 'prelu' },
    { t: 'maxpool' },
    { t: 'avgpool' },
    { t: 'zeropad' },
  ),
  fc.record({ t: fc.constant('branch' as const), join: fc.constantFrom('add' as const, 'concat' as const), width: size }),
);

export const weightMode = fc.constantFrom<WeightMode>('normal', 'zeros', 'ties', 'huge', 'tiny', 'mixed');

/** Random models. `modes` limits the weight distributions (e.g. to keep outputs finite). */
export function modelSpec(modes: fc.Arbitrary<WeightMode> = weightMode): fc.Arbitrary<ModelSpec> {
  return fc
    .record({
      conv: fc.boolean(),
      functional: fc.boolean(),
      features: fc.integer({ min: 1, max: 12 }),
      hw: fc.integer({ min: 2, max: 7 }),
      channels: fc.integer({ min: 1, max: 3 }),
      body: fc.array(layerSpec, { minLength: 0, maxLength: 6 }),
      classes: fc.integer({ min: 1, max: 4 }),
      weights: fc.record({ seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }), mode: modes }),
    })
    .map(({ conv, functional, features, hw, channels, body, classes, weights }) => ({
      conv,
      functional,
      input: conv ? [hw, hw, channels] : [features],
      body,
      classes,
      weights,
    }));
}

function sample(next: () => number, mode: WeightMode): number {
  const u = next() * 2 - 1;
  switch (mode) {
    case 'normal':
      return u;
    case 'zeros':
      return next() < 0.4 ? 0 : u;
    case 'ties':
      return [-1, -0.5, 0, 0.5, 1][Math.floor(next() * 5)]!;
    case 'huge':
      return u * 10 ** (3 + Math.floor(next() * 16));
    case 'tiny':
      return u * 10 ** -(10 + Math.floor(next() * 29));
    case 'mixed':
      return sample(next, (['normal', 'zeros', 'ties', 'huge', 'tiny'] as const)[Math.floor(next() * 5)]!);
  }
}

/** Fills every weight of `model` from the spec's seed and mode (BatchNorm variances stay positive). */
export function fillWeights(model: tf.LayersModel, seed: number, mode: WeightMode): void {
  const next = rng(seed);
  const values = model.weights.map((w) => {
    const shape = w.shape as number[];
    const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < v.length; i++) v[i] = sample(next, mode);
    if (w.originalName.endsWith('moving_variance')) for (let i = 0; i < v.length; i++) v[i] = Math.abs(v[i]!) + 0.5;
    return tf.tensor(v, shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/** Builds the spec; layers that do not fit the current shape (a 2×2 pool on a 1×1 map, a conv on a vector) are skipped. */
export function buildModel(spec: ModelSpec): tf.LayersModel {
  let n = 0;
  const name = (t: string) => `l${n++}_${t}`;
  const input = tf.input({ shape: spec.input, name: 'x' });
  let x: tf.SymbolicTensor = input;
  const rank = () => x.shape.length - 1;
  const hw = () => Math.min(x.shape[1] ?? 0, x.shape[2] ?? 0);
  const apply = (layer: tf.layers.Layer) => (x = layer.apply(x) as tf.SymbolicTensor);
  const convOut = (kernel: number, same: boolean) => same || hw() >= kernel;
  for (const l of spec.body) {
    switch (l.t) {
      case 'dense':
        if (rank() === 1) apply(tf.layers.dense({ units: l.units, activation: l.relu ? 'relu' : 'linear', name: name('dense') }));
        break;
      case 'conv':
        if (rank() === 3 && convOut(l.kernel, l.same))
          apply(
            tf.layers.conv2d({
              filters: l.filters,
              kernelSize: l.kernel,
              strides: l.stride,
              padding: l.same ? 'same' : 'valid',
              name: name('conv'),
            }),
          );
        break;
      case 'dw':
        if (rank() === 3 && convOut(l.kernel, l.same))
          apply(tf.layers.depthwiseConv2d({ kernelSize: l.kernel, padding: l.same ? 'same' : 'valid', name: name('dw') }));
        break;
      case 'bn':
        apply(tf.layers.batchNormalization({ name: name('bn') }));
        break;
      case 'relu':
        apply(tf.layers.reLU({ name: name('relu') }));
        break;
      case 'relu6':
        apply(tf.layers.reLU({ maxValue: 6, name: name('relu6') }));
        break;
      case 'prelu':
        apply(tf.layers.prelu({ name: name('prelu') }));
        break;
      case 'maxpool':
      case 'avgpool':
        if (rank() === 3 && hw() >= 2)
          apply(
            l.t === 'maxpool'
              ? tf.layers.maxPooling2d({ poolSize: 2, name: name('maxpool') })
              : tf.layers.averagePooling2d({ poolSize: 2, name: name('avgpool') }),
          );
        break;
      case 'zeropad':
        if (rank() === 3 && hw() <= 8) apply(tf.layers.zeroPadding2d({ padding: 1, name: name('zeropad') }));
        break;
      case 'branch': {
        if (!spec.functional) break;
        const make = (): tf.layers.Layer =>
          rank() === 3
            ? tf.layers.conv2d({ filters: l.width, kernelSize: 1, name: name('conv') })
            : tf.layers.dense({ units: l.width, name: name('dense') });
        const a = make().apply(x) as tf.SymbolicTensor;
        const b = make().apply(x) as tf.SymbolicTensor;
        x = (l.join === 'add' ? tf.layers.add({ name: name('add') }) : tf.layers.concatenate({ name: name('concat') })).apply([
          a,
          b,
        ]) as tf.SymbolicTensor;
        break;
      }
    }
  }
  if (rank() !== 1) apply(tf.layers.flatten({ name: name('flatten') }));
  apply(tf.layers.dense({ units: spec.classes, name: name('out') }));
  let model: tf.LayersModel;
  if (spec.functional) model = tf.model({ inputs: input, outputs: x, name: 'gen' });
  else {
    // the same layers as a Sequential model
    const functional = tf.model({ inputs: input, outputs: x });
    const seq = tf.sequential({ name: 'gen' });
    functional.layers.slice(1).forEach((layer, i) => {
      const config = { ...layer.getConfig(), ...(i === 0 ? { inputShape: spec.input } : {}) };
      const make = tf.layers[layerFactory(layer.getClassName())] as unknown as (c: unknown) => tf.layers.Layer;
      seq.add(make(config));
    });
    functional.dispose();
    model = seq;
  }
  fillWeights(model, spec.weights.seed, spec.weights.mode);
  return model;
}

function layerFactory(cls: string): keyof typeof tf.layers {
  const map: Record<string, keyof typeof tf.layers> = {
    Dense: 'dense',
    Conv2D: 'conv2d',
    DepthwiseConv2D: 'depthwiseConv2d',
    BatchNormalization: 'batchNormalization',
    ReLU: 'reLU',
    PReLU: 'prelu',
    MaxPooling2D: 'maxPooling2d',
    AveragePooling2D: 'averagePooling2d',
    ZeroPadding2D: 'zeroPadding2d',
    Flatten: 'flatten',
  };
  return map[cls]!;
}

/** A checksum of every weight's bytes: equal before and after means the caller's model was not touched. */
export function weightChecksum(model: tf.LayersModel): string {
  let h = 0x811c9dc5;
  for (const w of model.weights) {
    const bytes = new Uint8Array(w.read().dataSync().slice().buffer);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h = Math.imul(h ^ w.shape.length, 0x01000193);
  }
  return `${model.weights.length}:${(h >>> 0).toString(16)}`;
}

/** A seeded batch of inputs for `model`. */
export function inputsFor(model: tf.LayersModel, batch: number, seed: number): tf.Tensor {
  const shape = [batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const next = rng(seed);
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = next() * 2 - 1;
  return tf.tensor(v, shape);
}
