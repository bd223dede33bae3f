import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, beforeAll } from 'vitest';
import { initBackend } from '../backend/index.js';
import { buildLenet300100, buildLenet5, buildMobilenetMini } from '../models/architectures.js';
import { summary } from './summary.js';
import { saveModel } from '../io/save.js';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateReport } from '@whittle/report';

beforeAll(() => initBackend());

describe('summary', () => {
  it('matches hand-computed LeNet-5 figures', async () => {
    const model = buildLenet5();
    const s = summary(model);
    const row = (name: string) => s.layers.find((l) => l.name === name)!;
    // params: conv1 5·5·1·6+6, conv2 5·5·6·16+16, fc1 400·120+120, fc2 120·84+84, fc3 84·10+10
    expect(row('conv1').params).toBe(156);
    expect(row('conv2').params).toBe(2416);
    expect(row('fc1').params).toBe(48120);
    expect(row('fc2').params).toBe(10164);
    expect(row('fc3').params).toBe(850);
    expect(s.totals.params).toBe(61706);
    // MACs: conv1 28·28·6·25, conv2 10·10·16·(25·6), dense in·out
    expect(row('conv1').macs).toBe(117600);
    expect(row('conv2').macs).toBe(240000);
    expect(row('fc1').macs).toBe(48000);
    expect(row('fc2').macs).toBe(10080);
    expect(row('fc3').macs).toBe(840);
    expect(row('pool1').macs).toBe(0);
    expect(s.totals.macs).toBe(117600 + 240000 + 48000 + 10080 + 840);
    expect(row('conv2').outputShape).toEqual([null, 10, 10, 16]);
    // float32 on disk: 4 bytes per parameter per layer; the total is the whole folder a save writes (model.json too)
    expect(row('fc1').bytes).toBe(48120 * 4);
    expect(s.layers.reduce((t, l) => t + l.bytes, 0)).toBe(61706 * 4);
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-summary-')), 'm');
    await saveModel(model, dir);
    expect(s.totals.bytes).toBe(readdirSync(dir).reduce((t, f) => t + statSync(join(dir, f)).size, 0));
    expect(s.storage).toBe('float32');
    expect(validateReport(s).ok).toBe(true);
    model.dispose();
  });

  it('counts LeNet-300-100 parameters (266,610) and zeros after setting weights', () => {
    const model = buildLenet300100();
    const [k, b] = model.getLayer('fc3').getWeights();
    // zero the first 3 rows of fc3's kernel (3·10 weights) and its bias (10)
    const zeroed = tf.tidy(() => k!.mul(tf.concat([tf.zeros([3, 10]), tf.ones([97, 10])])));
    model.getLayer('fc3').setWeights([zeroed, tf.zerosLike(b!)]);
    const s = summary(model);
    expect(s.totals.params).toBe(266610);
    expect(s.totals.nonzeros).toBe(266610 - 40);
    const fc3 = s.layers.find((l) => l.name === 'fc3')!;
    expect(fc3.sparsity).toBeCloseTo(40 / 1010, 10);
    model.dispose();
  });

  it('counts depthwise MACs as kh·kw per output element', () => {
    const model = buildMobilenetMini();
    const s = summary(model);
    // block1_dw: stride 2 on 28×28×16 → 14×14×16 outputs, 3·3 MACs each
    expect(s.layers.find((l) => l.name === 'block1_dw')!.macs).toBe(14 * 14 * 16 * 9);
    // block1_pw: 14×14×32 outputs, 16 inputs each
    expect(s.layers.find((l) => l.name === 'block1_pw')!.macs).toBe(14 * 14 * 32 * 16);
    model.dispose();
  });

  it('rejects a value that is not a model', () => {
    expect(() => summary({} as tf.LayersModel)).toThrow(/summary: model must be a tf.LayersModel/);
  });
});
