/**
 * Issue 22's concrete cases: NaN / Infinity weights, a save path under a file.
 * A NaN makes every comparison false, so before this fix prune's threshold
 * selection removed 93.8 % of LeNet-300-100's fc1 instead of 50 %, and a uint8
 * save encoded garbage silently.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { WhittleError } from '../errors.js';
import { buildLenet300100 } from '../models/architectures.js';
import { prune } from '../prune/prune.js';
import { gradualPrune } from '../prune/schedules.js';
import { quantize } from '../quantize/ptq.js';
import { equalize, foldBatchNorm } from '../quantize/equalize.js';
import { saveModel } from '../io/save.js';
import { loadModel } from '../io/load.js';
import { summary } from '../analysis/summary.js';
import { reportTable } from '../report/index.js';

beforeAll(() => initBackend());
const scratch = () => mkdtempSync(join(tmpdir(), 'whittle-nonfinite-'));

/** LeNet-300-100 with fc1/kernel[0] = NaN and fc1/kernel[5] = Infinity (the example). */
function poisoned(): tf.LayersModel {
  const m = buildLenet300100(1);
  const layer = m.getLayer('fc1');
  const [k, b] = layer.getWeights();
  const v = k!.dataSync().slice();
  v[0] = NaN;
  v[5] = Infinity;
  const bad = tf.tensor(v, k!.shape);
  layer.setWeights([bad, b!]);
  bad.dispose();
  return m;
}

const NAMED = /weight 'fc1\/kernel' has NaN at index 0 \(1 NaN, 1 ±Infinity/;

async function rejects(run: () => unknown, where: string) {
  let err: unknown;
  try {
    await run();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(WhittleError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${where}: `)).toBe(true);
  expect(msg).toMatch(NAMED);
  expect(msg).not.toContain('\n');
}

describe('NaN / Infinity weights', () => {
  it('prune rejects them (it used to remove 93.8 % of fc1 at sparsity 0.5)', async () => {
    const m = poisoned();
    const before = tf.memory().numTensors;
    await rejects(() => prune(m, { sparsity: 0.5 }), 'prune');
    await rejects(() => prune(m, { sparsity: 0.5, scope: 'global' }), 'prune');
    await rejects(() => prune(m, { sparsity: 0.5, granularity: 'neuron' }), 'prune');
    expect(tf.memory().numTensors).toBe(before);
    // the same model with finite weights prunes exactly half of fc1 (235,200 / 2)
    const clean = buildLenet300100(1);
    const { model } = prune(clean, { sparsity: 0.5 });
    const zeros = (model.getLayer('fc1').getWeights()[0]!.dataSync() as Float32Array).filter((x) => x === 0).length;
    expect(zeros).toBe(117600);
    m.dispose();
    clean.dispose();
    model.dispose();
  });

  it('saveModel with a lossy encoding rejects them; a float32 save keeps them bit for bit', async () => {
    const m = poisoned();
    for (const quantization of ['uint8', 'uint16', 'float16', 'packed'] as const) {
      const dir = join(scratch(), 'm');
      await rejects(() => saveModel(m, dir, { quantization }), 'saveModel');
      expect(existsSync(dir)).toBe(false);
    }
    const dir = join(scratch(), 'm');
    await saveModel(m, dir);
    const loaded = await loadModel(dir);
    const v = loaded.getLayer('fc1').getWeights()[0]!.dataSync();
    expect(Number.isNaN(v[0])).toBe(true);
    expect(v[5]).toBe(Infinity);
    m.dispose();
    loaded.dispose();
  });

  it('quantize, gradualPrune, foldBatchNorm and equalize reject them, naming the weight and index', async () => {
    const m = poisoned();
    await rejects(() => quantize(m), 'quantize');
    await rejects(() => gradualPrune(m, undefined as never, undefined as never), 'gradualPrune');
    await rejects(() => foldBatchNorm(m), 'foldBatchNorm');
    await rejects(() => equalize(m), 'equalize');
    m.dispose();
  });

  it('summary counts them per layer and in the totals, and its table shows a NaN/Inf column', () => {
    const m = poisoned();
    const r = summary(m);
    expect(r.layers.map((l) => l.nonFinite)).toEqual([2, 0, 0]);
    expect(r.totals.nonFinite).toBe(2);
    const table = reportTable(r);
    expect(table.columns.at(-1)).toBe('NaN/Inf');
    expect(table.rows[0]!.at(-1)).toBe('2');
    expect(table.notes!.join(' ')).toContain('2 weights are NaN or ±Infinity');
    const clean = buildLenet300100(1);
    expect(summary(clean).totals.nonFinite).toBe(0);
    expect(reportTable(summary(clean)).columns).not.toContain('NaN/Inf');
    m.dispose();
    clean.dispose();
  });
});

describe('saving to a path under a file', () => {
  it('is one WhittleError naming the file; the previous folder stays and no temporary folder is left', async () => {
    const root = scratch();
    writeFileSync(join(root, 'afile'), 'x');
    const m = buildLenet300100(2);
    let err: unknown;
    try {
      await saveModel(m, join(root, 'afile', 'sub', 'model'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WhittleError);
    expect((err as Error).message).toBe(
      `saveModel: cannot save to ${join(root, 'afile', 'sub', 'model')}: ${join(root, 'afile')} is a file, not a folder`,
    );
    expect(readdirSync(root)).toEqual(['afile']);

    // a previous model at the target survives a save that fails half-way (a shard name that cannot be written)
    const dir = join(root, 'kept');
    await saveModel(m, dir);
    const before = readFileSync(join(dir, 'weights.bin'));
    const { writeModelFolder } = await import('../io/save.js');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(() => writeModelFolder(dir, json, [{ name: 'no/such/sub/shard.bin', data: new Uint8Array(4) }])).toThrow(
      /^saveModel: cannot save to .*kept: ENOENT/,
    );
    expect(readFileSync(join(dir, 'weights.bin')).equals(before)).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['afile', 'kept']);
    m.dispose();
  });
});
