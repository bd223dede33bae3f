import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { makeDataset } from '../data/dataset.js';
import { evaluate } from '../analysis/evaluate.js';
import { summary } from '../analysis/summary.js';
import { quantize } from '../quantize/ptq.js';
import { pruneGraph } from '../prune/graph-model.js';
import { graphWeights } from './graph.js';
import { loadModel } from './load.js';
import { saveModel } from './save.js';

// A real converted GraphModel shipped in an npm package: nsfwjs@4.4.0's `mobilenet_v2_mid`
// (an image classifier, MobileNetV2 224×224×3, 5 classes). Its files are UMD `.min.js`
// wrappers: model.min.js exports the model.json object, each shard file a base64 string.
const require = createRequire(import.meta.url);
const source = join(dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2_mid'); // dist/cjs/index.js → dist/models

function unwrap(file: string): unknown {
  const module = { exports: {} as unknown };
  vm.runInNewContext(readFileSync(file, 'utf8'), { module, exports: module.exports });
  return module.exports;
}

/** Writes the packaged model as an ordinary graph-model folder (model.json + shard files). */
function unpackGraphModel(dir: string): { json: { weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] } } {
  mkdirSync(dir, { recursive: true });
  const json = unwrap(join(source, 'model.min.js')) as { weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] };
  for (const path of json.weightsManifest.flatMap((g) => g.paths))
    writeFileSync(join(dir, path), Buffer.from(unwrap(join(source, `${path}.min.js`)) as string, 'base64'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return { json };
}

const STOCK_GRAPH = `
import * as tf from '@tensorflow/tfjs';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [inputFile, ...dirs] = process.argv.slice(2);
const buf = readFileSync(inputFile);
const x = tf.tensor(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), [2, 224, 224, 3]);
for (const dir of dirs) {
  const server = createServer((req, res) => res.end(readFileSync(join(dir, req.url.slice(1)))));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const model = await tf.loadGraphModel('http://127.0.0.1:' + server.address().port + '/model.json');
  console.log(JSON.stringify(Array.from(model.predict(x).dataSync())));
  server.close();
}
`;

let root: string;
let model: tf.GraphModel;
let manifestParams = 0;
let x: tf.Tensor;

beforeAll(async () => {
  await initBackend();
  root = mkdtempSync(join(tmpdir(), 'whittle-graph-'));
  const { json } = unpackGraphModel(join(root, 'original'));
  manifestParams = json.weightsManifest.flatMap((g) => g.weights).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  model = (await loadModel(join(root, 'original'))) as tf.GraphModel;
  // smooth random images in [0, 1] (the model's own input range): no labelled data ships with it
  x = tf.tidy(() => tf.image.resizeBilinear(tf.randomUniform([2, 14, 14, 3], 0, 1, 'float32', 7), [224, 224]));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  model?.dispose();
  x?.dispose();
});

const predict = (m: tf.GraphModel) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).dataSync()));

