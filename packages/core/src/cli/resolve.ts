import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { fail } from '../errors.js';
import { isReferenceName, referenceModel, REFERENCE_NAMES } from '../models/reference.js';
import { loadModel } from '../io/load.js';
import { mnist } from '../data/mnist.js';
import type { Dataset, Layout } from '../data/dataset.js';

/** `<model>` on the command line: a reference model name (pretrained) or a path to model.json / its folder. */
export async function resolveModel(spec: string): Promise<tf.LayersModel> {
  if (isReferenceName(spec)) return referenceModel(spec, { pretrained: true });
  if (existsSync(spec)) return loadModel(spec);
  return fail('whittle', `'${spec}' is neither a file nor a reference model (${REFERENCE_NAMES.join(', ')})`);
}

/** The MNIST layout a model's input takes, or a one-line error if it takes neither. */
export function layoutFor(model: tf.LayersModel): Layout {
  const shape = model.inputs[0]!.shape.slice(1).join('×');
  if (shape === '784') return 'flat';
  if (shape === '28×28×1') return 'image';
  return fail('whittle', `model '${model.name}' takes input [${shape}], which is not MNIST (784 or 28×28×1)`);
}

/** MNIST splits shaped for `model`. */
export function mnistFor(model: tf.LayersModel, limit?: number): { train: Dataset; test: Dataset } {
  return mnist({ layout: layoutFor(model), limit });
}
