import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from './index.js';
import { latency } from '../analysis/latency.js';
import { buildLenet300100 } from '../models/architectures.js';

describe('initBackend', () => {
  it('rejects an unknown WHITTLE_BACKEND with the list of choices', async () => {
    // a fresh module instance, so the memoized choice of other tests does not answer
    vi.resetModules();
    const fresh = await import('./index.js');
    await expect(fresh.initBackend('gpu')).rejects.toThrow("WHITTLE_BACKEND: must be one of tensorflow, wasm, cpu, got 'gpu'");
  });

  it('picks tfjs-node when it loads, else wasm with the training kernels, and says why', async () => {
    // whether the optional dependency works here, asked in a separate process (an independent answer)
    const nodeLoads = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], { stdio: 'ignore' }).status === 0;
    const info = await initBackend();
    expect(tf.getBackend()).toBe(info.name);
    if (nodeLoads) {
      expect(info).toMatchObject({ name: 'tensorflow', reason: 'first choice', skipped: [], addedKernels: [] });
    } else {
      expect(info.name).toBe('wasm');
      expect(info.reason).toBe('tensorflow unavailable');
      expect(info.skipped.map((s) => s.name)).toEqual(['tensorflow']);
      expect(info.skipped[0]!.error.length).toBeGreaterThan(0);
      expect(info.addedKernels).toContain('Conv2DBackpropFilter');
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    }
  });
});

describe('latency', () => {
  it('reports median ≤ max, min ≤ median, the run count and backend, and leaks nothing', async () => {
    await initBackend();
    const model = buildLenet300100();
    const x = tf.zeros([8, 784]);
    const before = tf.memory().numTensors;
    const t = latency(model, x, { runs: 5, warmup: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(t.runs).toBe(5);
    expect(t.minMs).toBeLessThanOrEqual(t.medianMs);
    expect(t.medianMs).toBeLessThanOrEqual(t.maxMs);
    expect(t.backend).toBe((await initBackend()).name);
    expect(() => latency(model, x, { runs: 0 })).toThrow('latency: runs must be a positive integer, got 0');
  });
});
