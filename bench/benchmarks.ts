import type { Benchmark } from './harness.js';
import { baseline } from './baseline.js';
import { training } from './training.js';
import { inference } from './inference.js';
import { sensitivityBench } from './sensitivity.js';
import { pruneQuality } from './prune-quality.js';
import { quantizeQuality } from './quantize-quality.js';
import { toolkitSpeed } from './toolkit-speed.js';
import { kernelBench } from './kernel.js';
import { rendererBench } from './renderer.js';
import { autoBench } from './auto.js';
import { deepCompressionBench } from './deep-compression.js';
import { dimensions, dimensionsSpam } from './dimensions.js';
import { demoBench } from './demo.js';
import { deployBench } from './deploy.js';
import { distillationBench } from './distillation.js';
import { reliabilityBench } from './reliability.js';

/** Every benchmark, in README order. */
export const BENCHMARKS: Benchmark[] = [
  baseline,
  demoBench,
  pruneQuality,
  quantizeQuality,
  deepCompressionBench,
  dimensions,
  dimensionsSpam,
  distillationBench,
  toolkitSpeed,
  training,
  inference,
  sensitivityBench,
  kernelBench,
  rendererBench,
  autoBench,
  deployBench,
  reliabilityBench,
];
