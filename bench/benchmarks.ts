import type { Benchmark } from './harness.js';
import { baseline } from './baseline.js';
import { training } from './training.js';
import { inference } from './inference.js';
import { sensitivityBench } from './sensitivity.js';

/** Every benchmark, in README order. */
export const BENCHMARKS: Benchmark[] = [baseline, training, inference, sensitivityBench];
