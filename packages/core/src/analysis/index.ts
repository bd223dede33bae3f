export { summary, layerMacs } from './summary.js';
export { evaluate, predictClasses, type EvaluateOptions } from './evaluate.js';
export { latency, type Latency, type LatencyOptions } from './latency.js';
