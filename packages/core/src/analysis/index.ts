export { summary, layerMacs } from './summary.js';
export { evaluate, predictClasses, type EvaluateOptions } from './evaluate.js';
export { latency, type Latency, type LatencyOptions } from './latency.js';
export { compare, type CompareOptions } from './compare.js';
export { kfold, type KFoldOptions, type KFoldResult } from './kfold.js';
export { paretoFront, paretoReport, type ParetoInput } from './pareto.js';
export { policyFromSensitivity, type PolicyOptions } from './policy.js';
export { sensitivity, type SensitivityOptions, type SensitivityProgress } from './sensitivity.js';
export { magnitudePrune, fakeQuantizePerChannel, kernelIndex, type Technique } from './perturb.js';
