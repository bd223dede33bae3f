/**
 * Properties of every operation on generated models (category 'operations'):
 * the caller's model unchanged, no leaks, a valid result or a one-line
 * WhittleError, plus each technique's own promise, checked against a
 * brute-force reference computed here.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cloneModel,
  fakeQuantize,
  fromArrays,
  loadModel,
  prune,
  quantize,
  quantizeTensor,
  dequantizeTensor,
  saveModel,
  sensitivity,
  simulateExport,
  summary,
  type PruneResult,
} from '@whittle/core';
import { buildModel, inputsFor, modelSpec, weightMode, type WeightMode } from './generate.js';
import { closeOutputs, guarded, must } from './check.js';

export interface Property {
  category: 'operations' | 'options' | 'files';
  name: string;
  /** Cases in CI; the benchmark runs 10× as many. */
  runs: number;
  property: fc.IAsyncProperty<never>;
}

const finiteModes = fc.constantFrom<WeightMode>('normal', 'zeros', 'ties', 'tiny');
const disposeModel = (r: { model: tf.LayersModel }) => r.model.dispose();
const values = (t: tf.Tensor) => t.dataSync() as Float32Array;

/** Unstructured magnitude pruning: exact counts, weight = original × mask, removed magnitudes ≤ kept ones. */
const pruneUnstructured = fc.asyncProperty(
  modelSpec(),
  fc.double({ min: 0, max: 0.95, noNaN: true }),
  fc.constantFrom('layer' as const, 'global' as const),
  fc.boolean(),
  async (spec, sparsity, scope, includeOutput) => {
    const model = buildModel(spec);
    try {
      await guarded(
        'prune',
        [model],
        () => prune(model, { sparsity, scope, includeOutput }),
        disposeModel,
        (r: PruneResult) => {
          let removedAll = 0;
          let total = 0;
          let maxRemoved = -Infinity;
          let minKept = Infinity;
          for (const mask of Object.values(r.masks)) {
            const before = values(model.getLayer(mask.layer).getWeights()[0]!);
            const after = values(r.model.getLayer(mask.layer).getWeights()[0]!);
            let removed = 0;
            for (let i = 0; i < before.length; i++) {
              const keep = mask.values[i] === 1;
              if (!keep) removed++;
              must(Object.is(after[i], keep ? before[i] : 0), `${mask.layer}[${i}] is ${after[i]}, expected ${keep ? before[i] : 0}`);
              const m = Math.abs(before[i]!);
              if (keep) minKept = Math.min(minKept, m);
              else maxRemoved = Math.max(maxRemoved, m);
            }
            if (scope === 'layer') {
              const want = Math.round(sparsity * before.length);
              must(Math.abs(removed - want) <= 1, `${mask.layer}: removed ${removed} of ${before.length}, expected ${want}`);
              must(maxRemoved <= minKept, `${mask.layer}: removed |w| ${maxRemoved} > kept |w| ${minKept}`);
              maxRemoved = -Infinity;
              minKept = Infinity;
            }
            removedAll += removed;
            total += before.length;
          }
          if (scope === 'global') {
            must(Math.abs(removedAll - Math.round(sparsity * total)) <= 1, `global: removed ${removedAll} of ${total}`);
            must(maxRemoved <= minKept, `global: removed |w| ${maxRemoved} > kept |w| ${minKept}`);
          }
          // layers that were not targets are untouched
          for (const layer of model.layers)
            if (!r.masks[layer.name])
              layer
                .getWeights()
                .forEach((w, i) =>
                  must(closeOutputs(values(r.model.getLayer(layer.name).getWeights()[i]!), values(w), 0) === null, `${layer.name} changed`),
                );
        },
      );
    } finally {
      model.dispose();
    }
  },
);

/** The original with removed units zeroed (kernel columns, biases, BatchNorm γ/β, depthwise channels). */
function maskedReference(model: tf.LayersModel, removedUnits: Record<string, number[]>): tf.LayersModel {
  const clone = cloneModel(model);
  for (const [name, units] of Object.entries(removedUnits)) {
    const layer = clone.getLayer(name);
    const cls = layer.getClassName();
    const weights = layer.getWeights().map((w) => ({ shape: w.shape, v: values(w).slice() }));
    const zeroUnits = (w: { shape: number[]; v: Float32Array }, axisFromEnd: number) => {
      const axis = w.shape.length - axisFromEnd;
      const n = w.shape[axis]!;
      const inner = w.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < w.v.length; i++) if (units.includes(Math.floor(i / inner) % n)) w.v[i] = 0;
    };
    if (cls === 'BatchNormalization') {
      // γ and β (the first two weights when both are on): output = γ·x̂ + β = 0
      weights.slice(0, 2).forEach((w) => zeroUnits(w, 1));
    } else if (cls === 'DepthwiseConv2D') {
      zeroUnits(weights[0]!, 2);
      if (weights[1]) zeroUnits(weights[1], 1);
    } else if (cls === 'PReLU') {
      continue; // 0 stays 0 through PReLU
    } else {
      weights.forEach((w) => zeroUnits(w, 1));
    }
    const ts = weights.map((w) => tf.tensor(w.v, w.shape));
    layer.setWeights(ts);
    tf.dispose(ts);
  }
  return clone;
}

