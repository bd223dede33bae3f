import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.js';
import type { Layout } from '../data/dataset.js';
import { buildLenet300100, buildLenet5, buildMobilenetMini, buildResnetMini } from './architectures.js';
import { checkOptions, optionKeys } from '../options.js';

export interface ReferenceOptions {
  /** Load the committed weights trained on the MNIST train split (no network). Default false. */
  pretrained?: boolean;
  /** Seed of the initial weights when not pretrained. Default 0. */
  seed?: number;
}
const REFERENCE_KEYS = optionKeys<ReferenceOptions>({ pretrained: true, seed: true });

export interface ReferenceSpec {
  build: (seed: number) => tf.LayersModel;
  /** Input layout the model expects from `mnist()`. */
  layout: Layout;
  /** Epochs `npm run train-models` trains it for. */
  epochs: number;
  description: string;
}

export const REFERENCE_MODELS = {
  'lenet-300-100': {
    build: buildLenet300100,
    layout: 'flat',
    epochs: 10,
    description: 'LeNet-300-100: 784-300-100-10 fully connected (Deep Compression)',
  },
  'lenet-5': { build: buildLenet5, layout: 'image', epochs: 10, description: 'LeNet-5: two 5×5 convs + three dense layers, 61,706 params' },
  'mobilenet-mini': {
    build: buildMobilenetMini,
    layout: 'image',
    epochs: 15,
    description: 'MobileNet-style: depthwise-separable blocks with BatchNorm, global average pooling',
  },
  'resnet-mini': {
    build: buildResnetMini,
    layout: 'image',
    epochs: 8,
    description: 'Functional ResNet: residual Add and a Concatenate of two branches',
  },
} satisfies Record<string, ReferenceSpec>;

export type ReferenceName = keyof typeof REFERENCE_MODELS;
export const REFERENCE_NAMES = Object.keys(REFERENCE_MODELS) as ReferenceName[];

/** Folder of the committed weights of a reference model. */
export function pretrainedDir(name: ReferenceName | 'spam-mlp'): string {
  return fileURLToPath(new URL(`../../pretrained/${name}/`, import.meta.url));
}

export function isReferenceName(name: string): name is ReferenceName {
  return Object.hasOwn(REFERENCE_MODELS, name);
}

/**
 * A reference model by name. With `pretrained`, its committed weights are read
 * synchronously from the package (they are small), so no await is needed.
 */
export function referenceModel(name: string, options: ReferenceOptions = {}): tf.LayersModel {
  checkOptions('referenceModel', options, REFERENCE_KEYS);
  if (!isReferenceName(name)) fail('referenceModel', `unknown reference model '${name}'; choose one of ${REFERENCE_NAMES.join(', ')}`);
  const model = REFERENCE_MODELS[name].build(options.seed ?? 0);
  if (options.pretrained) loadCommittedWeights(model, pretrainedDir(name));
  return model;
}

/** Reads a committed model folder's weights (one shard) into `model`, synchronously. */
export function loadCommittedWeights(model: tf.LayersModel, dir: string): void {
  const json = JSON.parse(readFileSync(`${dir}model.json`, 'utf8')) as {
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const group = json.weightsManifest[0]!;
  const buffer = readFileSync(`${dir}${group.paths[0]}`);
  const weights = tf.io.decodeWeights(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength), group.weights);
  model.loadWeights(weights);
  tf.dispose(Object.values(weights));
}

export const lenet300100 = (o?: ReferenceOptions) => referenceModel('lenet-300-100', o) as tf.Sequential;
export const lenet5 = (o?: ReferenceOptions) => referenceModel('lenet-5', o) as tf.Sequential;
export const mobilenetMini = (o?: ReferenceOptions) => referenceModel('mobilenet-mini', o) as tf.Sequential;
export const resnetMini = (o?: ReferenceOptions) => referenceModel('resnet-mini', o);
