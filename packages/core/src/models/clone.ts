import * as tf from '@tensorflow/tfjs';

/**
 * A new model with the same architecture, layer names and weight values.
 * Weight tensors are shared copy-on-write by tfjs (assigning to a variable never
 * changes the other model), so this is cheap. Compile state is not copied.
 */
export function cloneModel<M extends tf.LayersModel>(model: M): M {
  const cls = model.constructor as typeof tf.LayersModel;
  const config = model.getConfig() as unknown as tf.serialization.ConfigDict;
  const copy = cls.fromConfig(cls, config) as M;
  copy.setWeights(model.getWeights());
  return copy;
}
