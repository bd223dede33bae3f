import * as tf from '@tensorflow/tfjs';
import { checkRunnable } from '../models/check.js';
import type { AnyModel } from '../io/graph.js';
import { checkPositiveInt, fail, show } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';

export interface LatencyOptions {
  /** Timed runs. Default 20. */
  runs?: number;
  /** Untimed runs first (kernel compilation, caches). Default 3. */
  warmup?: number;
  /**
   * Samples per predict batch. Default: the whole input in one batch (tfjs's own
   * default of 32 made a 2,004-digit LeNet prediction ≈ 4–8× slower on wasm).
   */
  batchSize?: number;
}
const LATENCY_KEYS = optionKeys<LatencyOptions>({ runs: true, warmup: true, batchSize: true });

export interface Latency {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  backend: string;
}

/** Wall-clock time of `model.predict(input)` (one batch by default) including reading the result back. */
export function latency(model: AnyModel, input: tf.Tensor, options: LatencyOptions = {}): Latency {
  checkRunnable('latency', model);
  if (!input || typeof input !== 'object' || !Array.isArray((input as tf.Tensor).shape))
    fail('latency', `input must be a tensor (a batch such as test.x), got ${show(input)}`);
  checkOptions('latency', options, LATENCY_KEYS);
  const runs = checkPositiveInt('latency', 'runs', options.runs ?? 20);
  const batchSize = checkPositiveInt('latency', 'batchSize', options.batchSize ?? Math.max(1, input.shape[0] ?? 1));
  const once = () => {
    const out = model.predict(input, { batchSize }) as tf.Tensor;
    out.dataSync();
    out.dispose();
  };
  for (let i = 0; i < (options.warmup ?? 3); i++) once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    once();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { medianMs, minMs: times[0]!, maxMs: times.at(-1)!, runs, backend: tf.getBackend() };
}
