import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { buildLenet5 } from '../models/architectures.js';
import { loadModel } from './load.js';
import { saveModel, writeModelFolder } from './save.js';
import { modelBytes } from './bytes.js';

beforeAll(() => initBackend());
const scratch = () => mkdtempSync(join(tmpdir(), 'whittle-io-'));
const input = () => tf.tidy(() => tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 1));

/** A script run in a separate Node process that loads a model with stock tfjs over HTTP (tfjs's own loader). */
const STOCK_LOADER = `
import * as tf from '@tensorflow/tfjs';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const server = createServer((req, res) => res.end(readFileSync(join(dir, req.url.slice(1)))));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const model = await tf.loadLayersModel('http://127.0.0.1:' + server.address().port + '/model.json');
const x = tf.tensor(JSON.parse(process.argv[3]), [4, 28, 28, 1]);
console.log(JSON.stringify(Array.from(model.predict(x).dataSync())));
server.close();
`;

describe('saveModel / loadModel', () => {
  it('round-trips: the loaded model predicts exactly what the saved one did', async () => {
    const model = buildLenet5(3);
    const dir = join(scratch(), 'm');
    const saved = await saveModel(model, dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect(saved.bytes).toBe(modelBytes(dir).bytes);
    expect(readFileSync(join(dir, 'weights.bin')).byteLength).toBe(61706 * 4);
    const loaded = await loadModel(dir);
    const x = input();
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
  });

  it('writes what stock tf.loadLayersModel loads, in a separate process without Whittle', async () => {
    const model = buildLenet5(4);
    const dir = join(scratch(), 'stock');
    await saveModel(model, dir);
    const x = input();
    const here = dirname(fileURLToPath(import.meta.url));
    const script = join(here, '..', '..', `.stock-loader-${process.pid}.mjs`); // inside the package, so '@tensorflow/tfjs' resolves
    writeFileSync(script, STOCK_LOADER);
    try {
      const out = execFileSync(process.execPath, [script, dir, JSON.stringify(Array.from(x.dataSync()))], { encoding: 'utf8' });
      const stock = JSON.parse(out.trim().split('\n').at(-1)!) as number[];
      const ours = Array.from((model.predict(x) as tf.Tensor).dataSync());
      stock.forEach((v, i) => expect(v).toBeCloseTo(ours[i]!, 5));
    } finally {
      (await import('node:fs')).rmSync(script, { force: true });
    }
  });

  it('replaces an earlier model folder atomically and leaves no temporary folders', async () => {
    const parent = scratch();
    const dir = join(parent, 'm');
    await saveModel(buildLenet5(1), dir);
    const second = buildLenet5(2);
    await saveModel(second, dir);
    const loaded = await loadModel(join(dir, 'model.json'));
    const x = input();
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((second.predict(x) as tf.Tensor).dataSync()));
    expect(readdirSync(parent)).toEqual(['m']);
  });

  it('keeps the old folder intact when a save fails half-way', async () => {
    const parent = scratch();
    const dir = join(parent, 'm');
    await saveModel(buildLenet5(1), dir);
    const before = readFileSync(join(dir, 'weights.bin'));
    // a shard name pointing into a missing sub-folder makes the second write fail
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(() =>
      writeModelFolder(dir, json, [
        { name: 'weights.bin', data: new Uint8Array(8) },
        { name: 'no/such/dir.bin', data: new Uint8Array(8) },
      ]),
    ).toThrow();
    expect(readFileSync(join(dir, 'weights.bin')).equals(before)).toBe(true);
    expect(readdirSync(parent)).toEqual(['m']);
  });

  it('refuses to replace a folder that holds other files', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(saveModel(buildLenet5(), dir)).rejects.toThrow(/saveModel: refusing to replace .* holds no model.json/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('rejects bad files with one-line errors naming the file', async () => {
    const dir = scratch();
    await expect(loadModel(join(dir, 'nonexistent.json'))).rejects.toThrow(/loadModel: .*nonexistent.json does not exist/);
    writeFileSync(join(dir, 'broken.json'), '{ "modelTopology": ');
    await expect(loadModel(join(dir, 'broken.json'))).rejects.toThrow(/loadModel: .*broken.json is not valid JSON/);
    writeFileSync(join(dir, 'other.json'), '{ "hello": 1 }');
    await expect(loadModel(join(dir, 'other.json'))).rejects.toThrow(/other.json has no modelTopology/);
    const m = join(dir, 'm');
    await saveModel(buildLenet5(), m);
    writeFileSync(join(m, 'weights.bin'), readFileSync(join(m, 'weights.bin')).subarray(0, 1000));
    await expect(loadModel(m)).rejects.toThrow(
      /^loadModel: .*weights.bin: truncated, 1000 of 246824 bytes; layer '\w+' and those after it are cut$/,
    );
    const noShard = join(dir, 'n');
    mkdirSync(noShard);
    writeFileSync(join(noShard, 'model.json'), readFileSync(join(m, 'model.json')));
    await expect(loadModel(noShard)).rejects.toThrow(/weights shard .*weights.bin named in .* is missing/);
  });

  it('counts bytes on disk and gzipped from the files themselves', async () => {
    const dir = join(scratch(), 'z');
    const model = buildLenet5();
    // an all-zero model compresses to almost nothing; a random one barely compresses
    model.setWeights(model.getWeights().map((w) => tf.zerosLike(w)));
    await saveModel(model, dir);
    const b = modelBytes(dir);
    expect(b.files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
    expect(b.bytes).toBe(b.files[0]!.bytes + b.files[1]!.bytes);
    expect(b.files[1]!.bytes).toBe(246824);
    expect(b.files[1]!.gzipBytes).toBeLessThan(2000);
  });
});