/** Structured pruning (compensate none) computes what the masked original computes. */
const pruneStructured = fc.asyncProperty(
  modelSpec(finiteModes),
  fc.constantFrom('neuron' as const, 'filter' as const, 'channel' as const),
  fc.constantFrom('l1' as const, 'l2' as const, 'random' as const),
  fc.double({ min: 0, max: 0.9, noNaN: true }),
  async (spec, granularity, method, sparsity) => {
    const model = buildModel(spec);
    try {
      await guarded(
        'prune',
        [model],
        () => prune(model, { sparsity, granularity, method }) as PruneResult & { removedUnits: Record<string, number[]> },
        disposeModel,
        (r) => {
          const reference = maskedReference(model, r.removedUnits);
          const x = inputsFor(model, 3, spec.weights.seed);
          const [a, b] = [r.model, reference].map((m) => tf.tidy(() => values(m.predict(x) as tf.Tensor).slice()));
          tf.dispose(x);
          reference.dispose();
          const diff = closeOutputs(a!, b!, 1e-5);
          must(diff === null, `pruned output differs from the masked original: ${diff}`);
        },
      );
    } finally {
      model.dispose();
    }
  },
);

/** Affine quantization of arbitrary arrays: |dequantized − x| ≤ scale/2 and 0 stays exactly 0. */
const quantizeRoundTrip = fc.asyncProperty(
  fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  weightMode.filter((m) => m !== 'huge'),
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 2, max: 16 }),
  fc.constantFrom('symmetric' as const, 'asymmetric' as const),
  fc.boolean(),
  async (seed, mode, channels, per, bits, scheme, perChannel) => {
    const model = buildModel({ conv: false, functional: false, input: [per], body: [], classes: channels, weights: { seed, mode } });
    const v = values(model.getLayer('l0_out').getWeights()[0]!).slice();
    model.dispose();
    const shape = [per, channels];
    const q = quantizeTensor(v, shape, { bits, scheme, ...(perChannel ? { axis: -1 } : {}) }, 'w');
    const d = dequantizeTensor(q);
    for (let i = 0; i < v.length; i++) {
      const scale = q.scale[perChannel ? i % channels : 0]!;
      const err = Math.abs(d[i]! - v[i]!);
      // scale/2 plus float32 rounding of the dequantized product
      must(err <= scale / 2 + Math.abs(v[i]!) * 2 ** -22 + 1e-45, `index ${i}: |${d[i]} − ${v[i]}| = ${err} > scale/2 = ${scale / 2}`);
      if (v[i] === 0) must(d[i] === 0, `zero at ${i} became ${d[i]}`);
    }
  },
);

/** quantize(model): valid result or WhittleError; zero weights stay exactly zero. */
const quantizeModel = fc.asyncProperty(
  modelSpec(),
  fc.integer({ min: 2, max: 8 }),
  fc.constantFrom('symmetric' as const, 'asymmetric' as const),
  fc.boolean(),
  async (spec, bits, scheme, perChannel) => {
    const model = buildModel(spec);
    try {
      await guarded(
        'quantize',
        [model],
        () => quantize(model, { weights: { bits, scheme, perChannel } }),
        disposeModel,
        (r) => {
          for (const row of r.report.layers) {
            const before = model.getLayer(row.name).getWeights();
            const after = r.model.getLayer(row.name).getWeights();
            const k = before.findIndex((w) => w.shape.length >= 2);
            const [b, a] = [values(before[k]!), values(after[k]!)];
            for (let i = 0; i < b.length; i++) if (b[i] === 0) must(a[i] === 0, `${row.name}[${i}]: 0 became ${a[i]}`);
            must(a.every(Number.isFinite), `${row.name}: quantized kernel has non-finite values`);
          }
        },
      );
    } finally {
      model.dispose();
    }
  },
);

type SaveMode = 'float32' | 'uint8' | 'uint16' | 'float16' | 'packed';

