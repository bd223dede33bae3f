import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { buildLenet300100, buildLenet5 } from '../models/architectures.js';
import { loadModel } from './load.js';
import { saveModel } from './save.js';

beforeAll(() => initBackend());

type Layer = { class_name: string; config: Record<string, unknown> };
/** Saves `model` (in `format`), then rewrites one layer's config in its model.json. */
async function tampered(model: tf.LayersModel, layer: string, edit: Record<string, unknown>, format?: 'packed' | 'uint8') {
  const dir = join(mkdtempSync(join(tmpdir(), 'whittle-topology-')), 'm');
  await saveModel(model, dir, format ? { quantization: format } : {});
  const file = join(dir, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const layers: Layer[] = (json.modelTopology.model_config ?? json.modelTopology).config.layers;
  Object.assign(layers.find((l) => l.config.name === layer)!.config, edit);
  writeFileSync(file, JSON.stringify(json));
  return dir;
}

describe('loadModel bounds a topology by the weights it ships', () => {
  it('rejects sizes no weight has, in one line, before tfjs allocates them', async () => {
    const mlp = buildLenet300100(1);
    const conv = buildLenet5(1);
    const tensors = tf.memory().numTensors;
    // 784 × 3,000,000 float32 would be 9.4 GB, allocated and initialised before tfjs reads a shard
    await expect(loadModel(await tampered(mlp, 'fc1', { units: 3_000_000 }))).rejects.toThrow(
      /^loadModel: .*model\.json: layer fc1 has units=3000000, larger than any dimension of the weights it ships \(784\); the topology does not match its weights$/,
    );
    await expect(loadModel(await tampered(conv, 'conv1', { kernel_size: [5, 100_000] }))).rejects.toThrow(
      /layer conv1 has kernel_size=100000/,
    );
    await expect(loadModel(await tampered(conv, 'conv2', { filters: 1e6 }, 'packed'))).rejects.toThrow(/layer conv2 has filters=1000000/);
    expect(tf.memory().numTensors).toBe(tensors);
    mlp.dispose();
    conv.dispose();
  });

  it('still loads every format of a true topology, and a size within bounds reaches tfjs’s own shape check', async () => {
    const mlp = buildLenet300100(2);
    for (const format of [undefined, 'packed', 'uint8'] as const) {
      const dir = await tampered(mlp, 'fc1', {}, format);
      const loaded = (await loadModel(dir)) as tf.LayersModel;
      expect(loaded.countParams()).toBe(mlp.countParams());
      loaded.dispose();
    }
    // 301 ≤ 784: not a size bound, but the shards do not fit it: tfjs's shape check names the mismatch
    await expect(loadModel(await tampered(mlp, 'fc1', { units: 301 }))).rejects.toThrow(/^loadModel: .*could not be built by tfjs/);
    mlp.dispose();
  });
});
