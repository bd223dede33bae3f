/**
 * Quantization-aware training of the weights with shadow (float) weights and the
 * straight-through estimator:
 *   forward:  the model computes with W_q = fq(W), each kernel on its b-bit grid;
 *   backward: the optimizer's update, computed at W_q, is applied to the float
 *             master W as if fq were the identity (STE), then W_q = fq(W) again.
 * Small updates accumulate in W until they move a weight to another grid point,
 * which is what lets 2-bit models recover. (Activation fake-quant layers use
 * tf.customGrad for the same estimator: see fake-quant-layer.ts.)
 */
import * as tf from '@tensorflow/tfjs';
import { setStorageFormat } from '../io/storage.js';
import { bytesBeforeAfter, quantizedFormat } from './ptq.js';
import type { Dataset } from '../data/dataset.js';
import { checkIntInRange } from '../errors.js';
import { checkFiniteWeights, checkModel } from '../models/check.js';
import { cloneModel } from '../models/clone.js';
import { kernelOf } from '../models/weights.js';
import { fit, TRAIN_OPTIONS, type FitOptions } from '../train/fit.js';
import { checkOptions, optionKeys } from '../options.js';
import type { QuantizationReport } from '@whittle/report';
import { layerRow } from './metrics.js';
import type { Masks } from '../prune/masks.js';
import { teacherTerm, type TeacherOptions } from '../distill/teacher.js';

export interface QatOptions extends Omit<FitOptions, 'afterStep' | 'variables'> {
  /** 2…8. */
  bits: number;
  /** Per output channel scales (default true). */
  perChannel?: boolean;
  /** Bits per layer name (2…8), overriding `bits`; 32 leaves a layer's kernel float (trained normally). */
  perLayer?: Record<string, number>;
  /** Keep-masks from `prune`: pruned weights stay exactly zero (a zero stays on every symmetric grid). */
  masks?: Masks;
  /** Learn from this model too (usually the float original): adds the distillation term (see distill). */
  teacher?: TeacherOptions['teacher'];
  /** Temperature of the teacher term. Default 4. */
  temperature?: number;
  /** Weight of the teacher term in [0, 1]. Default 0.9. */
  alpha?: number;
}

const QAT_KEYS = optionKeys<QatOptions>({
  ...TRAIN_OPTIONS,
  bits: true,
  perChannel: true,
  perLayer: true,
  masks: true,
  teacher: true,
  temperature: true,
  alpha: true,
});

/** Symmetric fake quantization in tfjs ops: scale = max|w| / (2^(b−1) − 1) per channel (last axis) or tensor. */
export function fakeQuantWeights(w: tf.Tensor, bits: number, perChannel: boolean, channelAxis: number): tf.Tensor {
  return tf.tidy(() => {
    const qmax = 2 ** (bits - 1) - 1;
    const axes = perChannel ? w.shape.map((_, i) => i).filter((i) => i !== channelAxis) : undefined;
    const scale = tf.maximum(w.abs().max(axes, true).div(qmax), 1e-12);
    return w.div(scale).round().clipByValue(-qmax, qmax).mul(scale);
  });
}

/** The scales of the grid a QAT kernel ended on: its largest |w| sits on ±qmax (per channel or tensor). */
function gridScales(w: tf.Tensor, bits: number, perChannel: boolean, channelAxis: number): Float32Array {
  return tf.tidy(() => {
    const axes = perChannel ? w.shape.map((_, i) => i).filter((i) => i !== channelAxis) : undefined;
    return w
      .abs()
      .max(axes)
      .div(2 ** (bits - 1) - 1)
      .dataSync() as Float32Array;
  });
}

