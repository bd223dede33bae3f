/**
 * Activation fake quantization: a FakeQuant layer after the input and after
 * every layer with weights (except the model's outputs), with ranges observed
 * on calibration samples. Works on Sequential and functional models.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { permutation } from '../data/random.js';
import { checkPositiveInt, fail } from '../errors.js';
import { checkEditable, GraphEdit } from '../models/rewire.js';
import { outputLayerNames } from '../prune/targets.js';
import { FakeQuant } from './fake-quant-layer.js';
import { makeObserver, type ObserverName } from './observers.js';

/** Layers whose outputs get a FakeQuant: everything with weights except the model's output. */
function quantizedOutputs(model: tf.LayersModel): string[] {
  const outputs = outputLayerNames(model);
  return model.layers.filter((l) => l.countParams() > 0 && !outputs.has(l.name)).map((l) => l.name);
}

export async function withActivationQuant(
  model: tf.LayersModel,
  calibration: Dataset,
  bits: number,
  observerName: ObserverName,
  samples: number,
): Promise<tf.LayersModel> {
  checkEditable('quantize', model);
  if (model.inputs.length !== 1)
    fail('quantize', `activation quantization needs a single-input model; '${model.name}' has ${model.inputs.length} inputs`);
  checkPositiveInt('quantize', 'calibrationSamples', samples);
  const expected = model.inputs[0]!.shape.slice(1).join('×');
  const got = calibration.x.shape.slice(1).join('×');
  if (expected !== got) fail('quantize', `calibration data has samples of shape [${got}] but '${model.name}' takes [${expected}]`);
  const names = quantizedOutputs(model);
  const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).output as tf.SymbolicTensor) });
  const rows = permutation(calibration.size, 17).subarray(0, Math.min(samples, calibration.size));
  const observers = new Map<string, ReturnType<typeof makeObserver>>([
    ['input', makeObserver(observerName)],
    ...names.map((n) => [n, makeObserver(observerName)] as const),
  ]);
  for (let start = 0; start < rows.length; start += 100) {
    const idx = tf.tensor1d(rows.subarray(start, start + 100), 'int32');
    const x = tf.gather(calibration.x, idx);
    const outs = probe.predict(x) as tf.Tensor | tf.Tensor[];
    observers.get('input')!.observe(x.dataSync() as Float32Array);
    (Array.isArray(outs) ? outs : [outs]).forEach((t, i) => observers.get(names[i]!)!.observe(t.dataSync() as Float32Array));
    tf.dispose([idx, x, outs]);
  }
  const range = (n: string) => {
    const [lo, hi] = observers.get(n)!.range(bits);
    return { lo, hi };
  };
  const edit = new GraphEdit(model);
  const fq = (name: string, source: string) => ({ className: FakeQuant.className, config: { name, bits, ...range(source) } });
  edit.insertAfter(model instanceof tf.Sequential ? null : model.inputLayers[0]!.name, fq('input_fq', 'input'));
  for (const name of names) edit.insertAfter(name, fq(`${name}_fq`, name));
  return edit.build();
}
