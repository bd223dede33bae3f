/**
 * Output statistics for 'pca': the mean and covariance of each chosen layer's
 * pre-activation outputs (Wᵀx + b at every sample and, for convolutions, every
 * spatial position) on calibration samples, accumulated in batches so memory
 * stays bounded, in float64.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { fail } from '../errors.js';

export interface OutputStats {
  mean: Float64Array;
  /** Row-major cols × cols covariance. */
  cov: Float64Array;
  /** Rows (samples × positions) it was estimated from. */
  rows: number;
}

/** Pre-activation outputs of `layer` for its input `x`, as [rows, cols]. */
function preActivation(layer: tf.layers.Layer, x: tf.Tensor): tf.Tensor2D {
  const [kernel, bias] = layer.getWeights();
  return tf.tidy(() => {
    let y: tf.Tensor;
    if (layer.getClassName() === 'Dense') {
      y = tf.matMul(x.reshape([-1, kernel!.shape[0]!]), kernel as tf.Tensor2D);
    } else {
      const c = layer.getConfig() as { strides: [number, number]; padding: 'same' | 'valid'; dilationRate: number | [number, number] };
      y = tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, c.strides, c.padding, 'NHWC', c.dilationRate);
    }
    if (bias) y = y.add(bias);
    return y.reshape([-1, kernel!.shape.at(-1)!]) as tf.Tensor2D;
  });
}

/** Mean and covariance of each named layer's outputs over `samples` calibration inputs. */
export function outputStats(model: tf.LayersModel, names: string[], calibration: Dataset, samples: number): Map<string, OutputStats> {
  const expected = model.inputs[0]!.shape.slice(1).join('×');
  const got = calibration.x.shape.slice(1).join('×');
  if (expected !== got) fail('factorize', `calibration data has samples of shape [${got}] but '${model.name}' takes [${expected}]`);
  const layers = names.map((n) => model.getLayer(n));
  // A layer reading the model's input directly needs no probe output.
  const direct = layers.map((l) => l.input === model.inputs[0]);
  const probed = layers.filter((_, i) => !direct[i]);
  const probe = probed.length ? tf.model({ inputs: model.inputs, outputs: probed.map((l) => l.input as tf.SymbolicTensor) }) : undefined;
  const order = permutation(calibration.size, 23).subarray(0, Math.min(samples, calibration.size));
  const sums = layers.map((l) => {
    const cols = l.weights[0]!.shape.at(-1)!;
    return { cols, sum: new Float64Array(cols), outer: new Float64Array(cols * cols), rows: 0, shift: undefined as tf.Tensor | undefined };
  });
  const batch = 100;
  for (let start = 0; start < order.length; start += batch) {
    const idx = tf.tensor1d(order.subarray(start, start + batch), 'int32');
    const x = tf.gather(calibration.x, idx);
    const outs = probe ? (probe.predict(x) as tf.Tensor | tf.Tensor[]) : [];
    const inputs = Array.isArray(outs) ? outs : [outs];
    let next = 0;
    layers.forEach((layer, i) => {
      const y = preActivation(layer, direct[i] ? x : inputs[next++]!);
      const s = sums[i]!;
      // sums are taken around the first batch's mean, so E[yyᵀ] − ȳȳᵀ does not cancel in float32
      if (!s.shift) s.shift = tf.tidy(() => y.mean(0));
      const [colSum, gram] = tf.tidy(() => {
        const c = y.sub(s.shift!);
        return [c.sum(0), tf.matMul(c, c, true, false)];
      });
      const c = colSum!.dataSync();
      const g = gram!.dataSync();
      for (let j = 0; j < c.length; j++) s.sum[j] += c[j]!;
      for (let j = 0; j < g.length; j++) s.outer[j] += g[j]!;
      s.rows += y.shape[0];
      tf.dispose([y, colSum!, gram!]);
    });
    tf.dispose([idx, x, ...inputs]);
  }
  return new Map(
    names.map((n, i) => {
      const { cols, sum, outer, rows, shift } = sums[i]!;
      const centred = sum.map((v) => v / rows);
      const cov = outer.map((v, j) => v / rows - centred[Math.floor(j / cols)]! * centred[j % cols]!);
      const s = shift!.dataSync();
      shift!.dispose();
      return [n, { mean: centred.map((v, j) => v + s[j]!), cov, rows }];
    }),
  );
}