/** save → load: float32 bit-exact; lossy formats equal the in-memory simulation of the same encoding. */
const saveLoad = fc.asyncProperty(
  modelSpec(),
  fc.constantFrom<SaveMode>('float32', 'uint8', 'uint16', 'float16', 'packed'),
  fc.integer({ min: 2, max: 8 }),
  async (spec, mode, bits) => {
    const model = buildModel(spec);
    const dir = mkdtempSync(join(tmpdir(), 'whittle-fuzz-'));
    try {
      const options = mode === 'float32' ? {} : mode === 'packed' ? { quantization: 'packed' as const, bits } : { quantization: mode };
      const saved = await guarded(
        'saveModel',
        [model],
        () => saveModel(model, join(dir, 'm'), options),
        () => {},
      );
      if (!saved.ok) return;
      await guarded(
        'loadModel',
        [model],
        async () => (await loadModel(join(dir, 'm'))) as tf.LayersModel,
        (m) => m.dispose(),
        (loaded) => {
          // per output channel: the last axis, or the channel axis (2) of a depthwise kernel [kh, kw, C, 1]
          const depthwise = (i: number) => model.weights[i]!.originalName.endsWith('depthwise_kernel');
          const expected =
            mode === 'float32'
              ? model.getWeights().map((w) => values(w))
              : mode === 'packed'
                ? model
                    .getWeights()
                    .map((w, i) =>
                      w.shape.length >= 2
                        ? fakeQuantize(values(w), w.shape, { bits, scheme: 'symmetric', axis: depthwise(i) ? -2 : -1 })
                        : values(w),
                    )
                : (() => {
                    const sim = simulateExport(model, mode);
                    const out = sim.getWeights().map((w) => values(w).slice());
                    sim.dispose();
                    return out;
                  })();
          const got = loaded.getWeights();
          must(got.length === expected.length, `loaded ${got.length} weights, saved ${expected.length}`);
          got.forEach((w, i) => {
            must(
              w.shape.join() === model.getWeights()[i]!.shape.join(),
              `weight ${i}: shape [${w.shape}] vs [${model.getWeights()[i]!.shape}]`,
            );
            const diff = closeOutputs(values(w), expected[i]!, 0);
            must(diff === null, `weight ${i} (${model.weights[i]!.originalName}) after ${mode} save/load: ${diff}`);
          });
        },
      );
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** Sensitivity: level 0 (nothing pruned) equals the baseline for every layer. */
const sensitivityZero = fc.asyncProperty(
  modelSpec(finiteModes).map((s) => ({ ...s, classes: Math.max(2, s.classes) })),
  fc.integer({ min: 0, max: 1000 }),
  async (spec, seed) => {
    const model = buildModel(spec);
    const classes = spec.classes;
    const n = Math.max(classes, 6);
    const x = inputsFor(model, n, seed);
    const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
    const data = fromArrays(values(x).slice(), labels, model.inputs[0]!.shape.slice(1) as number[], classes);
    x.dispose();
    try {
      await guarded(
        'sensitivity',
        [model],
        () => sensitivity(model, data, { technique: 'prune', levels: [0, 0.5] }),
        () => {},
        (r) => {
          for (const row of r.layers)
            must(Object.is(row.values[0], r.baseline), `${row.name}: level 0 gives ${row.values[0]}, baseline ${r.baseline}`);
        },
      );
    } finally {
      data.dispose();
      model.dispose();
    }
  },
);

/** summary: params and nonzeros equal a count over the raw weights. */
const summaryCounts = fc.asyncProperty(modelSpec(), async (spec) => {
  const model = buildModel(spec);
  try {
    await guarded(
      'summary',
      [model],
      () => summary(model),
      () => {},
      (r) => {
        let params = 0;
        let nonzeros = 0;
        for (const w of model.getWeights()) {
          params += w.size;
          for (const v of values(w)) if (v !== 0) nonzeros++;
        }
        must(r.totals.params === params, `params ${r.totals.params} vs ${params}`);
        must(r.totals.nonzeros === nonzeros, `nonzeros ${r.totals.nonzeros} vs ${nonzeros}`);
        must(r.totals.nonFinite === 0, `nonFinite ${r.totals.nonFinite} for a finite model`);
      },
    );
  } finally {
    model.dispose();
  }
});

export const OPERATIONS: Property[] = [
  { category: 'operations', name: 'prune unstructured: exact sparsity, w = w0·mask', runs: 40, property: pruneUnstructured as never },
  { category: 'operations', name: 'prune structured = masked original', runs: 30, property: pruneStructured as never },
  { category: 'operations', name: 'quantizeTensor: error ≤ scale/2, zero exact', runs: 300, property: quantizeRoundTrip as never },
  { category: 'operations', name: 'quantize(model): valid, zeros exact', runs: 30, property: quantizeModel as never },
  { category: 'operations', name: 'save → load: lossless bit-exact, lossy = in-memory', runs: 30, property: saveLoad as never },
  { category: 'operations', name: 'sensitivity: level 0 = baseline', runs: 15, property: sensitivityZero as never },
  { category: 'operations', name: 'summary: counts match the weights', runs: 40, property: summaryCounts as never },
];
