/**
 * Logits of a classifier whose output is softmax probabilities. Distillation
 * needs z (softmax(z/T) at any T, log-softmax for the KL); log(softmax(z)) is
 * not z — it loses the per-sample constant and underflows for confident
 * samples — so we build a view of the model that stops before the softmax and
 * shares every weight with it (same layer objects, same variables).
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';

/** The output layer and how its softmax is applied. */
interface Head {
  layer: tf.layers.Layer;
  /** 'layer': a Softmax / Activation('softmax') layer; 'fused': a Dense with activation softmax. */
  softmax: 'layer' | 'fused';
  classes: number;
}

const isSoftmaxLayer = (layer: tf.layers.Layer) => {
  const cls = layer.getClassName();
  const config = layer.getConfig() as { activation?: string };
  return cls === 'Softmax' || (cls === 'Activation' && config.activation === 'softmax');
};

/**
 * Checks that `model` is a classifier: one output [batch, classes] with
 * classes ≥ 2, produced by a softmax (a Dense with activation 'softmax', or a
 * Softmax / Activation('softmax') layer). `role` names it in errors.
 */
export function classifierHead(where: string, role: string, model: tf.LayersModel): Head {
  if (model.outputs.length !== 1) fail(where, `${role} '${model.name}' has ${model.outputs.length} outputs; a classifier has one`);
  const shape = model.outputs[0]!.shape;
  if (shape.length !== 2 || (shape[1] ?? 0) < 2)
    fail(
      where,
      `${role} '${model.name}' outputs [${shape.slice(1).join('×')}] per sample; a classifier outputs a vector of ≥ 2 class scores`,
    );
  const layer = model.outputs[0]!.sourceLayer as tf.layers.Layer;
  const activation = (layer.getConfig() as { activation?: string }).activation;
  if (isSoftmaxLayer(layer)) return { layer, softmax: 'layer', classes: shape[1]! };
  if (layer.getClassName() === 'Dense' && activation === 'softmax') return { layer, softmax: 'fused', classes: shape[1]! };
  return fail(
    where,
    `${role} '${model.name}' is not a classifier: its output layer '${layer.name}' (${layer.getClassName()}${activation ? `, activation ${activation}` : ''}) is not a softmax; end it with a Dense of activation 'softmax' or a Softmax layer`,
  );
}

/**
 * The Dense part of a softmax-activated Dense: x·kernel + bias with the layer's
 * own variables. It owns no weights; the view trains them through the original
 * layer's variables (pass them as `variables` to the optimizer).
 */
class DenseLogits extends tf.layers.Layer {
  static className = 'WhittleDenseLogits';
  constructor(private readonly dense: tf.layers.Layer) {
    super({ name: `${dense.name}_logits` });
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return this.dense.computeOutputShape(inputShape);
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const [kernel, bias] = ['kernel', 'bias'].map((n) =>
      this.dense.weights.find((w) => w.originalName.endsWith(`/${n}`) || w.originalName === n),
    );
    const z = tf.matMul(x, kernel!.read());
    return bias ? tf.add(z, bias.read()) : z;
  }
}

/**
 * A model computing the logits of `model`, sharing its layers and weights.
 * It owns no tensors: do not dispose it (that would release shared layers).
 */
export function logitsView(where: string, role: string, model: tf.LayersModel): tf.LayersModel {
  const head = classifierHead(where, role, model);
  if (head.layer.inboundNodes.length !== 1) fail(where, `${role}'s output layer '${head.layer.name}' is shared; cannot take its logits`);
  const below = head.layer.input as tf.SymbolicTensor;
  const output = head.softmax === 'layer' ? below : (new DenseLogits(head.layer).apply(below) as tf.SymbolicTensor);
  return tf.model({ name: `${model.name}_logits`, inputs: model.inputs, outputs: output });
}

/** Logits of `model` for `x` in inference mode, in batches (the caller disposes the result). */
export function predictLogits(view: tf.LayersModel, x: tf.Tensor, batchSize = 500): tf.Tensor2D {
  const n = x.shape[0]!;
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += batchSize) {
    parts.push(tf.tidy(() => view.apply(tf.slice(x, start, Math.min(batchSize, n - start)), { training: false }) as tf.Tensor));
  }
  const all = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return all;
}
