/**
 * Activation fake quantization as a tfjs layer: the model computes with the
 * values an integer kernel would see, and saves/loads like any other layer.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseParams, integerRange } from './affine.js';

export interface FakeQuantConfig {
  bits: number;
  /** The observed range; asymmetric (activations after ReLU are ≥ 0). */
  lo: number;
  hi: number;
  name?: string;
  batchInputShape?: (number | null)[];
}

/**
 * y = (clamp(round(x/s) + z, 0, 2^b − 1) − z) · s in the forward pass; in the
 * backward pass the straight-through estimator: dy/dx = 1 inside the range, 0
 * outside (where the clamp is flat). Forward and gradient side by side.
 */
export function fakeQuantSTE(x: tf.Tensor, bits: number, lo: number, hi: number): tf.Tensor {
  const { scale, zeroPoint } = chooseParams(lo, hi, bits, 'asymmetric', 'float');
  const [qmin, qmax] = integerRange(bits, 'asymmetric');
  const lower = (qmin - zeroPoint) * scale;
  const upper = (qmax - zeroPoint) * scale;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    const value = tf.tidy(() => tf.round(input.div(scale)).add(zeroPoint).clipByValue(qmin, qmax).sub(zeroPoint).mul(scale));
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const inside = tf.logicalAnd(saved[0]!.greaterEqual(lower), saved[0]!.lessEqual(upper));
      return (dy as tf.Tensor).mul(inside.cast('float32'));
    };
    return { value, gradFunc };
  });
  return op(x) as tf.Tensor;
}

export class FakeQuant extends tf.layers.Layer {
  static className = 'WhittleFakeQuant';
  readonly bits: number;
  readonly lo: number;
  readonly hi: number;

  constructor(config: FakeQuantConfig) {
    super(config);
    this.bits = config.bits;
    this.lo = config.lo;
    this.hi = config.hi;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return fakeQuantSTE(x, this.bits, this.lo, this.hi);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bits: this.bits, lo: this.lo, hi: this.hi };
  }
}
tf.serialization.registerClass(FakeQuant);