describe('GraphModels (tfjs-converter output)', () => {
  it('loadModel opens a graph-model folder; summary lists ops, weights, params and bytes', () => {
    expect(model).toBeInstanceOf(tf.GraphModel);
    const s = summary(model);
    expect(s.totals.params).toBe(manifestParams); // every weight in the manifest, counted independently
    expect(s.totals.bytes).toBe(manifestParams * 4);
    const types = s.layers.map((l) => l.type);
    expect(types.filter((t) => t === '_FusedConv2D')).toHaveLength(35);
    expect(types.filter((t) => t === 'FusedDepthwiseConv2dNative')).toHaveLength(17);
    expect(s.layers.some((l) => l.name === 'AddV2 ×10')).toBe(true);
    // the graph's kernels, depthwise ones per channel along axis 2 ([3, 3, C, 1])
    const kernels = graphWeights(model).filter((w) => w.role === 'kernel');
    expect(kernels).toHaveLength(35 + 17 + 1);
    const dw = kernels.filter((k) => k.op === 'FusedDepthwiseConv2dNative');
    expect(dw.every((k) => k.channelAxis === 2 && k.shape[3] === 1)).toBe(true);
  });

  it('weight quantization and unstructured / N:M pruning work on the weight map; the input model is unchanged', async () => {
    const before = predict(model);
    const tensors = tf.memory().numTensors;
    const { model: q, report } = await quantize(model, { weights: { bits: 4 } });
    expect(report.layers).toHaveLength(53);
    // every depthwise kernel value sits on its channel's grid: max |w[.., c, 0]| / 7
    const k = graphWeights(model).find((w) => w.op === 'FusedDepthwiseConv2dNative')!;
    const qk = q.weights[k.name]![0]!.dataSync();
    const channels = k.shape[2]!;
    for (let c = 0; c < channels; c++) {
      let max = 0;
      for (let i = c; i < k.values.length; i += channels) max = Math.max(max, Math.abs(k.values[i]!));
      for (let i = c; i < k.values.length; i += channels) {
        if (max === 0) expect(qk[i]).toBe(0);
        if (max === 0) continue;
        const steps = qk[i]! / (max / 7);
        expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-3);
      }
    }
    const { model: p, report: pr } = await pruneGraph(model, { sparsity: 0.5 });
    for (const layer of pr.layers) expect(layer.sparsity).toBeGreaterThanOrEqual(0.5 - 1 / layer.paramsBefore);
    const { model: nm } = await pruneGraph(model, { granularity: { n: 2, m: 4 } });
    const w = nm.weights[graphWeights(model).find((g) => g.op === '_FusedMatMul')!.name]![0]!.dataSync();
    expect(Array.from(w).filter((v) => v === 0).length).toBeGreaterThanOrEqual(w.length / 2);
    expect(predict(model)).toEqual(before);
    // 8-bit per-channel weights keep the float model's argmax on these inputs (no labelled data: agreement, not accuracy)
    const { model: q8 } = await quantize(model, { weights: { bits: 8 } });
    const argmax = (m: tf.GraphModel) => tf.tidy(() => Array.from((m.predict(x) as tf.Tensor).argMax(-1).dataSync()));
    expect(argmax(q8)).toEqual(argmax(model));
    for (const m of [q, p, nm, q8]) m.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('evaluate executes it; structural operations say they need a LayersModel', async () => {
    const labels = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1));
    const data = makeDataset(x.clone(), tf.oneHot(labels as tf.Tensor1D, 5).toFloat() as tf.Tensor2D);
    labels.dispose();
    expect(evaluate(model, data).accuracy).toBe(1); // labels are its own predictions
    data.dispose();
    await expect(pruneGraph(model, { sparsity: 0.5, granularity: 'filter' })).rejects.toThrow(
      'prune: filter pruning removes units and needs a LayersModel; this is a GraphModel (tfjs-converter output): use unstructured or N:M',
    );
    await expect(quantize(model, { equalize: true })).rejects.toThrow('quantize: equalization changes layers and needs a LayersModel');
  });

  it('saves folders stock tf.loadGraphModel loads (float32 and uint8) in a separate process', async () => {
    const float = await saveModel(model, join(root, 'float'));
    const u8 = await saveModel(model, join(root, 'uint8'), { quantization: 'uint8' });
    expect(JSON.parse(readFileSync(join(float.dir, 'model.json'), 'utf8')).format).toBe('graph-model');
    expect(u8.bytes).toBeLessThan(float.bytes / 3);
    const inputFile = join(root, 'x.bin');
    writeFileSync(inputFile, Buffer.from((x.dataSync() as Float32Array).buffer));
    const script = join(fileURLToPath(new URL('../..', import.meta.url)), `.stock-graph-${process.pid}.mjs`);
    writeFileSync(script, STOCK_GRAPH);
    try {
      const out = execFileSync(process.execPath, [script, inputFile, float.dir, u8.dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const [a, b] = out
        .trim()
        .split('\n')
        .slice(-2)
        .map((l) => JSON.parse(l) as number[]);
      const ours = predict(model);
      a!.forEach((v, i) => expect(v).toBeCloseTo(ours[i]!, 4));
      const top = (p: number[]) => [0, 1].map((s) => p.slice(5 * s, 5 * s + 5).indexOf(Math.max(...p.slice(5 * s, 5 * s + 5))));
      expect(top(b!)).toEqual(top(ours));
    } finally {
      rmSync(script, { force: true });
    }
  });

  it('the whittle CLI: summary, quantize (uint8 out) and prune run on the graph folder; structural ones say what they need', () => {
    const bin = fileURLToPath(new URL('../../bin/whittle.js', import.meta.url));
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    const dir = join(root, 'original');
    expect(JSON.parse(run('summary', dir, '--json').stdout).totals.params).toBe(manifestParams);
    const q = run('quantize', dir, '--bits', '8', '--per-channel', '--format', 'uint8', '--out', join(root, 'cli-q'), '--json');
    expect(q.status, q.stderr).toBe(0);
    const report = JSON.parse(q.stdout);
    expect(report.layers).toHaveLength(53);
    expect(report.notes).toContain('accuracy not measured: no data for input [224×224×3] (--data PATH)');
    expect(JSON.parse(readFileSync(join(root, 'cli-q', 'model.json'), 'utf8')).format).toBe('graph-model');
    const p = JSON.parse(run('prune', dir, '--sparsity', '0.5', '--json').stdout);
    expect(p.layers).toHaveLength(53);
    expect(run('prune', dir, '--sparsity', '0.5', '--structured', 'filter').stderr.trim()).toBe(
      'whittle: prune: filter pruning removes units and needs a LayersModel; this is a GraphModel (tfjs-converter output): use unstructured or N:M',
    );
    expect(run('sensitivity', dir).stderr.trim()).toMatch(
      /^whittle: sensitivity: layer sensitivity needs a LayersModel; this is a GraphModel/,
    );
  });
});
