import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { gather } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { permutation } from '../data/random.js';
import { predictClasses } from '../analysis/evaluate.js';
import { lenet300100, lenet5, mobilenetMini, resnetMini } from '../models/reference.js';
import { exportAgreement } from '../io/agreement.js';
import { saveModel } from '../io/save.js';
import { loadLayersModel } from '../io/load.js';
import { encodeWeight } from './export.js';
import { quantize } from './ptq.js';

beforeAll(() => initBackend());

/** Stock @tensorflow/tfjs in a separate process: loads the folder over loopback HTTP, prints the argmax per input. */
const STOCK_CLASSIFY = `
import * as tf from '@tensorflow/tfjs';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [inputFile, ...rest] = process.argv.slice(2);
const shape = JSON.parse(rest.pop());
const buf = readFileSync(inputFile);
const x = tf.tensor(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4), shape);
for (const dir of rest) {
  const server = createServer((req, res) => res.end(readFileSync(join(dir, req.url.slice(1)))));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const model = await tf.loadLayersModel('http://127.0.0.1:' + server.address().port + '/model.json');
  console.log(JSON.stringify(Array.from(model.predict(x).argMax(-1).dataSync())));
  server.close();
}
`;

function stockClassify(dirs: string[], x: tf.Tensor, scratch: string): number[][] {
  const inputFile = join(scratch, 'x.bin');
  writeFileSync(inputFile, Buffer.from((x.dataSync() as Float32Array).buffer));
  const script = join(fileURLToPath(new URL('../..', import.meta.url)), `.stock-export-${process.pid}.mjs`); // where '@tensorflow/tfjs' resolves
  writeFileSync(script, STOCK_CLASSIFY);
  try {
    const out = execFileSync(process.execPath, [script, inputFile, ...dirs, JSON.stringify(x.shape)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    return out
      .trim()
      .split('\n')
      .slice(-dirs.length)
      .map((l) => JSON.parse(l) as number[]);
  } finally {
    rmSync(script, { force: true });
  }
}

describe('stock uint8/uint16 exports that do not hurt', () => {
  it('keeps 1-D tensors float32 by default and never stretches a range to include 0', () => {
    // all-positive values (a moving variance): the grid spans [0.5, 2], not [0, 2]
    const variance = Float32Array.from([0.5, 0.52, 1.1, 2]);
    const e = encodeWeight(variance, 'uint8');
    expect(e.quantization).toEqual({ dtype: 'uint8', min: 0.5, scale: 1.5 / 255 });
    variance.forEach((v, i) => expect(Math.abs(e.decoded[i]! - v)).toBeLessThanOrEqual(1.5 / 255 / 2 + 1e-7));
    // mixed signs: 0 stays exact (pruned zeros)
    expect(encodeWeight(Float32Array.from([-1, 0, 3]), 'uint8').decoded[1]).toBe(0);
  });

  it('a kernel whose small channel one uint8 grid would wipe out is stored as float16, and the save says so', async () => {
    // Dense [2 in, 2 out]: output channel 0 spans ±1, channel 1 only 0.001: the uint8 step 2/255 ≈ 0.0078 rounds
    // channel 1 to 0 (100 % of its range lost, over the 10 % allowed); float16 keeps it within 2^-11 relative
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, name: 'd' })] });
    const kernel = [1, 0.001, -1, 0.0005];
    model.getLayer('d').setWeights([tf.tensor2d(kernel, [2, 2]), tf.tensor1d([0, 0])]);
    const scratch = mkdtempSync(join(tmpdir(), 'whittle-fallback-'));
    try {
      const kept = await saveModel(model, join(scratch, 'kept'), { quantization: 'uint8' });
      expect(kept.float16).toEqual(['d/kernel']);
      const specs = JSON.parse(readFileSync(join(kept.dir, 'model.json'), 'utf8')).weightsManifest[0].weights;
      expect(specs[0].quantization).toEqual({ dtype: 'float16' });
      const plain = await saveModel(model, join(scratch, 'plain'), { quantization: 'uint8', maxChannelError: Infinity });
      expect(plain.float16).toBeUndefined();
      const decoded = async (dir: string) => {
        const m = await loadLayersModel(dir);
        const v = Array.from(m.getLayer('d').getWeights()[0]!.dataSync());
        m.dispose();
        return v;
      };
      (await decoded(kept.dir)).forEach((v, i) => expect(Math.abs(v - kernel[i]!)).toBeLessThanOrEqual(Math.abs(kernel[i]!) * 2 ** -11));
      expect((await decoded(plain.dir)).filter((_, i) => i % 2 === 1)).toEqual([0, 0]); // channel 1 wiped out
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('quantize → uint8/uint16 export → stock tfjs in another process: the argmax of in-memory fake-quant, on every reference model and functional BatchNorm ones', async () => {
    const { train, test } = mnist({ layout: 'image' });
    const rows = permutation(test.size, 5).subarray(0, 400); // a seeded random subset of the test split: every class
    const subset = gather(test, rows);
    const flat = subset.x.reshape([400, 784]);
    const scratch = mkdtempSync(join(tmpdir(), 'whittle-export-'));
    const cases: { name: string; model: tf.LayersModel; equalize: boolean; format: 'uint8' | 'uint16' }[] = [
      { name: 'lenet-300-100', model: lenet300100({ pretrained: true }), equalize: false, format: 'uint8' },
      { name: 'lenet-5', model: lenet5({ pretrained: true }), equalize: false, format: 'uint8' },
      { name: 'mobilenet-mini', model: mobilenetMini({ pretrained: true }), equalize: false, format: 'uint8' },
      { name: 'mobilenet-mini-eq', model: mobilenetMini({ pretrained: true }), equalize: true, format: 'uint8' },
      { name: 'resnet-mini', model: resnetMini({ pretrained: true }), equalize: false, format: 'uint8' },
      { name: 'resnet-mini-eq', model: resnetMini({ pretrained: true }), equalize: true, format: 'uint8' },
      { name: 'resnet-mini-16', model: resnetMini({ pretrained: true }), equalize: false, format: 'uint16' },
    ];
    try {
      const dirs: string[] = [];
      const expected: number[][] = [];
      for (const c of cases) {
        const bits = c.format === 'uint8' ? 8 : 16;
        const { model: q } = await quantize(c.model, { weights: { bits, perChannel: false, scheme: 'asymmetric' }, equalize: c.equalize });
        const dir = join(scratch, c.name);
        const saved = await saveModel(q, dir, { quantization: c.format });
        const json = JSON.parse(readFileSync(join(saved.dir, 'model.json'), 'utf8')) as {
          weightsManifest: { weights: { shape: number[]; quantization?: unknown }[] }[];
        };
        for (const w of json.weightsManifest[0]!.weights)
          expect(w.quantization !== undefined, `${c.name}: rank ${w.shape.length}`).toBe(w.shape.length >= 2);
        const x = c.name === 'lenet-300-100' ? flat : subset.x;
        expected.push(predictClasses(q, x));
        if (c.equalize) {
          const agreement = await exportAgreement(c.model, saved.dir, x);
          expect(agreement.samples).toBe(400);
          expect(agreement.top1, c.name).toBeGreaterThanOrEqual(0.97);
        }
        dirs.push(saved.dir);
        q.dispose();
      }
      const flatDirs = dirs.filter((_, i) => cases[i]!.name === 'lenet-300-100');
      const imageDirs = dirs.filter((_, i) => cases[i]!.name !== 'lenet-300-100');
      const stock = [...stockClassify(flatDirs, flat, scratch), ...stockClassify(imageDirs, subset.x, scratch)];
      const order = [...cases.filter((c) => c.name === 'lenet-300-100'), ...cases.filter((c) => c.name !== 'lenet-300-100')];
      order.forEach((c, i) => {
        const want = expected[cases.indexOf(c)]!;
        expect(stock[i]!.filter((k, j) => k === want[j]).length, c.name).toBe(want.length);
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      cases.forEach((c) => c.model.dispose());
      tf.dispose([flat]);
      subset.dispose();
      train.dispose();
      test.dispose();
    }
  });
});
