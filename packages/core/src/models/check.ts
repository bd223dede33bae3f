import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';

/** Throws a one-line error unless `value` is a tfjs LayersModel. */
export function checkModel(where: string, value: unknown, name = 'model'): asserts value is tf.LayersModel {
  if (!(value instanceof tf.LayersModel)) {
    const what = value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
    fail(where, `${name} must be a tf.LayersModel (from tf.sequential, tf.model or loadModel), got ${what}`);
  }
}

/** Throws a one-line error unless `value` is a model Whittle can run: a LayersModel or a GraphModel. */
export function checkRunnable(where: string, value: unknown, name = 'model'): asserts value is tf.LayersModel | tf.GraphModel {
  if (value instanceof tf.GraphModel) return;
  checkModel(where, value, name);
}
