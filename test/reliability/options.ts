/**
 * Option fuzz (category 'options'): every public operation called with
 * generated options — valid values, values of the wrong type or range, NaN,
 * huge numbers, unknown keys — and with things that are not models. Each call
 * gives a valid result or a one-line WhittleError naming the operation.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate, fromArrays, loadModel, prune, quantize, saveModel, sensitivity, summary } from '@whittle/core';
import { buildModel, modelSpec, type ModelSpec } from './generate.js';
import { guarded, must } from './check.js';
import type { Property } from './operations.js';

/** Values of every kind a caller could pass by mistake. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 1, 1e308, -0, 2 ** 53),
  fc.integer({ min: -100, max: 100 }),
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.double(), fc.string({ maxLength: 4 })), { maxKeys: 2 }),
  fc.constant(() => {
    throw new Error('callback from the caller');
  }),
);

/** Options: each known key absent, valid, or junk; sometimes an unknown key. */
function optionsOf(valid: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.fromEntries(
    Object.entries(valid).map(([k, v]) => [k, fc.oneof({ weight: 2, arbitrary: v }, { weight: 1, arbitrary: junk })]),
  );
  return fc
    .tuple(
      fc.record(keys, { requiredKeys: [] }),
      fc.option(fc.tuple(fc.constantFrom('sparsty', 'bitz', 'levels_', 'x'), junk), { freq: 4 }),
    )
    .map(([o, extra]) => (extra ? { ...o, [extra[0]]: extra[1] } : o));
}

const SMALL: ModelSpec = {
  conv: true,
  functional: false,
  input: [5, 5, 2],
  body: [{ t: 'conv', filters: 3, kernel: 3, same: true, stride: 1 }, { t: 'bn' }, { t: 'relu' }, { t: 'dense', units: 4, relu: true }],
  classes: 3,
  weights: { seed: 1, mode: 'normal' },
};

const pruneOptions = optionsOf({
  sparsity: fc.oneof(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.constant({ l0_conv: 0.5 }), fc.constant({ 'l*': 0.3 })),
  method: fc.constantFrom('magnitude', 'random', 'l1', 'l2', 'bn-scale'),
  granularity: fc.oneof(
    fc.constantFrom('unstructured', 'neuron', 'filter', 'channel'),
    fc.record({ n: fc.integer({ min: -1, max: 5 }), m: fc.integer({ min: -1, max: 6 }) }),
  ),
  scope: fc.constantFrom('layer', 'global'),
  skip: fc.constantFrom([], ['l0_conv'], ['nope']),
  includeOutput: fc.boolean(),
  seed: fc.integer(),
  compensate: fc.constantFrom('none', 'mean-activation', 'least-squares'),
  calibrationSamples: fc.integer({ min: -2, max: 50 }),
});

const quantizeOptions = optionsOf({
  weights: optionsOf({
    bits: fc.oneof(fc.integer({ min: 0, max: 17 }), fc.constantFrom('ternary', 'float16')),
    scheme: fc.constantFrom('symmetric', 'asymmetric'),
    perChannel: fc.boolean(),
    scale: fc.constantFrom('float', 'pow2'),
  }),
  perLayer: fc.constantFrom({ l0_conv: 4 }, { 'l*': 'ternary' }, { nope: 8 }),
  skip: fc.constantFrom([], ['l0_conv']),
  equalize: fc.boolean(),
});

const saveOptions = optionsOf({
  quantization: fc.constantFrom('uint8', 'uint16', 'float16', 'packed', 'int4'),
  bits: fc.integer({ min: 0, max: 10 }),
});

const sensitivityOptions = optionsOf({
  technique: fc.constantFrom('prune', 'quantize'),
  levels: fc.oneof(fc.constant([0, 0.5]), fc.constant([8, 2]), fc.array(fc.double(), { maxLength: 3 })),
  layers: fc.constantFrom(['l0_conv'], ['nope'], []),
  metric: fc.constantFrom('accuracy', 'loss'),
  samples: fc.integer({ min: -1, max: 10 }),
  seed: fc.integer(),
  maxDrop: fc.double(),
  onProgress: fc.constant(() => {}),
});

