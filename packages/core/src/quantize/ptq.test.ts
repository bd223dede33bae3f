import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { mnist } from '../data/mnist.js';
import { evaluate, predictClasses } from '../analysis/evaluate.js';
import { lenet5, lenet300100 } from '../models/reference.js';
import { loadModel } from '../io/load.js';
import { saveModel } from '../io/save.js';
import { validateReport } from '@whittle/report';
import { quantize } from './ptq.js';
import { simulateExport } from './export.js';
import { quantizeTensor, dequantizeTensor } from './affine.js';

beforeAll(() => initBackend());
const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('post-training quantization', () => {
  it('8-bit per-channel weights: the kernels are the dequantized grid, accuracy drops ≤ 0.1 pp, input untouched, no leaks', async () => {
    const model = lenet5({ pretrained: true });
    const { train, test } = mnist({ layout: 'image' });
    const before = snapshot(model);
    const tensors = tf.memory().numTensors;
    const { model: q, report } = await quantize(model, { weights: { bits: 8, perChannel: true } });
    expect(tf.memory().numTensors - tensors).toBe(q.weights.length);
    expect(snapshot(model)).toEqual(before);
    const k = model.getLayer('fc1').getWeights()[0]!;
    const expected = dequantizeTensor(quantizeTensor(k.dataSync() as Float32Array, k.shape, { bits: 8, axis: -1 }));
    expect(Array.from(q.getLayer('fc1').getWeights()[0]!.dataSync())).toEqual(Array.from(expected));
    expect(evaluate(model, test).accuracy - evaluate(q, test).accuracy).toBeLessThanOrEqual(0.001);
    expect(validateReport(report).ok).toBe(true);
    expect(report.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    for (const l of report.layers) {
      expect(l.sqnrDb!).toBeGreaterThan(35); // ≈ 6 dB per bit
      expect(l.maxError).toBeLessThanOrEqual(l.scaleMax / 2 + 1e-7);
    }
    train.dispose();
    test.dispose();
  });

  it('fewer bits, lower SQNR: about 6 dB per bit', async () => {
    const model = lenet300100({ pretrained: true });
    const s = async (bits: number) => (await quantize(model, { weights: { bits } })).report.layers[0]!.sqnrDb!;
    const [s8, s4] = [await s(8), await s(4)];
    expect(s8 - s4).toBeGreaterThan(4 * 5);
    expect(s8 - s4).toBeLessThan(4 * 7);
  });

  it('static int8 (weights + activations, 500 calibration samples) keeps LeNet-5 within 0.3 pp, saves and loads', async () => {
    const model = lenet5({ pretrained: true });
    const { train, test } = mnist({ layout: 'image' });
    const { model: q, report } = await quantize(model, {
      weights: { bits: 8 },
      activations: { bits: 8, observer: 'minmax' },
      calibration: train,
    });
    expect(report.activations).toEqual({ bits: 8, observer: 'minmax' });
    expect(q.layers.filter((l) => l.getClassName() === 'WhittleFakeQuant').length).toBe(5); // input + 4 hidden outputs
    const acc = evaluate(q, test).accuracy;
    expect(evaluate(model, test).accuracy - acc).toBeLessThanOrEqual(0.003);
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-q-')), 'm');
    await saveModel(q, dir);
    const loaded = await loadModel(dir);
    expect(evaluate(loaded, test).accuracy).toBe(acc);
    train.dispose();
    test.dispose();
  });

  it('rejects bad bits, bad calibration data and NaN weights with one-line errors', async () => {
    const model = lenet5();
    await expect(quantize(model, { weights: { bits: 0 } })).rejects.toThrow('quantize: bits must be an integer in [1, 16], got 0');
    await expect(quantize(model, { weights: { bits: 8 }, perLayer: { nope: 4 } })).rejects.toThrow(
      "quantize: perLayer names 'nope', which matches no layer of 'lenet-5'",
    );
    const flat = mnist({ layout: 'flat', limit: 20 });
    await expect(quantize(model, { activations: { bits: 8 }, calibration: flat.train })).rejects.toThrow(
      "quantize: calibration data has samples of shape [784] but 'lenet-5' takes [28×28×1]",
    );
    await expect(quantize(model, { activations: { bits: 8 } })).rejects.toThrow('quantize: activation quantization needs calibration data');
    const broken = lenet300100();
    const [k, b] = broken.getLayer('fc2').getWeights();
    const bad = k!.dataSync().slice();
    bad[3] = NaN;
    broken.getLayer('fc2').setWeights([tf.tensor(bad, k!.shape), b!]);
    await expect(quantize(broken)).rejects.toThrow("quantize: weight 'fc2/kernel' has NaN at index 3; quantization needs finite values");
    flat.train.dispose();
    flat.test.dispose();
  });
});

/** Loads a model with stock @tensorflow/tfjs over loopback HTTP in a separate process and prints its argmax on the given inputs. */
const STOCK_CLASSIFY = `
import * as tf from '@tensorflow/tfjs';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [dir, inputFile, ...shape] = process.argv.slice(2);
const server = createServer((req, res) => res.end(readFileSync(join(dir, req.url.slice(1)))));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const model = await tf.loadLayersModel('http://127.0.0.1:' + server.address().port + '/model.json');
const buf = readFileSync(inputFile);
const x = tf.tensor(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), shape.map(Number));
console.log(JSON.stringify(Array.from(model.predict(x).argMax(-1).dataSync())));
server.close();
`;

describe('export that stock tfjs loads', () => {
  for (const mode of ['uint8', 'float16'] as const) {
    it(`${mode}: stock tfjs decodes the file to Whittle's simulation (same argmax on ≥ 99.9 % of the test split)`, async () => {
      const model = lenet5({ pretrained: true });
      const { train, test } = mnist({ layout: 'image' });
      const scratch = mkdtempSync(join(tmpdir(), 'whittle-export-'));
      const fp32 = await saveModel(model, join(scratch, 'fp32'));
      const saved = await saveModel(model, join(scratch, mode), { quantization: mode });
      const shard = (dir: string) => readFileSync(join(dir, 'weights.bin')).byteLength;
      // 61,470 kernel weights encoded, the 236 biases kept float32
      expect(shard(saved.dir)).toBe(mode === 'uint8' ? 61470 + 236 * 4 : 61470 * 2 + 236 * 4);
      expect(fp32.bytes / saved.bytes).toBeGreaterThan(mode === 'uint8' ? 3.7 : 1.9);
      // Whittle's own loader decodes to exactly the simulated weights
      const ours = simulateExport(model, mode);
      const reloaded = await loadModel(saved.dir);
      expect(reloaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(ours.getWeights().map((w) => Array.from(w.dataSync())));
      // and stock tfjs in another process agrees with the simulation
      const inputFile = join(scratch, 'x.bin');
      writeFileSync(inputFile, Buffer.from((test.x.dataSync() as Float32Array).buffer));
      const script = join(fileURLToPath(new URL('../..', import.meta.url)), `.stock-classify-${process.pid}-${mode}.mjs`);
      writeFileSync(script, STOCK_CLASSIFY);
      try {
        const stock = JSON.parse(
          execFileSync(process.execPath, [script, saved.dir, inputFile, ...test.x.shape.map(String)], {
            encoding: 'utf8',
            maxBuffer: 1 << 24,
          })
            .trim()
            .split('\n')
            .at(-1)!,
        ) as number[];
        const simulated = predictClasses(ours, test.x);
        const same = stock.filter((c, i) => c === simulated[i]).length;
        expect(same / test.size).toBeGreaterThanOrEqual(0.999);
      } finally {
        rmSync(script, { force: true });
        rmSync(scratch, { recursive: true, force: true });
      }
      train.dispose();
      test.dispose();
    });
  }

  it('uint8 keeps pruned zeros exactly zero', async () => {
    const w = Float32Array.from([0, 0.3, -0.7, 0, 1.2]);
    const { encodeWeight } = await import('./export.js');
    const e = encodeWeight(w, 'uint8');
    expect(e.decoded[0]).toBe(0);
    expect(e.decoded[3]).toBe(0);
    expect(Math.max(...w.map((v, i) => Math.abs(v - e.decoded[i]!)))).toBeLessThanOrEqual(1.9 / 255 / 2 + 1e-7);
  });
});
