/**
 * The analysis and compression magics on models Whittle did not build: a
 * converted GraphModel shipped in an npm package (nsfwjs@4.4.0's MobileNetV2,
 * 224×224×3, 5 classes) and a functional BatchNorm CNN on 8×8 RGB images.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, loadModel, makeDataset, evaluate, graphWeights, type Dataset } from '@whittle/core';
import type { Report } from '@whittle/report';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMagic, parseArgs, type MagicContext, type MagicResult } from './index.js';
import { declaredData } from './operands.js';

const vars = new Map<string, unknown>();
const ctx: MagicContext = {
  lookup: (name) => {
    if (!vars.has(name)) throw new Error(`name '${name}' is not defined`);
    return vars.get(name);
  },
  progress: () => {},
  checkInterrupt: () => {},
  execute: async () => ({ ok: true, hasValue: false }),
  hasMagic: () => false,
  print: () => {},
};
/** Runs `%name args` as the kernel does: parse from the declaration, then run. */
async function magic(line: string): Promise<MagicResult> {
  const [name, ...rest] = line.split(' ');
  const m = findMagic(name!, 'line')!;
  const { args, opts } = parseArgs(m, rest.join(' '));
  return m.run(ctx, args, opts, '');
}
const report = <K extends Report['kind']>(r: MagicResult, kind: K) => {
  expect(r.report?.kind).toBe(kind);
  return r.report as Extract<Report, { kind: K }>;
};

/** nsfwjs ships its converted graph as UMD .min.js wrappers: model.json as an object, shards as base64. */
function unpackGraphModel(dir: string): void {
  const core = createRequire(createRequire(import.meta.url).resolve('@whittle/core'));
  const source = join(dirname(core.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2_mid');
  const unwrap = (file: string): unknown => {
    const module = { exports: {} as unknown };
    vm.runInNewContext(readFileSync(file, 'utf8'), { module, exports: module.exports });
    return module.exports;
  };
  mkdirSync(dir, { recursive: true });
  const json = unwrap(join(source, 'model.min.js')) as { weightsManifest: { paths: string[] }[] };
  for (const path of json.weightsManifest.flatMap((g) => g.paths))
    writeFileSync(join(dir, path), Buffer.from(unwrap(join(source, `${path}.min.js`)) as string, 'base64'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
}

function functionalBn(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers
    .conv2d({ name: 'conv', filters: 6, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .batchNormalization({ name: 'bn', movingVarianceInitializer: tf.initializers.constant({ value: 2 }) })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ name: 'classifier', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ name: 'tiny-rgb', inputs: input, outputs: out });
}

/** Labels = the model's own predictions, so its accuracy is 1 by construction. */
function ownLabels(model: tf.LayersModel | tf.GraphModel, x: tf.Tensor, classes: number): Dataset {
  const y = tf.tidy(() => tf.oneHot((model.predict(x) as tf.Tensor).argMax(-1) as tf.Tensor1D, classes).toFloat() as tf.Tensor2D);
  return makeDataset(x, y);
}

let root: string;
beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'whittle-magics-models-'));
  unpackGraphModel(join(root, 'graph'));
  const g = (await loadModel(join(root, 'graph'))) as tf.GraphModel;
  vars.set('g', g);
  vars.set(
    'gd',
    ownLabels(
      g,
      tf.tidy(() => tf.image.resizeBilinear(tf.randomUniform([2, 14, 14, 3], 0, 1, 'float32', 7), [224, 224])),
      5,
    ),
  );
  const f = functionalBn();
  vars.set('f', f);
  vars.set('fd', ownLabels(f, tf.randomUniform([6, 8, 8, 3], 0, 1, 'float32', 3), 3));
});
afterAll(() => {
  for (const v of vars.values()) (v as { dispose?: () => void }).dispose?.();
  rmSync(root, { recursive: true, force: true });
});

describe('magics on a converted GraphModel (packaged MobileNetV2)', () => {
  it('%summary, %evaluate, %sensitivity, %prune, %quantize and %compare', async () => {
    const g = vars.get('g') as tf.GraphModel;
    expect(report(await magic('summary g'), 'summary').totals.macs).toBeGreaterThan(5e8); // MobileNetV2-1.4: ~580 M
    expect(report(await magic('evaluate g --data gd'), 'evaluate').accuracy).toBe(1);
    const fc = graphWeights(g).find((w) => w.op === '_FusedMatMul')!.name;
    const s = report(await magic(`sensitivity g --data gd --technique quantize --levels 8 --layers ${fc}`), 'sensitivity');
    expect(s.layers.map((l) => l.name)).toEqual([fc]);
    expect(s.baseline).toBe(1);

    const p = await magic('prune g --sparsity 0.5 --as pg');
    expect(p.value).toBeInstanceOf(tf.GraphModel);
    expect(p.valueType).toBe('import("@tensorflow/tfjs").GraphModel');
    const pr = report(p, 'sparsity');
    expect(pr.totals.prunedSparsity).toBeCloseTo(0.5, 2);
    expect(pr.notes).toContain('accuracy not measured: no data for input [224×224×3] (declare it with %data --test NAME)');
    await expect(magic('prune g --sparsity 0.5 --structured filter')).rejects.toThrow(
      'prune: filter pruning removes units and needs a LayersModel; this is a GraphModel (tfjs-converter output): use unstructured or N:M',
    );
    await expect(magic('prune g --sparsity 0.5 --method l1')).rejects.toThrow("prune: method 'l1' needs a LayersModel");

    declaredData.test = 'gd';
    try {
      const q = await magic('quantize g --bits 8');
      const qr = report(q, 'quantization');
      expect(qr.accuracy).toEqual({ before: 1, after: evaluate(q.value as tf.GraphModel, vars.get('gd') as Dataset).accuracy });
      vars.set('q8', q.value);
      const c = report(await magic('compare g q8'), 'compare');
      expect(c.samples).toBe(2);
      expect(c.agreement).toBe(qr.accuracy!.after); // labels are g's own predictions
      (p.value as tf.GraphModel).dispose();
    } finally {
      delete declaredData.test;
    }
    await expect(magic('cluster g --clusters 16')).rejects.toThrow(
      /^'g' is a GraphModel \(tfjs-converter output\): this magic needs a LayersModel/,
    );
  });
});

describe('magics on a functional BatchNorm model with its own data', () => {
  it('%evaluate, %sensitivity, %prune, %quantize and %compare', async () => {
    expect(report(await magic('evaluate f --data fd'), 'evaluate').accuracy).toBe(1);
    const s = report(await magic('sensitivity f --data fd --technique prune --levels 0,0.5'), 'sensitivity');
    expect(s.layers.map((l) => l.name)).toEqual(['conv', 'classifier']);
    for (const l of s.layers) expect(l.values[0]).toBe(1); // level 0 is the model itself
    const q = await magic('quantize f --bits 4 --equalize');
    expect(report(q, 'quantization').notes).toContain(
      'accuracy not measured: no data for input [8×8×3] (declare it with %data --test NAME)',
    );
    declaredData.test = 'fd';
    try {
      const p = await magic('prune f --sparsity 0.5');
      expect(report(p, 'sparsity').accuracy!.before).toBe(1);
      vars.set('fq', q.value);
      const c = report(await magic('compare f fq --data fd'), 'compare');
      expect(c.a.accuracy).toBe(1);
      expect(c.b.accuracy).toBe(c.agreement);
      (p.value as tf.LayersModel).dispose();
    } finally {
      delete declaredData.test;
    }
  });
});