type Op = 'prune' | 'quantize' | 'saveModel' | 'sensitivity' | 'evaluate';

const optionFuzz = fc.asyncProperty(
  fc.constantFrom<Op>('prune', 'quantize', 'saveModel', 'sensitivity', 'evaluate'),
  pruneOptions,
  quantizeOptions,
  saveOptions,
  sensitivityOptions,
  async (op, po, qo, so, sio) => {
    const model = buildModel(SMALL);
    const labels = Int32Array.from({ length: 6 }, (_, i) => i % 3);
    const data = fromArrays(
      new Float32Array(6 * 50).map((_, i) => Math.sin(i)),
      labels,
      [5, 5, 2],
      3,
    );
    const dir = mkdtempSync(join(tmpdir(), 'whittle-opt-'));
    const dispose = (r: unknown) => (r as { model?: tf.LayersModel })?.model?.dispose();
    // main's checkOptions: a misspelled key is an error naming it, never silently ignored
    const misspelt = (o: Record<string, unknown>) => ['sparsty', 'bitz', 'levels_', 'x'].find((k) => k in o);
    const strict = async (outcome: Promise<{ ok: boolean; error?: unknown }>, o: Record<string, unknown>) => {
      const r = await outcome;
      const key = misspelt(o);
      if (key)
        must(
          !r.ok && String((r.error as Error).message).includes(`'${key}'`),
          `unknown option '${key}' was ${r.ok ? 'accepted' : `rejected for another reason: ${(r.error as Error).message}`}`,
        );
    };
    try {
      if (op === 'prune')
        await strict(
          guarded('prune', [model], () => prune(model, po as never), dispose),
          po,
        );
      if (op === 'quantize')
        await strict(
          guarded('quantize', [model], () => quantize(model, { ...qo, calibration: data } as never), dispose),
          qo,
        );
      if (op === 'saveModel')
        await guarded(
          'saveModel',
          [model],
          () => saveModel(model, join(dir, 'm'), so as never),
          () => {},
        );
      if (op === 'sensitivity')
        await guarded(
          'sensitivity',
          [model],
          () => sensitivity(model, data, sio as never),
          () => {},
        );
      if (op === 'evaluate')
        await guarded(
          'evaluate',
          [model],
          () => evaluate(model, data, so as never),
          () => {},
        );
    } finally {
      data.dispose();
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Things that are not models, and paths that are not model folders. */
const notModels = fc.asyncProperty(
  junk,
  fc.constantFrom('prune', 'quantize', 'saveModel', 'summary', 'sensitivity', 'loadModel'),
  async (value, op) => {
    const call: Record<string, () => unknown> = {
      prune: () => prune(value as never, { sparsity: 0.5 }),
      quantize: () => quantize(value as never),
      saveModel: () => saveModel(value as never, join(tmpdir(), 'whittle-never-written')),
      summary: () => summary(value as never),
      sensitivity: () => sensitivity(value as never, undefined as never, { technique: 'prune' }),
      loadModel: () => loadModel(value as never),
    };
    await guarded(op, [], call[op]!, () => {});
  },
);

/** Random models through random (mostly valid) prune options: never a raw error. */
const pruneOnModels = fc.asyncProperty(modelSpec(), pruneOptions, async (spec, po) => {
  const model = buildModel(spec);
  try {
    await guarded(
      'prune',
      [model],
      () => prune(model, po as never),
      (r) => r.model.dispose(),
    );
  } finally {
    model.dispose();
  }
});

export const OPTIONS: Property[] = [
  { category: 'options', name: 'every operation × generated options', runs: 200, property: optionFuzz as never },
  { category: 'options', name: 'not a model / not a path', runs: 150, property: notModels as never },
  { category: 'options', name: 'prune options × generated models', runs: 60, property: pruneOnModels as never },
];
