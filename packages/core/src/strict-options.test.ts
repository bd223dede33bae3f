/**
 * Every public function that takes options rejects a misspelled key with the
 * closest known name — before doing any work, and without touching the model.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as whittle from './index.js';
import { initBackend } from './backend/index.js';

beforeAll(() => initBackend());

function tinyModel(): tf.LayersModel {
  const m = tf.sequential({ name: 'tiny' });
  m.add(tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu', name: 'fc1' }));
  m.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'fc2' }));
  return m;
}

describe('unknown option keys', () => {
  it('are one-line errors with the closest known name, in every public function that takes options', async () => {
    const model = tinyModel();
    const data = whittle.makeDataset(tf.ones([4, 4]), tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2) as tf.Tensor2D);
    const input = tf.ones([1, 4]);
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-strict-')), 'm');
    const sensitivityReport = await whittle.sensitivity(model, data, { technique: 'prune', levels: [0] });
    const tensors = tf.memory().numTensors;
    const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
    const cases: [string, () => unknown, string][] = [
      ['prune', () => whittle.prune(model, { sparsity: 0.5, sparsityx: 1 } as never), "option 'sparsityx' (did you mean 'sparsity'?)"],
      ['quantize', () => whittle.quantize(model, { weight: { bits: 4 } } as never), "option 'weight' (did you mean 'weights'?)"],
      [
        'quantize',
        () => whittle.quantize(model, { weights: { perchannel: true } } as never),
        "weights option 'perchannel' (did you mean 'perChannel'?)",
      ],
      [
        'quantize',
        () => whittle.quantize(model, { activations: { observr: 'minmax' } } as never),
        "activations option 'observr' (did you mean 'observer'?)",
      ],
      [
        'quantizeTensor',
        () => whittle.quantizeTensor(new Float32Array(4), [4], { bits: 8, axes: 0 } as never),
        "option 'axes' (did you mean 'axis'?)",
      ],
      [
        'quantizeTensor',
        () => whittle.fakeQuantize(new Float32Array(4), [4], { bits: 8, schem: 'symmetric' } as never),
        "option 'schem' (did you mean 'scheme'?)",
      ],
      [
        'quantizeAwareTrain',
        () => whittle.quantizeAwareTrain(model, data, { bits: 4, epoch: 1 } as never),
        "option 'epoch' (did you mean 'epochs'?)",
      ],
      ['fineTune', () => whittle.fineTune(model, data, { mask: {} } as never), "option 'mask' (did you mean 'masks'?)"],
      ['fit', () => whittle.fit(model, data, { batchsize: 8 } as never), "option 'batchsize' (did you mean 'batchSize'?)"],
      [
        'gradualPrune',
        () => whittle.gradualPrune(model, data, whittle.constantSparsity({ targetSparsity: 0.5 }), { epoch: 1 } as never),
        "option 'epoch' (did you mean 'epochs'?)",
      ],
      [
        'dynamicPrune',
        () => whittle.dynamicPrune(model, data, { threshold: 0.1, treshold: 0.1 } as never),
        "option 'treshold' (did you mean 'threshold'?)",
      ],
      [
        'iterativePrune',
        () => whittle.iterativePrune(model, data, { steps: [0.5], step: [0.5] } as never),
        "option 'step' (did you mean 'steps'?)",
      ],
      [
        'constantSparsity',
        () => whittle.constantSparsity({ targetSparsity: 0.5, frequncy: 10 } as never),
        "option 'frequncy' (did you mean 'frequency'?)",
      ],
      [
        'polynomialDecay',
        () => whittle.polynomialDecay({ initialSparsity: 0, finalSparsity: 0.5, beginStep: 0, endStep: 9, powr: 2 } as never),
        "option 'powr' (did you mean 'power'?)",
      ],
      [
        'sensitivity',
        () => whittle.sensitivity(model, data, { technique: 'prune', level: [0.5] } as never),
        "option 'level' (did you mean 'levels'?)",
      ],
      ['sweep', () => whittle.sweep(model, data, { sparsities: [0.5] } as never), "option 'sparsities' (did you mean 'sparsity'?)"],
      ['evaluate', () => whittle.evaluate(model, data, { batch: 8 } as never), "option 'batch' (known: batchSize)"],
      ['compare', () => whittle.compare(model, model, data, { name: ['a', 'b'] } as never), "option 'name' (did you mean 'names'?)"],
      ['kfold', () => whittle.kfold(() => model, data, { folds: 2 } as never), "option 'folds' (known: k, seed, onFold)"],
      ['latency', () => whittle.latency(model, input, { run: 1 } as never), "option 'run' (did you mean 'runs'?)"],
      ['weightHistogram', () => whittle.weightHistogram({ m: model }, { bin: 10 } as never), "option 'bin' (did you mean 'bins'?)"],
      [
        'policyFromSensitivity',
        () => whittle.policyFromSensitivity(sensitivityReport, { maxDrop: 0.1, maxdrop: 0.1 } as never),
        "option 'maxdrop' (did you mean 'maxDrop'?)",
      ],
      [
        'saveModel',
        () => whittle.saveModel(model, dir, { quantisation: 'uint8' } as never),
        "option 'quantisation' (did you mean 'quantization'?)",
      ],
      ['shrinkWidth', () => whittle.shrinkWidth(model, 0.5, { sed: 1 } as never), "option 'sed' (did you mean 'seed'?)"],
      ['cluster', () => whittle.cluster(model, { clusters: 2, inti: 'linear' } as never), "option 'inti' (did you mean 'init'?)"],
      ['deepCompress', () => whittle.deepCompress(model, data, { sparsty: 0.9 } as never), "option 'sparsty' (did you mean 'sparsity'?)"],
      ['mnist', () => whittle.mnist({ limt: 10 } as never), "option 'limt' (did you mean 'limit'?)"],
      ['spam', () => whittle.spam({ word: 10 } as never), "option 'word' (did you mean 'words'?)"],
      [
        'referenceModel',
        () => whittle.referenceModel('lenet-5', { pretrain: true } as never),
        "option 'pretrain' (did you mean 'pretrained'?)",
      ],
    ];
    for (const [where, call, message] of cases) {
      let error: unknown;
      try {
        await call();
      } catch (err) {
        error = err;
      }
      expect(error, where).toBeInstanceOf(whittle.WhittleError);
      expect((error as Error).message, where).toBe(
        `${where}: unknown ${message.replace(/^'/, "option '").replace(/^(weights|activations) option/, '$1 option')}`,
      );
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(weights);
    tf.dispose(input);
    data.dispose();
    model.dispose();
  });
});