export async function quantizeAwareTrain(
  model: tf.LayersModel,
  data: Dataset,
  options: QatOptions,
): Promise<{ model: tf.LayersModel; report: QuantizationReport }> {
  checkModel('quantizeAwareTrain', model);
  checkOptions('quantizeAwareTrain', options, QAT_KEYS);
  checkFiniteWeights('quantizeAwareTrain', model);
  const bits = checkIntInRange('quantizeAwareTrain', 'bits', options.bits, 2, 8);
  const { bits: _bits, perChannel: _perChannel, teacher, temperature, alpha, perLayer: _perLayer, masks: _masks, ...fitOptions } = options;
  const perChannel = options.perChannel ?? true;
  const layerBits = (name: string) => {
    const b = options.perLayer?.[name];
    return b === undefined ? bits : b === 32 ? 32 : checkIntInRange('quantizeAwareTrain', `bits of '${name}'`, b, 2, 8);
  };
  const trained = cloneModel(model);
  const targets = trained.layers
    .filter((l) => kernelOf(l))
    .map((layer) => {
      const kernel = kernelOf(layer)!;
      const variable = layer.weights[kernel.index]!.read() as tf.Variable;
      const channelAxis = kernel.channelAxis!;
      const m = options.masks?.[layer.name];
      const mask = m ? tf.tensor(Float32Array.from(m.values), m.shape) : undefined;
      // tidy releases the clone (the variable keeps its data); a bare clone leaked one tensor per kernel
      const master = tf.tidy(() => tf.variable(variable.clone(), false));
      return { layer, variable, channelAxis, bits: layerBits(layer.name), mask, master, onGrid: undefined as tf.Tensor | undefined };
    });
  // W_q = fq(W ⊙ mask), or W ⊙ mask for a layer left float.
  const project = () =>
    targets.forEach((t) => {
      t.onGrid?.dispose();
      t.onGrid = tf.tidy(() => {
        const kept = t.mask ? t.master.mul(t.mask) : t.master.clone();
        return t.bits === 32 ? kept : fakeQuantWeights(kept, t.bits, perChannel, t.channelAxis);
      });
      t.variable.assign(t.onGrid);
    });
  let kd: ReturnType<typeof teacherTerm> | undefined;
  try {
    project();
    // with a teacher, train the logits view (same variables) on labels + teacher logits
    kd = teacher ? teacherTerm('quantizeAwareTrain', trained, data, { teacher, temperature, alpha }) : undefined;
    await fit(kd?.view ?? trained, kd?.data ?? data, {
      ...fitOptions,
      ...(kd && { loss: kd.loss, variables: kd.variables }),
      afterStep: () => {
        tf.tidy(() => targets.forEach((t) => t.master.assign(t.master.add(t.variable.sub(t.onGrid!)))));
        project();
      },
    });
  } catch (err) {
    trained.dispose();
    throw err;
  } finally {
    kd?.dispose();
    for (const t of targets) tf.dispose([t.master, t.onGrid!, ...(t.mask ? [t.mask] : [])]);
  }
  const layers = targets.map((t) => {
    const original = model.getLayer(t.layer.name).getWeights()[kernelOf(t.layer)!.index]!.dataSync() as Float32Array;
    return layerRow({
      name: t.layer.name,
      bits: t.bits,
      scheme: t.bits === 32 ? 'float32' : 'symmetric (QAT)',
      perChannel,
      scales: t.bits === 32 ? [] : gridScales(t.variable, t.bits, perChannel, t.channelAxis),
      original,
      quantized: t.variable.dataSync() as Float32Array,
    });
  });
  const format = quantizedFormat(
    targets.map((t) => ({ name: t.layer.name, bits: t.bits, scheme: 'symmetric' })),
    targets.map((t) => t.layer.name),
  );
  return {
    model: setStorageFormat(trained, format),
    report: {
      kind: 'quantization',
      version: 1,
      title: `${bits}-bit quantization-aware training of ${model.name}`,
      weights: { bits, scheme: 'symmetric', perChannel, scale: 'float' },
      activations: null,
      layers,
      bytes: await bytesBeforeAfter(model, trained),
    },
  };
}
