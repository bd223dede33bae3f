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
import { sensitivity } from '../analysis/sensitivity.js';
import { PNG } from 'pngjs';
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

/**
 * A small graph in tfjs-converter's format, written out by hand: input [-1, 8, 8, 3] →
 * _FusedConv2D (3×3×3×4, stride 2, SAME, +bias, ReLU) → FusedDepthwiseConv2dNative (3×3×4×1,
 * SAME, +bias) → AvgPool 4×4 → Squeeze → _FusedMatMul (4×2, +bias) → Softmax.
 */
async function tinyGraph(): Promise<tf.GraphModel> {
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
  const weight = (name: string, shape: number[]) => ({
    name,
    op: 'Const',
    attr: {
      value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
      dtype: { type: 'DT_FLOAT' },
    },
  });
  const conv = {
    dilations: ints(1, 1, 1, 1),
    T: { type: 'DT_FLOAT' },
    data_format: { s: b64('NHWC') },
    padding: { s: b64('SAME') },
    num_args: { i: '1' },
    epsilon: { f: 0 },
  };
  const shapes: Record<string, number[]> = { k1: [3, 3, 3, 4], b1: [4], k2: [3, 3, 4, 1], b2: [4], k3: [4, 2], b3: [2] };
  const node = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { shape: { shape: { dim: [-1, 8, 8, 3].map((d) => ({ size: String(d) })) } }, dtype: { type: 'DT_FLOAT' } },
    },
    ...Object.entries(shapes).map(([n, sh]) => weight(n, sh)),
    {
      name: 'conv',
      op: '_FusedConv2D',
      input: ['x', 'k1', 'b1'],
      attr: { ...conv, strides: ints(1, 2, 2, 1), fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } } },
    },
    {
      name: 'dw',
      op: 'FusedDepthwiseConv2dNative',
      input: ['conv', 'k2', 'b2'],
      attr: { ...conv, strides: ints(1, 1, 1, 1), fused_ops: { list: { s: [b64('BiasAdd')] } } },
    },
    {
      name: 'pool',
      op: 'AvgPool',
      input: ['dw'],
      attr: {
        ksize: ints(1, 4, 4, 1),
        strides: ints(1, 1, 1, 1),
        padding: { s: b64('VALID') },
        data_format: { s: b64('NHWC') },
        T: { type: 'DT_FLOAT' },
      },
    },
    { name: 'squeeze', op: 'Squeeze', input: ['pool'], attr: { squeeze_dims: ints(1, 2), T: { type: 'DT_FLOAT' } } },
    {
      name: 'fc',
      op: '_FusedMatMul',
      input: ['squeeze', 'k3', 'b3'],
      attr: {
        transpose_a: { b: false },
        transpose_b: { b: false },
        T: { type: 'DT_FLOAT' },
        num_args: { i: '1' },
        epsilon: { f: 0 },
        fused_ops: { list: { s: [b64('BiasAdd')] } },
      },
    },
    { name: 'probs', op: 'Softmax', input: ['fc'], attr: { T: { type: 'DT_FLOAT' } } },
  ];
  const values = Object.values(shapes).flatMap((sh, w) =>
    Array.from({ length: sh.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + 10 * w) / 2),
  );
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: { node, versions: { producer: 1395 } },
      format: 'graph-model',
      weightSpecs: Object.entries(shapes).map(([name, shape]) => ({ name, shape, dtype: 'float32' as const })),
      weightData: Float32Array.from(values).buffer,
    }),
  );
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

  it('summary: output shapes and MACs per conv, depthwise and MatMul node, worked by hand on a small converted graph', async () => {
    const tiny = await tinyGraph();
    const rows = new Map(summary(tiny).layers.map((l) => [l.name, l]));
    // conv: 8×8 stride 2 SAME → 4×4×4; each output sums 3·3·3 products: 64 · 27
    expect(rows.get('conv')).toMatchObject({ outputShape: [null, 4, 4, 4], macs: 64 * 27, params: 3 * 3 * 3 * 4 + 4 });
    // depthwise: 4×4×4 outputs, each one channel's 3×3 window
    expect(rows.get('dw')).toMatchObject({ outputShape: [null, 4, 4, 4], macs: 64 * 9, params: 36 + 4 });
    // MatMul [1, 4] × [4, 2]: 2 outputs of 4 products
    expect(rows.get('fc')).toMatchObject({ outputShape: [null, 2], macs: 8, params: 10 });
    expect(summary(tiny).totals.macs).toBe(1728 + 576 + 8);
    tiny.dispose();
    // the packaged MobileNetV2 (width 1.4: a first conv of 48 filters) with a 5-way head: its first conv is
    // 112·112·48 outputs of 3·3·3; the whole is the published 582 M MACs of mobilenet_v2_1.4_224 less its
    // 1001-way classifier (1792 · 1001) plus this 5-way one (1792 · 5)
    const s = summary(model);
    const first = s.layers.find((l) => l.type === '_FusedConv2D')!;
    expect(first).toMatchObject({ outputShape: [null, 112, 112, 48], macs: 112 * 112 * 48 * 27 });
    const published = 582e6 - 1792 * 1001 + 1792 * 5;
    expect(Math.abs(s.totals.macs - published) / published).toBeLessThan(0.005);
  });

  it('sensitivity sweeps the kernel weights; each point is quantize / prune of that weight alone', async () => {
    const labels = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1));
    const data = makeDataset(
      x.clone(),
      tf.tidy(() => tf.oneHot(labels as tf.Tensor1D, 5).toFloat() as tf.Tensor2D),
    );
    labels.dispose();
    const kernels = graphWeights(model).filter((w) => w.role === 'kernel');
    const chosen = [kernels.find((k) => k.op === 'FusedDepthwiseConv2dNative')!.name, kernels.at(-1)!.name];
    const before = predict(model);
    const tensors = tf.memory().numTensors;
    const q = await sensitivity(model, data, { technique: 'quantize', levels: [2], layers: chosen, metric: 'loss' });
    const p = await sensitivity(model, data, { technique: 'prune', levels: [0.5], layers: chosen, metric: 'loss' });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(q.layers.map((l) => l.name)).toEqual(chosen);
    expect(q.baseline).toBeCloseTo(evaluate(model, data).loss, 6);
    const others = (name: string) => kernels.map((k) => k.name).filter((n) => n !== name);
    for (const [i, name] of chosen.entries()) {
      const { model: qm } = await quantize(model, { weights: { bits: 2 }, skip: others(name) });
      expect(q.layers[i]!.values[0]).toBeCloseTo(evaluate(qm, data).loss, 5);
      const { model: pm } = await pruneGraph(model, { sparsity: 0.5, skip: others(name) });
      expect(p.layers[i]!.values[0]).toBeCloseTo(evaluate(pm, data).loss, 5);
      qm.dispose();
      pm.dispose();
    }
    expect(predict(model)).toEqual(before);
    await expect(sensitivity(model, data, { technique: 'prune', layers: ['nope'] })).rejects.toThrow(
      /^sensitivity: layer 'nope' has no prunable kernel/,
    );
    data.dispose();
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
    expect(run('sensitivity', dir).stderr.trim()).toBe(
      "whittle: sensitivity needs data: model 'graph-model' takes [224×224×3], which is not MNIST; give --data PATH (" +
        "data: 'mnist' (default for MNIST-shaped models), a folder of images in class sub-folders (resized bilinearly to the model's input), x.npy (+ y.npy) or a .json {x, labels})",
    );
  });

  it('the whittle CLI with --data (small images, resized to 224×224): evaluate, compare, sensitivity, prune and quantize', async () => {
    // 2 classes × 2 smooth 16×16 images; the test decodes nothing: it knows the pixels it wrote
    const images = join(root, 'images');
    const pixels: number[] = [];
    for (let c = 0; c < 2; c++) {
      mkdirSync(join(images, String(c)), { recursive: true });
      for (let k = 0; k < 2; k++) {
        const png = new PNG({ width: 16, height: 16 });
        for (let p = 0; p < 256; p++) {
          const rgb = [(p + 60 * k) % 256, (16 * c + p) % 256, (255 - p + 90 * c) % 256];
          png.data.set([...rgb, 255], 4 * p);
          pixels.push(...rgb.map((v) => v / 255));
        }
        writeFileSync(join(images, String(c), `${k}.png`), PNG.sync.write(png));
      }
    }
    const bin = fileURLToPath(new URL('../../bin/whittle.js', import.meta.url));
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [bin, ...args, '--data', images, '--json'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const dir = join(root, 'original');
    // the reference: the same pixels resized here with half-pixel bilinear sampling, predicted in this process
    const xs = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(pixels, [4, 16, 16, 3]), [224, 224], false, true));
    const reference = makeDataset(
      xs,
      tf.tidy(() => tf.oneHot(tf.tensor1d([0, 0, 1, 1], 'int32'), 5).toFloat() as tf.Tensor2D),
    );
    const expected = evaluate(model, reference);
    reference.dispose();
    const e = run('evaluate', dir);
    expect(e.samples).toBe(4);
    expect(e.accuracy).toBeCloseTo(expected.accuracy, 6);
    expect(e.loss).toBeCloseTo(expected.loss, 3);
    const q = run('quantize', dir, '--bits', '8', '--out', join(root, 'cli-q8'));
    expect(q.accuracy.before).toBeCloseTo(expected.accuracy, 6);
    const c = run('compare', dir, join(root, 'cli-q8'), '--latency-runs', '0');
    expect(c.samples).toBe(4);
    expect(c.a.accuracy).toBeCloseTo(expected.accuracy, 6);
    expect(c.b.accuracy).toBe(q.accuracy.after);
    expect(c.agreement).toBeGreaterThanOrEqual(0.75);
    const kernel = graphWeights(model).find((w) => w.op === '_FusedMatMul')!.name;
    const s = run('sensitivity', dir, '--technique', 'quantize', '--levels', '8,1', '--layers', kernel);
    expect(s.layers).toEqual([{ name: kernel, values: [expect.any(Number), expect.any(Number)] }]);
    expect(s.baseline).toBeCloseTo(expected.accuracy, 6);
    const p = run('prune', dir, '--sparsity', '0.5');
    expect(p.accuracy.before).toBeCloseTo(expected.accuracy, 6);
  }, 300_000); // six CLI processes, each loading tfjs and the 224×224 model
});
