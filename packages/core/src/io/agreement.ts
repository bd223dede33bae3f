/**
 * What an export did to a model, measured rather than assumed: reload the
 * saved folder (the manifest's stock decoding, as tf.loadLayersModel does it)
 * and compare its outputs with the float model's on real inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { loadModel } from './load.js';
import type { AnyModel } from './graph.js';

export interface ExportAgreement {
  samples: number;
  /** Fraction of samples whose argmax (top-1 class) is the float model's. */
  top1: number;
  /** max |y_float − y_export| / max |y_float| over the outputs. */
  maxRelDiff: number;
}

export async function exportAgreement(float: AnyModel, dir: string, x: tf.Tensor): Promise<ExportAgreement> {
  const exported = await loadModel(dir);
  try {
    return tf.tidy(() => {
      const a = float.predict(x) as tf.Tensor;
      const b = exported.predict(x) as tf.Tensor;
      const top1 = tf.equal(a.argMax(-1), b.argMax(-1)).cast('float32').mean().dataSync()[0]!;
      const maxRelDiff = a.sub(b).abs().max().div(a.abs().max().maximum(1e-12)).dataSync()[0]!;
      return { samples: x.shape[0]!, top1, maxRelDiff };
    });
  } finally {
    exported.dispose();
  }
}
